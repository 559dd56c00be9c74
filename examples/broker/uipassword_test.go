package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

// hybridEntra stands in for an entra client of a hybrid tenant.
type hybridEntra struct{ *memdir.Dir }

func (hybridEntra) PasswordsFromAD() bool { return true }
func (hybridEntra) SetPassword(context.Context, string, string, bool) error {
	return errors.New("not in a hybrid tenant")
}

// cloudDir stands in for a google or cloud-only entra client.
type cloudDir struct{ *memdir.Dir }

func (cloudDir) SetPassword(context.Context, string, string, bool) error { return nil }

// TestUIPasswordTargetsHybrid: an Entra client of a hybrid tenant cannot
// be a password target (its passwords come from AD); a cloud directory
// that sets passwords can.
func TestUIPasswordTargetsHybrid(t *testing.T) {
	dir := t.TempDir()
	kf, cf := writeKeyPair(t, dir)
	md := filepath.Join(dir, "idp.xml")
	_ = os.WriteFile(md, []byte(idpMetadata), 0o644)
	b, err := broker.New(context.Background(), broker.Options{Log: slog.New(slog.DiscardHandler)},
		broker.Client{Name: "mem", Target: memdir.New(), Config: provision.Defaults(), FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]diff.Target{"entra": hybridEntra{memdir.New()}, "google": cloudDir{memdir.New()}}
	cfg := func(names ...string) *uiConfig {
		c := &uiConfig{URL: "https://broker.kommune.test/ui", IdPMetadataFile: md, KeyFile: kf, CertFile: cf, PasswordTargets: names}
		c.Attributes.Role = "groups"
		c.Attributes.Roles = map[string]string{"GG-teachers": "teacher"}
		return c
	}
	if _, err := buildUI(context.Background(), cfg("entra"), b, targets, slog.New(slog.DiscardHandler)); !errors.Is(err, provision.ErrConfig) {
		t.Errorf("hybrid entra as a password target: %v, want ErrConfig", err)
	}
	u, err := buildUI(context.Background(), cfg("google"), b, targets, slog.New(slog.DiscardHandler))
	if err != nil || len(u.Passwords) != 1 || u.Passwords[0].Name != "google" {
		t.Fatalf("google as a password target: %v", err)
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// TestGoogleClient: a google client from the broker's YAML syncs a
// synthetic municipality into the fake Google service, and the next run
// plans nothing.
func TestGoogleClient(t *testing.T) {
	f := googlefake.New(googlefake.Options{Domain: "skole.test"})
	defer f.Close()
	f.AddOrgUnit("/Skoledata", "")
	fc, err := parseConfig([]byte(`state: x
clients:
  - name: workspace
    type: google
    usernames: {seed: 1}
    google:
      domain: skole.test
      root: /Skoledata
      endpoint: ` + f.URL() + `
      licences: {product: "101031", student: "1010310008", employee: "1010310009"}
      drives: {model: per-institution}
      queriesPerMinute: 1000000
      burst: 1000
`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := fc.Clients[0]
	if c.Projection.Layout != desired.InstitutionsLast {
		t.Errorf("layout %q, want google-sync's default %q", c.Projection.Layout, desired.InstitutionsLast)
	}
	tgt, _, _, err := target(ctx, c, log, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	snap := synth.Generate(synth.Tiny)
	now := synth.ReferenceTime(snap.SchoolYear)
	b, err := broker.New(ctx, broker.Options{Clock: func() time.Time { return now }, Log: log},
		broker.Client{Name: c.Name, Target: tgt, Config: c.Config, FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	rep, err := b.Run(ctx, c.Name)
	if err != nil || rep.Error != "" || rep.Applied == 0 || rep.Failed != 0 {
		t.Fatalf("first run: %+v %v", rep, err)
	}
	if n := len(f.Users()); n < 100 {
		t.Fatalf("%d users in the fake after the first run", n)
	}
	rep, err = b.Run(ctx, c.Name)
	if err != nil || rep.Error != "" || rep.Planned != 0 {
		t.Fatalf("second run: %+v %v", rep, err)
	}
}

func TestGoogleConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"state: x\nclients:\n  - {name: a, type: google}\n", "clients[0].google: required"},
		{"state: x\nclients:\n  - {name: a, type: google, google: {root: /x}}\n", "clients[0].google.domain: required"},
		{"state: x\nclients:\n  - {name: a, type: google, google: {domain: d, colour: red}}\n", "colour"},
		{"state: x\nclients:\n  - {name: a, type: memdir, path: a, google: {domain: d}}\n", "clients[0].google: only for a client of type google"},
		{"state: x\nclients:\n  - {name: a, type: memdir, path: a, entra: {tenantId: t}}\n", "clients[0].entra: only for a client of type entra"},
	} {
		_, err := parseConfig([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, provision.ErrConfig) {
			t.Errorf("config\n%s\nerror %v, want one naming %q", tc.yaml, err, tc.want)
		}
	}
	// No key and no endpoint: the error says where the key goes.
	fc, err := parseConfig([]byte("state: x\nclients:\n  - {name: a, type: google, google: {domain: d, subject: admin@d}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = target(context.Background(), fc.Clients[0], slog.New(slog.NewTextHandler(io.Discard, nil)), func(string) string { return "" })
	if !errors.Is(err, provision.ErrConfig) || !strings.Contains(err.Error(), "ORGSYNC_GOOGLE_KEY_FILE") {
		t.Errorf("no key: %v", err)
	}
}

// TestEntraNeedsTag: without -tags entra, a client of type entra is an
// error that says how to build the broker with it.
func TestEntraNeedsTag(t *testing.T) {
	if _, ok := extraTargets["entra"]; ok {
		t.Skip("built with -tags entra")
	}
	_, err := parseConfig([]byte("state: x\nclients:\n  - {name: a, type: entra, entra: {tenantId: t}}\n"))
	if !errors.Is(err, provision.ErrConfig) || !strings.Contains(err.Error(), "clients[0].type: entra needs") || !strings.Contains(err.Error(), "-tags entra") {
		t.Errorf("error %v", err)
	}
}

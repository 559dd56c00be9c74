package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/broker/ui"
	"github.com/orgsync/orgsync/provision"
)

func TestExampleAuditSection(t *testing.T) {
	b, err := os.ReadFile("broker.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := parseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if a := fc.Audit; a == nil || a.File == "" || a.KeyFile == "" || !slices.Equal(a.ReviewRoles, []string{"privacy-officer"}) || len(a.Purposes) != 5 {
		t.Errorf("audit: %+v", fc.Audit)
	}
}

// TestOpenAudit: the log takes the UI's page purposes besides the
// configured ones, continues an existing file, and refuses a bad key or a
// tampered file.
func TestOpenAudit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := &auditConfig{File: filepath.Join(dir, "a.jsonl"), KeyFile: filepath.Join(dir, "k"), Purposes: []string{"support case"}}
	if _, err := openAudit(c); !errors.Is(err, provision.ErrConfig) {
		t.Fatalf("missing key: %v", err)
	}
	if err := demoAuditKey(c.KeyFile); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		tr, err := openAudit(c)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !slices.Equal(tr.search, []string{"support case"}) {
			t.Errorf("search purposes %v", tr.search)
		}
		rec := ui.AuditRecorder{Log: tr.log}
		for _, p := range append([]string{"support case"}, ui.PagePurposes...) {
			if err := rec.Record(ctx, ui.Lookup{Actor: "a", Role: "teacher", Purpose: p, At: time.Now()}); err != nil {
				t.Errorf("purpose %q: %v", p, err)
			}
		}
		if err := rec.Record(ctx, ui.Lookup{Actor: "a", Purpose: "export", At: time.Now()}); !errors.Is(err, auditlog.ErrRecord) {
			t.Errorf("unlisted purpose: %v", err)
		}
		if err := tr.close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	key, _ := readAuditKey(c.KeyFile)
	raw, _ := os.ReadFile(c.File)
	if _, err := auditlog.Verify(bytes.NewReader(raw), auditlog.VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey), Final: true}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.File, bytes.Replace(raw, []byte(`"actor":"a"`), []byte(`"actor":"b"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openAudit(c); !errors.Is(err, auditlog.ErrTampered) {
		t.Errorf("tampered log: %v", err)
	}
}

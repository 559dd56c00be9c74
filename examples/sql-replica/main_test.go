package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/mariadbtest"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func TestSchema(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-schema"}, &out, &errb, func() time.Time { return synth.ReferenceTime("2025-2026") }); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "CREATE TABLE IF NOT EXISTS affiliations") {
		t.Error("schema lacks affiliations")
	}
	if code := run(context.Background(), nil, &out, &errb, func() time.Time { return synth.ReferenceTime("2025-2026") }); code != 2 {
		t.Errorf("no flags: exit %d, want 2", code)
	}
}

// TestDryRunThenApply runs against the MariaDB of .ci/servers/mariadb.sh:
// the dry run shows the plan and writes no row, -apply writes it, and a
// second dry run has nothing to do.
func TestDryRunThenApply(t *testing.T) {
	tdb := mariadbtest.New(t, "orgsync_example_replica_")
	cfg := tdb.Config
	s := synth.Generate(synth.Tiny)
	p := filepath.Join(t.TempDir(), "snap.json")
	b, _ := json.Marshal(s)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	now := synth.ReferenceTime(s.SchoolYear)
	args := []string{"-dsn", cfg.FormatDSN(), "-snapshot", p}
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb, func() time.Time { return now }); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "person/"+s.Persons[0].ID) {
		t.Errorf("dry run does not show the person rows:\n%.2000s", out.String())
	}
	var n int
	if err := tdb.QueryRow("SELECT COUNT(*) FROM persons").Scan(&n); err != nil || n != 0 {
		t.Fatalf("dry run wrote %d persons (%v)", n, err)
	}
	out.Reset()
	if code := run(context.Background(), append(args, "-apply"), &out, &errb, func() time.Time { return now }); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errb.String())
	}
	if err := tdb.QueryRow("SELECT COUNT(*) FROM persons").Scan(&n); err != nil || n != len(s.Persons) {
		t.Fatalf("apply wrote %d persons, want %d (%v)", n, len(s.Persons), err)
	}
	out.Reset()
	if code := run(context.Background(), args, &out, &errb, func() time.Time { return now }); code != 0 || !strings.Contains(out.String(), "0 change") && !strings.Contains(out.String(), "no change") {
		t.Errorf("second dry run: exit %d:\n%.500s", code, out.String())
	}
	// A long-lived loop: the first run reads every table, the next ones
	// only what changed.
	out.Reset()
	if code := run(context.Background(), append(args, "-apply", "-every", "10ms", "-runs", "3", "-full-every", "50"), &out, &errb, func() time.Time { return now }); code != 0 {
		t.Fatalf("loop: exit %d: %s", code, errb.String())
	}
	if got := strings.Count(out.String(), "full read (first read)"); got != 1 {
		t.Errorf("loop: %d first full reads, want 1:\n%s", got, out.String())
	}
	if got := strings.Count(out.String(), ": delta read,"); got != 2 {
		t.Errorf("loop: %d delta reads, want 2:\n%s", got, out.String())
	}
}

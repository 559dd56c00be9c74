package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/orgmodel"
)

// TestPurgeCommand: a dry run changes nothing; a run purges the leaver
// and appends one purge record to the audit log.
func TestPurgeCommand(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	store, err := snapstore.OpenFiles(hist)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	for i, ids := range [][]string{{"stayer", "leaver"}, {"stayer"}} {
		s := &orgmodel.Snapshot{}
		for _, id := range ids {
			s.Persons = append(s.Persons, orgmodel.Person{ID: id, GivenName: id})
		}
		if _, err := store.Save(context.Background(), s, t0.AddDate(0, i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	audit := filepath.Join(dir, "audit.jsonl")
	now := t0.AddDate(0, 14, 0)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-history", hist, "-audit", audit, "-dry-run"}, &out, &errb, now); code != 0 ||
		!strings.Contains(out.String(), "due for purging (dry run, nothing changed): 1 persons") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if _, err := os.Stat(audit); err == nil {
		t.Error("the dry run wrote the audit log")
	}
	out.Reset()
	if code := run(context.Background(), []string{"-history", hist, "-audit", audit}, &out, &errb, now); code != 0 ||
		!strings.Contains(out.String(), "purged 1 persons") {
		t.Fatalf("run: exit %d\n%s%s", code, out.String(), errb.String())
	}
	b, err := os.ReadFile(audit)
	if err != nil || !strings.Contains(string(b), `"phase":"purge"`) || strings.Contains(string(b), "leaver") {
		t.Errorf("audit log: %v\n%s", err, b)
	}
	ids, _ := store.List(context.Background())
	s, _ := store.Load(context.Background(), ids[0])
	if len(s.Persons) != 1 || s.Persons[0].ID != "stayer" {
		t.Errorf("first snapshot after the purge: %+v", s.Persons)
	}
}

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

// TestPurgeCommandMinimises: the history's replaced snapshot loses its
// CPR numbers once -protected-months have passed; a dry run only counts;
// -protected-months 0 keeps them; the audit log gets a count-only record.
func TestPurgeCommandMinimises(t *testing.T) {
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	store, err := snapstore.OpenFiles(hist)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	for i, name := range []string{"Anna", "Anne"} {
		s := &orgmodel.Snapshot{Persons: []orgmodel.Person{{ID: "p1", CPR: "0101101234", GivenName: name}}}
		if _, err := store.Save(context.Background(), s, t0.AddDate(0, i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	ids, _ := store.List(context.Background())
	cprIn := func(id string) bool {
		s, err := store.Load(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return s.Persons[0].CPR != ""
	}
	audit := filepath.Join(dir, "audit.jsonl")
	now := t0.AddDate(0, 14, 0)
	for _, tc := range []struct {
		args    []string
		out     string
		cprKept bool
	}{
		{[]string{"-protected-months", "0"}, "purged 0 persons", true},
		{[]string{"-dry-run"}, "due for minimising (dry run, nothing changed): 1 stored snapshots replaced more than 13 months ago: 1 CPR numbers", true},
		{[]string{"-protected-months", "20"}, "minimised 0 stored snapshots", true},
		{nil, "minimised 1 stored snapshots replaced more than 13 months ago: 1 CPR numbers, 0 addresses", false},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"-history", hist, "-audit", audit}, tc.args...)
		if code := run(context.Background(), args, &out, &errb, now); code != 0 || !strings.Contains(out.String(), tc.out) {
			t.Fatalf("%v: exit %d, want %q in\n%s%s", tc.args, code, tc.out, out.String(), errb.String())
		}
		if got := cprIn(ids[0]); got != tc.cprKept {
			t.Errorf("%v: CPR in the replaced snapshot %v, want %v", tc.args, got, tc.cprKept)
		}
		if !cprIn(ids[1]) {
			t.Errorf("%v: the newest snapshot lost its CPR", tc.args)
		}
	}
	b, err := os.ReadFile(audit)
	if err != nil || strings.Count(string(b), `"op":"minimise/`) != 1 || strings.Contains(string(b), "0101101234") {
		t.Errorf("audit log: %v\n%s", err, b)
	}
	var errb bytes.Buffer
	if code := run(context.Background(), []string{"-history", hist, "-protected-months", "-1"}, &errb, &errb, now); code != 4 {
		t.Errorf("-protected-months -1: exit %d, want 4", code)
	}
}

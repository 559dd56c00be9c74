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

const td = "../../adapters/stil/testdata/"

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "snap.json")
	store := filepath.Join(dir, "hist")
	var so, se bytes.Buffer
	now := time.Date(2024, 9, 2, 6, 0, 0, 0, time.UTC)
	code := run(context.Background(), []string{"-o", out, "-store", store, td + "skovbakke-2024.xml", td + "troldehoejen-2024.xml"}, &so, &se, now)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, so.String(), se.String())
	}
	s, err := snapstore.ReadSnapshotFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil || len(s.Persons) != 7 {
		t.Fatalf("written snapshot: %d persons, %v", len(s.Persons), err)
	}
	// A year later: the school year changes.
	so.Reset()
	code = run(context.Background(), []string{"-o", out, "-store", store, td + "skovbakke-2025.xml", td + "troldehoejen-2024.xml"}, &so, &se, now.AddDate(1, 0, 0))
	if code != 0 || !strings.Contains(so.String(), "SCHOOL YEAR CHANGE 2024-2025 -> 2025-2026 (institutions 280101)") {
		t.Fatalf("exit %d, stdout %s", code, so.String())
	}
	// The daycare vanishes from the input: held back, proposal printed.
	so.Reset()
	code = run(context.Background(), []string{"-o", out, "-store", store, td + "skovbakke-2025.xml"}, &so, &se, now.AddDate(1, 0, 1))
	if code != 0 || !strings.Contains(so.String(), "HELD institution 280201: 2 -> 0 persons") {
		t.Fatalf("exit %d, stdout %s", code, so.String())
	}
	s, _ = snapstore.ReadSnapshotFile(out)
	if _, ok := s.Institution("280201"); !ok {
		t.Error("held institution missing from the written snapshot")
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte("<x>"), 0o644)
	var so, se bytes.Buffer
	if code := run(context.Background(), []string{"-o", filepath.Join(dir, "o.json"), bad}, &so, &se, time.Now()); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "o.json")); err == nil {
		t.Error("output written for bad input")
	}
	if code := run(context.Background(), []string{"-strict", "-o", filepath.Join(dir, "o.json"), td + "bad-records.xml", td + "skovbakke-2024.xml"}, &so, &se, time.Now()); code != 1 {
		t.Errorf("strict with bad records: exit %d, want 1", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "o.json")); err == nil {
		t.Error("output written although an institution failed and there is no history")
	}
	if code := run(context.Background(), []string{"-type", "x=NOPE", "a.xml"}, &so, &se, time.Now()); code != 2 {
		t.Errorf("bad -type: exit %d, want 2", code)
	}
}

// TestCurrentAndSynth: -current moves a saved export to the school year
// running now, so its classes are in force; -synth writes a synthetic
// municipality for today's school year.
func TestCurrentAndSynth(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2027, 10, 4, 6, 0, 0, 0, time.UTC)
	for _, args := range [][]string{
		{"-current", td + "skovbakke-2025.xml"},
		{"-synth", "tiny"},
	} {
		out := filepath.Join(dir, "snap.json")
		var so, se bytes.Buffer
		if code := run(context.Background(), append([]string{"-o", out}, args...), &so, &se, now); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, so.String(), se.String())
		}
		s, err := snapstore.ReadSnapshotFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil || s.SchoolYear != "2027-2028" {
			t.Fatalf("%v: school year %q, %v", args, s.SchoolYear, err)
		}
		classes := 0
		for _, g := range s.Groups {
			if g.Type == orgmodel.Hovedgruppe && g.Valid.Contains(now) {
				classes++
			}
		}
		if classes == 0 {
			t.Errorf("%v: no class in force at %s", args, now.Format(time.DateOnly))
		}
	}
	var so, se bytes.Buffer
	if code := run(context.Background(), []string{"-synth", "huge"}, &so, &se, now); code != 2 {
		t.Errorf("-synth huge: exit %d", code)
	}
}

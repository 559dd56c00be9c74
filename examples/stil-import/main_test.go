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
	if code != 0 || !strings.Contains(so.String(), "SCHOOL YEAR CHANGE 2024-2025 -> 2025-2026 (institutions 280101)") ||
		!strings.Contains(so.String(), "NOTICE institution 280101 person 280101:L-0102 field UserId (notice, line 0): identity changed") {
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
	// An export older than the one applied is refused for its institution.
	so.Reset()
	code = run(context.Background(), []string{"-o", out, "-store", store, td + "skovbakke-2024.xml"}, &so, &se, now.AddDate(1, 0, 2))
	if code != exitProblems || !strings.Contains(so.String(), "HELD institution 280101 (its previous data stays in force): stil: merge institution 280101: export older than the one last applied: exported 2024-09-02T04:15:00Z, last applied 2025-08-11T04:15:00Z") {
		t.Fatalf("stale export: exit %d, stdout %s", code, so.String())
	}
	s, _ = snapstore.ReadSnapshotFile(out)
	if s.SchoolYear != "2025-2026" {
		t.Errorf("stale export changed the school year to %s", s.SchoolYear)
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

// TestRunProblems: an institution with bad records is held back, the other
// is written; problems go to stdout and to JSON; the exit status says "done
// with problems"; the held institution keeps the data of the previous run.
func TestRunProblems(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o.json")
	pj := filepath.Join(dir, "problems.json")
	var so, se bytes.Buffer
	now := time.Date(2024, 9, 2, 6, 0, 0, 0, time.UTC)
	// First run: 280999 with a generous share of bad records is used.
	code := run(context.Background(), []string{"-max-bad", "1", "-o", out, td + "bad-records.xml", td + "skovbakke-2024.xml"}, &so, &se, now)
	if code != exitProblems {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitProblems, so.String(), se.String())
	}
	for _, want := range []string{
		"PROBLEM institution 280999 person badc0002 field CivilRegistrationNumber (left out, line 16)",
		"PROBLEM institution 280999 group B field GroupType (warning, line 9)",
	} {
		if !strings.Contains(so.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, so.String())
		}
	}
	if strings.Contains(so.String(), "3202991234") {
		t.Error("stdout repeats a CPR")
	}
	// Second run, default share: 280999 is held back at its previous data.
	so.Reset()
	code = run(context.Background(), []string{"-problems", pj, "-o", out, td + "bad-records.xml", td + "skovbakke-2024.xml"}, &so, &se, now)
	if code != exitProblems || !strings.Contains(so.String(), "HELD institution 280999 (its previous data stays in force): stil: decode institution 280999: too many bad records") {
		t.Fatalf("exit %d\n%s%s", code, so.String(), se.String())
	}
	s, err := snapstore.ReadSnapshotFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Person("badr0003"); !ok {
		t.Error("held institution lost its previous data")
	}
	b, err := os.ReadFile(pj)
	if err != nil {
		t.Fatal(err)
	}
	var probs []map[string]any
	if err := json.Unmarshal(b, &probs); err != nil || len(probs) != 6 || probs[2]["personId"] != "badc0002" || probs[2]["field"] != "CivilRegistrationNumber" {
		t.Errorf("problems JSON (%v): %s", err, b)
	}
	// Strict: any problem holds the institution back; the other is written.
	so.Reset()
	out2 := filepath.Join(dir, "strict.json")
	if code := run(context.Background(), []string{"-strict", "-o", out2, td + "bad-records.xml", td + "skovbakke-2024.xml"}, &so, &se, now); code != exitProblems {
		t.Fatalf("strict: exit %d", code)
	}
	if !strings.Contains(so.String(), "HELD institution 280999 (no previous data: left out of the snapshot)") {
		t.Errorf("stdout:\n%s", so.String())
	}
	s, _ = snapstore.ReadSnapshotFile(out2)
	if len(s.Institutions) != 1 || s.Institutions[0].Number != "280101" {
		t.Errorf("strict snapshot institutions = %+v", s.Institutions)
	}
	if code := run(context.Background(), []string{"-shared-cpr", "x", "a.xml"}, &so, &se, now); code != 2 {
		t.Errorf("bad -shared-cpr: exit %d, want 2", code)
	}
}

func TestRunProblemsJSONOnStdout(t *testing.T) {
	dir := t.TempDir()
	var so, se bytes.Buffer
	code := run(context.Background(), []string{"-problems", "-", "-o", filepath.Join(dir, "o.json"), td + "bad-records.xml", td + "skovbakke-2024.xml"}, &so, &se, time.Now())
	if code != exitProblems {
		t.Fatalf("exit %d\n%s", code, se.String())
	}
	var probs []map[string]any
	if err := json.Unmarshal(so.Bytes(), &probs); err != nil || len(probs) != 6 {
		t.Fatalf("stdout is not the problems JSON alone (%v):\n%s", err, so.String())
	}
	if !strings.Contains(se.String(), "PROBLEM institution 280999") || !strings.Contains(se.String(), "HELD institution 280999") {
		t.Errorf("stderr lacks the human-readable lines:\n%s", se.String())
	}
}

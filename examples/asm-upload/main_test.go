package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func writeSnapshot(t *testing.T, s *orgmodel.Snapshot) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "snap.json")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDryRun(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	p := writeSnapshot(t, s)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-snapshot", p, "-dry-run", "-dir", "dropbox"}, &out, &errb, synth.ReferenceTime(s.SchoolYear))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"students.csv:", "rosters.csv:", "person_id,person_number", "would upload to upload.appleschoolcontent.com:22:dropbox/orgsync-asm.zip"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadRowAndUsage(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	for i, p := range s.Persons {
		if len(s.Roles(p.ID, synth.ReferenceTime(s.SchoolYear))) > 0 && s.Roles(p.ID, synth.ReferenceTime(s.SchoolYear))[0] == orgmodel.Elev {
			s.Persons[i].GivenName = ""
			break
		}
	}
	p := writeSnapshot(t, s)
	zip := filepath.Join(t.TempDir(), "asm.zip")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-snapshot", p, "-o", zip}, &out, &errb, synth.ReferenceTime(s.SchoolYear)); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "first_name is empty") {
		t.Errorf("stderr: %s", errb.String())
	}
	if _, err := os.Stat(zip); err == nil {
		t.Error("a zip was written despite the bad row")
	}
	if code := run(context.Background(), nil, &out, &errb, synth.ReferenceTime(s.SchoolYear)); code != 2 {
		t.Errorf("no flags: exit %d, want 2", code)
	}
}

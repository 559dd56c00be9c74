package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/oneroster/orcheck"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func TestRun(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	dir := t.TempDir()
	p := filepath.Join(dir, "snap.json")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	now := synth.ReferenceTime(s.SchoolYear)
	zip := filepath.Join(dir, "or.zip")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-snapshot", p, "-o", zip, "-dry-run"}, &out, &errb, now); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "users.csv:") || !strings.Contains(out.String(), "would write") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	if _, err := os.Stat(zip); err == nil {
		t.Fatal("dry run wrote the zip")
	}
	if code := run(context.Background(), []string{"-snapshot", p, "-o", zip}, &out, &errb, now); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	data, err := os.ReadFile(zip)
	if err != nil {
		t.Fatal(err)
	}
	r, err := orcheck.Check(data)
	if err != nil || r.Err() != nil {
		t.Fatalf("written zip: %v %v", err, r.Err())
	}
	if code := run(context.Background(), nil, &out, &errb, now); code != 2 {
		t.Errorf("no flags: exit %d", code)
	}
}

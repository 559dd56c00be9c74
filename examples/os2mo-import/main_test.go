package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/orgsync/orgsync/orgmodel"
)

func TestDemo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "snap.json")
	if code := run([]string{"-demo", "50", "-o", out}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := orgmodel.ReadSnapshotJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Persons) != 50 || len(s.Managers) == 0 {
		t.Errorf("%d persons, %d managers", len(s.Persons), len(s.Managers))
	}
	if code := run([]string{"-o", out}); code != 2 {
		t.Errorf("without -url: exit %d, want 2", code)
	}
}

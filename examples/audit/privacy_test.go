package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestQuickstartWritesNoCPR: with the default configuration no CPR number
// of the synthetic municipality reaches the embedded directory (memdir's
// write path), the state, the plans or the audit log the quickstart writes.
func TestQuickstartWritesNoCPR(t *testing.T) {
	path := quickstartLog(t)
	cfg := synth.Tiny
	cfg.Seed = 1 // the quickstart's default -seed
	snap := synth.Generate(cfg)
	var cprs []string
	for _, p := range snap.Persons {
		if p.CPR != "" {
			cprs = append(cprs, p.CPR)
		}
	}
	if len(cprs) == 0 {
		t.Fatal("the synthetic municipality has no CPR numbers")
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*"))
	if len(files) < 3 {
		t.Fatalf("only %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cprs {
			if strings.Contains(string(b), c) {
				t.Errorf("%s holds CPR %s", filepath.Base(f), c)
				break
			}
		}
	}
}

package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickstart runs the whole demo: it fails if the second run is not
// empty, if the safety rail does not bite, or if the year roll does not
// rename classes and converge.
func TestQuickstart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "qs")
	var out strings.Builder
	q := &quickstart{dir: dir, size: "tiny", seed: 1, out: &out, log: slog.New(slog.DiscardHandler)}
	if err := q.run(context.Background()); err != nil {
		t.Fatalf("quickstart: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"0 changes: the directory is in step with the source.",
		"the plan was refused",
		"Nothing was applied",
		"rename ou/class/",
		"0 changes: converged.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{"directory.json", "state.json", "audit.jsonl", "plan-1.txt", "plan-3.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestQuickstartDryRunWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "qs")
	var out strings.Builder
	q := &quickstart{dir: dir, size: "tiny", seed: 1, dry: true, out: &out, log: slog.New(slog.DiscardHandler)}
	if err := q.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "+ create user") || !strings.Contains(out.String(), "Dry run") {
		t.Errorf("dry run did not print the plan:\n%.2000s", out.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("dry run created %s", dir)
	}
}

// TestQuickstartRunsAgain: the quickstart runs three times in a row in the
// same folder (it once failed on the second run with duplicate class keys,
// rolling the school year backwards).
func TestQuickstartRunsAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "qs")
	for i := range 3 {
		var out strings.Builder
		q := &quickstart{dir: dir, size: "tiny", seed: 1, out: &out, log: slog.New(slog.DiscardHandler)}
		if err := q.run(context.Background()); err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
		if i > 0 && !strings.Contains(out.String(), "Starting afresh") {
			t.Errorf("run %d does not say it starts afresh:\n%.500s", i+1, out.String())
		}
	}
}

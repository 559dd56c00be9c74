package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/diff/inventory"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// kindOf is the inventory's kind of a written user.
func kindOf(o diff.Object) inventory.PersonKind {
	switch o.Attrs.Get(attr.GlobalRole) {
	case attr.RoleStudent:
		return inventory.Pupil
	case attr.RoleExternal:
		return inventory.External
	}
	return inventory.Employee
}

// TestInventoryCoversMemdir runs a tiny municipality into memdir (with the
// CPR number projected) and checks that every attribute written on every
// user is in the inventory for the user's kind.
func TestInventoryCoversMemdir(t *testing.T) {
	snap := synth.Generate(synth.Tiny)
	cfg := provision.Defaults()
	cfg.Projection.IncludeCPR = true
	cfg.State = filepath.Join(t.TempDir(), "state.json")
	dir := memdir.New()
	job := &provision.Job{Config: cfg, Snapshot: snap, Target: dir, Now: synth.ReferenceTime(snap.SchoolYear), Apply: true,
		Log: slog.New(slog.DiscardHandler)}
	if _, err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	objs, err := dir.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rows := inventory.Build([]inventory.Target{inventory.Memdir()})
	seen := map[inventory.PersonKind]int{}
	missing := map[string]bool{}
	for _, o := range objs {
		if o.Kind != diff.User {
			continue
		}
		k := kindOf(o)
		seen[k]++
		for _, a := range o.Attrs {
			if !inventory.Has(rows, "memdir", k, a.Name) {
				missing[string(k)+" "+a.Name] = true
			}
		}
		if o.Parent != "" && !inventory.Has(rows, "memdir", k, inventory.Container) {
			missing[string(k)+" container"] = true
		}
	}
	for m := range missing {
		t.Errorf("written but not in the inventory: %s", m)
	}
	if seen[inventory.Pupil] == 0 || seen[inventory.Employee] == 0 {
		t.Fatalf("the run wrote too few kinds of person: %v", seen)
	}
}

// TestCommand prints both formats from a configuration.
func TestCommand(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "inventory.yaml")
	if err := os.WriteFile(cfg, []byte("targets: [ad, google, entra]\nprojection: {includeCPR: true}\nad: {attributes: {cpr: employeeID, level: \"\"}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var md, csv, errb bytes.Buffer
	if code := run([]string{"-config", cfg}, &md, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"## ad", "| pupil | employeeID | cpr | Person.cpr", "| pupil | extensionName (level=value) |" /* omitted: must not appear */, "## google",
		"| employee | organizations[].title and orgsync.title | title |", "| contact | (nothing) |", "## entra", "| pupil | employeeId | uniId |",
	} {
		has := strings.Contains(md.String(), want)
		if want == "| pupil | extensionName (level=value) |" {
			has = !has
		}
		if !has {
			t.Errorf("Markdown: %q wrong:\n%s", want, md.String())
		}
	}
	if code := run([]string{"-config", cfg, "-format", "csv"}, &csv, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(csv.String(), "target,person,attribute,neutral,source,class,when\n") || !strings.Contains(csv.String(), "ad,pupil,employeeID,cpr,") {
		t.Errorf("CSV:\n%s", csv.String())
	}
}

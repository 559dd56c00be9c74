package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
	"github.com/orgsync/orgsync/rolemodel"
)

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"ok", nil, runner.ExitOK},
		{"threshold", &diff.ThresholdError{}, runner.ExitThreshold},
		{"segregation of duties", fmt.Errorf("roles: %w", &rolemodel.SoDError{}), runner.ExitThreshold},
		{"invalid snapshot", &orgmodel.ValidationError{}, runner.ExitInput},
		{"bad config", provision.ErrConfig, runner.ExitInput},
		{"partial", provision.ErrPartial, runner.ExitPartial},
		{"stale plan", &diff.StaleError{}, runner.ExitStale},
		{"persistent", fmt.Errorf("%w: %w", provision.ErrPartial, &diff.ApplyError{Persistent: 1}), runner.ExitPersistent},
		{"school year backwards", fmt.Errorf("%w: %w", provision.ErrInput, provision.ErrSchoolYearBackwards), runner.ExitInput},
		{"other", errors.New("connection refused"), runner.ExitError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := runner.ExitCode(tc.err); got != tc.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

func TestLoadYAML(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte(`
snapshot: snap.json
usernames:
  standard: "{first:3}{last:3}{n}"
  denyList: [fuck]
plan:
  retentionDays: {student: 30}
  keepAlive: [admin1]
thresholds:
  disablePercent: 5
  disableCount: 20
projection:
  layout: institutions-last
  groups:
    cohort: {name: ""}
`), 0o644)
	var cfg struct {
		provision.Config `yaml:",inline"`
	}
	cfg.Config = provision.Defaults()
	if err := runner.LoadYAML(good, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Projection.Layout != "institutions-last" || cfg.Projection.StudentsOU != "elever" {
		t.Errorf("projection = %+v; want the layout overridden and the rest defaulted", cfg.Projection)
	}
	if _, err := cfg.Projection.Compile(); err != nil {
		t.Errorf("compile: %v", err)
	}
	if _, err := naming.StandardByName(cfg.Usernames.Standard, cfg.Usernames.Prefix); err != nil {
		t.Errorf("standard: %v", err)
	}
	th := cfg.Thresholds.Thresholds()
	if th.Disable[diff.User].Count != 20 {
		t.Errorf("thresholds = %+v", th)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("snapshot: x\nthreshold: {}\n"), 0o644)
	err := runner.LoadYAML(bad, &cfg)
	if !errors.Is(err, provision.ErrConfig) || !strings.Contains(err.Error(), "threshold") {
		t.Errorf("unknown field: err = %v, want ErrConfig naming the field", err)
	}
}

// TestFlagsOutAndPlan: -out saves the dry run's plan, -plan applies it
// (without -apply), and exit code 6 says a saved plan went stale.
func TestFlagsOutAndPlan(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	d := memdir.New()
	cfg := provision.Defaults()
	cfg.State = filepath.Join(t.TempDir(), "state.json")
	newJob := func() *provision.Job {
		return &provision.Job{Config: cfg, Snapshot: s, Target: d, Now: synth.ReferenceTime(s.SchoolYear)}
	}
	file := filepath.Join(t.TempDir(), "plan.json")
	fl := runner.Flags{Out: file}
	if _, err := fl.Run(context.Background(), newJob()); err != nil {
		t.Fatal(err)
	}
	if d.Len() != 0 {
		t.Fatal("the dry run applied")
	}
	fl = runner.Flags{Plan: file}
	out, err := fl.Run(context.Background(), newJob())
	if err != nil || out.Report == nil || out.Report.Applied != len(out.Plan.Changes) || d.Len() == 0 {
		t.Fatalf("-plan: err %v, outcome %+v", err, out)
	}
	// The same saved plan again: every create now finds its object.
	_, err = fl.Run(context.Background(), newJob())
	if runner.ExitCode(err) != runner.ExitStale {
		t.Errorf("stale plan: err %v, exit %d, want %d", err, runner.ExitCode(err), runner.ExitStale)
	}
	fl = runner.Flags{Plan: file, Out: file}
	if _, err := fl.Run(context.Background(), newJob()); runner.ExitCode(err) != runner.ExitInput {
		t.Errorf("-plan with -out: err %v", err)
	}
}

package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func job(t *testing.T, s *orgmodel.Snapshot, d *memdir.Dir, apply bool) *runner.Job {
	t.Helper()
	cfg := runner.Defaults()
	cfg.State = filepath.Join(t.TempDir(), "state.json")
	cfg.Usernames.Seed = 3
	return &runner.Job{Config: cfg, Snapshot: s, Target: d, Now: synth.ReferenceTime(s.SchoolYear), Apply: apply}
}

func TestDryRunChangesNothing(t *testing.T) {
	d := memdir.New()
	j := job(t, synth.Generate(synth.Tiny), d, false)
	var out strings.Builder
	j.Out = &out
	res, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Plan.Empty() || d.Len() != 0 {
		t.Errorf("dry run: plan empty=%v, directory has %d objects; want a plan and an untouched directory", res.Plan.Empty(), d.Len())
	}
	if !strings.Contains(out.String(), "Dry run: nothing was applied") {
		t.Errorf("output does not say it was a dry run:\n%s", out.String())
	}
	if _, err := os.Stat(j.Config.State); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run wrote the state file (err=%v)", err)
	}
}

func TestApplyThenConverged(t *testing.T) {
	d := memdir.New()
	s := synth.Generate(synth.Tiny)
	j := job(t, s, d, true)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	j.Config.AuditLog = audit
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Plan.Empty() {
		t.Errorf("second run planned %d changes, want 0", len(res.Plan.Changes))
	}
	f, err := os.Open(audit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := diff.VerifyAuditLog(f); err != nil {
		t.Errorf("audit log does not verify: %v", err)
	}
	b, _ := os.ReadFile(audit)
	if strings.Count(string(b), "\n") < d.Len() {
		t.Errorf("audit log has %d lines for %d objects created", strings.Count(string(b), "\n"), d.Len())
	}
}

// TestUsernamesSurviveLostState: the state file is lost after a run (a
// crash before it was saved, a restored backup); usernames are read back
// from the directory, so nobody is renamed.
func TestUsernamesSurviveLostState(t *testing.T) {
	d := memdir.New()
	s := synth.Generate(synth.Tiny)
	j := job(t, s, d, true)
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	os.Remove(j.Config.State)
	j.Config.Usernames.Seed = 99 // a different walk would give different names
	res, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Plan.Changes {
		if c.Kind == diff.User {
			t.Errorf("user change after losing the state: %s %s %v", c.Action, c.Key, c.Attrs)
		}
	}
}

func TestThresholdRefusal(t *testing.T) {
	d := memdir.New()
	s := synth.Generate(synth.Tiny)
	if _, err := job(t, s, d, true).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := d.Objects()
	empty := *s
	empty.Affiliations = nil
	empty.Index()
	j := job(t, &empty, d, true)
	_, err := j.Run(context.Background())
	if !errors.Is(err, diff.ErrThreshold) || runner.ExitCode(err) != runner.ExitThreshold {
		t.Fatalf("err = %v (exit %d), want a threshold refusal (exit %d)", err, runner.ExitCode(err), runner.ExitThreshold)
	}
	after := d.Objects()
	if len(before) != len(after) {
		t.Fatalf("directory changed: %d objects before, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].Disabled != after[i].Disabled || before[i].Parent != after[i].Parent {
			t.Errorf("%s changed despite the refusal", before[i].Key)
		}
	}
	j.Override = true
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatalf("override: %v", err)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"ok", nil, runner.ExitOK},
		{"threshold", &diff.ThresholdError{}, runner.ExitThreshold},
		{"invalid snapshot", &orgmodel.ValidationError{}, runner.ExitInput},
		{"bad config", runner.ErrConfig, runner.ExitInput},
		{"partial", runner.ErrPartial, runner.ExitPartial},
		{"persistent", fmt.Errorf("%w: %w", runner.ErrPartial, &diff.ApplyError{Persistent: 1}), runner.ExitPersistent},
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
		runner.Config `yaml:",inline"`
	}
	cfg.Config = runner.Defaults()
	if err := runner.LoadYAML(good, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Projection.Layout != "institutions-last" || cfg.Projection.StudentsOU != "elever" {
		t.Errorf("projection = %+v; want the layout overridden and the rest defaulted", cfg.Projection)
	}
	if _, err := cfg.Projection.Compile(); err != nil {
		t.Errorf("compile: %v", err)
	}
	if _, err := cfg.Usernames.NamingStandard(); err != nil {
		t.Errorf("standard: %v", err)
	}
	th := cfg.Thresholds.Thresholds()
	if th.Disable[diff.User].Count != 20 {
		t.Errorf("thresholds = %+v", th)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("snapshot: x\nthreshold: {}\n"), 0o644)
	err := runner.LoadYAML(bad, &cfg)
	if !errors.Is(err, runner.ErrConfig) || !strings.Contains(err.Error(), "threshold") {
		t.Errorf("unknown field: err = %v, want ErrConfig naming the field", err)
	}
}

func TestLoadSnapshotRejectsUnknownFields(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.json")
	b, _ := json.Marshal(map[string]any{"institutions": []any{}, "persons": []any{}, "affiliations": []any{}, "personz": 1})
	os.WriteFile(p, b, 0o644)
	_, err := runner.LoadSnapshot(p)
	if !errors.Is(err, runner.ErrInput) || !strings.Contains(err.Error(), "personz") {
		t.Errorf("err = %v, want ErrInput naming the field", err)
	}
}

// TestPayrollGroups: the payroll check's groups reach the directory, with
// the employees the payroll export lists as active in the active group.
func TestPayrollGroups(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	now := synth.ReferenceTime(s.SchoolYear)
	var emps []orgmodel.Person
	for _, p := range s.Persons {
		if s.GlobalRole(p.ID, now, orgmodel.RolePolicy{}) == orgmodel.Employee {
			emps = append(emps, p)
		}
	}
	if len(emps) < 2 {
		t.Fatalf("tiny municipality has %d employees", len(emps))
	}
	csv := "employee_id;cpr;start_date;stop_date\n1;" + emps[0].CPR + ";2020-01-01;\n2;" + emps[1].CPR + ";2020-01-01;2021-01-01\n"
	file := filepath.Join(t.TempDir(), "pay.csv")
	os.WriteFile(file, []byte(csv), 0o644)
	d := memdir.New()
	j := job(t, s, d, true)
	j.Config.Payroll = &runner.PayrollConfig{File: file, Format: "csv"}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	active, ok := d.Get("group/payroll/active")
	if !ok {
		t.Fatal("no payroll/active group in the directory")
	}
	if want := []string{"user/" + emps[0].ID}; !slices.Equal(active.Members, want) {
		t.Errorf("active members = %v, want %v", active.Members, want)
	}
	inactive, _ := d.Get("group/payroll/inactive")
	if !slices.Contains(inactive.Members, "user/"+emps[1].ID) {
		t.Errorf("inactive members %v lack %s, whose employment ended", inactive.Members, emps[1].ID)
	}
}

// refusing is a memdir that refuses to create one user, as a directory
// refuses a value of a record until the source is fixed.
type refusing struct {
	*memdir.Dir
	key string
}

func (r *refusing) Apply(ctx context.Context, c diff.Change) error {
	if c.Action == diff.Create && c.Key == r.key {
		return fmt.Errorf("create %s: attribute 'givenName': %w", c.Key, diff.ErrConstraint)
	}
	return r.Dir.Apply(ctx, c)
}

// TestPersistentFailure: one record the directory refuses does not stop
// the rest; the first run exits "partial", the second, failing the same
// way and applying nothing else, exits "persistent"; once fixed, the run
// converges.
func TestPersistentFailure(t *testing.T) {
	ctx := context.Background()
	d := memdir.New()
	s := synth.Generate(synth.Tiny)
	tgt := &refusing{Dir: d}
	j := job(t, s, d, true)
	j.Target = tgt
	plan, err := func() (*diff.Plan, error) {
		dry := *j
		dry.Apply = false
		res, err := dry.Run(ctx)
		return res.Plan, err
	}()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Changes {
		if c.Action == diff.Create && c.Kind == diff.User {
			tgt.key = c.Key
			break
		}
	}
	res, err := j.Run(ctx)
	if runner.ExitCode(err) != runner.ExitPartial {
		t.Fatalf("first run: exit %d (%v), want %d", runner.ExitCode(err), err, runner.ExitPartial)
	}
	if rep := res.Report; rep.Failed != 1 || rep.Applied != len(plan.Changes)-1-rep.Blocked || rep.Skipped != 0 {
		t.Errorf("first run: applied %d failed %d blocked %d skipped %d of %d", rep.Applied, rep.Failed, rep.Blocked, rep.Skipped, len(plan.Changes))
	}
	var out strings.Builder
	j.Out = &out
	res, err = j.Run(ctx)
	if runner.ExitCode(err) != runner.ExitPersistent {
		t.Fatalf("second run: exit %d (%v), want %d", runner.ExitCode(err), err, runner.ExitPersistent)
	}
	if rep := res.Report; rep.Failed != 1 || rep.Persistent != 1 || rep.Applied != 0 {
		t.Errorf("second run: applied %d failed %d (persistent %d)", rep.Applied, rep.Failed, rep.Persistent)
	}
	if !strings.Contains(out.String(), "failed again (persistent): stage") || !strings.Contains(out.String(), tgt.key) {
		t.Errorf("second run's report does not name the persistent failure:\n%s", out.String())
	}
	tgt.key = "" // the source is fixed
	if _, err := j.Run(ctx); err != nil {
		t.Fatalf("after the fix: %v", err)
	}
	if res, err := j.Run(ctx); err != nil || !res.Plan.Empty() {
		t.Errorf("not converged: %v", err)
	}
}

package provision_test

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
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

func job(t *testing.T, s *orgmodel.Snapshot, d *memdir.Dir, apply bool) *provision.Job {
	t.Helper()
	cfg := provision.Defaults()
	cfg.State = filepath.Join(t.TempDir(), "state.json")
	cfg.Usernames.Seed = 3
	return &provision.Job{Config: cfg, Snapshot: s, Target: d, Now: synth.ReferenceTime(s.SchoolYear), Apply: apply}
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
	if !errors.Is(err, diff.ErrThreshold) {
		t.Fatalf("err = %v, want a threshold refusal", err)
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

func TestLoadSnapshotRejectsUnknownFields(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.json")
	b, _ := json.Marshal(map[string]any{"institutions": []any{}, "persons": []any{}, "affiliations": []any{}, "personz": 1})
	os.WriteFile(p, b, 0o644)
	_, err := provision.LoadSnapshot(p)
	if !errors.Is(err, provision.ErrInput) || !strings.Contains(err.Error(), "personz") {
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
	j.Config.Payroll = &provision.PayrollConfig{File: file, Format: "csv"}
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

	// The same from a saved OS2sofd answer.
	sofd := `{"persons":[{"uuid":"a","cpr":"` + emps[0].CPR + `","affiliations":[{"employeeId":"1","startDate":"2020-01-01","stopDate":null}]},
	 {"uuid":"b","cpr":"` + emps[1].CPR + `","affiliations":[{"employeeId":"2","startDate":"2020-01-01","stopDate":"2021-01-01"}]}]}`
	file = filepath.Join(t.TempDir(), "sofd.json")
	os.WriteFile(file, []byte(sofd), 0o644)
	d = memdir.New()
	j = job(t, s, d, true)
	j.Config.Payroll = &provision.PayrollConfig{File: file, Format: "os2sofd"}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if active, _ := d.Get("group/payroll/active"); !slices.Equal(active.Members, []string{"user/" + emps[0].ID}) {
		t.Errorf("os2sofd: active members = %v", active.Members)
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
// the rest; the first run is partial, the second, failing the same way
// and applying nothing else, is persistent; once fixed, the run
// converges.
func TestPersistentFailure(t *testing.T) {
	ctx := context.Background()
	d := memdir.New()
	s := synth.Generate(synth.Tiny)
	tgt := &refusing{Dir: d}
	j := job(t, s, d, true)
	j.Target = tgt
	dry := *j
	dry.Apply = false
	res, err := dry.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan := res.Plan
	for _, c := range plan.Changes {
		if c.Action == diff.Create && c.Kind == diff.User {
			tgt.key = c.Key
			break
		}
	}
	res, err = j.Run(ctx)
	if !errors.Is(err, provision.ErrPartial) || errors.Is(err, diff.ErrPersistent) {
		t.Fatalf("first run: %v, want partial and not persistent", err)
	}
	if rep := res.Report; rep.Failed != 1 || rep.Applied != len(plan.Changes)-1-rep.Blocked || rep.Skipped != 0 {
		t.Errorf("first run: applied %d failed %d blocked %d skipped %d of %d", rep.Applied, rep.Failed, rep.Blocked, rep.Skipped, len(plan.Changes))
	}
	var out strings.Builder
	j.Out = &out
	res, err = j.Run(ctx)
	if !errors.Is(err, provision.ErrPartial) || !errors.Is(err, diff.ErrPersistent) {
		t.Fatalf("second run: %v, want partial and persistent", err)
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

// TestIgnoreNameProtectionAudited: showing protected persons by their real
// names is said in the output and recorded in the audit log.
func TestIgnoreNameProtectionAudited(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	s.Persons[0].Protected = true
	s.Persons[0].AliasGivenName, s.Persons[0].AliasFamilyName = "Alias", "Navn"
	s.Index()
	j := job(t, s, memdir.New(), true)
	j.Config.Projection.IgnoreNameProtection = true
	j.Config.AuditLog = filepath.Join(t.TempDir(), "audit.jsonl")
	var out strings.Builder
	j.Out = &out
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "name protection is ignored for this target") {
		t.Errorf("output does not say that name protection is ignored:\n%.400s", out.String())
	}
	b, err := os.ReadFile(j.Config.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"action":"no-op","after":"ignoreNameProtection: `) {
		t.Errorf("audit log has no record of ignoreNameProtection:\n%.600s", b)
	}
	f, err := os.Open(j.Config.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := diff.VerifyAuditLog(f); err != nil {
		t.Errorf("audit log does not verify: %v", err)
	}
}

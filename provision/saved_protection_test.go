package provision_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// TestSavedPlanIgnoreNameProtectionAudited: a plan made with
// projection.ignoreNameProtection, saved and applied later by a run
// whose own configuration does not say so, still puts the choice on
// record in the audit log, as a direct apply does.
func TestSavedPlanIgnoreNameProtectionAudited(t *testing.T) {
	ctx := context.Background()
	s := synth.Generate(synth.Tiny)
	s.Persons[0].Protected = true
	s.Persons[0].AliasGivenName, s.Persons[0].AliasFamilyName = "Alias", "Navn"
	s.Index()
	d := memdir.New()
	plan := job(t, s, d, false)
	plan.Config.Projection.IgnoreNameProtection = true
	var out strings.Builder
	plan.Out = &out
	o, err := plan.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := o.ProtectedNamesShown
	if n < 1 {
		t.Fatalf("ProtectedNamesShown = %d, want at least the one marked here", n)
	}
	file := filepath.Join(t.TempDir(), "plan.json")
	if err := provision.WriteSavedPlan(file, o); err != nil {
		t.Fatal(err)
	}
	sp, err := provision.ReadSavedPlan(file)
	if err != nil || sp.ProtectedNamesShown != n {
		t.Fatalf("saved plan: %v, shown %d", err, sp.ProtectedNamesShown)
	}

	apply := job(t, s, d, true) // its own projection keeps name protection
	apply.Config.State = plan.Config.State
	apply.Config.AuditLog = filepath.Join(t.TempDir(), "audit.jsonl")
	apply.Saved = sp
	out.Reset()
	apply.Out = &out
	if _, err := apply.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "the saved plan ignores name protection") {
		t.Errorf("output does not say that the saved plan ignores name protection:\n%.400s", out.String())
	}
	b, err := os.ReadFile(apply.Config.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`"action":"no-op","after":"ignoreNameProtection: %d name-protected person(s) shown by their real names"`, n); !strings.Contains(string(b), want) {
		t.Errorf("audit log has no record of ignoreNameProtection:\n%.600s", b)
	}
	if err := diff.VerifyAuditLog(strings.NewReader(string(b))); err != nil {
		t.Errorf("audit log does not verify: %v", err)
	}
}

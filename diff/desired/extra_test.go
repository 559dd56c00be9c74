package desired_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
)

// TestExtraGroupMembers checks that an extra group lists the user keys of
// its members who have a user object, and no one else.
func TestExtraGroupMembers(t *testing.T) {
	extra := orgmodel.LogicalGroup{Key: "payroll/active", Kind: "payroll-active",
		Members: []string{"p1", "p3", "p4", "unknown"}}
	objs := byKey(build(t, desired.DefaultConfig(), small(), desired.Input{At: at, Usernames: usernames(),
		Extra: []orgmodel.LogicalGroup{extra}}))
	g, ok := objs["group/payroll/active"]
	if !ok {
		t.Fatal("no object group/payroll/active")
	}
	// p4 is a daycare child (Barn, excluded by default): no user, no member.
	if diff := cmp.Diff([]string{"user/p1", "user/p3"}, g.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if g.Name != "Aktive medarbejdere (løn)" || g.Parent != desired.KeyGlobalGroups {
		t.Errorf("group = name %q parent %q", g.Name, g.Parent)
	}
}

package desired_test

import (
	"testing"

	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/orgmodel"
)

// TestGlobalRoleValuesAreRoleKinds keeps the values of attr.GlobalRole in
// step with orgmodel.RoleKind, which the projection writes into it; attr
// cannot refer to orgmodel (diff never imports orgmodel).
func TestGlobalRoleValuesAreRoleKinds(t *testing.T) {
	for _, c := range []struct {
		attr string
		kind orgmodel.RoleKind
	}{
		{attr.RoleStudent, orgmodel.Student},
		{attr.RoleEmployee, orgmodel.Employee},
		{attr.RoleExternal, orgmodel.External},
	} {
		if c.attr != string(c.kind) {
			t.Errorf("attr role %q differs from orgmodel.RoleKind %q", c.attr, c.kind)
		}
	}
}

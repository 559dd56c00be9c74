package ui

import (
	"context"
	"testing"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
)

// TestSignInTeachesStaffDirectory: a UI sign-in tells the anomaly
// report's staff directory the principal's role and scope.
func TestSignInTeachesStaffDirectory(t *testing.T) {
	e, _ := auditEnvRoles(t, &auditlog.Memory{}, []string{string(api.PrivacyOfficer)})
	d := &api.StaffDirectory{Store: &broker.MemoryStore{}}
	e.srv.Audit.Staff = d
	e.login(t, api.Teacher)
	staff, err := d.Staff(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := e.users[api.Teacher]
	got, ok := staff[want.ID]
	if !ok || got.Role != string(api.Teacher) || len(got.Institutions) == 0 || got.Institutions[0] != want.Institutions[0] || len(staff) != 1 {
		t.Errorf("after the teacher's sign-in the directory holds %+v, want the teacher %+v", staff, want)
	}
}

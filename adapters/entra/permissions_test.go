package entra_test

import (
	"context"
	"slices"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// documentedPermissions are the Graph application permissions of
// docs/PERMISSIONS.md, per feature.
var documentedPermissions = map[string][]string{
	"users and groups":     {"Group.ReadWrite.All", "User.ReadWrite.All"},
	"administrative units": {"AdministrativeUnit.ReadWrite.All", "Group.ReadWrite.All", "User.ReadWrite.All"},
}

// TestPermissionSheet runs a full sync of a tiny municipality per feature
// with exactly the documented application permissions: it succeeds and
// needs every one of them (an extra one fails the test); without any one
// of them the sync fails with 403.
func TestPermissionSheet(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	for feature, perms := range documentedPermissions {
		aus := feature == "administrative units"
		sync := func(t *testing.T, granted []string) (*graphfake.Server, error) {
			tn := newTenant(t, graphfake.Options{Seed: 2, PageSize: 40, Permissions: granted}, func(c *entra.Config) {
				c.AdministrativeUnits = aus
			})
			want := tn.c.Prepare(m.build(t))
			actual, err := tn.c.Read(context.Background())
			if err != nil {
				return tn.srv, err
			}
			p, err := diff.Compute(want, actual, diff.Options{Now: m.at})
			if err != nil {
				t.Fatal(err)
			}
			_, err = diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 32, Sleep: noSleep})
			return tn.srv, err
		}
		t.Run(feature, func(t *testing.T) {
			srv, err := sync(t, perms)
			if err != nil {
				t.Fatalf("sync with the documented permissions %v: %v (denied %v)", perms, err, srv.Denied())
			}
			if used := srv.UsedPermissions(); !slices.Equal(used, perms) {
				t.Errorf("permissions needed %v, documented %v: an extra or missing entry in the sheet", used, perms)
			}
			for _, drop := range perms {
				less := slices.DeleteFunc(slices.Clone(perms), func(p string) bool { return p == drop })
				srv, err := sync(t, less)
				if err == nil || len(srv.Denied()) == 0 {
					t.Errorf("without %s the sync succeeded", drop)
				}
			}
		})
	}
}

package google_test

import (
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/diff/inventory"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestInventoryCoversGoogle syncs a tiny municipality (CPR projected)
// into googlefake and checks that every field the adapter wrote on a user
// is named by the data inventory for that kind of person.
func TestInventoryCoversGoogle(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 3})
	f.AddOrgUnit("/Skole", "")
	gcfg := google.Config{Domain: "skole.test", Root: "/Skole", Licences: eduLicences}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
	m.rc.Projection.IncludeCPR = true
	proj, err := m.rc.Projection.Compile()
	if err != nil {
		t.Fatal(err)
	}
	m.proj = proj
	c := newClient(t, f, gcfg)
	m.sync(t, c, m.desired(t))

	rows := inventory.Build([]inventory.Target{inventory.Google("orgsync", true)})
	listed := func(k inventory.PersonKind, field string) bool {
		for _, r := range rows {
			if r.Kind == string(k) && strings.Contains(r.Attribute, field) {
				return true
			}
		}
		return false
	}
	missing := map[string]bool{}
	n := 0
	for _, u := range f.Users() {
		schema, ok := u.CustomSchemas["orgsync"]
		if !ok {
			continue // the admin
		}
		n++
		k := inventory.Employee
		switch schema[attr.GlobalRole] {
		case attr.RoleStudent:
			k = inventory.Pupil
		case attr.RoleExternal:
			k = inventory.External
		}
		var fields []string
		for name, v := range map[string]string{"name.givenName": u.GivenName, "name.familyName": u.FamilyName,
			"name.displayName": u.DisplayName, "primaryEmail": u.PrimaryEmail, "orgUnitPath": u.OrgUnitPath} {
			if v != "" {
				fields = append(fields, name)
			}
		}
		for _, o := range u.Organizations {
			for _, p := range []string{"department", "title"} {
				if o[p] != nil && o[p] != "" {
					fields = append(fields, "organizations[]."+p)
				}
			}
		}
		for name, v := range schema {
			if v != nil && name != "managed" && name != "emptyNames" { // the mark itself and a technical note
				fields = append(fields, "orgsync."+name)
			}
		}
		for _, fl := range fields {
			if !listed(k, fl) {
				missing[string(k)+" "+fl] = true
			}
		}
	}
	if n == 0 {
		t.Fatal("no managed users in the fake")
	}
	for m := range missing {
		t.Errorf("written to Google but not in the inventory: %s", m)
	}
}

package ad_test

import (
	"slices"
	"testing"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
)

// TestRoleGroupInAD: a role given to a school's staff unit (a derived
// assignment of the role model) becomes a security group in Samba AD with
// the staff as members, and a member whose affiliation ends leaves the
// group on that day.
func TestRoleGroupInAD(t *testing.T) {
	w := newWorld(t, "roles")
	snap := snapshot()
	var school string
	for _, in := range snap.Institutions {
		if in.Type == orgmodel.School {
			school = in.Number
			break
		}
	}
	snap.Units = append(snap.Units, orgmodel.Unit{ID: "staff", Name: "Personale", Hierarchy: orgmodel.LineOrganisation, Institution: school})
	var staff []string
	for i, a := range snap.Affiliations {
		if a.Institution == school && a.Kind() == orgmodel.Employee {
			snap.Affiliations[i].UnitID = "staff"
			staff = append(staff, a.PersonID)
		}
	}
	slices.Sort(staff)
	staff = slices.Compact(staff)
	if len(staff) < 2 {
		t.Fatalf("%d staff at the school", len(staff))
	}
	leaver := staff[0]
	for i, a := range snap.Affiliations {
		if a.PersonID == leaver {
			snap.Affiliations[i].Valid.To = w.now.Add(24 * time.Hour)
		}
	}
	m, err := rolemodel.Compile(rolemodel.Catalogue{
		Systems:     []rolemodel.ITSystem{{ID: "aula"}},
		Rights:      []rolemodel.Right{{ID: "aula-post", System: "aula", Classification: "Skole"}},
		Roles:       []rolemodel.Role{{ID: "underviser", Classifications: []rolemodel.Classification{"Skole"}, Rights: []string{"aula-post"}, Group: "Undervisere " + w.prefix}},
		Delegations: []rolemodel.Delegation{{User: "admin", Role: "underviser"}},
		Derived:     []rolemodel.Derived{{ID: "d-staff", Roles: []string{"underviser"}, AssignedBy: "admin", Unit: "staff"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(snap); err != nil {
		t.Fatal(err)
	}
	check := func(want []string) {
		t.Helper()
		var got []string
		for _, o := range read(t, w.c) {
			if o.Kind == diff.Group && o.Name == "Undervisere "+w.prefix {
				for _, k := range o.Members {
					got = append(got, desired.PersonID(k))
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("members read back = %v, want %v", got, want)
		}
		e := w.s.entry(t, w.base, "(&(objectClass=group)(cn=Undervisere "+w.prefix+"))", "member")
		if e == nil || len(e.GetAttributeValues("member")) != len(want) {
			t.Errorf("AD group entry %v: want %d members", e, len(want))
		}
	}

	w.extra = m.Evaluate(snap, w.now, nil).Groups()
	w.sync(snap)
	check(staff)
	w.assertConverged(snap, "role group")

	w.now = w.now.Add(24 * time.Hour)
	w.extra = m.Evaluate(snap, w.now, nil).Groups()
	w.sync(snap)
	check(staff[1:])
	w.assertConverged(snap, "after the leaver's last day")
}

package rolemodel_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
)

// school is a school with a staff unit under it, a teacher whose
// affiliation ends on feb1, a teacher who stays, a secretary (title
// "Sekretær"), and the head, who manages the school with its sub-units.
func school() *orgmodel.Snapshot {
	return &orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "280001", Name: "Byskolen", Abbreviation: "BYS", Type: orgmodel.School}},
		Units: []orgmodel.Unit{
			{ID: "bys", Name: "Byskolen", Hierarchy: orgmodel.LineOrganisation, Institution: "280001"},
			{ID: "bys-staff", Name: "Personale", Hierarchy: orgmodel.LineOrganisation, ParentID: "bys", Institution: "280001"},
		},
		Persons: []orgmodel.Person{
			{ID: "p1", GivenName: "Anna", FamilyName: "Lærer"},
			{ID: "p2", GivenName: "Bo", FamilyName: "Lærer"},
			{ID: "p3", GivenName: "Cia", FamilyName: "Kontor"},
			{ID: "head", GivenName: "Dan", FamilyName: "Leder"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "p1", Institution: "280001", UnitID: "bys-staff", Roles: []orgmodel.Role{orgmodel.Laerer}, Valid: orgmodel.Period{To: feb1}},
			{PersonID: "p2", Institution: "280001", UnitID: "bys-staff", Roles: []orgmodel.Role{orgmodel.Laerer}},
			{PersonID: "p3", Institution: "280001", UnitID: "bys", Roles: []orgmodel.Role{orgmodel.TAP}, Title: "Sekretær"},
			{PersonID: "head", Institution: "280001", UnitID: "bys", Roles: []orgmodel.Role{orgmodel.Leder}},
		},
	}
}

func schoolRoles() rolemodel.Catalogue {
	cls := []rolemodel.Classification{"Skole"}
	c := rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "aula"}, {ID: "elevplan"}},
		Rights: []rolemodel.Right{
			{ID: "aula-post", System: "aula", Classification: "Skole"},
			{ID: "karakterer", System: "elevplan", Classification: "Skole", Group: "Karaktergivere"},
		},
		Roles: []rolemodel.Role{
			{ID: "personale", Classifications: cls, Rights: []string{"aula-post"}, Group: "Personale AULA"},
			{ID: "underviser", Classifications: cls, Rights: []string{"karakterer"}, Inherits: []string{"personale"}, Group: "Undervisere"},
			{ID: "kontor", Classifications: cls, Inherits: []string{"personale"}, RequiresAttestation: true, Group: "Kontor"},
		},
		Derived: []rolemodel.Derived{
			{ID: "d-staff", Roles: []string{"underviser"}, AssignedBy: "admin", Unit: "bys-staff"},
			{ID: "d-school", Roles: []string{"personale"}, AssignedBy: "admin", Unit: "bys", SubUnits: true},
			{ID: "d-title", Roles: []string{"kontor"}, AssignedBy: "admin", Title: "Sekretær"},
		},
	}
	delegate(&c)
	return c
}

func members(gs []orgmodel.LogicalGroup) map[string][]string {
	out := map[string][]string{}
	for _, g := range gs {
		out[g.ClassName] = g.Members
	}
	return out
}

func TestDerivedGroupsFollowAffiliations(t *testing.T) {
	s := school()
	m := mustCompile(t, schoolRoles(), s)
	tests := []struct {
		name string
		at   time.Time
		dec  []rolemodel.Decision
		want map[string][]string
	}{
		{"before p1 leaves", jan1, nil, map[string][]string{
			"Personale AULA": {"head", "p1", "p2", "p3"}, "Undervisere": {"p1", "p2"}, "Karaktergivere": {"p1", "p2"}, "Kontor": {}}},
		{"the day p1 leaves", feb1, nil, map[string][]string{
			"Personale AULA": {"head", "p2", "p3"}, "Undervisere": {"p2"}, "Karaktergivere": {"p2"}, "Kontor": {}}},
		{"attested kontor takes effect", feb1, []rolemodel.Decision{{Assignment: "d-title", User: "p3", Keep: true, By: "head", At: jan1}}, map[string][]string{
			"Personale AULA": {"head", "p2", "p3"}, "Undervisere": {"p2"}, "Karaktergivere": {"p2"}, "Kontor": {"p3"}}},
		{"removal by a decision", feb1, []rolemodel.Decision{{Assignment: "d-staff", User: "p2", By: "head", At: jan1}}, map[string][]string{
			"Personale AULA": {"head", "p2", "p3"}, "Undervisere": {}, "Karaktergivere": {}, "Kontor": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := m.Evaluate(s, tt.at, tt.dec)
			if diff := cmp.Diff(tt.want, members(r.Groups())); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
		})
	}
	r := m.Evaluate(s, jan1, nil)
	if diff := cmp.Diff([]rolemodel.Pending{{User: "p3", Role: "kontor", Assignment: "d-title"}}, r.Pending); diff != "" {
		t.Errorf("pending (-want +got):\n%s", diff)
	}
	if g := r.Groups()[0]; g.Key != "role-personale" || g.Kind != rolemodel.GroupKind || g.ClassID != "personale" {
		t.Errorf("first group = %+v", g)
	}
}

func TestCampaign(t *testing.T) {
	s := school()
	m := mustCompile(t, schoolRoles(), s)
	c := rolemodel.Campaign{ID: "2025-1", Start: jan1, Deadline: feb1, Reminders: []time.Time{jan1.AddDate(0, 0, 14), jan1.AddDate(0, 0, 28)}}
	mgrs := []rolemodel.Manager{{PersonID: "head", Unit: "bys", SubUnits: true}, {PersonID: "old", Unit: "bys", Valid: orgmodel.Period{To: jan1}}}
	decisions := []rolemodel.Decision{
		{Assignment: "d-staff", User: "p1", Keep: true, By: "head", At: jan1.AddDate(0, 0, 2)},
		{Assignment: "d-staff", User: "p2", Keep: false, By: "head", At: jan1.AddDate(0, 0, 3)},
	}
	st := m.Status(s, c, mgrs, decisions, jan1.AddDate(0, 0, 15))
	if len(st.Managers) != 1 {
		t.Fatalf("managers = %d, want 1 (the old manager is not valid at the start)", len(st.Managers))
	}
	ms := st.Managers[0]
	var items []string
	for _, it := range ms.Items {
		items = append(items, it.User+"/"+it.Role+"/"+it.Assignment)
	}
	want := []string{"p1/personale/d-school", "p1/underviser/d-staff", "p2/personale/d-school", "p2/underviser/d-staff", "p3/kontor/d-title", "p3/personale/d-school"}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if ms.Undecided != 4 || !ms.RemindNow || ms.Overdue || st.Overdue {
		t.Errorf("undecided %d remind %v overdue %v/%v, want 4 true false false", ms.Undecided, ms.RemindNow, ms.Overdue, st.Overdue)
	}
	if diff := cmp.Diff(decisions[1:], st.Removals); diff != "" {
		t.Errorf("removals (-want +got):\n%s", diff)
	}
	// The removal reaches the groups once passed to Evaluate.
	if got := members(m.Evaluate(s, jan1.AddDate(0, 0, 15), st.Removals).Groups())["Undervisere"]; !cmp.Equal(got, []string{"p1"}) {
		t.Errorf("Undervisere after the removal = %v, want [p1]", got)
	}
	// After the deadline with items undecided: overdue.
	st = m.Status(s, c, mgrs, decisions, feb1)
	if !st.Overdue || !st.Managers[0].Overdue {
		t.Errorf("at the deadline: overdue = %v, want true", st.Overdue)
	}
}

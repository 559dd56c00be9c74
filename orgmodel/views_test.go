package orgmodel_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/orgmodel"
)

func TestGlobalRole(t *testing.T) {
	employeeFirst := orgmodel.RolePolicy{Order: []orgmodel.RoleKind{orgmodel.Employee}}
	tests := []struct {
		name   string
		person string
		at     time.Time
		policy orgmodel.RolePolicy
		want   orgmodel.RoleKind
	}{
		{"pupil", "s1", at, orgmodel.RolePolicy{}, orgmodel.Student},
		{"teacher at two schools", "t1", at, orgmodel.RolePolicy{}, orgmodel.Employee},
		{"trainee", "x1", at, orgmodel.RolePolicy{}, orgmodel.External},
		{"unit-only employee", "a1", at, orgmodel.RolePolicy{}, orgmodel.Employee},
		{"student and substitute: student wins by default", "f1", at, orgmodel.RolePolicy{}, orgmodel.Student},
		{"student and substitute: employee first", "f1", at, employeeFirst, orgmodel.Employee},
		{"unlisted kinds rank after listed ones", "f1", at, orgmodel.RolePolicy{Order: []orgmodel.RoleKind{orgmodel.External}}, orgmodel.Student},
		{"leaver after leaving", "l1", at, orgmodel.RolePolicy{}, ""},
		{"leaver before leaving", "l1", date(2025, 8, 31), orgmodel.RolePolicy{}, orgmodel.Employee},
		{"starter before the start", "n1", at, orgmodel.RolePolicy{}, ""},
		{"starter on the start", "n1", date(2025, 10, 1), orgmodel.RolePolicy{}, orgmodel.Employee},
		{"unknown person", "nobody", at, orgmodel.RolePolicy{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fixture().GlobalRole(tt.person, tt.at, tt.policy); got != tt.want {
				t.Errorf("GlobalRole(%s) = %q, want %q", tt.person, got, tt.want)
			}
		})
	}
}

func TestGlobalRoleInstitutionPeriod(t *testing.T) {
	s := fixture()
	s.Institutions[3].Valid = orgmodel.Period{To: date(2025, 9, 1)} // the FU closed
	if got := s.GlobalRole("f1", at, orgmodel.RolePolicy{}); got != orgmodel.Employee {
		t.Errorf("GlobalRole = %q, want employee once the FU has closed", got)
	}
}

func TestRolesAndInstitutions(t *testing.T) {
	s := fixture()
	tests := []struct {
		person string
		roles  []orgmodel.Role
		insts  []string
	}{
		{"t1", []orgmodel.Role{orgmodel.Laerer}, []string{"200", "201"}},
		{"t2", []orgmodel.Role{orgmodel.Laerer, orgmodel.Paedagog}, []string{"200"}},
		{"f1", []orgmodel.Role{orgmodel.Studerende, orgmodel.Vikar}, []string{"201", "300"}},
		{"a1", []orgmodel.Role{orgmodel.TAP}, []string{"100"}},
		{"l1", nil, nil},
		{"nobody", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.person, func(t *testing.T) {
			if diff := cmp.Diff(tt.roles, s.Roles(tt.person, at)); diff != "" {
				t.Errorf("Roles (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.insts, s.InstitutionsOf(tt.person, at)); diff != "" {
				t.Errorf("InstitutionsOf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrimaryInstitution(t *testing.T) {
	employeeFirst := orgmodel.RolePolicy{Order: []orgmodel.RoleKind{orgmodel.Employee}}
	tests := []struct {
		name   string
		change func(s *orgmodel.Snapshot)
		person string
		policy orgmodel.RolePolicy
		want   string
		ok     bool
	}{
		{name: "earliest start wins among schools", person: "t1", want: "200", ok: true},
		{
			name:   "same start: lowest number, compared as numbers",
			change: func(s *orgmodel.Snapshot) { s.Affiliations[6].Valid = s.Affiliations[5].Valid },
			person: "t1", want: "200", ok: true,
		},
		{
			name:   "later start at the other school",
			change: func(s *orgmodel.Snapshot) { s.Affiliations[5].Valid.From = date(2020, 1, 1) },
			person: "t1", want: "201", ok: true,
		},
		{
			name:   "open start is earliest",
			change: func(s *orgmodel.Snapshot) { s.Affiliations[6].Valid.From = time.Time{} },
			person: "t1", want: "201", ok: true,
		},
		{name: "only the global role's affiliations count", person: "f1", want: "300", ok: true},
		{name: "policy changes the kind", person: "f1", policy: employeeFirst, want: "201", ok: true},
		{name: "unit-only affiliation", person: "a1", want: "100", ok: true},
		{
			name: "school beats daycare and municipality",
			change: func(s *orgmodel.Snapshot) {
				s.Affiliations = append(s.Affiliations,
					orgmodel.Affiliation{PersonID: "a1", Institution: "400", Roles: []orgmodel.Role{orgmodel.Paedagog}},
					orgmodel.Affiliation{PersonID: "a1", Institution: "201", Roles: []orgmodel.Role{orgmodel.TAP}, Valid: orgmodel.Period{From: date(2025, 1, 1)}},
				)
			},
			person: "a1", want: "201", ok: true,
		},
		{
			name: "daycare beats municipality",
			change: func(s *orgmodel.Snapshot) {
				s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: "a1", Institution: "400", Roles: []orgmodel.Role{orgmodel.Paedagog}, Valid: orgmodel.Period{From: date(2025, 1, 1)}})
			},
			person: "a1", want: "400", ok: true,
		},
		{name: "nothing valid", person: "l1", want: "", ok: false},
		{name: "unknown person", person: "nobody", want: "", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture()
			if tt.change != nil {
				tt.change(s)
			}
			got, ok := s.PrimaryInstitution(tt.person, at, tt.policy)
			if got != tt.want || ok != tt.ok {
				t.Errorf("PrimaryInstitution(%s) = %q, %v; want %q, %v", tt.person, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestPrimaryInstitutionNumberOrder(t *testing.T) {
	s := &orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{
			{Number: "1000", Name: "A", Type: orgmodel.School},
			{Number: "999", Name: "B", Type: orgmodel.School},
		},
		Persons: []orgmodel.Person{{ID: "p", GivenName: "P"}},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "p", Institution: "1000", Roles: []orgmodel.Role{orgmodel.Laerer}},
			{PersonID: "p", Institution: "999", Roles: []orgmodel.Role{orgmodel.Laerer}},
		},
	}
	if got, _ := s.PrimaryInstitution("p", at, orgmodel.RolePolicy{}); got != "999" {
		t.Errorf("PrimaryInstitution = %q, want 999 (numeric order)", got)
	}
	if diff := cmp.Diff([]string{"999", "1000"}, s.InstitutionsOf("p", at)); diff != "" {
		t.Errorf("InstitutionsOf (-want +got):\n%s", diff)
	}
}

func TestAffiliationsOfAndLookups(t *testing.T) {
	s := fixture()
	if got := len(s.AffiliationsOf("t1", at)); got != 2 {
		t.Errorf("AffiliationsOf(t1) has %d, want 2", got)
	}
	if got := len(s.AffiliationsOf("l1", at)); got != 0 {
		t.Errorf("AffiliationsOf(l1) has %d, want 0 after leaving", got)
	}
	if got := s.AffiliationInstitution(s.Affiliations[8]); got != "100" {
		t.Errorf("AffiliationInstitution(unit u2) = %q, want 100", got)
	}
	if g, ok := s.Group("201", "g1"); !ok || g.Institution != "201" {
		t.Errorf("Group(201, g1) = %+v, %v", g, ok)
	}
	if _, ok := s.Group("200", "r1"); ok {
		t.Error("Group(200, r1) found a group of another institution")
	}
}

func ExampleSnapshot_GlobalRole() {
	s := &orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{
			{Number: "300001", Name: "Ung FGU", Type: orgmodel.FU},
			{Number: "200001", Name: "Åby Skole", Type: orgmodel.School},
		},
		Groups:  []orgmodel.Group{{ID: "f1", Institution: "300001", Name: "FGU1A", Type: orgmodel.Hovedgruppe}},
		Persons: []orgmodel.Person{{ID: "p1", GivenName: "Bjørn", FamilyName: "Ågesen"}},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "p1", Institution: "300001", Roles: []orgmodel.Role{orgmodel.Studerende}, MainGroupID: "f1"},
			{PersonID: "p1", Institution: "200001", Roles: []orgmodel.Role{orgmodel.Vikar}},
		},
	}
	now := time.Date(2025, 9, 15, 0, 0, 0, 0, time.UTC)
	staffFirst := orgmodel.RolePolicy{Order: []orgmodel.RoleKind{orgmodel.Employee, orgmodel.Student}}
	fmt.Println(s.GlobalRole("p1", now, orgmodel.RolePolicy{}))
	fmt.Println(s.GlobalRole("p1", now, staffFirst))
	fmt.Println(s.PrimaryInstitution("p1", now, orgmodel.RolePolicy{}))
	fmt.Println(s.Roles("p1", now), s.InstitutionsOf("p1", now))
	// Output:
	// student
	// employee
	// 300001 true
	// [Studerende Vikar] [200001 300001]
}

package orgmodel_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/orgmodel"
)

func TestValidateFixture(t *testing.T) {
	if err := fixture().Validate(); err != nil {
		t.Fatalf("fixture is invalid: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *orgmodel.Snapshot)
		want   []orgmodel.Problem
	}{
		{
			name:   "bad school year",
			change: func(s *orgmodel.Snapshot) { s.SchoolYear = "2025-2027" },
			want:   []orgmodel.Problem{{Record: "snapshot", Field: "schoolYear", Message: `"2025-2027" is not a school year such as "2024-2025"`}},
		},
		{
			name: "duplicate institution, unknown type, empty name",
			change: func(s *orgmodel.Snapshot) {
				s.Institutions = append(s.Institutions, orgmodel.Institution{Number: "200", Name: " ", Type: "SCHOOL "})
			},
			want: []orgmodel.Problem{
				{Record: "institution 200", Field: "number", Message: "duplicate institution number"},
				{Record: "institution 200", Field: "name", Message: "is empty"},
				{Record: "institution 200", Field: "type", Message: `unknown institution type "SCHOOL "`},
			},
		},
		{
			name: "empty institution number",
			change: func(s *orgmodel.Snapshot) {
				s.Institutions = append(s.Institutions, orgmodel.Institution{Name: "X", Type: orgmodel.School})
			},
			want: []orgmodel.Problem{{Record: "institution #5", Field: "number", Message: "is empty"}},
		},
		{
			name: "unit problems",
			change: func(s *orgmodel.Snapshot) {
				s.Units = append(s.Units,
					orgmodel.Unit{ID: "u2", Name: "Dup", Hierarchy: orgmodel.LineOrganisation},
					orgmodel.Unit{ID: "u3", Name: "Lost", Hierarchy: orgmodel.LineOrganisation, ParentID: "nope", Institution: "999"},
					orgmodel.Unit{ID: "u4", Name: "Cross", Hierarchy: orgmodel.Payroll, ParentID: "u1"},
					orgmodel.Unit{ID: "u5", Name: "Self", Hierarchy: orgmodel.MED, ParentID: "u5"},
					orgmodel.Unit{ID: "u6", Name: "", Hierarchy: "matrix"},
				)
			},
			want: []orgmodel.Problem{
				{Record: "unit u2", Field: "id", Message: "duplicate unit id"},
				{Record: "unit u3", Field: "institution", Message: `unknown institution "999"`},
				{Record: "unit u3", Field: "parentId", Message: `unknown unit "nope"`},
				{Record: "unit u4", Field: "parentId", Message: `parent "u1" is in hierarchy "line", not "payroll"`},
				{Record: "unit u5", Field: "parentId", Message: "unit is its own parent"},
				{Record: "unit u6", Field: "name", Message: "is empty"},
				{Record: "unit u6", Field: "hierarchy", Message: `unknown hierarchy "matrix"`},
			},
		},
		{
			name: "cycles are reported once each, from the smallest id",
			change: func(s *orgmodel.Snapshot) {
				s.Units = append(s.Units,
					orgmodel.Unit{ID: "c3", Name: "C3", Hierarchy: orgmodel.Project, ParentID: "c1"},
					orgmodel.Unit{ID: "c1", Name: "C1", Hierarchy: orgmodel.Project, ParentID: "c2"},
					orgmodel.Unit{ID: "c2", Name: "C2", Hierarchy: orgmodel.Project, ParentID: "c3"},
					orgmodel.Unit{ID: "leaf", Name: "Leaf", Hierarchy: orgmodel.Project, ParentID: "c2"},
					orgmodel.Unit{ID: "m2", Name: "M2", Hierarchy: orgmodel.MED, ParentID: "m1"},
					orgmodel.Unit{ID: "m1", Name: "M1", Hierarchy: orgmodel.MED, ParentID: "m2"},
				)
			},
			want: []orgmodel.Problem{
				{Record: "unit c1", Field: "parentId", Message: "cycle in project hierarchy: c1 -> c2 -> c3 -> c1"},
				{Record: "unit m1", Field: "parentId", Message: "cycle in med hierarchy: m1 -> m2 -> m1"},
			},
		},
		{
			name: "person problems",
			change: func(s *orgmodel.Snapshot) {
				s.Persons[0].CPR = "3102701234"
				s.Persons[1].CPR = "010170-1234"
				s.Persons[2].GivenName, s.Persons[2].FamilyName = "", " "
				s.Persons[3].CPR = s.Persons[4].CPR
				s.Persons = append(s.Persons, orgmodel.Person{ID: "s1", GivenName: "Dup"}, orgmodel.Person{GivenName: "Anon"})
			},
			want: []orgmodel.Problem{
				{Record: "person a1", Field: "cpr", Message: "date part is not a valid date"},
				{Record: "person c1", Field: "cpr", Message: "must be ten digits"},
				{Record: "person f1", Field: "givenName", Message: "person has neither a given nor a family name"},
				{Record: "person s1", Field: "id", Message: "duplicate person id"},
				{Record: "person #13", Field: "id", Message: "is empty"},
				{Record: "person n1", Field: "cpr", Message: "same cpr as person l1"},
			},
		},
		{
			name: "group problems",
			change: func(s *orgmodel.Snapshot) {
				s.Groups = append(s.Groups,
					orgmodel.Group{ID: "g1", Institution: "200", Name: "1A again", Type: orgmodel.Hovedgruppe},
					orgmodel.Group{ID: "z", Institution: "999", Name: "", Type: "Klasse", SchoolYear: "25/26", StartYear: -1},
					orgmodel.Group{ID: "y", Name: "Y", Type: orgmodel.Hold},
				)
				s.Groups[0].Valid = orgmodel.Period{From: date(2026, 1, 1), To: date(2025, 1, 1)}
			},
			want: []orgmodel.Problem{
				{Record: "group 200/g1", Field: "valid", Message: "period ends before it starts"},
				{Record: "group 200/g1", Field: "id", Message: `duplicate group id in institution "200"`},
				{Record: "group 999/z", Field: "institution", Message: `unknown institution "999"`},
				{Record: "group 999/z", Field: "name", Message: "is empty"},
				{Record: "group 999/z", Field: "type", Message: `unknown group type "Klasse"`},
				{Record: "group 999/z", Field: "schoolYear", Message: `"25/26" is not a school year such as "2024-2025"`},
				{Record: "group 999/z", Field: "startYear", Message: "is negative"},
				{Record: "group /y", Field: "institution", Message: "is empty"},
			},
		},
		{
			name: "affiliation references",
			change: func(s *orgmodel.Snapshot) {
				s.Affiliations = append(s.Affiliations,
					orgmodel.Affiliation{PersonID: "ghost", Institution: "999", Roles: []orgmodel.Role{orgmodel.Laerer}},
					orgmodel.Affiliation{PersonID: "t1", Roles: []orgmodel.Role{orgmodel.Laerer}},
					orgmodel.Affiliation{PersonID: "t1", Institution: "200", UnitID: "nope", Roles: []orgmodel.Role{orgmodel.Laerer}, GroupIDs: []string{"g1", "g9"}},
					orgmodel.Affiliation{PersonID: "t1", Institution: "200", UnitID: "u1", Roles: []orgmodel.Role{orgmodel.Laerer}, MainGroupID: "g8"},
					orgmodel.Affiliation{PersonID: "a1", UnitID: "u2", Roles: []orgmodel.Role{orgmodel.TAP}, GroupIDs: []string{"g1"}},
				)
			},
			want: []orgmodel.Problem{
				{Record: "affiliation 14 (person ghost)", Field: "personId", Message: "unknown person"},
				{Record: "affiliation 14 (person ghost)", Field: "institution", Message: `unknown institution "999"`},
				{Record: "affiliation 15 (person t1)", Field: "institution", Message: "affiliation has neither an institution nor a unit"},
				{Record: "affiliation 16 (person t1)", Field: "unitId", Message: `unknown unit "nope"`},
				{Record: "affiliation 16 (person t1)", Field: "groupIds[1]", Message: `unknown group "g9" in institution "200"`},
				{Record: "affiliation 17 (person t1)", Field: "unitId", Message: `unit "u1" belongs to institution "100", not "200"`},
				{Record: "affiliation 17 (person t1)", Field: "mainGroupId", Message: `unknown group "g8" in institution "200"`},
				{Record: "affiliation 18 (person a1)", Field: "groupIds", Message: "groups without an institution"},
			},
		},
		{
			name: "roles",
			change: func(s *orgmodel.Snapshot) {
				s.Affiliations = append(s.Affiliations,
					orgmodel.Affiliation{PersonID: "t1", Institution: "200"},
					orgmodel.Affiliation{PersonID: "t1", Institution: "200", Roles: []orgmodel.Role{orgmodel.Laerer, "Rektor", orgmodel.Ekstern}},
				)
			},
			want: []orgmodel.Problem{
				{Record: "affiliation 14 (person t1)", Field: "roles", Message: "no role"},
				{Record: "affiliation 15 (person t1)", Field: "roles[1]", Message: `unknown role "Rektor"`},
				{Record: "affiliation 15 (person t1)", Field: "roles[2]", Message: `role "Ekstern" is external, but the affiliation's roles are employee`},
			},
		},
		{
			name: "student main groups",
			change: func(s *orgmodel.Snapshot) {
				s.Affiliations[0].MainGroupID = ""
				s.Affiliations[1].MainGroupID = "sfo"
				s.Affiliations[2].MainGroupID = "nope"
				s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: "s4", UnitID: "u2", Roles: []orgmodel.Role{orgmodel.Elev}, MainGroupID: "g1"})
			},
			want: []orgmodel.Problem{
				{Record: "affiliation 0 (person s1)", Field: "mainGroupId", Message: "student affiliation has no main group"},
				{Record: "affiliation 1 (person s2)", Field: "mainGroupId", Message: `group "sfo" is of type "SFO", not "Hovedgruppe"`},
				{Record: "affiliation 2 (person s3)", Field: "mainGroupId", Message: `unknown group "nope" in institution "200"`},
				{Record: "affiliation 14 (person s4)", Field: "institution", Message: "student affiliation has no institution for its main group"},
			},
		},
		{
			name: "invalid periods",
			change: func(s *orgmodel.Snapshot) {
				s.Institutions[1].Valid = orgmodel.Period{From: date(2025, 1, 1), To: date(2025, 1, 1)}
				s.Units[0].Valid = orgmodel.Period{From: date(2025, 1, 2), To: date(2025, 1, 1)}
				s.Affiliations[3].Valid = orgmodel.Period{From: date(2025, 1, 2), To: date(2025, 1, 1)}
			},
			want: []orgmodel.Problem{
				{Record: "institution 200", Field: "valid", Message: "period ends before it starts"},
				{Record: "unit u1", Field: "valid", Message: "period ends before it starts"},
				{Record: "affiliation 3 (person s4)", Field: "valid", Message: "period ends before it starts"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture()
			tt.change(s)
			err := s.Validate()
			var ve *orgmodel.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a *ValidationError", err)
			}
			if !errors.Is(err, orgmodel.ErrInvalid) {
				t.Error("errors.Is(err, ErrInvalid) = false")
			}
			if diff := cmp.Diff(tt.want, ve.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	s := fixture()
	s.Persons[0].CPR = "9999999999"
	s.Units[1].ParentID = "nope"
	s.Affiliations[0].MainGroupID = ""
	err := s.Validate()
	var ve *orgmodel.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 3 {
		t.Fatalf("Validate() = %v, want three problems", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "validate snapshot: 3 problems\n") {
		t.Errorf("Error() = %q", msg)
	}
	for _, p := range ve.Problems {
		if !strings.Contains(msg, p.String()) {
			t.Errorf("Error() lacks %q", p)
		}
	}
	if strings.Contains(msg, "9999999999") {
		t.Error("Error() repeats a CPR")
	}
}

func TestValidateIndexesAgain(t *testing.T) {
	s := fixture()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.Persons = append(s.Persons, orgmodel.Person{ID: "new", GivenName: "Ny"})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Person("new"); !ok {
		t.Error("Validate did not index the new person")
	}
}

func TestParseSchoolYear(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"2024-2025", 2024, true},
		{"0999-1000", 999, true},
		{"2024-2026", 0, false},
		{"2024/2025", 0, false},
		{"+024-+025", 0, false},
		{"2024-2025 ", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := orgmodel.ParseSchoolYear(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseSchoolYear(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && orgmodel.SchoolYearOf(got) != tt.in {
			t.Errorf("SchoolYearOf(%d) = %q, want %q", got, orgmodel.SchoolYearOf(got), tt.in)
		}
	}
}

func FuzzParseSchoolYear(f *testing.F) {
	f.Add("2024-2025")
	f.Add("-001-0000")
	f.Fuzz(func(t *testing.T, s string) {
		y, ok := orgmodel.ParseSchoolYear(s)
		if ok && orgmodel.SchoolYearOf(y) != s {
			t.Fatalf("ParseSchoolYear(%q) = %d, which formats as %q", s, y, orgmodel.SchoolYearOf(y))
		}
	})
}

func ExampleSnapshot_Validate() {
	s := &orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "280017", Name: "Åby Skole", Type: orgmodel.School}},
		Persons: []orgmodel.Person{
			{ID: "p1", CPR: "3102101234", GivenName: "Søren", FamilyName: "Ærø-Åkjær"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "p1", Institution: "280017", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "3"},
			{PersonID: "p2", Institution: "280017", Roles: []orgmodel.Role{orgmodel.Laerer}},
		},
	}
	err := s.Validate()
	fmt.Println(errors.Is(err, orgmodel.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// validate snapshot: 3 problems
	// 	person p1 cpr: date part is not a valid date
	// 	affiliation 0 (person p1) mainGroupId: student affiliation has no main group
	// 	affiliation 1 (person p2) personId: unknown person
}

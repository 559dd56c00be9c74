package orgmodel_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
)

func TestCatalogueClassEmployeesAndSourceGroups(t *testing.T) {
	s := orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "1", Name: "S", Type: orgmodel.School}},
		Groups: []orgmodel.Group{
			{ID: "K", Institution: "1", Name: "1.A", Type: orgmodel.Hovedgruppe, Level: "1"},
			{ID: "H", Institution: "1", Name: "Mat 1", Type: orgmodel.Hold},
			{ID: "T", Institution: "1", Name: "Team Ø", Type: orgmodel.Team},
			{ID: "X", Institution: "1", Name: "Klub", Type: orgmodel.Andet, RawType: "Klub"},
		},
		Persons: []orgmodel.Person{{ID: "elev", GivenName: "E"}, {ID: "ext", GivenName: "X"}, {ID: "laerer", GivenName: "L"}},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "elev", Institution: "1", Roles: []orgmodel.Role{orgmodel.Elev}, MainGroupID: "K", GroupIDs: []string{"H"}},
			{PersonID: "laerer", Institution: "1", Roles: []orgmodel.Role{orgmodel.Laerer}, GroupIDs: []string{"K", "H"}},
			{PersonID: "ext", Institution: "1", Roles: []orgmodel.Role{orgmodel.Praktikant}, GroupIDs: []string{"T"}},
		},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	members := func(gs []orgmodel.LogicalGroup) map[string][]string {
		out := map[string][]string{}
		for _, g := range gs {
			out[g.Key] = g.Members
		}
		return out
	}
	tests := []struct {
		name string
		opt  orgmodel.CatalogueOptions
		want map[string][]string
	}{
		{"every source group", orgmodel.CatalogueOptions{Kinds: []orgmodel.CatalogueKind{orgmodel.ClassEmployees, orgmodel.SourceGroups}}, map[string][]string{
			"class/1/K/employees": {"laerer"},
			"group/1/H":           {"elev", "laerer"},
			"group/1/T":           {"ext"},
			"group/1/X":           {},
		}},
		{"only Hold", orgmodel.CatalogueOptions{Kinds: []orgmodel.CatalogueKind{orgmodel.SourceGroups}, GroupTypes: []orgmodel.GroupType{orgmodel.Hold}}, map[string][]string{
			"group/1/H": {"elev", "laerer"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := members(s.Catalogue(at, tt.opt))
			if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
		})
	}
	// The default catalogue is the twelve kinds of the reference table.
	for _, g := range s.Catalogue(at, orgmodel.CatalogueOptions{}) {
		if g.Kind == orgmodel.ClassEmployees || g.Kind == orgmodel.SourceGroups {
			t.Errorf("default catalogue has %s", g.Key)
		}
	}
	if !orgmodel.SourceGroups.Valid() || len(orgmodel.CatalogueKinds()) != 12 {
		t.Error("kinds")
	}
	for _, g := range s.Catalogue(at, tests[0].opt) {
		if g.Key == "group/1/H" && (g.GroupType != orgmodel.Hold || g.ClassName != "Mat 1") {
			t.Errorf("source group described as %+v", g)
		}
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal(a, b)
})

func TestCatalogueLeadDays(t *testing.T) {
	from := time.Date(2025, 8, 11, 0, 0, 0, 0, time.UTC)
	s := orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "1", Name: "S", Type: orgmodel.School}},
		Groups: []orgmodel.Group{
			{ID: "K", Institution: "1", Name: "1.A", Type: orgmodel.Hovedgruppe, Level: "1", Valid: orgmodel.Period{From: from}},
			{ID: "H", Institution: "1", Name: "Hold", Type: orgmodel.Hold, Valid: orgmodel.Period{From: from}},
		},
		Persons:      []orgmodel.Person{{ID: "e", GivenName: "E"}},
		Affiliations: []orgmodel.Affiliation{{PersonID: "e", Institution: "1", Roles: []orgmodel.Role{orgmodel.Elev}, MainGroupID: "K", GroupIDs: []string{"H"}}},
	}
	kinds := []orgmodel.CatalogueKind{orgmodel.ClassStudents, orgmodel.SourceGroups}
	tests := []struct {
		at   time.Time
		lead int
		want []string
	}{
		{from.AddDate(0, 0, -10), 0, nil},
		{from.AddDate(0, 0, -10), 14, []string{"class/1/K/students", "group/1/H"}},
		{from.AddDate(0, 0, -15), 14, nil},
		{from, 0, []string{"class/1/K/students", "group/1/H"}},
	}
	for _, tt := range tests {
		var got []string
		for _, g := range s.Catalogue(tt.at, orgmodel.CatalogueOptions{Kinds: kinds, LeadDays: tt.lead}) {
			got = append(got, g.Key)
			if len(g.Members) != 1 {
				t.Errorf("%s: members %v", g.Key, g.Members)
			}
		}
		if !cmp.Equal(tt.want, got, cmpEmpty) {
			t.Errorf("at %s lead %d: groups %v, want %v", tt.at.Format("2006-01-02"), tt.lead, got, tt.want)
		}
	}
}

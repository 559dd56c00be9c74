package rolemodel_test

import (
	"fmt"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
)

// A role given to a unit reaches everybody placed there; each right comes
// with its explanation.
func ExampleModel_Evaluate() {
	snap := &orgmodel.Snapshot{
		Units:        []orgmodel.Unit{{ID: "staff", Name: "Personale", Hierarchy: orgmodel.LineOrganisation}},
		Persons:      []orgmodel.Person{{ID: "p1", GivenName: "Anna", FamilyName: "Lærer"}},
		Affiliations: []orgmodel.Affiliation{{PersonID: "p1", UnitID: "staff", Roles: []orgmodel.Role{orgmodel.Laerer}}},
	}
	m, err := rolemodel.Compile(rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "aula"}},
		Rights:  []rolemodel.Right{{ID: "aula-post", System: "aula", Classification: "Skole"}},
		Roles: []rolemodel.Role{
			{ID: "personale", Classifications: []rolemodel.Classification{"Skole"}, Rights: []string{"aula-post"}},
			{ID: "underviser", Classifications: []rolemodel.Classification{"Skole"}, Inherits: []string{"personale"}, Group: "Undervisere"},
		},
		Delegations: []rolemodel.Delegation{{User: "admin", Role: "underviser"}},
		Derived:     []rolemodel.Derived{{ID: "d1", Roles: []string{"underviser"}, AssignedBy: "admin", Unit: "staff"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Validate(snap); err != nil {
		fmt.Println(err)
		return
	}
	r := m.Evaluate(snap, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	for _, g := range r.Rights("p1") {
		fmt.Printf("%s in %s: role %s via %v, derived assignment %s\n", g.Right, g.System, g.Role, g.Path, g.Assignment)
	}
	for _, g := range r.Groups() {
		fmt.Printf("group %q: %v\n", g.ClassName, g.Members)
	}
	// Output:
	// aula-post in aula: role underviser via [underviser personale], derived assignment d1
	// group "Undervisere": [p1]
}

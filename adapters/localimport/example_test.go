package localimport_test

import (
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/adapters/localimport"
	"github.com/orgsync/orgsync/orgmodel"
)

// Read an HR extract in CSV and merge it with STIL data: the HR record is
// matched to the STIL teacher by CPR and keeps the STIL ID; the secretary
// exists only in HR and is created from it.
func ExampleMerge() {
	const hr = "id;kind;givenName;familyName;cpr;username;institution;roles;title\n" +
		"hr-1;employee;Søren;Østergaard;0302781234;sooe;280101;Lærer;Lærer\n" +
		"hr-2;employee;Kirsten;Kontor;;kiko;280101;TAP;Skolesekretær\n"
	recs, err := localimport.ReadCSV(strings.NewReader(hr))
	if err != nil {
		fmt.Println(err)
		return
	}
	stil := &orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "280101", Name: "Skovbakke Skole", Type: orgmodel.School}},
		Persons:      []orgmodel.Person{{ID: "soer0001", CPR: "0302781234", GivenName: "Søren Ærø", FamilyName: "Østergaard", UNIID: "soer0001"}},
		Affiliations: []orgmodel.Affiliation{{PersonID: "soer0001", Institution: "280101", Roles: []orgmodel.Role{orgmodel.Laerer}}},
	}
	out, rep := localimport.Merge(stil, recs, nil, localimport.MergeRules{})
	fmt.Println(rep)
	for _, p := range out.Persons {
		fmt.Printf("%s %s %s %q\n", p.ID, p.Username, p.GivenName, p.UNIID)
	}
	fmt.Println(out.Validate() == nil)
	// Output:
	// matched 1, added 1, ignored 0, dropped 0, kept alive 0
	// soer0001 sooe Søren "soer0001"
	// hr-2 kiko Kirsten ""
	// true
}

package payroll_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/payroll"
	"github.com/orgsync/orgsync/orgmodel"
)

// Sort a school's employees by their employments in the payroll system.
func ExampleGroups() {
	emps, err := payroll.ReadCSV(strings.NewReader(
		"employee_id;cpr;start_date;stop_date\n" +
			"101;0302781234;2020-08-01;\n" +
			"102;1111701111;2024-01-01;2025-01-31\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := &orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "1", Name: "Skole", Type: orgmodel.School}},
		Persons: []orgmodel.Person{
			{ID: "soer", CPR: "0302781234", GivenName: "Søren"},
			{ID: "kiko", CPR: "1111701111", GivenName: "Kirsten"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "soer", Institution: "1", Roles: []orgmodel.Role{orgmodel.Laerer}},
			{PersonID: "kiko", Institution: "1", Roles: []orgmodel.Role{orgmodel.TAP}},
		},
	}
	r := payroll.Groups(s, emps, time.Date(2025, 2, 1, 8, 0, 0, 0, time.UTC))
	fmt.Println(r.Active.Key, r.Active.Members)
	fmt.Println(r.Inactive.Key, r.Inactive.Members)
	// Output:
	// payroll/active [soer]
	// payroll/inactive [kiko]
}

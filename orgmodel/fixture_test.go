package orgmodel_test

import (
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// at is the reference time of the fixture.
var at = time.Date(2025, time.September, 15, 12, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// fixture returns a small valid municipality, fresh on every call:
//
//	100 municipality   units u1 (line root) > u2; p1 (payroll root)
//	200 Åby Skole      classes g1 "1A" (start 2024), g2 "1B" (no start
//	                   year), g3 "5A"; sfo (SFO)
//	201 Bakke Skole    class g1 "1A"
//	300 Ung FGU        class f1 (level FGU1)
//	400 Børnehuset     room r1
//
// Persons: s1 s2 s3 pupils at 200 (1A, 1B, 5A), s4 pupil at 201, c1 a
// daycare child, t1 a teacher at 200 and 201, t2 pedagogue and teacher at
// 200, a1 administrative staff via unit u2 only, x1 a trainee at 200, f1 an
// FU student who substitutes at 201, l1 a teacher who left on 1 September,
// n1 a teacher starting on 1 October.
func fixture() *orgmodel.Snapshot {
	return &orgmodel.Snapshot{
		SchoolYear: "2025-2026",
		Institutions: []orgmodel.Institution{
			{Number: "100", Name: "Synthby Kommune", Type: orgmodel.Municipality},
			{Number: "200", Name: "Åby Skole", Type: orgmodel.School},
			{Number: "201", Name: "Bakke Skole", Type: orgmodel.School},
			{Number: "300", Name: "Ung FGU", Type: orgmodel.FU},
			{Number: "400", Name: "Børnehuset", Type: orgmodel.Daycare},
		},
		Units: []orgmodel.Unit{
			{ID: "u1", Name: "Kommunen", Hierarchy: orgmodel.LineOrganisation, Institution: "100"},
			{ID: "u2", Name: "Økonomi", Hierarchy: orgmodel.LineOrganisation, ParentID: "u1", Institution: "100"},
			{ID: "p1", Name: "Løn", Hierarchy: orgmodel.Payroll},
		},
		Groups: []orgmodel.Group{
			{ID: "g1", Institution: "200", Name: "1A", Type: orgmodel.Hovedgruppe, Level: "1", Line: "A", SchoolYear: "2025-2026", StartYear: 2024},
			{ID: "g2", Institution: "200", Name: "1B", Type: orgmodel.Hovedgruppe, Level: "1", Line: "B", SchoolYear: "2025-2026"},
			{ID: "g3", Institution: "200", Name: "5A", Type: orgmodel.Hovedgruppe, Level: "5", Line: "A"},
			{ID: "sfo", Institution: "200", Name: "SFO", Type: orgmodel.SFO},
			{ID: "g1", Institution: "201", Name: "1A", Type: orgmodel.Hovedgruppe, Level: "1", Line: "A", StartYear: 2024},
			{ID: "f1", Institution: "300", Name: "FGU1A", Type: orgmodel.Hovedgruppe, Level: "FGU1", Line: "A"},
			{ID: "r1", Institution: "400", Name: "Bjørnestuen", Type: orgmodel.Hovedgruppe},
		},
		Persons: []orgmodel.Person{
			{ID: "a1", CPR: "0101701235", GivenName: "Karen", FamilyName: "Ærø"},
			{ID: "c1", CPR: "0101224002", GivenName: "Alma", FamilyName: "Holm"},
			{ID: "f1", CPR: "0101054003", GivenName: "Oscar", FamilyName: "Lund"},
			{ID: "l1", CPR: "0101801236", GivenName: "Bo", FamilyName: "Friis"},
			{ID: "n1", CPR: "0101811237", GivenName: "Ib", FamilyName: "Bach"},
			{ID: "s1", CPR: "0101184001", GivenName: "Søren", FamilyName: "Ågesen"},
			{ID: "s2", CPR: "0201184002", GivenName: "Anne-Mette", FamilyName: "Bøgh"},
			{ID: "s3", CPR: "0301144003", GivenName: "Siobhan", FamilyName: "O'Brien", Protected: true, AliasGivenName: "Anna", AliasFamilyName: "Hansen"},
			{ID: "s4", CPR: "0401184004", GivenName: "Jean-Luc", FamilyName: "d'Aubigné"},
			{ID: "t1", CPR: "0101751238", GivenName: "Bjørn", FamilyName: "Kjær"},
			{ID: "t2", CPR: "0101761239", GivenName: "Lærke", FamilyName: "Strøm"},
			{ID: "x1", CPR: "0101001240", GivenName: "Thị Minh Khai", FamilyName: "Nguyễn"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "s1", Institution: "200", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "1", MainGroupID: "g1", GroupIDs: []string{"sfo"}},
			{PersonID: "s2", Institution: "200", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "1", MainGroupID: "g2"},
			{PersonID: "s3", Institution: "200", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "5", MainGroupID: "g3"},
			{PersonID: "s4", Institution: "201", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "1", MainGroupID: "g1"},
			{PersonID: "c1", Institution: "400", Roles: []orgmodel.Role{orgmodel.Barn}, MainGroupID: "r1"},
			{PersonID: "t1", Institution: "200", Roles: []orgmodel.Role{orgmodel.Laerer}, GroupIDs: []string{"g1", "g3"}, Valid: orgmodel.Period{From: date(2010, 8, 1)}},
			{PersonID: "t1", Institution: "201", Roles: []orgmodel.Role{orgmodel.Laerer}, GroupIDs: []string{"g1"}, Valid: orgmodel.Period{From: date(2015, 8, 1)}},
			{PersonID: "t2", Institution: "200", Roles: []orgmodel.Role{orgmodel.Paedagog, orgmodel.Laerer}, GroupIDs: []string{"sfo", "g2"}},
			{PersonID: "a1", UnitID: "u2", Roles: []orgmodel.Role{orgmodel.TAP}},
			{PersonID: "x1", Institution: "200", Roles: []orgmodel.Role{orgmodel.Praktikant}, GroupIDs: []string{"g1"}},
			{PersonID: "f1", Institution: "300", Roles: []orgmodel.Role{orgmodel.Studerende}, Level: "FGU1", MainGroupID: "f1"},
			{PersonID: "f1", Institution: "201", Roles: []orgmodel.Role{orgmodel.Vikar}, GroupIDs: []string{"g1"}},
			{PersonID: "l1", Institution: "201", Roles: []orgmodel.Role{orgmodel.Laerer}, Valid: orgmodel.Period{From: date(2000, 8, 1), To: date(2025, 9, 1)}},
			{PersonID: "n1", Institution: "200", Roles: []orgmodel.Role{orgmodel.Laerer}, Valid: orgmodel.Period{From: date(2025, 10, 1)}},
		},
	}
}

package rolemodel_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
)

// The worked examples of Begrebsmodel til brugerstyring 1.1, as tests.

var (
	jan1 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	feb1 = time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	mar1 = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
)

func mustCompile(t *testing.T, c rolemodel.Catalogue, s *orgmodel.Snapshot) *rolemodel.Model {
	t.Helper()
	m, err := rolemodel.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(s); err != nil {
		t.Fatal(err)
	}
	return m
}

// delegate gives the administrator "admin" the right to assign every role.
func delegate(c *rolemodel.Catalogue) {
	for _, r := range c.Roles {
		c.Delegations = append(c.Delegations, rolemodel.Delegation{User: "admin", Role: r.ID})
	}
}

// TestStandardNurseTwoEmployments: one person, two employments, so two
// users, each with its own role and restriction (Rigshospitalet, Knoglen
// A/S) and its own validity.
func TestStandardNurseTwoEmployments(t *testing.T) {
	s := &orgmodel.Snapshot{
		Units:   []orgmodel.Unit{{ID: "rigshospitalet", Name: "Rigshospitalet", Hierarchy: orgmodel.LineOrganisation}, {ID: "knoglen", Name: "Knoglen A/S", Hierarchy: orgmodel.LineOrganisation}},
		Persons: []orgmodel.Person{{ID: "hanne", GivenName: "Hanne", FamilyName: "Holm"}},
	}
	c := rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "epj"}, {ID: "klinik"}},
		Rights: []rolemodel.Right{
			{ID: "epj-journal", System: "epj", Classification: "Sundhed"},
			{ID: "klinik-booking", System: "klinik", Classification: "Knoglen"},
		},
		Roles: []rolemodel.Role{
			{ID: "Sygeplejerske", Classifications: []rolemodel.Classification{"Sundhed"}, Rights: []string{"epj-journal"}},
			{ID: "Klinikassistent", Classifications: []rolemodel.Classification{"Knoglen"}, Rights: []string{"klinik-booking"}},
		},
		Users: []rolemodel.User{
			{ID: "hanne@rh", PersonID: "hanne"},
			{ID: "hanne@knoglen", PersonID: "hanne", Valid: orgmodel.Period{To: feb1}},
		},
		Assignments: []rolemodel.Assignment{
			{ID: "a1", User: "hanne@rh", Roles: []string{"Sygeplejerske"}, AssignedBy: "admin", Restrictions: []rolemodel.Restriction{{Kind: rolemodel.RestrictUnit, Value: "rigshospitalet"}}},
			{ID: "a2", User: "hanne@knoglen", Roles: []string{"Klinikassistent"}, AssignedBy: "admin", Valid: orgmodel.Period{To: feb1}, Restrictions: []rolemodel.Restriction{{Kind: rolemodel.RestrictUnit, Value: "knoglen"}}},
		},
	}
	delegate(&c)
	m := mustCompile(t, c, s)
	r := m.Evaluate(s, jan1, nil)
	if diff := cmp.Diff([]string{"hanne@knoglen", "hanne@rh"}, r.Users()); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	want := []rolemodel.RightGrant{{Right: "epj-journal", System: "epj", Role: "Sygeplejerske", Path: []string{"Sygeplejerske"}, Assignment: "a1",
		Restrictions: []rolemodel.Restriction{{Kind: rolemodel.RestrictUnit, Value: "rigshospitalet"}}}}
	if diff := cmp.Diff(want, r.Rights("hanne@rh")); diff != "" {
		t.Errorf("hanne@rh rights (-want +got):\n%s", diff)
	}
	if got := r.RightSet("hanne@knoglen"); !cmp.Equal(got, []string{"klinik-booking"}) {
		t.Errorf("hanne@knoglen rights = %v", got)
	}
	// The second employment ends: its user and its role go, the first stays.
	r = m.Evaluate(s, feb1, nil)
	if diff := cmp.Diff([]string{"hanne@rh"}, r.Users()); diff != "" {
		t.Errorf("users after the second employment ended (-want +got):\n%s", diff)
	}
}

// TestStandardAuditorTwoInstitutions: one auditor, one role, restricted to
// two institutions (Sneglen and Solsikken); the claims carry both.
func TestStandardAuditorTwoInstitutions(t *testing.T) {
	s := &orgmodel.Snapshot{
		Units:   []orgmodel.Unit{{ID: "sneglen", Name: "Sneglen", Hierarchy: orgmodel.LineOrganisation}, {ID: "solsikken", Name: "Solsikken", Hierarchy: orgmodel.LineOrganisation}},
		Persons: []orgmodel.Person{{ID: "rita", GivenName: "Rita", FamilyName: "Revisor"}},
	}
	c := rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "regnskab"}},
		Rights:  []rolemodel.Right{{ID: "laes-regnskab", System: "regnskab", Classification: "Økonomi"}},
		Roles:   []rolemodel.Role{{ID: "Revisor", Classifications: []rolemodel.Classification{"Økonomi"}, Systems: []string{"regnskab"}, Rights: []string{"laes-regnskab"}}},
		Assignments: []rolemodel.Assignment{{ID: "a1", User: "rita", Roles: []string{"Revisor"}, AssignedBy: "admin", Restrictions: []rolemodel.Restriction{
			{Kind: rolemodel.RestrictUnit, Value: "sneglen"}, {Kind: rolemodel.RestrictUnit, Value: "solsikken"}}}},
	}
	delegate(&c)
	m := mustCompile(t, c, s)
	cl := m.Evaluate(s, jan1, nil).Claims("rita")
	want := rolemodel.Claims{User: "rita", PersonID: "rita", ValidAt: jan1, Systems: []rolemodel.SystemClaims{{
		System: "regnskab",
		Roles:  []rolemodel.Claim{{ID: "Revisor", Restrictions: []string{"unit=sneglen", "unit=solsikken"}}},
		Rights: []rolemodel.Claim{{ID: "laes-regnskab", Restrictions: []string{"unit=sneglen", "unit=solsikken"}}},
	}}}
	if diff := cmp.Diff(want, cl); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Revisor:unit=sneglen", "Revisor:unit=solsikken"}, cl.Systems[0].AttributeValues()); diff != "" {
		t.Errorf("SAML values (-want +got):\n%s", diff)
	}
}

// TestStandardRoleAcrossClassifications: Lønindberetter is one role owned
// by two classifications (Økonomistyrelsen and Sundhed), with rights of
// both; a holder gets it in both IT systems.
func TestStandardRoleAcrossClassifications(t *testing.T) {
	c := rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "sls"}, {ID: "sundhedsloen"}},
		Rights: []rolemodel.Right{
			{ID: "indberet-loen", System: "sls", Classification: "Økonomistyrelsen"},
			{ID: "indberet-vagter", System: "sundhedsloen", Classification: "Sundhed"},
		},
		Roles: []rolemodel.Role{{ID: "Lønindberetter", Classifications: []rolemodel.Classification{"Økonomistyrelsen", "Sundhed"},
			Rights: []string{"indberet-loen", "indberet-vagter"}}},
		Users:       []rolemodel.User{{ID: "lis", PersonID: "lis"}},
		Assignments: []rolemodel.Assignment{{ID: "a1", User: "lis", Roles: []string{"Lønindberetter"}, AssignedBy: "admin"}},
	}
	delegate(&c)
	m := mustCompile(t, c, nil)
	cl := m.Evaluate(nil, jan1, nil).Claims("lis")
	var systems []string
	for _, s := range cl.Systems {
		systems = append(systems, s.System+":"+s.Roles[0].ID)
	}
	if diff := cmp.Diff([]string{"sls:Lønindberetter", "sundhedsloen:Lønindberetter"}, systems); diff != "" {
		t.Errorf("systems (-want +got):\n%s", diff)
	}
	// A right has exactly one classification.
	c.Rights[0].Classification = ""
	if _, err := rolemodel.Compile(c); !errors.Is(err, rolemodel.ErrInvalid) {
		t.Errorf("a right without classification: err = %v, want ErrInvalid", err)
	}
}

// hospital is the inheritance example of the standard's figure 7. The
// figure itself could not be read here; this encodes what the text
// describes: Ansat (hospital) holds what every hospital employee may do;
// Læge, Sygeplejerske and Sekretær each inherit it; Hospitalslæge inherits
// Læge (and through it Ansat (hospital)).
func hospital() rolemodel.Catalogue {
	cls := []rolemodel.Classification{"Sundhed"}
	c := rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "hosp"}},
		Rights: []rolemodel.Right{
			{ID: "intranet", System: "hosp", Classification: "Sundhed"},
			{ID: "ordinere", System: "hosp", Classification: "Sundhed"},
			{ID: "pleje", System: "hosp", Classification: "Sundhed"},
			{ID: "booking", System: "hosp", Classification: "Sundhed"},
			{ID: "vagtplan", System: "hosp", Classification: "Sundhed"},
		},
		Roles: []rolemodel.Role{
			{ID: "Ansat (hospital)", Classifications: cls, Rights: []string{"intranet"}},
			{ID: "Læge", Classifications: cls, Rights: []string{"ordinere"}, Inherits: []string{"Ansat (hospital)"}},
			{ID: "Sygeplejerske", Classifications: cls, Rights: []string{"pleje"}, Inherits: []string{"Ansat (hospital)"}},
			{ID: "Sekretær", Classifications: cls, Rights: []string{"booking"}, Inherits: []string{"Ansat (hospital)"}},
			{ID: "Hospitalslæge", Classifications: cls, Rights: []string{"vagtplan"}, Inherits: []string{"Læge"}},
		},
	}
	delegate(&c)
	return c
}

func TestStandardFigure7Inheritance(t *testing.T) {
	c := hospital()
	c.Assignments = []rolemodel.Assignment{{ID: "a1", User: "doc", Roles: []string{"Hospitalslæge"}, AssignedBy: "admin"}}
	s := &orgmodel.Snapshot{Persons: []orgmodel.Person{{ID: "doc", GivenName: "D", FamilyName: "Doc"}}}
	m := mustCompile(t, c, s)
	for role, want := range map[string][]string{
		"Ansat (hospital)": {"intranet"},
		"Læge":             {"intranet", "ordinere"},
		"Sygeplejerske":    {"intranet", "pleje"},
		"Sekretær":         {"booking", "intranet"},
		"Hospitalslæge":    {"intranet", "ordinere", "vagtplan"},
	} {
		if diff := cmp.Diff(want, m.RoleRights(role)); diff != "" {
			t.Errorf("%s rights (-want +got):\n%s", role, diff)
		}
	}
	var paths [][]string
	for _, g := range m.Evaluate(s, jan1, nil).Rights("doc") {
		paths = append(paths, g.Path)
	}
	want := [][]string{{"Hospitalslæge", "Læge", "Ansat (hospital)"}, {"Hospitalslæge", "Læge"}, {"Hospitalslæge"}}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("explanations: paths (-want +got):\n%s", diff)
	}
}

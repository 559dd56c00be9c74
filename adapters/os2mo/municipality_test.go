package os2mo_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/os2mo"
	"github.com/orgsync/orgsync/adapters/os2mo/os2mofake"
	"github.com/orgsync/orgsync/orgmodel"
)

var (
	testNow = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	kommune = orgmodel.Institution{Number: "K751", Name: "Aarhus Kommune", Type: orgmodel.Municipality}
	mapping = os2mo.Mapping{
		Institution:      kommune,
		Hierarchies:      map[string]orgmodel.Hierarchy{"linje": orgmodel.LineOrganisation, "med": orgmodel.MED},
		EngagementRoles:  map[string]orgmodel.Role{"paedagog": orgmodel.Paedagog, "leder": orgmodel.Leder},
		Associations:     true,
		ADSystem:         "Active Directory",
		UNILoginSystem:   "UNI-Login",
		EmailAddressType: "EmailEmployee",
	}
)

func d(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func id(kind string, n int) string { return os2mofake.ID(kind, n) }

// municipality seeds the fake with os2mofake.SeedExample.
func municipality(s *os2mofake.Server) { os2mofake.SeedExample(s) }

func newFake(t testing.TB) (*os2mofake.Server, *os2mo.Client) {
	t.Helper()
	fake := os2mofake.New("orgsync", "s3cret")
	fake.Now = func() time.Time { return testNow }
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := os2mo.New(os2mo.Config{URL: srv.URL, TokenURL: srv.URL + os2mofake.TokenPath,
		ClientID: "orgsync", ClientSecret: "s3cret", PageSize: 2, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c
}

func TestReadMunicipality(t *testing.T) {
	fake, c := newFake(t)
	municipality(fake)
	res, err := c.Read(context.Background(), os2mo.Window{From: testNow}, mapping)
	if err != nil {
		t.Fatal(err)
	}
	line, med := orgmodel.LineOrganisation, orgmodel.MED
	want := orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{kommune},
		Units: []orgmodel.Unit{
			{ID: id("unit", 1), Name: "Kommunen", Hierarchy: line, Institution: "K751", Valid: orgmodel.Period{From: d("2010-01-01")}, Type: "Afdeling", Level: "Niveau 1"},
			{ID: id("unit", 2), Name: "Børn og Unge", Hierarchy: line, ParentID: id("unit", 1), Institution: "K751", Valid: orgmodel.Period{From: d("2015-01-01")}, Type: "Afdeling"},
			{ID: id("unit", 3), Name: "Dagtilbud Solsikken", Hierarchy: line, ParentID: id("unit", 2), Institution: "K751", Valid: orgmodel.Period{From: d("2018-08-01")}, Type: "Institution"},
			{ID: id("unit", 4), Name: "Hoved-MED", Hierarchy: med, Institution: "K751", Valid: orgmodel.Period{From: d("2019-01-01")}},
		},
		Persons: []orgmodel.Person{
			{ID: id("employee", 1), CPR: "0101801234", GivenName: "Anna", FamilyName: "Andersen", Username: "anna", Email: "anna@kommune.example"},
			{ID: id("employee", 2), CPR: "0202821234", GivenName: "Bo", FamilyName: "Bech"},
			{ID: id("employee", 3), CPR: "0303701234", GivenName: "Carl", FamilyName: "Clausen"},
			{ID: id("employee", 4), CPR: "0404751234", GivenName: "Dorte", FamilyName: "Dam"},
			{ID: id("employee", 5), CPR: "0505851234", GivenName: "Lars", FamilyName: "Lund", UNIID: "lars0001"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: id("employee", 1), Institution: "K751", UnitID: id("unit", 2), Roles: []orgmodel.Role{orgmodel.TAP}, Title: "Sagsbehandler",
				Valid: orgmodel.Period{From: d("2019-03-01")}, Source: "os2mo", LocalPersonID: "eng1", Primary: true, EmploymentType: "Ansat"},
			{PersonID: id("employee", 1), Institution: "K751", UnitID: id("unit", 3), Roles: []orgmodel.Role{orgmodel.Paedagog}, Title: "Pædagog",
				Valid: orgmodel.Period{From: d("2024-08-01"), To: d("2027-07-01")}, Source: "os2mo", LocalPersonID: "eng2", EmploymentType: "Timelønnet"},
			{PersonID: id("employee", 2), Institution: "K751", UnitID: id("unit", 3), Roles: []orgmodel.Role{orgmodel.Paedagog}, Title: "Pædagog",
				Valid: orgmodel.Period{From: d("2027-01-01")}, Source: "os2mo", LocalPersonID: "eng3", Primary: true, EmploymentType: "Ansat"},
			{PersonID: id("employee", 3), Institution: "K751", UnitID: id("unit", 1), Roles: []orgmodel.Role{orgmodel.TAP}, Title: "Sagsbehandler",
				Valid: orgmodel.Period{From: d("2010-01-01"), To: d("2027-01-01")}, Source: "os2mo", LocalPersonID: "eng4", Primary: true, EmploymentType: "Ansat"},
			{PersonID: id("employee", 4), Institution: "K751", UnitID: id("unit", 2), Roles: []orgmodel.Role{orgmodel.TAP}, Title: "Sagsbehandler",
				Valid: orgmodel.Period{From: d("2016-01-01")}, Source: "os2mo", LocalPersonID: "eng5", Primary: true, EmploymentType: "Ansat"},
			{PersonID: id("employee", 5), Institution: "K751", UnitID: id("unit", 3), Roles: []orgmodel.Role{orgmodel.Paedagog}, Title: "Pædagog",
				Valid: orgmodel.Period{From: d("2020-08-01")}, Source: "os2mo", LocalPersonID: "eng6", Primary: true, EmploymentType: "Ansat"},
			{PersonID: id("employee", 1), Institution: "K751", UnitID: id("unit", 4), Roles: []orgmodel.Role{orgmodel.OtherEmployeeRole},
				RawRoles: []string{"Medlem"}, Valid: orgmodel.Period{From: d("2023-01-01")}, Source: "os2mo"},
		},
		Managers: []orgmodel.Manager{
			{ID: id("manager", 1), UnitID: id("unit", 2), PersonID: id("employee", 3), Level: "Niveau 1", Type: "Direktør",
				Responsibilities: []string{"Personaleansvar"}, Valid: orgmodel.Period{From: d("2020-01-01"), To: d("2027-01-01")}},
			{ID: id("manager", 1), UnitID: id("unit", 2), PersonID: id("employee", 4), Level: "Niveau 1", Type: "Direktør",
				Responsibilities: []string{"Personaleansvar"}, Valid: orgmodel.Period{From: d("2027-01-01")}},
		},
	}
	if diff := cmp.Diff(want, res.Snapshot, cmp.AllowUnexported(orgmodel.Snapshot{})); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
	wantB := []os2mo.Binding{{UUID: id("ituser", 1), PersonID: id("employee", 1), Username: "anna", ExternalID: "guid-anna", Valid: orgmodel.Period{From: d("2019-03-01")}}}
	if diff := cmp.Diff(wantB, res.Bindings); diff != "" {
		t.Errorf("bindings (-want +got):\n%s", diff)
	}
	snap := res.Snapshot
	if err := snap.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	// The manager change takes effect on its day without another read.
	if m := snap.ManagersOf(id("unit", 2), d("2026-12-31")); len(m) != 1 || m[0].PersonID != id("employee", 3) {
		t.Errorf("manager on 2026-12-31 = %+v", m)
	}
	if m := snap.ManagersOf(id("unit", 2), d("2027-01-01")); len(m) != 1 || m[0].PersonID != id("employee", 4) {
		t.Errorf("manager on 2027-01-01 = %+v", m)
	}
	if res.Requests < 10 {
		t.Errorf("Requests = %d, want paging over several pages", res.Requests)
	}
}

func os2mofakeAD() string { return os2mofake.ID("itsystem/Active Directory", 0) }

// Reading strictly at a point in time leaves future-dated changes out.
func TestReadAtPointInTime(t *testing.T) {
	fake, c := newFake(t)
	municipality(fake)
	res, err := c.Read(context.Background(), os2mo.Window{From: testNow, To: testNow}, mapping)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Snapshot.Affiliations {
		if a.PersonID == id("employee", 2) {
			t.Errorf("Bo's future engagement was read at %v: %+v", testNow, a)
		}
	}
	if len(res.Snapshot.Managers) != 1 || res.Snapshot.Managers[0].PersonID != id("employee", 3) {
		t.Errorf("managers at %v = %+v, want Carl only", testNow, res.Snapshot.Managers)
	}
	for _, u := range res.Snapshot.Units {
		if u.ID == id("unit", 2) && u.Name != "Børn og Unge" {
			t.Errorf("unit 2 named %q at %v", u.Name, testNow)
		}
	}
}

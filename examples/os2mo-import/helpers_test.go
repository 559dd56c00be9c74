package main_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/os2mo"
	"github.com/orgsync/orgsync/adapters/os2mo/os2mofake"
	"github.com/orgsync/orgsync/orgmodel"
)

// The full-run tests live here, in a binary's package, because they wire
// adapters together (os2mo with memdir and ad), which adapters may not do
// (arch_rules_test.go). They use the fake's example municipality.

var (
	testNow = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	mapping = os2mo.Mapping{
		Institution:      orgmodel.Institution{Number: "K751", Name: "Aarhus Kommune", Type: orgmodel.Municipality},
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

func municipality(s *os2mofake.Server) { os2mofake.SeedExample(s) }

func os2mofakeAD() string { return os2mofake.ID("itsystem/Active Directory", 0) }

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

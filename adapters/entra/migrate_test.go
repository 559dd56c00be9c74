package entra_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/orgmodel/migrate"
)

// TestMigrationReport: the report against a tenant with a cloud account
// carrying the UNI-ID, a synced account found by username, and accounts
// nobody matches.
func TestMigrationReport(t *testing.T) {
	tn := newTenant(t, graphfake.Options{Seed: 9}, func(c *entra.Config) { c.TeamKinds = nil })
	tn.srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Ann", "userPrincipalName": "a.old@" + testDomain,
		"mailNickname": "a.old", "employeeId": "U-ANN"})
	tn.srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Bo", "userPrincipalName": "bo@" + testDomain,
		"mailNickname": "bo", "onPremisesSyncEnabled": true})
	accounts, err := tn.c.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := migrate.Compare([]migrate.Person{{ID: "p1", UNIID: "U-ANN", Username: "ann"}, {ID: "p2", Username: "bo"}, {ID: "p3", Username: "cy"}}, accounts, nil)
	if err != nil {
		t.Fatal(err)
	}
	type line struct{ ID, Status, Rule, User string }
	var got []line
	for _, r := range rep.Persons {
		got = append(got, line{r.Person.ID, string(r.Status), r.Rule, r.Username})
	}
	want := []line{{"p1", "matched", "uniId", "a.old"}, {"p2", "matched", "username", "bo"}, {"p3", "unmatched", "", ""}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0].Username != "svc-teams" { // the Teams service account of newTenant
		t.Errorf("orphans %+v", rep.Orphans)
	}
}

package google_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/orgmodel/migrate"
)

// TestMigrationReport: the report against a Google domain with hand-made
// accounts under the root and outside it.
func TestMigrationReport(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 1})
	f.AddOrgUnit("/Skole", "")
	f.AddOrgUnit("/Skole/Gammel", "")
	f.AddOrgUnit("/Andet", "")
	f.AddUser("ann@skole.test", "Ann", "A", "/Skole/Gammel")
	f.AddUser("out@skole.test", "Out", "O", "/Andet")
	f.AddUser("orphan@skole.test", "Or", "Phan", "/Skole")
	gcfg := google.Config{Domain: "skole.test", Root: "/Skole"}
	c := newClient(t, f, gcfg)
	accounts, err := c.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := migrate.Compare([]migrate.Person{{ID: "p1", Username: "ann"}, {ID: "p2", Username: "out"}, {ID: "p3", Username: "cy"}}, accounts, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]migrate.Status{}
	for _, r := range rep.Persons {
		got[r.Person.ID] = r.Status
	}
	if d := cmp.Diff(map[string]migrate.Status{"p1": migrate.Matched, "p2": migrate.Outside, "p3": migrate.Unmatched}, got); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	var orphans []string
	for _, a := range rep.Orphans {
		orphans = append(orphans, a.Username)
	}
	if d := cmp.Diff([]string{"orphan"}, orphans); d != "" {
		t.Errorf("orphans (-want +got):\n%s", d)
	}
}

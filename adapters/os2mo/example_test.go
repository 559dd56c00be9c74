package os2mo_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/orgsync/orgsync/adapters/os2mo"
	"github.com/orgsync/orgsync/adapters/os2mo/os2mofake"
	"github.com/orgsync/orgsync/orgmodel"
)

// Read an OS2mo (here the fake, with a synthetic municipality) from today
// on, future-dated changes included, and merge it with a STIL snapshot.
func ExampleClient_Read() {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	fake := os2mofake.New("orgsync", "secret")
	fake.Now = func() time.Time { return now }
	fake.Synthetic(20, 5, now)
	srv := httptest.NewServer(fake)
	defer srv.Close()

	c, err := os2mo.New(os2mo.Config{
		URL:          srv.URL, // e.g. https://os2mo.kommune.dk
		TokenURL:     srv.URL + "/auth/realms/mo/protocol/openid-connect/token",
		ClientID:     "orgsync",
		ClientSecret: "secret",
		PageSize:     10,
	})
	if err != nil {
		panic(err)
	}
	res, err := c.Read(context.Background(), os2mo.Window{From: now}, os2mo.Mapping{
		Institution: orgmodel.Institution{Number: "751", Name: "Aarhus Kommune", Type: orgmodel.Municipality},
		Hierarchies: map[string]orgmodel.Hierarchy{"med": orgmodel.MED},
		ADSystem:    "Active Directory",
	})
	if err != nil {
		panic(err)
	}
	stil := &orgmodel.Snapshot{} // from adapters/stil
	snap, _ := os2mo.MergeSTIL(stil, &res.Snapshot, os2mo.MergeRules{})
	fmt.Println(len(snap.Units), "units,", len(snap.Persons), "persons,", len(snap.Affiliations), "affiliations,",
		len(snap.Managers), "managers,", len(res.Bindings), "AD bindings,", snap.Validate())
	// Output: 5 units, 20 persons, 24 affiliations, 5 managers, 20 AD bindings, <nil>
}

package entra_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
)

// TestSyncedUsersKeepSyncOwnedAttributes: in the set-up "AD first" (users
// come from on-premises AD through Entra Connect) orgsync adopts the
// synced users, puts them in its groups and writes its extensions, but
// writes none of the properties the sync owns: graphfake refuses such
// writes as Graph does, and records every refusal.
func TestSyncedUsersKeepSyncOwnedAttributes(t *testing.T) {
	tn := newTenant(t, graphfake.Options{Seed: 5}, func(c *entra.Config) {
		c.Adopt = true
		c.OnPremisesSync = true
		c.TeamKinds = nil
		c.AdministrativeUnits = false
	})
	seed := func(username, given string, enabled bool) string {
		return tn.srv.Seed("user", map[string]any{
			"accountEnabled": enabled, "displayName": given + " (AD)", "givenName": given, "surname": "Fra-AD",
			"userPrincipalName": username + "@" + testDomain, "mailNickname": username, "jobTitle": "AD title",
			"employeeId": "AD-" + username, "onPremisesSyncEnabled": true,
		})
	}
	ann, bo := seed("ann", "Ann-AD", true), seed("bo", "Bo-AD", false)
	user := func(key, username, given string) diff.Object {
		return diff.Object{Kind: diff.User, Key: key, Name: given + " (" + username + ")", Attrs: diff.Attrs{
			{Name: "displayName", Value: given + " Orgsync"}, {Name: "familyName", Value: "Orgsync"},
			{Name: "givenName", Value: given}, {Name: "globalRole", Value: "employee"}, {Name: "title", Value: "Lærer"},
			{Name: "uniId", Value: "U-" + username}, {Name: "username", Value: username}}}
	}
	want := []diff.Object{
		user("user/p1", "ann", "Ann"), user("user/p2", "bo", "Bo"),
		{Kind: diff.Group, Key: "group/staff", Name: "Personale", Members: []string{"user/p1", "user/p2"}},
	}
	now := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	run := func() *diff.Plan {
		t.Helper()
		actual, err := tn.c.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		p, err := diff.Compute(diff.Prepare(tn.c, want), actual, diff.Options{Now: now, AdoptBy: []string{diff.AttrUsername}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 8, Sleep: noSleep}); err != nil {
			t.Fatalf("apply: %v", err)
		}
		return p
	}
	run()
	if p := run(); !p.Empty() {
		var b strings.Builder
		_ = p.Render(&b)
		t.Errorf("second run is not empty:\n%s", b.String())
	}
	if r := tn.srv.SyncRefusals(); len(r) > 0 {
		t.Errorf("orgsync wrote sync-owned properties, refused by Graph: %v", r)
	}
	for id, w := range map[string]struct {
		given   string
		enabled bool
	}{ann: {"Ann-AD", true}, bo: {"Bo-AD", false}} {
		o, ok := tn.srv.Get(id)
		if !ok {
			t.Fatalf("user %s gone", id)
		}
		if o.Str("givenName") != w.given || o.Str("jobTitle") != "AD title" || o.Str("employeeId") == "" || o.Props["companyName"] != nil {
			t.Errorf("user %s: sync-owned properties changed: %v", id, o.Props)
		}
		if o.Props["accountEnabled"] != w.enabled {
			t.Errorf("user %s: accountEnabled %v, want %v (owned by the sync)", id, o.Props["accountEnabled"], w.enabled)
		}
		if o.Str(ext("orgsyncKey")) == "" {
			t.Errorf("user %s: not adopted (no key extension)", id)
		}
	}
	g := objectsByKey(t, tn.srv, "group")["group/staff"]
	if len(g) != 1 || len(g[0].Members) != 2 {
		t.Fatalf("group: %+v", g)
	}

	// A person not synced yet is not created in the cloud.
	want = append(want, user("user/p3", "cy", "Cy"))
	actual, err := tn.c.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := diff.Compute(diff.Prepare(tn.c, want), actual, diff.Options{Now: now, AdoptBy: []string{diff.AttrUsername}})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 8, Sleep: noSleep})
	if rep == nil || rep.Failed == 0 {
		t.Errorf("creating a user in the AD-first set-up did not fail: %+v", rep)
	}
	if len(objectsByKey(t, tn.srv, "user")["user/p3"]) != 0 {
		t.Error("a cloud user was created in the AD-first set-up")
	}
}

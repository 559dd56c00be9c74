package entra_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestGroupsOnlyMode: with accounts made by another tool (some matched by
// UPN, one missing), groups-only mode creates and changes no user, puts
// the matched accounts in the groups, makes the Teams and converges.
func TestGroupsOnlyMode(t *testing.T) {
	for _, by := range []string{entra.MatchUPN, entra.MatchUniID} {
		t.Run(by, func(t *testing.T) {
			m := newMunicipality(t, synth.Tiny)
			tn := newTenant(t, graphfake.Options{Seed: 11}, func(c *entra.Config) { c.GroupsOnly, c.MatchBy = true, by })
			ctx := context.Background()
			full := tn.c.Prepare(m.build(t)) // no accounts read yet: users left out
			if slices.ContainsFunc(full, func(o diff.Object) bool { return o.Kind == diff.User }) {
				t.Fatal("Prepare kept users before any account was read")
			}
			// the other tool's accounts: every desired user but one
			var missing string // this person has no account: left out, not created
			accounts := map[string]string{}
			for _, o := range m.build(t) {
				if o.Kind != diff.User {
					continue
				}
				if missing == "" {
					missing = o.Key
					continue
				}
				if by == entra.MatchUniID {
					o.Attrs.Set(diff.AttrUsername, "x"+strings.ReplaceAll(o.Key, "/", "")) // UPN differs
				}
				accounts[o.Key] = seedUser(t, tn.srv, o)
			}
			users := len(tn.srv.Objects("user"))
			if _, err := tn.c.Read(ctx); err != nil {
				t.Fatal(err)
			}
			want := tn.c.Prepare(m.build(t))
			tn.srv.ResetCounts()
			apply(t, tn.c, want, m.at)
			converged(t, tn.c, want, m.at)

			n := tn.srv.Counts()
			for r, k := range n.Writes {
				if strings.Contains(r, "/users") {
					t.Errorf("%d writes to %s, want none", k, r)
				}
			}
			if got := len(tn.srv.Objects("user")); got != users {
				t.Errorf("%d users after the sync, %d before", got, users)
			}
			teams, members := 0, 0
			for _, g := range tn.srv.Objects("group") {
				rpo, _ := g.Props["resourceProvisioningOptions"].([]any)
				if slices.Contains(rpo, any("Team")) {
					teams++
				}
				members += len(g.Members)
			}
			bound := slices.Collect(maps.Values(accounts))
			if teams == 0 || members == 0 {
				t.Errorf("%d teams and %d memberships after the sync", teams, members)
			}
			for _, g := range tn.srv.Objects("group") {
				for _, id := range g.Members {
					if !slices.Contains(bound, id) {
						t.Errorf("group %s has member %s, not one of the matched accounts", g.Str("displayName"), id)
					}
				}
			}
		})
	}
}

package entra_test

import (
	"testing"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestHiddenMembershipUnits: with HiddenMembership every school's
// administrative unit is created with visibility HiddenMembership.
func TestHiddenMembershipUnits(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 9}, func(c *entra.Config) {
		c.AdministrativeUnits, c.HiddenMembership = true, true
	})
	want := tn.c.Prepare(m.build(t))
	apply(t, tn.c, want, m.at)
	units := tn.srv.Objects("administrativeUnit")
	if len(units) == 0 {
		t.Fatal("no administrative units made")
	}
	for _, u := range units {
		if v := u.Str("visibility"); v != "HiddenMembership" {
			t.Errorf("unit %s: visibility %q, want HiddenMembership", u.Str("displayName"), v)
		}
	}
	converged(t, tn.c, want, m.at)
}

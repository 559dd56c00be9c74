package rolemodel_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/orgsync/orgsync/rolemodel"
)

// randomCatalogue makes a random DAG of roles (a role inherits only from
// roles made before it, so there is no cycle) over random rights, and
// random assignments to a handful of users.
func randomCatalogue(rng *rand.Rand) rolemodel.Catalogue {
	c := rolemodel.Catalogue{Systems: []rolemodel.ITSystem{{ID: "s"}}}
	nr := 1 + rng.IntN(12)
	for i := range nr {
		c.Rights = append(c.Rights, rolemodel.Right{ID: fmt.Sprintf("r%d", i), System: "s", Classification: "x"})
	}
	roles := 1 + rng.IntN(15)
	for i := range roles {
		ro := rolemodel.Role{ID: fmt.Sprintf("R%d", i), Classifications: []rolemodel.Classification{"x"}}
		for range rng.IntN(3) {
			ro.Rights = append(ro.Rights, fmt.Sprintf("r%d", rng.IntN(nr)))
		}
		for range rng.IntN(3) {
			if i > 0 {
				if p := fmt.Sprintf("R%d", rng.IntN(i)); !slices.Contains(ro.Inherits, p) {
					ro.Inherits = append(ro.Inherits, p)
				}
			}
		}
		c.Roles = append(c.Roles, ro)
	}
	for i := range rng.IntN(10) {
		c.Assignments = append(c.Assignments, rolemodel.Assignment{ID: fmt.Sprintf("a%d", i), User: fmt.Sprintf("u%d", rng.IntN(4)),
			Roles: []string{fmt.Sprintf("R%d", rng.IntN(roles))}, AssignedBy: "admin"})
	}
	return c
}

// TestPropertyInheritanceClosure: a role's rights are its own rights and
// the rights of every role it inherits, nothing more.
func TestPropertyInheritanceClosure(t *testing.T) {
	for seed := range uint64(300) {
		c := randomCatalogue(rand.New(rand.NewPCG(seed, 1)))
		m, err := rolemodel.Compile(c)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, ro := range c.Roles {
			want := slices.Clone(ro.Rights)
			for _, p := range ro.Inherits {
				want = append(want, m.RoleRights(p)...)
			}
			slices.Sort(want)
			want = slices.Compact(want)
			if got := m.RoleRights(ro.ID); !slices.Equal(got, want) {
				t.Fatalf("seed %d: role %s rights %v, want %v", seed, ro.ID, got, want)
			}
		}
	}
}

// TestPropertyMonotonic: adding an assignment never takes a right from
// anybody, and every right it adds is explained by a path that starts at
// an assigned role.
func TestPropertyMonotonic(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 2))
		c := randomCatalogue(rng)
		m1, err := rolemodel.Compile(c)
		if err != nil {
			t.Fatal(err)
		}
		before := m1.Evaluate(nil, jan1, nil)
		c.Assignments = append(c.Assignments, rolemodel.Assignment{ID: "extra", User: fmt.Sprintf("u%d", rng.IntN(4)),
			Roles: []string{c.Roles[rng.IntN(len(c.Roles))].ID}, AssignedBy: "admin"})
		m2, err := rolemodel.Compile(c)
		if err != nil {
			t.Fatal(err)
		}
		after := m2.Evaluate(nil, jan1, nil)
		for _, u := range before.Users() {
			b, a := before.RightSet(u), after.RightSet(u)
			for _, x := range b {
				if !slices.Contains(a, x) {
					t.Fatalf("seed %d: user %s lost right %s", seed, u, x)
				}
			}
		}
		for _, u := range after.Users() {
			for _, g := range after.Rights(u) {
				if g.Path[0] != g.Role || !slices.Contains(m2.RoleRights(g.Role), g.Right) {
					t.Fatalf("seed %d: bad explanation %+v", seed, g)
				}
			}
		}
	}
}

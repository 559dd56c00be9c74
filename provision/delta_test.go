package provision_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

// TestRememberedPlansAsFullRead is the property test of delta runs on
// memdir: over random sequences of desired states, the plan computed from
// Remembered.ReadDelta is the plan computed from a full read of the
// directory, run after run, and most runs are served from memory.
func TestRememberedPlansAsFullRead(t *testing.T) {
	ctx := context.Background()
	served := 0
	runs := 0
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 19))
		dir := memdir.New()
		ct := &counting{Dir: dir}
		rem := provision.Remember(ct)
		now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		w := newWorld(rng)
		for round := range 8 {
			desired := w.step()
			opts := diff.Options{Now: now, Retention: map[string]int{"": 3}}
			full, err := dir.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before, reads := dir.Len(), ct.reads
			got, err := rem.ReadDelta(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if dir.Len() != before {
				t.Fatal("ReadDelta changed the directory")
			}
			pf, err := diff.Compute(desired, full, opts)
			if err != nil {
				t.Fatalf("seed %d round %d: %v", seed, round, err)
			}
			pd, err := diff.Compute(desired, got, opts)
			if err != nil {
				t.Fatalf("seed %d round %d: %v", seed, round, err)
			}
			if d := cmp.Diff(pf, pd); d != "" {
				t.Fatalf("seed %d round %d: plan from memory differs from the plan of a full read (-full +memory):\n%s", seed, round, d)
			}
			if ct.reads == reads {
				served++ // from memory
			}
			runs++
			if _, err := diff.Apply(ctx, rem, pd, diff.ApplyOptions{}); err != nil {
				t.Fatalf("seed %d round %d: apply: %v", seed, round, err)
			}
			now = now.AddDate(0, 0, 1)
		}
	}
	if served < runs/4 {
		t.Errorf("only %d of %d runs were served from memory", served, runs)
	}
	t.Logf("%d runs, %d served from memory", runs, served)
}

// TestRememberedStaleAfterCreate: a create (whose ID only the target
// knows) makes the next ReadDelta read the target.
func TestRememberedStaleAfterCreate(t *testing.T) {
	ctx := context.Background()
	dir := memdir.New()
	rem := provision.Remember(dir)
	if _, err := rem.Read(ctx); err != nil {
		t.Fatal(err)
	}
	u := diff.Object{Kind: diff.User, Key: "user/1", Name: "A"}
	if err := rem.Apply(ctx, diff.Change{Action: diff.Create, Kind: diff.User, Key: u.Key, After: &u}); err != nil {
		t.Fatal(err)
	}
	got, err := rem.ReadDelta(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID == "" {
		t.Fatalf("ReadDelta after create = %+v, want the created user with its ID", got)
	}
}

// counting counts the full reads of a memdir.
type counting struct {
	*memdir.Dir
	reads int
}

func (c *counting) Read(ctx context.Context) ([]diff.Object, error) {
	c.reads++
	return c.Dir.Read(ctx)
}

// world evolves a desired state at random: people come, go, change
// attributes, names, disabled flags and groups.
type world struct {
	rng    *rand.Rand
	next   int
	ctrs   []diff.Object
	users  []diff.Object
	groups []diff.Object
}

func newWorld(rng *rand.Rand) *world {
	w := &world{rng: rng}
	w.ctrs = []diff.Object{{Kind: diff.Container, Key: "ou/a", Name: "A"}, {Kind: diff.Container, Key: "ou/b", Name: "B", Parent: "ou/a"}}
	for range 6 {
		w.addUser()
	}
	for g := range 2 {
		w.groups = append(w.groups, diff.Object{Kind: diff.Group, Key: fmt.Sprintf("group/%d", g), Name: fmt.Sprintf("G%d", g), Parent: "ou/a"})
	}
	return w
}

func (w *world) addUser() {
	w.next++
	u := diff.Object{Kind: diff.User, Key: fmt.Sprintf("user/%d", w.next), Name: fmt.Sprintf("U%d", w.next),
		Parent: []string{"ou/a", "ou/b"}[w.rng.IntN(2)]}
	u.Attrs.Set(diff.AttrUsername, fmt.Sprintf("u%d", w.next))
	u.Attrs.Set("email", fmt.Sprintf("u%d@x.test", w.next))
	w.users = append(w.users, u)
}

// step changes the world a little and returns the desired state.
func (w *world) step() []diff.Object {
	for range 1 + w.rng.IntN(4) {
		if len(w.users) == 0 {
			w.addUser()
			continue
		}
		i := w.rng.IntN(len(w.users))
		u := &w.users[i]
		switch w.rng.IntN(9) {
		case 0:
			w.addUser()
		case 1:
			w.users = slices.Delete(w.users, i, i+1) // leaves
		case 2:
			u.Attrs = u.Attrs.Clone()
			u.Attrs.Set("email", fmt.Sprintf("n%d@x.test", w.rng.IntN(1000)))
		case 3:
			u.Attrs = u.Attrs.Clone()
			u.Attrs.Delete("email")
		case 4:
			u.Name = fmt.Sprintf("R%d", w.rng.IntN(1000))
		case 5:
			u.Disabled = !u.Disabled
		case 6:
			u.Parent = []string{"ou/a", "ou/b"}[w.rng.IntN(2)]
		default:
			g := &w.groups[w.rng.IntN(len(w.groups))]
			if j := slices.Index(g.Members, u.Key); j >= 0 {
				g.Members = slices.Delete(slices.Clone(g.Members), j, j+1)
			} else {
				g.Members = append(slices.Clone(g.Members), u.Key)
			}
		}
	}
	out := slices.Clone(w.ctrs)
	for _, u := range w.users {
		out = append(out, u)
	}
	for _, g := range w.groups {
		g.Members = slices.DeleteFunc(slices.Clone(g.Members), func(k string) bool {
			return !slices.ContainsFunc(w.users, func(u diff.Object) bool { return u.Key == k })
		})
		slices.Sort(g.Members)
		if len(g.Members) == 0 {
			g.Members = nil
		}
		out = append(out, g)
	}
	for i := range out {
		out[i].Attrs = out[i].Attrs.Clone()
	}
	return out
}

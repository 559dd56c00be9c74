package desired_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/diff/targettest"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestPropertyConvergence is the convergence property over random
// municipalities: for a random snapshot, a random change of the source
// (leavers, name changes, pupils changing class, newcomers) and random
// drift of the directory, applying the plan — also when the apply is cut
// off after a random number of changes and then run again — leaves a
// directory whose next plan is empty. Unmanaged objects are never touched.
func TestPropertyConvergence(t *testing.T) {
	iterations := 25
	if testing.Short() {
		iterations = 5
	}
	for i := range iterations {
		seed := uint64(i + 1)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			convergeCase(t, seed)
		})
	}
}

func convergeCase(t *testing.T, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 99))
	cfg := synth.Tiny
	cfg.Seed = int64(seed)
	cfg.Persons = 80 + r.IntN(250)
	s1 := synth.Generate(cfg)
	now := synth.ReferenceTime(s1.SchoolYear)
	proj, err := desired.DefaultConfig().Compile()
	if err != nil {
		t.Fatal(err)
	}
	opts := diff.Options{Now: now, Quarantine: desired.KeyDisabled, Retired: desired.KeyRetired, AdoptBy: []string{"username"}}
	names := assign(t, s1, now, nil)
	want1, err := proj.Build(s1, desired.Input{At: now, Usernames: names})
	if err != nil {
		t.Fatal(err)
	}
	d := memdir.New()
	foreign := diff.Object{Kind: diff.User, Name: "Manual Admin", Attrs: diff.AttrsFrom(map[string]string{"username": "admin1"})}
	if _, err := d.Put(foreign); err != nil {
		t.Fatal(err)
	}
	converge(ctx, t, d, want1, opts, r)

	// The source changes and the directory drifts by hand.
	s2 := perturb(s1, r)
	names = assign(t, s2, now, names)
	want2, err := proj.Build(s2, desired.Input{At: now, Usernames: names})
	if err != nil {
		t.Fatalf("build perturbed: %v", err)
	}
	driftDir(ctx, t, d, r)
	converge(ctx, t, d, want2, opts, r)

	for _, o := range d.Objects() {
		if !o.Managed && o.Name != foreign.Name {
			t.Errorf("unexpected unmanaged object %+v", o)
		}
		if !o.Managed && (o.Disabled || o.Attrs.Get("username") != "admin1") {
			t.Errorf("the unmanaged object was touched: %+v", o)
		}
	}
}

// converge applies the plan, cut off after a random number of changes,
// then plans and applies again, and checks that the next plan is empty.
func converge(ctx context.Context, t *testing.T, d *memdir.Dir, want []diff.Object, opts diff.Options, r *rand.Rand) {
	t.Helper()
	actual, _ := d.Read(ctx)
	plan, err := diff.Compute(want, actual, opts)
	if err != nil {
		t.Fatal(err)
	}
	noSleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	if n := len(plan.Changes); n > 0 {
		cut := &targettest.Interrupt{Target: d, N: int64(r.IntN(n))}
		diff.Apply(ctx, cut, plan, diff.ApplyOptions{Sleep: noSleep, Concurrency: 1 + r.IntN(4)})
	}
	for round := 0; ; round++ {
		actual, _ = d.Read(ctx)
		plan, err = diff.Compute(want, actual, opts)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Empty() {
			return
		}
		if round == 1 {
			var sb fmt.Stringer = plan.Summary()
			t.Fatalf("not converged after apply + re-apply: %v\n%v", sb, plan.Changes[0])
		}
		if _, err := diff.Apply(ctx, d, plan, diff.ApplyOptions{Sleep: noSleep}); err != nil {
			t.Fatalf("apply: %v", err)
		}
	}
}

// perturb returns a changed copy of the snapshot: some leavers, a renamed
// person, some pupils moved to another class of their level, a newcomer.
func perturb(s *orgmodel.Snapshot, r *rand.Rand) *orgmodel.Snapshot {
	c := *s
	c.Persons = slices.Clone(s.Persons)
	c.Affiliations = nil
	byLevel := map[string][]string{}
	for _, g := range s.Groups {
		if g.Type == orgmodel.Hovedgruppe {
			k := g.Institution + "/" + g.Level
			byLevel[k] = append(byLevel[k], g.ID)
		}
	}
	for _, a := range s.Affiliations {
		switch x := r.Float64(); {
		case x < 0.03:
			continue // a leaver
		case x < 0.08 && a.MainGroupID != "":
			peers := byLevel[a.Institution+"/"+a.Level]
			if len(peers) > 0 {
				a.MainGroupID = peers[r.IntN(len(peers))]
			}
		}
		c.Affiliations = append(c.Affiliations, a)
	}
	if len(c.Persons) > 0 {
		i := r.IntN(len(c.Persons))
		c.Persons[i].FamilyName += "-Hansen"
	}
	c.Persons = append(c.Persons, orgmodel.Person{ID: "new-1", GivenName: "Nyansat", FamilyName: "Østergaard"})
	c.Affiliations = append(c.Affiliations, orgmodel.Affiliation{PersonID: "new-1", Institution: s.Institutions[0].Number, Roles: []orgmodel.Role{orgmodel.TAP}})
	c.Index()
	return &c
}

// driftDir changes the directory by hand, as administrators do: renames,
// attribute edits, removed members, a disabled account.
func driftDir(ctx context.Context, t *testing.T, d *memdir.Dir, r *rand.Rand) {
	t.Helper()
	for _, o := range d.Objects() {
		if !o.Managed || r.Float64() > 0.05 {
			continue
		}
		var c diff.Change
		after := o.Clone()
		switch {
		case o.Kind == diff.User && r.IntN(2) == 0:
			after.Disabled = true
			c = diff.Change{Action: diff.Disable, Kind: o.Kind, Key: o.Key, Before: &o, After: &after}
			after.Attrs.Set(diff.AttrDisabledDate, "2025-01-01")
		case len(o.Members) > 0:
			c = diff.Change{Action: diff.RemoveMember, Kind: o.Kind, Key: o.Key, Member: o.Members[0], Before: &o, After: &after}
		default:
			after.Name = o.Name + " x"
			c = diff.Change{Action: diff.Rename, Kind: o.Kind, Key: o.Key, Before: &o, After: &after}
		}
		if err := d.Apply(ctx, c); err != nil {
			t.Fatalf("drift %s %s: %v", c.Action, c.Key, err)
		}
	}
}

package broker_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

func changesOf(p *diff.Plan, inst string) (n int, actions map[diff.Action]int) {
	actions = map[diff.Action]int{}
	for _, c := range p.Changes {
		if c.Institution() == inst {
			n++
			actions[c.Action]++
		}
	}
	return n, actions
}

func TestYearRollLock(t *testing.T) {
	ctx := context.Background()
	// The tiny municipality's year roll retires a fifth of a school's
	// objects (the leavers' class): allow it.
	f := newFixtureWith(t, func(c *broker.Client) {
		c.Config.Thresholds = &provision.ThresholdConfig{DisablePercent: 30, DisableCount: 50, DeletePercent: 30, DeleteCount: 50,
			PerInstitutionPercent: 30, PerInstitutionCount: 50}
	}, "a")
	f.b.Tick(ctx)
	next := synth.NextYear(f.snap, 7)
	yc, ok := snapstore.DetectYearChange(f.snap, next)
	if !ok || len(yc.Institutions) < 2 {
		t.Fatalf("synth next year: %+v", yc)
	}
	// The clock moves to the new school year.
	f.clk.t = synth.ReferenceTime(next.SchoolYear)
	if err := f.b.SetSnapshot(ctx, next); err != nil {
		t.Fatal(err)
	}
	locks := f.b.Locks()
	if len(locks) != len(yc.Institutions) || locks[0].Explanation == "" || locks[0].From != f.snap.SchoolYear {
		t.Fatalf("locks %+v, want one per institution of %v with an explanation", locks, yc.Institutions)
	}
	if !slices.Contains(eventKinds(f.events), "locked") {
		t.Error("no locked event")
	}
	// Release all but one school before the run: the rest of the
	// municipality keeps syncing while the first stays held.
	held := yc.Institutions[0]
	for _, inst := range yc.Institutions[1:] {
		if err := f.b.Release(ctx, inst, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.b.Release(ctx, "nope", "admin"); !errors.Is(err, broker.ErrUnknown) {
		t.Errorf("release of an unknown lock = %v", err)
	}
	f.b.Tick(ctx)
	st := f.status(t, "a")
	if st.Error != "" || st.Last.Applied == 0 {
		t.Fatalf("run with a held institution: %+v", st.Last)
	}
	other := yc.Institutions[1]
	if n, _ := changesOf(f.pending(t, "a").Plan, other); n != 0 {
		t.Errorf("released institution %s not synced", other)
	}
	p := f.pending(t, "a")
	if n, _ := changesOf(p.Plan, held); n != 0 {
		t.Errorf("held institution %s has %d pending changes, want none while locked", held, n)
	}
	if len(p.Locks) != 1 || p.Locks[0].Institution != held || !strings.Contains(p.Locks[0].Explanation, held) {
		t.Errorf("pending locks %+v: want %s with its explanation", p.Locks, held)
	}
	// Released: its classes are rolled (renamed, not recreated).
	if err := f.b.Release(ctx, held, "admin"); err != nil {
		t.Fatal(err)
	}
	p = f.pending(t, "a")
	n, actions := changesOf(p.Plan, held)
	if n == 0 || actions[diff.Rename] == 0 {
		t.Errorf("after release: %d changes %v, want the class renames", n, actions)
	}
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	if p := f.pending(t, "a"); !p.Plan.Empty() {
		t.Errorf("not converged after release: %v", p.Plan.Summary())
	}
}

func TestKeepAlive(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "a")
	f.b.Tick(ctx)
	// An employee leaves the source but is kept for a week.
	var emp string
	for _, a := range f.snap.Affiliations {
		if slices.ContainsFunc(a.Roles, func(r orgmodel.Role) bool { return r.Kind() == orgmodel.Employee }) {
			emp = a.PersonID
			break
		}
	}
	until := f.clk.Now().Add(7 * 24 * time.Hour)
	if err := f.b.AddKeepAlive(ctx, emp, until, "admin", "handover"); err != nil {
		t.Fatal(err)
	}
	if err := f.b.SetSnapshot(ctx, without(f.snap, func(a orgmodel.Affiliation) bool { return a.PersonID == emp })); err != nil {
		t.Fatal(err)
	}
	key := "user/" + emp
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	if o, ok := f.dirs["a"].Get(key); !ok || o.Disabled {
		t.Fatalf("kept person %s: %+v, %v; want active", key, o, ok)
	}
	if kl := f.b.KeepAlives(); len(kl) != 1 || kl[0].By != "admin" {
		t.Errorf("keep-alive list %+v", kl)
	}
	f.clk.Add(7 * 24 * time.Hour)
	f.b.Tick(ctx)
	if o, ok := f.dirs["a"].Get(key); !ok || !o.Disabled {
		t.Fatalf("after expiry %s: %+v; want disabled", key, o)
	}
	if kl := f.b.KeepAlives(); len(kl) != 0 {
		t.Errorf("expired entry still listed: %+v", kl)
	}
}

func TestPrimaryOverride(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "a")
	// A person with affiliations at two institutions.
	at := f.clk.Now()
	var person string
	var insts []string
	for _, p := range f.snap.Persons {
		if is := f.snap.InstitutionsOf(p.ID, at); len(is) >= 2 {
			person, insts = p.ID, is
			break
		}
	}
	if person == "" {
		t.Skip("no person at two institutions in synth.Tiny")
	}
	f.b.Tick(ctx)
	o, _ := f.dirs["a"].Get("user/" + person)
	other := insts[0]
	if o.Institution == other {
		other = insts[1]
	}
	if err := f.b.SetPrimary(ctx, person, other, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := f.b.SetPrimary(ctx, person, "nowhere", "admin"); !errors.Is(err, broker.ErrUnknown) {
		t.Errorf("override to an institution without an affiliation: %v", err)
	}
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	// The account moves to the employees of the chosen institution.
	if o2, _ := f.dirs["a"].Get("user/" + person); !strings.Contains(o2.Parent, "/"+other+"/") {
		t.Fatalf("account under %q after the override to %q (was under %q)", o2.Parent, other, o.Parent)
	}
	if ps := f.b.Primaries(); len(ps) != 1 || ps[0].By != "admin" {
		t.Errorf("overrides %+v", ps)
	}
	if err := f.b.ClearPrimary(ctx, person); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	if o3, _ := f.dirs["a"].Get("user/" + person); o3.Parent != o.Parent {
		t.Errorf("account under %q after clearing, want %q", o3.Parent, o.Parent)
	}
}

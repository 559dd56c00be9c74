package sqlreplica

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestDeltaReadMatchesFullRead is a property test: over rounds of random
// changes to the model (new, changed and leaving persons, pupils changing
// class, a year roll, values the database refuses) and random writes by
// others (plain SQL updates, inserts and deletes, another orgsync
// process), the rows a long-lived Replica returns from its delta reads,
// and the plan computed from them, equal those of a full read.
func TestDeltaReadMatchesFullRead(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	r, err := Open(ctx, db, Options{FullReadEvery: 1000})
	if err != nil {
		t.Fatal(err)
	}
	full, err := Open(ctx, db, Options{FullReadEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, db, Options{FullReadEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(24, 1))
	s := synth.Generate(synth.Config{Seed: 24, Persons: 400, Schools: 1, Daycares: 1, FUs: -1})
	at := synth.ReferenceTime(s.SchoolYear)
	popt := diff.Options{DefaultRetention: 10, GroupRetention: 10}
	var left []orgmodel.Person // persons removed, who may come back
	deltas, fulls, foreign := 0, 0, 0
	for round := range 40 {
		// The model changes.
		s = clone(s)
		switch {
		case round == 20:
			s, _ = synth.Advance(s, int64(round))
			at = synth.ReferenceTime(s.SchoolYear)
		default:
			for range rnd.IntN(8) {
				p := &s.Persons[rnd.IntN(len(s.Persons))]
				p.Email = fmt.Sprintf("r%d-%d@example.dk", round, rnd.IntN(1000))
			}
			if rnd.IntN(4) == 0 { // a name the database refuses: the change fails
				s.Persons[rnd.IntN(len(s.Persons))].GivenName = strings.Repeat("x", 300)
			}
			if rnd.IntN(3) == 0 { // a pupil changes class
				changeClass(s, rnd)
			}
			for range rnd.IntN(3) { // leavers
				i := rnd.IntN(len(s.Persons))
				left = append(left, s.Persons[i])
				s = without(s, s.Persons[i].ID)
			}
			if len(left) > 0 && rnd.IntN(3) == 0 { // one comes back (without affiliations)
				i := rnd.IntN(len(left))
				if !slices.ContainsFunc(s.Persons, func(p orgmodel.Person) bool { return p.ID == left[i].ID }) {
					s.Persons = append(s.Persons, left[i])
				}
				left = slices.Delete(left, i, i+1)
			}
			at = at.Add(time.Duration(rnd.IntN(6)) * 24 * time.Hour)
		}
		// Others write.
		if round > 0 && rnd.IntN(4) == 0 {
			foreign++
			foreignWrite(t, r, rnd)
		}
		if round > 0 && rnd.IntN(8) == 0 {
			foreign++
			s2 := clone(s)
			s2.Persons[0].Email = fmt.Sprintf("other%d@example.dk", round)
			if _, _, err := Sync(ctx, other, s2, at, SyncOptions{Plan: popt}); !applied(err) {
				t.Fatal(err)
			}
		}

		got, err := r.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stats := r.LastRead()
		want, err := full.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Full {
			fulls++
		} else {
			deltas++
		}
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("round %d (%+v): delta read differs from full read (-full +delta):\n%s", round, stats, d)
		}
		desired := r.Prepare(Objects(s, at, r.opt))
		popt.Now = at
		wantPlan, err := diff.Compute(desired, want, popt)
		if err != nil {
			t.Fatal(err)
		}
		gotPlan, err := diff.Compute(desired, got, popt)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(wantPlan, gotPlan, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("round %d: plans differ (-full +delta):\n%s", round, d)
		}
		// Apply, through the long-lived replica.
		if _, _, err := Sync(ctx, r, s, at, SyncOptions{Plan: popt}); !applied(err) {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	t.Logf("%d delta reads, %d full reads, %d rounds with foreign writes", deltas, fulls, foreign)
	if deltas < 10 || fulls < 2 {
		t.Errorf("%d delta and %d full reads: the test does not exercise both", deltas, fulls)
	}
}

// TestForeignWriteForcesFullRead: after a write by hand (no
// @orgsync_replica), the next Read reads every table and sees it.
func TestForeignWriteForcesFullRead(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	r, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := synth.Generate(synth.Tiny)
	at := synth.ReferenceTime(s.SchoolYear)
	syncOK(t, r, s, at)
	if st := r.LastRead(); st.Full {
		t.Fatalf("converged run: %+v, want a delta read", st)
	}
	key := personKey(s.Persons[0].ID)
	if _, err := db.Exec("UPDATE persons SET email = 'by-hand@example.dk' WHERE obj_key = ?", key); err != nil {
		t.Fatal(err)
	}
	objs, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := r.LastRead(); !st.Full || st.Reason != "foreign writes to persons" {
		t.Errorf("after a write by hand: %+v, want a full read for foreign writes to persons", st)
	}
	i := slices.IndexFunc(objs, func(o diff.Object) bool { return o.Key == key })
	if i < 0 || objs[i].Attrs.Get("email") != "by-hand@example.dk" {
		t.Errorf("the write by hand is not in the read")
	}
	// The plan puts it back; the run after is a delta read again.
	syncOK(t, r, s, at)
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.LastRead(); st.Full {
		t.Errorf("after converging: %+v, want a delta read", st)
	}
}

// applied reports whether Sync ran its plan, maybe with changes that
// failed (the names the database refuses).
func applied(err error) bool {
	var ae *diff.ApplyError
	return err == nil || errors.As(err, &ae)
}

// foreignWrite changes the replica as a person with a SQL client would.
func foreignWrite(t *testing.T, r *Replica, rnd *rand.Rand) {
	t.Helper()
	stmts := []string{
		"UPDATE persons SET email = 'by-hand@example.dk' ORDER BY id LIMIT 1",
		"UPDATE org_groups SET name = CONCAT(name, '!') ORDER BY id DESC LIMIT 1",
		"DELETE FROM memberships ORDER BY group_key LIMIT 1",
		"UPDATE affiliations SET title = 'by hand' ORDER BY id LIMIT 1",
		"DELETE FROM contacts ORDER BY id LIMIT 1",
	}
	if rnd.IntN(len(stmts)+1) == 0 {
		o := diff.Object{Kind: diff.User, Name: "Hand Made", Attrs: diff.Attrs{{Name: "email", Value: fmt.Sprintf("hand%d@example.dk", rnd.IntN(1e6))}}}
		if err := r.SeedUnmanaged(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := r.db.Exec(stmts[rnd.IntN(len(stmts))]); err != nil {
		t.Fatal(err)
	}
}

// clone copies the snapshot for changing.
func clone(s *orgmodel.Snapshot) *orgmodel.Snapshot {
	// A new Snapshot, without the lookup index of the old one.
	return &orgmodel.Snapshot{SchoolYear: s.SchoolYear, Institutions: s.Institutions, Units: s.Units,
		Persons: slices.Clone(s.Persons), Affiliations: slices.Clone(s.Affiliations),
		Groups: slices.Clone(s.Groups), Contacts: slices.Clone(s.Contacts), Managers: s.Managers}
}

// without removes a person with their affiliations and contact links.
func without(s *orgmodel.Snapshot, id string) *orgmodel.Snapshot {
	s.Persons = slices.DeleteFunc(s.Persons, func(p orgmodel.Person) bool { return p.ID == id })
	s.Affiliations = slices.DeleteFunc(s.Affiliations, func(a orgmodel.Affiliation) bool { return a.PersonID == id })
	s.Contacts = slices.DeleteFunc(s.Contacts, func(c orgmodel.Contact) bool { return c.StudentID == id })
	return s
}

// changeClass moves a random pupil to another main group of the same
// institution.
func changeClass(s *orgmodel.Snapshot, rnd *rand.Rand) {
	for range 20 {
		a := &s.Affiliations[rnd.IntN(len(s.Affiliations))]
		if a.MainGroupID == "" {
			continue
		}
		var other []string
		for _, g := range s.Groups {
			if g.Institution == a.Institution && g.Type == orgmodel.Hovedgruppe && g.ID != a.MainGroupID {
				other = append(other, g.ID)
			}
		}
		if len(other) > 0 {
			a.MainGroupID = other[rnd.IntN(len(other))]
			return
		}
	}
}

package broker_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// TestMigrateWholeRecord: a store written by an earlier version (the one
// record "broker", the source under "source", a lock's data under
// "held/<institution>") is split into per-item records when two instances
// open it at once; everything is kept, the old record is gone, and the
// approval numbers go on from the old ones.
func TestMigrateWholeRecord(t *testing.T) {
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	now := synth.ReferenceTime(snap.SchoolYear)
	person := snap.Persons[0].ID
	var inst string
	for _, a := range snap.Affiliations {
		if a.PersonID == person {
			inst = snap.AffiliationInstitution(a)
			break
		}
	}
	lockInst := snap.Institutions[1].Number
	old := map[string]any{
		"clients": map[string]*broker.Status{"a": {Paused: true, LastAttempt: now, LastSuccess: now, Error: "old error"}},
		"locks":   map[string]*broker.Lock{lockInst: {Institution: lockInst, From: "2025-2026", To: "2026-2027", At: now, Explanation: "roll"}},
		"approvals": []*broker.Approval{
			{ID: "6", Client: "a", At: now, Reason: "too many", Status: "rejected", DecidedBy: "x"},
			{ID: "7", Client: "a", At: now, Reason: "too many", Status: "pending",
				Saved: &provision.SavedPlan{Plan: &diff.Plan{Now: now}, State: &provision.State{}}},
		},
		"keepAlive": map[string]*broker.KeepAlive{person: {PersonID: person, Until: now.Add(time.Hour), By: "x", Person: snap.Persons[0]}},
		"primary":   map[string]*broker.Primary{person: {PersonID: person, Institution: inst, By: "x", At: now}},
		"nextId":    7,
	}
	store := &broker.MemoryStore{}
	put := func(k string, v any) {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Put(ctx, k, raw); err != nil {
			t.Fatal(err)
		}
	}
	put("broker", old)
	put("source", snap)
	put("held/"+lockInst, snap)

	clk := &clock{t: now}
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	open := func() (*broker.Broker, error) {
		return broker.New(ctx, broker.Options{Store: store, Clock: clk.Now, Log: quiet},
			broker.Client{Name: "a", Target: memdir.New(), Config: cfg, FullSyncHour: -1})
	}
	var bs [2]*broker.Broker
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range bs {
		wg.Add(1)
		go func() { defer wg.Done(); bs[i], errs[i] = open() }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, "broker"); !errors.Is(err, broker.ErrNotFound) {
		t.Errorf("the old record is still there: %v", err)
	}
	again, err := open() // nothing left to migrate
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range append(bs[:], again) {
		st, err := b.Status("a")
		if err != nil || !st.Paused || !st.LastSuccess.Equal(now) || st.Error != "old error" {
			t.Errorf("status = %+v, %v", st, err)
		}
		if ls := b.Locks(); len(ls) != 1 || ls[0].Institution != lockInst || ls[0].Explanation != "roll" {
			t.Errorf("locks = %+v", ls)
		}
		as := b.Approvals()
		if len(as) != 2 || as[0].ID != "6" || as[1].ID != "7" || as[1].Status != "pending" {
			t.Errorf("approvals = %+v", as)
		}
		if a, err := b.Approval("7"); err != nil || a.Saved == nil || !a.Saved.Plan.Now.Equal(now) {
			t.Errorf("approval 7 = %+v, %v (its plan must be kept)", a, err)
		}
		if ks := b.KeepAlives(); len(ks) != 1 || ks[0].PersonID != person {
			t.Errorf("keep-alive = %+v", ks)
		}
		if ps := b.Primaries(); len(ps) != 1 || ps[0].Institution != inst {
			t.Errorf("primary = %+v", ps)
		}
		if s := b.Snapshot(); s == nil || len(s.Persons) != len(snap.Persons) {
			t.Error("the source was not kept")
		}
	}
	// The lock's data is found under its old key: the run carries the
	// locked institution as it was held, and a release deletes it.
	if err := again.Resume(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if rep, err := again.Run(ctx, "a"); err != nil || rep.Error != "" {
		t.Fatalf("run after the migration: %v %+v", err, rep)
	}
	if err := again.Release(ctx, lockInst, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, "held/"+lockInst); !errors.Is(err, broker.ErrNotFound) {
		t.Errorf("held data after release: %v", err)
	}
	// A new snapshot replaces the old "source" key.
	if err := again.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, "source"); !errors.Is(err, broker.ErrNotFound) {
		t.Errorf("old source key after a new snapshot: %v", err)
	}
	// Approval numbers go on after the old ones.
	if err := again.Reject(ctx, "7", "admin"); err != nil {
		t.Fatal(err)
	}
	n, err := store.Get(ctx, "approval-next")
	if err != nil || string(n) != "7" {
		t.Errorf("approval-next = %q, %v; want 7", n, err)
	}
}

// TestOrphanSources: a source snapshot written by a writer that never
// made it current (it crashed before the swap) is deleted once a later
// snapshot is current, and the current one is kept.
func TestOrphanSources(t *testing.T) {
	ctx := context.Background()
	store := &broker.MemoryStore{}
	b, err := broker.New(ctx, broker.Options{Store: store, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	snap := synth.Generate(synth.Tiny)
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"source/1-crashed", "source/2-crashed"} {
		if err := store.Put(ctx, k, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	// Number 2 is the current one's: another key of that number may be a
	// writer's that is about to find its swap lost and delete it.
	keys, _ := store.List(ctx, "source/")
	if len(keys) != 2 || !slices.Contains(keys, "source/2-crashed") || !strings.HasPrefix(keys[0], "source/2-") || !strings.HasPrefix(keys[1], "source/2-") {
		t.Errorf("source keys %q, want the current one and source/2-crashed", keys)
	}
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	keys, _ = store.List(ctx, "source/")
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "source/3-") {
		t.Errorf("source keys %q, want only the current one", keys)
	}
	again, err := broker.New(ctx, broker.Options{Store: store, Log: quiet})
	if err != nil || again.Snapshot() == nil {
		t.Errorf("the current source is not found: %v", err)
	}
}

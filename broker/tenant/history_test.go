package tenant_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/tenant"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestHistory: a municipality's snapshot history in its part of the
// store: the latest is the last saved (also when the clock went back),
// older ones beyond Keep are deleted, the guard state round-trips.
func TestHistory(t *testing.T) {
	ctx := context.Background()
	h := &tenant.History{Store: tenant.Prefixed(&broker.MemoryStore{}, "m/a/"), Keep: 3}
	if _, _, err := h.Latest(ctx); !errors.Is(err, snapstore.ErrEmpty) {
		t.Fatalf("Latest of nothing = %v, want ErrEmpty", err)
	}
	at := time.Date(2026, 8, 1, 6, 0, 0, 0, time.UTC)
	var last snapstore.Meta
	for i := range 5 {
		s := synth.Generate(synth.Config{Seed: int64(i + 1), Persons: 20 + i, Schools: 1, Daycares: 1, FUs: -1})
		m, err := h.Save(ctx, s, at.Add(-time.Duration(i)*time.Minute)) // the clock goes back
		if err != nil {
			t.Fatal(err)
		}
		if m.ID <= last.ID {
			t.Fatalf("save %d: ID %s not after %s", i, m.ID, last.ID)
		}
		last = m
	}
	s, m, err := h.Latest(ctx)
	if err != nil || m != last || len(s.Persons) != last.Persons {
		t.Fatalf("Latest = %d persons, %+v, %v; want the last saved %+v", len(s.Persons), m, err, last)
	}
	if keys, _ := h.Store.List(ctx, "history/"); len(keys) != 3 {
		t.Errorf("kept %q, want 3", keys)
	}
	st := snapstore.GuardState{Pending: []snapstore.Proposal{{ID: "p1"}}}
	if err := h.SaveGuardState(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, err := h.LoadGuardState(ctx); err != nil || len(got.Pending) != 1 || got.Pending[0].ID != "p1" {
		t.Errorf("guard state = %+v, %v", got, err)
	}
}

package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel"
)

// History is a municipality's snapshot history (snapstore.Store) in its
// part of the broker's store (Prefixed), so that the history, like the
// rest of its state, is its own: snapshots under "history/<id>", the
// guard's state under "history-guard". It keeps the last Keep snapshots
// (default 10) and deletes older ones when it saves.
type History struct {
	Store broker.Store
	Keep  int
}

var _ snapstore.Store = (*History)(nil)

type historyRecord struct {
	Meta     snapstore.Meta     `json:"meta"`
	Snapshot *orgmodel.Snapshot `json:"snapshot"`
}

// Save implements snapstore.Snapshots. Its ID is later than every stored
// one, even when the clock went backwards.
func (h *History) Save(ctx context.Context, s *orgmodel.Snapshot, at time.Time) (snapstore.Meta, error) {
	keys, err := h.Store.List(ctx, "history/")
	if err != nil {
		return snapstore.Meta{}, fmt.Errorf("tenant: history: %w", err)
	}
	id := at.UTC().Format("20060102T150405.000000000Z")
	if n := len(keys); n > 0 && keys[n-1] >= "history/"+id {
		id = keys[n-1][len("history/"):] + "+"
	}
	m := snapstore.Meta{ID: id, SavedAt: at.UTC(), SchoolYear: s.SchoolYear, Persons: len(s.Persons)}
	raw, err := json.Marshal(historyRecord{Meta: m, Snapshot: s})
	if err != nil {
		return snapstore.Meta{}, fmt.Errorf("tenant: history: %w", err)
	}
	if err := h.Store.Put(ctx, "history/"+id, raw); err != nil {
		return snapstore.Meta{}, fmt.Errorf("tenant: history: %w", err)
	}
	keep := h.Keep
	if keep <= 0 {
		keep = 10
	}
	keys = append(keys, "history/"+id)
	for len(keys) > keep {
		if err := h.Store.Delete(ctx, keys[0]); err != nil {
			return m, fmt.Errorf("tenant: history: prune: %w", err)
		}
		keys = keys[1:]
	}
	return m, nil
}

// Latest implements snapstore.Snapshots.
func (h *History) Latest(ctx context.Context) (*orgmodel.Snapshot, snapstore.Meta, error) {
	keys, err := h.Store.List(ctx, "history/")
	if err != nil {
		return nil, snapstore.Meta{}, fmt.Errorf("tenant: history: %w", err)
	}
	if len(keys) == 0 {
		return nil, snapstore.Meta{}, snapstore.ErrEmpty
	}
	raw, err := h.Store.Get(ctx, keys[len(keys)-1])
	if err != nil {
		return nil, snapstore.Meta{}, fmt.Errorf("tenant: history: %w", err)
	}
	var r historyRecord
	if err := json.Unmarshal(raw, &r); err != nil || r.Snapshot == nil {
		return nil, snapstore.Meta{}, fmt.Errorf("tenant: history %s: %w", keys[len(keys)-1], errors.Join(err, errors.New("no snapshot")))
	}
	r.Snapshot.Index()
	return r.Snapshot, r.Meta, nil
}

// LoadGuardState implements snapstore.GuardStates.
func (h *History) LoadGuardState(ctx context.Context) (snapstore.GuardState, error) {
	var st snapstore.GuardState
	raw, err := h.Store.Get(ctx, "history-guard")
	if errors.Is(err, broker.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("tenant: guard state: %w", err)
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return st, fmt.Errorf("tenant: guard state: %w", err)
	}
	return st, nil
}

// SaveGuardState implements snapstore.GuardStates.
func (h *History) SaveGuardState(ctx context.Context, st snapstore.GuardState) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("tenant: guard state: %w", err)
	}
	if err := h.Store.Put(ctx, "history-guard", raw); err != nil {
		return fmt.Errorf("tenant: guard state: %w", err)
	}
	return nil
}

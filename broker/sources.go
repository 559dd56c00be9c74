package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/orgsync/orgsync/adapters/localimport"
	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/orgmodel"
)

// Sources combines what the sources deliver — the STIL export (fetched on
// a schedule, or dropped into a folder), the local employees and externals
// posted to the import API — into one snapshot, commits it to the
// snapshot history through the head-count guard, and gives what the
// history accepted to the broker. Its methods are safe for concurrent use.
type Sources struct {
	// Broker receives each accepted snapshot.
	Broker *Broker
	// History is the snapshot history with its head-count guard; an
	// institution the guard holds keeps its previous data until approved
	// (snapstore.History.Approve).
	History *snapstore.History
	// Rules decide which source governs employees and externals, and which
	// fields STIL enriches (localimport.MergeRules).
	Rules localimport.MergeRules
	// Clock is the time (default the broker's clock).
	Clock func() time.Time
	// Log receives a line per commit (default slog.Default()).
	Log *slog.Logger
	// OnHold, when set, is told of each institution the guard holds back.
	OnHold func(snapstore.Proposal)
	// OnAccepted, when set, is told of each snapshot the history accepted,
	// with the previous one (nil at the first): the head-count alarm.
	OnAccepted func(prev, next *orgmodel.Snapshot)

	mu    sync.Mutex
	stil  *orgmodel.Snapshot
	local []localimport.Record
	prev  *orgmodel.Snapshot
}

// SetSTIL replaces the STIL part (all institutions' exports merged) and
// commits.
func (s *Sources) SetSTIL(ctx context.Context, snap *orgmodel.Snapshot) (snapstore.CommitResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stil = snap
	return s.commitLocked(ctx)
}

// SetLocal replaces the local records (a full extract, as the import API
// receives it: a person missing from it has left) and commits.
func (s *Sources) SetLocal(ctx context.Context, recs []localimport.Record) (snapstore.CommitResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.local = recs
	return s.commitLocked(ctx)
}

// Recommit commits the current sources again, e.g. after an
// administrator approved an institution the guard held
// (snapstore.History.Approve).
func (s *Sources) Recommit(ctx context.Context) (snapstore.CommitResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commitLocked(ctx)
}

// Local returns the local records last set.
func (s *Sources) Local() []localimport.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

func (s *Sources) commitLocked(ctx context.Context) (snapstore.CommitResult, error) {
	if s.stil == nil {
		return snapstore.CommitResult{}, fmt.Errorf("sources: %w: no STIL export yet", ErrNoSnapshot)
	}
	clock := s.Clock
	if clock == nil {
		clock = s.Broker.opt.Clock
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	now := clock()
	merged, rep := localimport.Merge(s.stil, s.local, s.prev, s.Rules)
	if err := merged.Validate(); err != nil {
		return snapstore.CommitResult{}, fmt.Errorf("sources: merged snapshot: %w", err)
	}
	res, err := s.History.Commit(ctx, &merged, now)
	if err != nil {
		return res, fmt.Errorf("sources: commit: %w", err)
	}
	for _, p := range res.Held {
		if s.OnHold != nil {
			s.OnHold(p)
		}
	}
	log.Info("sources committed", "saved", res.Saved, "events", len(res.Events), "held", len(res.Held), "merge", rep.String())
	if !res.Saved && s.prev != nil {
		return res, nil
	}
	acc := res.Snapshot
	if s.OnAccepted != nil {
		s.OnAccepted(s.prev, &acc)
	}
	s.prev = &acc
	if err := s.Broker.SetSnapshot(ctx, &acc); err != nil && !errors.Is(err, ErrNoSnapshot) {
		return res, err
	}
	return res, nil
}

package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// HeadCounts keeps each institution's head count per accepted snapshot
// (the last Max, default 60) for the institutions page: the count now
// against the previous export, and a trend chart. Give Accepted to
// Sources.OnAccepted.
//
// With a Store, each observation is kept under a key of its own,
// "headcounts/<time>-<n>", and Load reads them back when the broker starts, so
// that the trend survives a restart and instances sharing the Store see
// the same one. Without, it is kept in memory only. Its methods are safe
// for concurrent use.
type HeadCounts struct {
	// Store, when set, keeps the observations (e.g. the broker's Store).
	Store Store
	// Max is the number of observations kept (default 60).
	Max int
	// Clock is the time of an observation (default time.Now).
	Clock func() time.Time
	// Log receives a warning when an observation cannot be stored
	// (default slog.Default()).
	Log *slog.Logger

	mu     sync.Mutex
	points []HeadCountPoint
}

// HeadCountPoint is one observation: the distinct persons affiliated with
// each institution in the snapshot accepted at At.
type HeadCountPoint struct {
	At     time.Time      `json:"at"`
	Counts map[string]int `json:"counts"`
}

const headCountPrefix = "headcounts/"

func (h *HeadCounts) max() int {
	if h.Max <= 0 {
		return 60
	}
	return h.Max
}

// HeadCount counts the distinct persons affiliated with each institution
// of s.
func HeadCount(s *orgmodel.Snapshot) map[string]int {
	seen := map[string]map[string]bool{}
	for _, a := range s.Affiliations {
		i := s.AffiliationInstitution(a)
		if seen[i] == nil {
			seen[i] = map[string]bool{}
		}
		seen[i][a.PersonID] = true
	}
	out := make(map[string]int, len(seen))
	for i, m := range seen {
		out[i] = len(m)
	}
	return out
}

// Accepted records the head counts of next (prev is unused; the signature
// is Sources.OnAccepted's). A failure to store is logged: the trend is a
// picture, never a reason to hold back a snapshot.
func (h *HeadCounts) Accepted(_, next *orgmodel.Snapshot) {
	if next == nil {
		return
	}
	now := time.Now
	if h.Clock != nil {
		now = h.Clock
	}
	p := HeadCountPoint{At: now(), Counts: HeadCount(next)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.points = append(h.points, p)
	if len(h.points) > h.max() {
		h.points = slices.Delete(h.points, 0, len(h.points)-h.max())
	}
	if h.Store != nil {
		if err := h.store(context.Background(), p); err != nil {
			log := h.Log
			if log == nil {
				log = slog.Default()
			}
			log.Warn("head counts: not stored", "err", err)
		}
	}
}

// store puts p under its key ("headcounts/<time>-<n>") and drops the
// keys beyond Max; h.mu is held.
func (h *HeadCounts) store(ctx context.Context, p HeadCountPoint) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("head counts: %w", err)
	}
	keys, err := h.Store.List(ctx, headCountPrefix)
	if err != nil {
		return fmt.Errorf("head counts: %w", err)
	}
	stamp := headCountPrefix + p.At.UTC().Format(runKeyTime) + "-"
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, stamp) {
			n++
		}
	}
	key := fmt.Sprintf("%s%04d", stamp, n)
	if err := h.Store.Put(ctx, key, raw); err != nil {
		return fmt.Errorf("head counts: %w", err)
	}
	keys = append(keys, key)
	slices.Sort(keys)
	for len(keys) > h.max() {
		if err := h.Store.Delete(ctx, keys[0]); err != nil {
			return fmt.Errorf("head counts: %w", err)
		}
		keys = keys[1:]
	}
	return nil
}

// Load reads the stored observations (the last Max), replacing those in
// memory. A record that does not decode is an error naming its key.
func (h *HeadCounts) Load(ctx context.Context) error {
	if h.Store == nil {
		return nil
	}
	keys, err := h.Store.List(ctx, headCountPrefix)
	if err != nil {
		return fmt.Errorf("head counts: load: %w", err)
	}
	slices.Sort(keys)
	if len(keys) > h.max() {
		keys = keys[len(keys)-h.max():]
	}
	points := make([]HeadCountPoint, 0, len(keys))
	for _, k := range keys {
		raw, err := h.Store.Get(ctx, k)
		if err != nil {
			return fmt.Errorf("head counts: load %s: %w", k, err)
		}
		var p HeadCountPoint
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("head counts: load %s: %w", k, err)
		}
		points = append(points, p)
	}
	h.mu.Lock()
	h.points = points
	h.mu.Unlock()
	return nil
}

// Series returns an institution's head counts, oldest first (nil for a
// nil HeadCounts).
func (h *HeadCounts) Series(inst string) []int {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]int, 0, len(h.points))
	for _, p := range h.points {
		out = append(out, p.Counts[inst])
	}
	return out
}

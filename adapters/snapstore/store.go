package snapstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// ErrEmpty is returned by Latest when nothing has been saved yet.
var ErrEmpty = errors.New("no snapshot stored")

// ErrUnknownProposal is returned by Approve for an ID that is not pending.
var ErrUnknownProposal = errors.New("no pending proposal with that id")

// Meta describes a stored snapshot.
type Meta struct {
	// ID orders snapshots: a later save has a greater ID (it starts with
	// the save time in UTC, "20240902T061500.000000000Z").
	ID         string    `json:"id"`
	SavedAt    time.Time `json:"savedAt"`
	SchoolYear string    `json:"schoolYear,omitempty"`
	Persons    int       `json:"persons"`
}

// GuardState is what the guard remembers between commits: proposals waiting
// for an administrator and approvals not used yet.
type GuardState struct {
	Pending  []Proposal `json:"pending,omitempty"`
	Approved []Approval `json:"approved,omitempty"`
}

// Snapshots is a place snapshots are kept. FileStore and SQLStore
// implement it.
type Snapshots interface {
	// Save stores s as of at and returns its Meta.
	Save(ctx context.Context, s *orgmodel.Snapshot, at time.Time) (Meta, error)
	// Latest returns the most recently saved snapshot, or ErrEmpty.
	Latest(ctx context.Context) (*orgmodel.Snapshot, Meta, error)
}

// GuardStates keeps the guard's state. FileStore and SQLStore implement it.
type GuardStates interface {
	LoadGuardState(ctx context.Context) (GuardState, error)
	SaveGuardState(ctx context.Context, st GuardState) error
}

// Store is a Snapshots that also keeps the guard's state.
type Store interface {
	Snapshots
	GuardStates
}

// History commits new snapshots from the sources into a Store, guarding
// against sudden drops in head count. Use one History per store at a time.
type History struct {
	Store Store
	Guard Guard
	// Logger receives one line per held institution and per commit; nil
	// means slog.Default().
	Logger *slog.Logger
}

// CommitResult is the outcome of History.Commit.
type CommitResult struct {
	// Snapshot is what was stored: next with held institutions kept at
	// their previous data.
	Snapshot orgmodel.Snapshot
	// Meta describes the stored snapshot (zero when nothing was saved).
	Meta Meta
	// Saved is false when the snapshot equals the latest one: nothing was
	// stored and Events is empty.
	Saved bool
	// Events are the changes from the previous snapshot.
	Events []Event
	// Held lists the proposals raised by this commit.
	Held []Proposal
	// YearChange is set when the school year moved on: run the year roll.
	YearChange *YearChange
}

// Commit guards next against the latest stored snapshot, stores the result
// when anything changed, records new proposals and used approvals, and
// returns the events between the two. The first commit stores next as it is
// (every record a create). now stamps the snapshot and proposals.
func (h *History) Commit(ctx context.Context, next *orgmodel.Snapshot, now time.Time) (CommitResult, error) {
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	prev, _, err := h.Store.Latest(ctx)
	if errors.Is(err, ErrEmpty) {
		prev, err = nil, nil
	}
	if err != nil {
		return CommitResult{}, fmt.Errorf("snapstore: commit: %w", err)
	}
	st, err := h.Store.LoadGuardState(ctx)
	if err != nil {
		return CommitResult{}, fmt.Errorf("snapstore: commit: %w", err)
	}
	gr := h.Guard.Check(prev, next, st.Approved, now)
	res := CommitResult{Snapshot: gr.Snapshot, Held: gr.Held}
	for _, p := range gr.Held {
		log.Warn("snapstore: institution held back: head count dropped", "institution", p.Institution,
			"previous", p.PreviousCount, "new", p.NewCount, "proposal", p.ID)
	}
	res.Events = Changes(prev, &res.Snapshot)
	if yc, ok := DetectYearChange(prev, &res.Snapshot); ok {
		res.YearChange = &yc
	}
	if len(res.Events) > 0 || prev == nil || (prev.SchoolYear != res.Snapshot.SchoolYear) {
		meta, err := h.Store.Save(ctx, &res.Snapshot, now)
		if err != nil {
			return CommitResult{}, fmt.Errorf("snapstore: commit: %w", err)
		}
		res.Meta, res.Saved = meta, true
	}
	// Proposals: the new ones replace any pending for the same institution;
	// an institution no longer held needs no decision any more.
	st.Pending = gr.Held
	st.Approved = slices.DeleteFunc(st.Approved, func(a Approval) bool {
		return slices.ContainsFunc(gr.Used, func(u Approval) bool { return u.ProposalID == a.ProposalID })
	})
	if err := h.Store.SaveGuardState(ctx, st); err != nil {
		return res, fmt.Errorf("snapstore: commit: %w", err)
	}
	log.Info("snapstore: commit", "saved", res.Saved, "id", res.Meta.ID, "events", len(res.Events), "held", len(res.Held))
	return res, nil
}

// Pending returns the proposals waiting for an administrator.
func (h *History) Pending(ctx context.Context) ([]Proposal, error) {
	st, err := h.Store.LoadGuardState(ctx)
	if err != nil {
		return nil, fmt.Errorf("snapstore: pending: %w", err)
	}
	return st.Pending, nil
}

// Approve accepts a pending proposal: at the next Commit its institution
// passes the guard if its head count is at least the proposal's NewCount.
// by names the administrator, for the record.
func (h *History) Approve(ctx context.Context, proposalID, by string, now time.Time) error {
	st, err := h.Store.LoadGuardState(ctx)
	if err != nil {
		return fmt.Errorf("snapstore: approve %s: %w", proposalID, err)
	}
	i := slices.IndexFunc(st.Pending, func(p Proposal) bool { return p.ID == proposalID })
	if i < 0 {
		return fmt.Errorf("snapstore: approve %s: %w", proposalID, ErrUnknownProposal)
	}
	p := st.Pending[i]
	st.Pending = slices.Delete(st.Pending, i, i+1)
	st.Approved = append(st.Approved, Approval{ProposalID: p.ID, Institution: p.Institution, MinCount: p.NewCount, By: by, At: now})
	if err := h.Store.SaveGuardState(ctx, st); err != nil {
		return fmt.Errorf("snapstore: approve %s: %w", proposalID, err)
	}
	return nil
}

func metaOf(s *orgmodel.Snapshot, at time.Time, id string) Meta {
	return Meta{ID: id, SavedAt: at.UTC(), SchoolYear: s.SchoolYear, Persons: len(s.Persons)}
}

// idFor makes the ID of a snapshot saved at t.
func idFor(t time.Time) string { return t.UTC().Format("20060102T150405.000000000Z") }

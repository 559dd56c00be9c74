package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/internal/atomicfile"
	"github.com/orgsync/orgsync/orgmodel"
)

// LoadSnapshot reads an orgmodel.Snapshot from a JSON file with
// orgmodel.ReadSnapshotJSON: unknown fields are an error. Errors match
// ErrInput (and orgmodel.ErrInvalid for bad content).
func LoadSnapshot(path string) (*orgmodel.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load snapshot: %w: %w", ErrInput, err)
	}
	defer f.Close()
	s, err := orgmodel.ReadSnapshotJSON(f)
	if err != nil {
		return nil, fmt.Errorf("load snapshot %s: %w: %w", path, ErrInput, err)
	}
	return s, nil
}

// State is what a deployment keeps between runs.
type State struct {
	desired.State
	// Previous is the snapshot of the last successful run, kept for the
	// year roll (matching last year's classes to this year's), without
	// CPR numbers: the state holds none.
	Previous *orgmodel.Snapshot `json:"previous,omitempty"`
	// PreviousAt is the instant the previous snapshot was applied for; last
	// year's classes are read as they were then.
	PreviousAt time.Time `json:"previousAt,omitzero"`
	// Failures are the changes that failed in the last applied run, so
	// that the next run reports a change failing the same way again as
	// persistent (diff.ApplyOptions.Previous).
	Failures []diff.Failure `json:"failures,omitempty"`
}

// StateStore keeps a deployment's State between runs. LoadState returns
// an empty state (with a non-nil Usernames map) when nothing was saved.
type StateStore interface {
	LoadState(ctx context.Context) (*State, error)
	SaveState(ctx context.Context, st *State) error
}

// StateFile is a StateStore in a JSON file at this path, written
// atomically (a temporary file, synced, then renamed).
type StateFile string

var _ StateStore = StateFile("")

// LoadState reads the state file; a missing file is an empty state.
func (f StateFile) LoadState(_ context.Context) (*State, error) {
	b, err := os.ReadFile(string(f))
	if errors.Is(err, fs.ErrNotExist) {
		return emptyState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("load state %s: %w: %w", string(f), ErrInput, err)
	}
	if st.Usernames == nil {
		st.Usernames = map[string]string{}
	}
	if st.Previous != nil {
		st.Previous = withoutCPR(st.Previous) // a state file from before CPR was left out
	}
	return &st, nil
}

// SaveState writes the state file.
func (f StateFile) SaveState(_ context.Context, st *State) error {
	return saveJSON(string(f), st)
}

// MemoryState is a StateStore in memory, for tests and for callers that
// keep the state elsewhere (read it with Get after a run). The zero value
// is empty and ready to use; it is not safe for concurrent runs.
type MemoryState struct {
	st []byte
}

var _ StateStore = (*MemoryState)(nil)

// LoadState returns a copy of the saved state, or an empty one.
func (m *MemoryState) LoadState(_ context.Context) (*State, error) {
	if m.st == nil {
		return emptyState(), nil
	}
	var st State
	if err := json.Unmarshal(m.st, &st); err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	if st.Usernames == nil {
		st.Usernames = map[string]string{}
	}
	return &st, nil
}

// SaveState keeps a copy of st.
func (m *MemoryState) SaveState(_ context.Context, st *State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	m.st = b
	return nil
}

func emptyState() *State {
	return &State{State: desired.State{Usernames: map[string]string{}}}
}

// saveJSON writes v as indented JSON to path atomically (see
// internal/atomicfile: temporary file, synced, renamed, directory synced),
// so a crash never leaves half a file.
func saveJSON(path string, v any) error {
	return atomicfile.WriteJSON(path, v, 0o600)
}

// withoutCPR returns a copy of s whose persons carry no CPR number, for
// the state: the year roll needs persons and classes, never CPR.
func withoutCPR(s *orgmodel.Snapshot) *orgmodel.Snapshot {
	c := *s
	c.Persons = slices.Clone(s.Persons)
	for i := range c.Persons {
		c.Persons[i].CPR = ""
	}
	c.Index()
	return &c
}

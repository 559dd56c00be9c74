package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
)

// LoadSnapshot reads an orgmodel.Snapshot from a JSON file.
func LoadSnapshot(path string) (*orgmodel.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load snapshot: %w", err)
	}
	defer f.Close()
	var s orgmodel.Snapshot
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("load snapshot %s: %w: %w", path, ErrInput, err)
	}
	return &s, nil
}

// SaveJSON writes v as indented JSON to path atomically (temporary file in
// the same folder, then rename), so a crash never leaves half a file.
func SaveJSON(path string, v any) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	enc := json.NewEncoder(tmp)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// State is the deployment state a runner keeps between runs.
type State struct {
	desired.State
	// Previous is the snapshot of the last successful run, kept for the
	// year roll (matching last year's classes to this year's), without
	// CPR numbers: the state file holds none.
	Previous *orgmodel.Snapshot `json:"previous,omitempty"`
	// PreviousAt is the instant the previous snapshot was applied for; last
	// year's classes are read as they were then.
	PreviousAt time.Time `json:"previousAt,omitzero"`
	// Failures are the changes that failed in the last applied run, so
	// that the next run reports a change failing the same way again as
	// persistent (diff.ApplyOptions.Previous).
	Failures []diff.Failure `json:"failures,omitempty"`
}

// LoadState reads the state file; a missing file is an empty state.
func LoadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{State: desired.State{Usernames: map[string]string{}}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("load state %s: %w: %w", path, ErrInput, err)
	}
	if st.Usernames == nil {
		st.Usernames = map[string]string{}
	}
	if st.Previous != nil {
		st.Previous = withoutCPR(st.Previous) // a state file from before CPR was left out
	}
	return &st, nil
}

// withoutCPR returns a copy of s whose persons carry no CPR number, for
// the state file: the year roll needs persons and classes, never CPR.
func withoutCPR(s *orgmodel.Snapshot) *orgmodel.Snapshot {
	c := *s
	c.Persons = slices.Clone(s.Persons)
	for i := range c.Persons {
		c.Persons[i].CPR = ""
	}
	c.Index()
	return &c
}

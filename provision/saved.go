package provision

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/orgsync/orgsync/diff"
)

// SavedPlan is a reviewed plan kept for a later apply, as Terraform keeps
// a plan file: a dry run writes it (WriteSavedPlan), an administrator
// reviews it, and a later run with Job.Saved applies exactly it, or
// nothing when the target changed in between (diff.ErrStalePlan). It
// carries the deployment state the plan was made with, which is saved
// when the plan is applied.
//
// Like a plan, a saved plan holds personal data (names, and the snapshot
// in the state): store it like the directory data it describes.
type SavedPlan struct {
	// Plan is the plan as it was computed (with its totals).
	Plan *diff.Plan `json:"plan"`
	// State is the state the plan was computed with.
	State *State `json:"state"`
	// ProtectedNamesShown is Outcome.ProtectedNamesShown of the run that
	// made the plan: applying the plan records it in the audit log.
	ProtectedNamesShown int `json:"protectedNamesShown,omitempty"`
}

// WriteSavedPlan writes what a run planned to path as a SavedPlan,
// atomically.
func WriteSavedPlan(path string, o *Outcome) error {
	if o == nil || o.Plan == nil || o.State == nil {
		return fmt.Errorf("write saved plan %s: nothing was planned", path)
	}
	return saveJSON(path, SavedPlan{Plan: o.Plan, State: o.State, ProtectedNamesShown: o.ProtectedNamesShown})
}

// ReadSavedPlan reads a file written by WriteSavedPlan and checks the
// plan's consistency (diff.Plan.Validate). Errors match ErrInput.
func ReadSavedPlan(path string) (*SavedPlan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read saved plan: %w: %w", ErrInput, err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var sp SavedPlan
	if err := dec.Decode(&sp); err != nil {
		return nil, fmt.Errorf("read saved plan %s: %w: %w", path, ErrInput, err)
	}
	if sp.Plan == nil || sp.State == nil {
		return nil, fmt.Errorf("read saved plan %s: %w: plan or state missing", path, ErrInput)
	}
	if err := sp.Plan.Validate(); err != nil {
		return nil, fmt.Errorf("read saved plan %s: %w: %w", path, ErrInput, err)
	}
	return &sp, nil
}

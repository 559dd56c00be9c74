package snapstore

import (
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/history"
)

// The domain types of orgmodel/history, re-exported for History's callers.
type (
	// Event is history.Event: one change of a record between snapshots.
	Event = history.Event
	// Action is history.Action: create, update or remove.
	Action = history.Action
	// Kind is history.Kind: institution, group or person.
	Kind = history.Kind
	// FieldChange is history.FieldChange: one changed field of an update.
	FieldChange = history.FieldChange
	// Guard is history.Guard, the "too few people" safety valve.
	Guard = history.Guard
	// Proposal is history.Proposal: a held-back change of one institution.
	Proposal = history.Proposal
	// Approval is history.Approval: lets one institution through the guard.
	Approval = history.Approval
	// GuardResult is history.GuardResult, the outcome of Guard.Check.
	GuardResult = history.GuardResult
	// YearChange is history.YearChange: the school year moved on.
	YearChange = history.YearChange
)

// The actions and kinds of history, re-exported.
const (
	Create          = history.Create
	Update          = history.Update
	Remove          = history.Remove
	KindInstitution = history.KindInstitution
	KindGroup       = history.KindGroup
	KindPerson      = history.KindPerson
)

// Changes is history.Changes: the change events from prev to next.
func Changes(prev, next *orgmodel.Snapshot) []Event { return history.Changes(prev, next) }

// DetectYearChange is history.DetectYearChange: whether the school year
// moved forward from prev to next.
func DetectYearChange(prev, next *orgmodel.Snapshot) (YearChange, bool) {
	return history.DetectYearChange(prev, next)
}

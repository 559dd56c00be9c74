package auditlog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Record types: the "type" field of a line. Lines without a type are the
// change records of diff.Apply (diff.AuditRecord), as in logs written
// before this package.
const (
	TypeLookup     = "lookup"
	TypeCheckpoint = "checkpoint"
	TypeAccess     = "access"
	TypeReview     = "review"
	TypeErased     = "erased"
)

// Sentinel errors.
var (
	// ErrRecord: a record is incomplete or invalid (a look-up without
	// actor or with a purpose not on the list).
	ErrRecord = errors.New("auditlog: invalid record")
	// ErrForbidden: the caller's role may not read the log.
	ErrForbidden = errors.New("auditlog: forbidden")
	// ErrTampered: the log does not verify.
	ErrTampered = errors.New("auditlog: log does not verify")
)

// DefaultPurposes is the purpose list used when Options.Purposes is empty.
var DefaultPurposes = []string{"password reset", "class list", "support case", "export", "data correction"}

// Actor is who read or changed data: the user's id and display name.
// Embedded in a record it is written as "actor" (the id, as in diff's
// change records) and "actorName".
type Actor struct {
	ID   string `json:"actor"`
	Name string `json:"actorName,omitempty"`
}

// Criteria are the structured search criteria of a look-up.
type Criteria struct {
	// CPR is a CPR number searched for; it is kept in the log (that is
	// the point: who searched for whom) and never sent anywhere else.
	CPR         string `json:"cpr,omitempty"`
	Name        string `json:"name,omitempty"`
	Institution string `json:"institution,omitempty"`
	Class       string `json:"class,omitempty"`
	PersonID    string `json:"personId,omitempty"`
}

// Lookup is the record of one read of personal data on a user's behalf:
// a search, a class list, a person's page, an export.
type Lookup struct {
	Time time.Time `json:"time"`
	Actor
	// Role is the role the actor acted in (e.g. "teacher", "support").
	Role string `json:"role,omitempty"`
	// SourceIP is the address the request came from.
	SourceIP string `json:"ip,omitempty"`
	// Purpose is one of the configured purposes (required).
	Purpose string `json:"purpose"`
	// Query is the query as the user typed it.
	Query    string   `json:"query,omitempty"`
	Criteria Criteria `json:"criteria,omitzero"`
	// Persons are the ids of the persons returned; Count their number
	// (which may exceed len(Persons) when a list was cut).
	Persons []string `json:"persons,omitempty"`
	Count   int      `json:"count"`
	// Client is the system or client the read came through (the
	// broker's UI, a vendor's integration).
	Client string `json:"client,omitempty"`
}

// RecordType implements Record.
func (Lookup) RecordType() string { return TypeLookup }

// Wildcard reports whether the query or criteria hold a wildcard.
func (l *Lookup) Wildcard() bool {
	for _, s := range []string{l.Query, l.Criteria.Name, l.Criteria.CPR} {
		if strings.ContainsAny(s, "*%?") {
			return true
		}
	}
	return false
}

// validate checks a look-up against the purpose list.
func (l *Lookup) validate(purposes []string) error {
	switch {
	case l.Actor.ID == "":
		return fmt.Errorf("%w: look-up: actor.id is empty", ErrRecord)
	case l.Purpose == "":
		return fmt.Errorf("%w: look-up by %s: purpose is required (one of %q)", ErrRecord, l.Actor.ID, purposes)
	case !slices.Contains(purposes, l.Purpose):
		return fmt.Errorf("%w: look-up by %s: purpose %q is not one of %q", ErrRecord, l.Actor.ID, l.Purpose, purposes)
	case l.Time.IsZero():
		return fmt.Errorf("%w: look-up by %s: time is zero", ErrRecord, l.Actor.ID)
	case l.Count < len(l.Persons):
		return fmt.Errorf("%w: look-up by %s: count %d is less than the %d persons listed", ErrRecord, l.Actor.ID, l.Count, len(l.Persons))
	}
	return nil
}

// Access is the record of a read of the log itself (or a refused one).
type Access struct {
	Time time.Time `json:"time"`
	Actor
	Role   string `json:"role"`
	What   string `json:"what"`
	Denied bool   `json:"denied,omitempty"`
}

// RecordType implements Record.
func (Access) RecordType() string { return TypeAccess }

// Review is the outcome of a supervisor's review of a spot check or a
// finding: which records, who reviewed, and what they concluded.
type Review struct {
	Time     time.Time `json:"time"`
	Reviewer Actor     `json:"reviewer"`
	// Period names the spot check's period (e.g. "2026-11") or is empty.
	Period string `json:"period,omitempty"`
	// Records are the seq numbers of the records reviewed.
	Records []int64 `json:"records"`
	// Outcome is e.g. "ok", "justified", "referred".
	Outcome string `json:"outcome"`
	Note    string `json:"note,omitempty"`
}

// RecordType implements Record.
func (Review) RecordType() string { return TypeReview }

// Record is a record the log can hold besides diff's change records.
type Record interface {
	RecordType() string
}

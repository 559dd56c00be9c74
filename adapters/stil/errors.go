package stil

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors wrapped by RecordError, for callers that branch on the
// kind of problem with errors.Is.
var (
	// ErrMissing: a required element or attribute is absent or empty.
	ErrMissing = errors.New("missing required value")
	// ErrInvalid: a value is present but malformed (date, CPR, boolean, ...).
	ErrInvalid = errors.New("invalid value")
	// ErrUnknown: a role, group type or contact relation outside the schema.
	ErrUnknown = errors.New("unknown value")
	// ErrDangling: a reference to a group that the institution does not have.
	ErrDangling = errors.New("reference to unknown group")
	// ErrConflict: two records disagree (duplicate group, two CPRs for one
	// person).
	ErrConflict = errors.New("conflicting records")
	// ErrStrict marks an institution that failed because Options.Strict is
	// set and at least one of its records had a problem.
	ErrStrict = errors.New("institution rejected in strict mode")
)

// RecordError is a problem with one record of an export. Path is the element
// path from the export root with 1-based positions of repeated elements;
// Line is the input line where the record starts.
type RecordError struct {
	Path        string
	Line        int
	Institution string
	PersonID    string // set for person records
	GroupID     string // set for group records
	// Skipped reports whether the record was left out of the result (true)
	// or kept with the offending value dropped (false).
	Skipped bool
	Err     error
}

// Error implements error.
func (e *RecordError) Error() string {
	var b strings.Builder
	b.WriteString("stil: decode")
	if e.Institution != "" {
		fmt.Fprintf(&b, " institution %s", e.Institution)
	}
	if e.PersonID != "" {
		fmt.Fprintf(&b, " person %s", e.PersonID)
	}
	if e.GroupID != "" {
		fmt.Fprintf(&b, " group %s", e.GroupID)
	}
	fmt.Fprintf(&b, " at %s (line %d): %v", e.Path, e.Line, e.Err)
	if e.Skipped {
		b.WriteString(" (record skipped)")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *RecordError) Unwrap() error { return e.Err }

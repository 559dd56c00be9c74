package stil

import (
	"encoding/json"
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
	// ErrTooManyBad marks an institution held back because the share of its
	// records that had to be left out exceeds Options.MaxBadShare.
	ErrTooManyBad = errors.New("too many bad records")
	// ErrEmptyExport marks an institution whose export lists no person: it
	// is held back (never read as "everyone left").
	ErrEmptyExport = errors.New("export lists no person")
	// ErrNoImportSource marks an export without an ImportSource element: its
	// school year is unknown, so the institution is held back.
	ErrNoImportSource = errors.New("export has no ImportSource (school year unknown)")
	// ErrStale marks an export older than the one last applied for its
	// institution (see MergeOptions.Previous).
	ErrStale = errors.New("export older than the one last applied")
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
	// or kept with the offending value dropped or replaced (false: a
	// warning).
	Skipped bool
	Err     error
}

// Field returns the element or attribute the problem is about: the last
// step of Path without its position, e.g. "MainGroupId" or "@protected";
// "" when the record as a whole is at fault.
func (e *RecordError) Field() string {
	i := strings.LastIndexByte(e.Path, '/')
	if i < 0 {
		return ""
	}
	f := e.Path[i+1:]
	if j := strings.IndexByte(f, '['); j >= 0 {
		f = f[:j]
	}
	switch f {
	case "InstitutionPerson", "Group", "Institution", "UNILoginExportFullMyndighed":
		return ""
	}
	return f
}

// Kind names the sentinel the problem wraps, for machine readers:
// "missing", "invalid", "unknown", "dangling", "conflict",
// "identity-changed" (a notice, see Notice) or "other".
func (e *RecordError) Kind() string {
	for _, k := range []struct {
		err  error
		name string
	}{{ErrMissing, "missing"}, {ErrInvalid, "invalid"}, {ErrUnknown, "unknown"}, {ErrDangling, "dangling"}, {ErrConflict, "conflict"}, {ErrIdentityChanged, "identity-changed"}} {
		if errors.Is(e.Err, k.err) {
			return k.name
		}
	}
	return "other"
}

// Notice reports whether the "problem" only tells what was done to keep
// things right (an identity change followed), not that data was missing
// or wrong.
func (e *RecordError) Notice() bool { return errors.Is(e.Err, ErrIdentityChanged) }

// MarshalJSON writes the problem for machine readers: institution, person
// or group id, field, path, line, kind, whether the record was skipped, and
// the message. Like Error, it never contains a CPR number.
func (e *RecordError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Institution string `json:"institution,omitempty"`
		PersonID    string `json:"personId,omitempty"`
		GroupID     string `json:"groupId,omitempty"`
		Field       string `json:"field,omitempty"`
		Path        string `json:"path"`
		Line        int    `json:"line,omitempty"`
		Kind        string `json:"kind"`
		Skipped     bool   `json:"skipped"`
		Notice      bool   `json:"notice,omitempty"`
		Message     string `json:"message"`
	}{e.Institution, e.PersonID, e.GroupID, e.Field(), e.Path, e.Line, e.Kind(), e.Skipped, e.Notice(), e.Err.Error()})
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

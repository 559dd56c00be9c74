package payroll

import (
	"errors"
	"fmt"
	"github.com/orgsync/orgsync/internal/problem"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Employment is one employment from the payroll system.
type Employment struct {
	EmployeeNumber string `json:"employeeNumber"`
	CPR            string `json:"cpr,omitempty"`
	Username       string `json:"username,omitempty"`
	Unit           string `json:"unit,omitempty"`
	Title          string `json:"title,omitempty"`
	// Entry and Leave are the first and last day (midnight UTC of the
	// date); zero means open.
	Entry time.Time `json:"entry,omitzero"`
	Leave time.Time `json:"leave,omitzero"`
	// Ended marks an OPUS employee element without content: the
	// employment has ended whatever the dates say.
	Ended bool `json:"ended,omitempty"`
}

// ActiveAt reports whether the employment runs on the calendar day of now
// (in now's location): Entry ≤ day ≤ Leave, zero dates open.
func (e Employment) ActiveAt(now time.Time) bool {
	if e.Ended {
		return false
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if !e.Entry.IsZero() && day.Before(e.Entry) {
		return false
	}
	if !e.Leave.IsZero() && day.After(e.Leave) {
		return false
	}
	return true
}

// ErrRecord is wrapped by every RecordError.
var ErrRecord = errors.New("invalid payroll record")

// RecordError is a problem with one payroll record.
type RecordError struct {
	Where string // "employee[3]", "line 7", "row 12"
	ID    string // employee number when known
	Field string
	Msg   string
}

// Error implements error.
func (e *RecordError) Error() string {
	id := ""
	if e.ID != "" {
		id = " (employee " + e.ID + ")"
	}
	return fmt.Sprintf("payroll: %s%s %s: %s", e.Where, id, e.Field, e.Msg)
}

// Unwrap returns ErrRecord.
func (e *RecordError) Unwrap() error { return ErrRecord }

// ParseError lists every RecordError of one input. It is the module's one
// shape of a list of problems (internal/problem): one problem per line, and
// errors.Is(err, ErrRecord) and errors.As(err, **RecordError) see the
// records.
type ParseError = problem.List[*RecordError, parse]

// parse names the operation of a ParseError; its records carry ErrRecord.
type parse struct{}

func (parse) Op() string      { return "payroll" }
func (parse) Sentinel() error { return nil }

func asError(ps []*RecordError) error {
	if len(ps) == 0 {
		return nil
	}
	return &ParseError{Problems: ps}
}

// parseDay reads YYYY-MM-DD (a longer ISO date-time is cut to its date).
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	if t.Year() >= 9999 {
		return time.Time{}, nil // "9999-12-31": open
	}
	return t, nil
}

// finish checks and normalises one employment, appending problems.
func finish(e *Employment, where string, ps *[]*RecordError) bool {
	bad := func(field, msg string) {
		*ps = append(*ps, &RecordError{Where: where, ID: e.EmployeeNumber, Field: field, Msg: msg})
	}
	n := len(*ps)
	if e.EmployeeNumber == "" {
		bad("employee_id", "is empty")
	}
	if e.CPR == "" && e.Username == "" && !e.Ended {
		bad("cpr", "is empty (and no username)")
	}
	if e.CPR != "" {
		c, err := orgmodel.NormaliseCPR(e.CPR)
		if err != nil {
			bad("cpr", err.Error())
		}
		e.CPR = c
	}
	if !e.Entry.IsZero() && !e.Leave.IsZero() && e.Leave.Before(e.Entry) {
		bad("leave", "is before entry")
	}
	return len(*ps) == n
}

// Group kinds and keys of the payroll groups. They are not among the
// twelve kinds of the orgmodel catalogue; a projection provisions them
// like any LogicalGroup.
const (
	KindActive   orgmodel.CatalogueKind = "payroll-active"
	KindInactive orgmodel.CatalogueKind = "payroll-inactive"
	KeyActive                           = "payroll/active"
	KeyInactive                         = "payroll/inactive"
)

// Result is the outcome of Groups.
type Result struct {
	Active   orgmodel.LogicalGroup
	Inactive orgmodel.LogicalGroup
	// Unmatched lists employee numbers of active employments that match no
	// employee in the snapshot (sorted).
	Unmatched []string
}

// Groups sorts the snapshot's employees at now (persons with an
// affiliation of kind Employee valid at now) into active and inactive by
// the employments. A person matches an employment by CPR, or by username
// when both have one.
func Groups(s *orgmodel.Snapshot, emps []Employment, now time.Time) Result {
	s.Index()
	activeCPR, activeUser := map[string]bool{}, map[string]bool{}
	matched := map[string]bool{}
	for _, e := range emps {
		if !e.ActiveAt(now) {
			continue
		}
		if e.CPR != "" {
			activeCPR[e.CPR] = true
		}
		if e.Username != "" {
			activeUser[e.Username] = true
		}
	}
	res := Result{
		Active:   orgmodel.LogicalGroup{Key: KeyActive, Kind: KindActive, Members: []string{}},
		Inactive: orgmodel.LogicalGroup{Key: KeyInactive, Kind: KindInactive, Members: []string{}},
	}
	for _, p := range s.Persons {
		isEmp := false
		for _, a := range s.AffiliationsOf(p.ID, now) {
			if a.Kind() == orgmodel.Employee {
				isEmp = true
				break
			}
		}
		if !isEmp {
			continue
		}
		if (p.CPR != "" && activeCPR[p.CPR]) || (p.Username != "" && activeUser[p.Username]) {
			res.Active.Members = append(res.Active.Members, p.ID)
			matched["c"+p.CPR], matched["u"+p.Username] = true, true
		} else {
			res.Inactive.Members = append(res.Inactive.Members, p.ID)
		}
	}
	for _, e := range emps {
		if !e.ActiveAt(now) {
			continue
		}
		if (e.CPR != "" && matched["c"+e.CPR]) || (e.Username != "" && matched["u"+e.Username]) {
			continue
		}
		res.Unmatched = append(res.Unmatched, e.EmployeeNumber)
	}
	slices.Sort(res.Active.Members)
	slices.Sort(res.Inactive.Members)
	slices.Sort(res.Unmatched)
	res.Unmatched = slices.Compact(res.Unmatched)
	return res
}

package localimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/orgsync/orgsync/internal/problem"
	"io"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Record is one employee or external from a local source.
type Record struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"` // "employee" or "external"
	GivenName   string   `json:"givenName"`
	FamilyName  string   `json:"familyName"`
	CPR         string   `json:"cpr,omitempty"`
	Username    string   `json:"username,omitempty"`
	Email       string   `json:"email,omitempty"`
	UNIID       string   `json:"uniId,omitempty"`
	Institution string   `json:"institution,omitempty"`
	UnitID      string   `json:"unitId,omitempty"`
	Roles       []string `json:"roles"`
	Title       string   `json:"title,omitempty"`
	From        string   `json:"from,omitempty"` // YYYY-MM-DD, first day
	To          string   `json:"to,omitempty"`   // YYYY-MM-DD, last day

	// Where is set by the readers: "people[3]" or "line 4".
	Where string `json:"-"`
}

// ErrRecord is wrapped by every RecordError.
var ErrRecord = errors.New("invalid local record")

// RecordError is a problem with one record: where it is, its id and the
// field (by its JSON name).
type RecordError struct {
	Where string
	ID    string
	Field string
	Msg   string
}

// Error implements error.
func (e *RecordError) Error() string {
	id := ""
	if e.ID != "" {
		id = " (id " + e.ID + ")"
	}
	if e.Field == "" {
		return fmt.Sprintf("localimport: %s%s: %s", e.Where, id, e.Msg)
	}
	return fmt.Sprintf("localimport: %s%s %s: %s", e.Where, id, e.Field, e.Msg)
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

func (parse) Op() string      { return "localimport" }
func (parse) Sentinel() error { return nil }

// ReadJSON reads the JSON format. It returns the valid records and, when
// any record is invalid, a *ParseError listing every problem.
func ReadJSON(r io.Reader) ([]Record, error) {
	var doc struct {
		People []Record `json:"people"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("localimport: read json: %w", err)
	}
	for i := range doc.People {
		doc.People[i].Where = fmt.Sprintf("people[%d]", i)
	}
	return checkAll(doc.People)
}

// csvColumns are the known CSV columns.
var csvColumns = map[string]bool{"id": true, "kind": true, "givenName": true, "familyName": true, "cpr": true, "username": true,
	"email": true, "uniId": true, "institution": true, "unitId": true, "roles": true, "title": true, "from": true, "to": true}

// ReadCSV reads the CSV format. It returns the valid records and, when any
// record is invalid, a *ParseError listing every problem. A malformed
// header or CSV syntax error fails the whole input.
func ReadCSV(r io.Reader) ([]Record, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	head, err := br.Peek(4096)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("localimport: read csv: %w", err)
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	cr.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("localimport: read csv header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !csvColumns[h] {
			return nil, fmt.Errorf("localimport: read csv header: %w: unknown column %q", ErrRecord, h)
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("localimport: read csv header: %w: column %q twice", ErrRecord, h)
		}
		col[h] = i
	}
	for _, need := range []string{"id", "kind", "roles"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("localimport: read csv header: %w: missing column %q", ErrRecord, need)
		}
	}
	var recs []Record
	var short []*RecordError
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("localimport: read csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[i])
		}
		rec := Record{ID: get("id"), Kind: get("kind"), GivenName: get("givenName"), FamilyName: get("familyName"), CPR: get("cpr"),
			Username: get("username"), Email: get("email"), UNIID: get("uniId"), Institution: get("institution"), UnitID: get("unitId"),
			Title: get("title"), From: get("from"), To: get("to"), Where: fmt.Sprintf("line %d", line)}
		if len(row) != len(header) {
			short = append(short, &RecordError{Where: rec.Where, ID: rec.ID, Msg: fmt.Sprintf("has %d fields, header has %d", len(row), len(header))})
			continue
		}
		for _, r := range strings.Split(get("roles"), "|") {
			if r = strings.TrimSpace(r); r != "" {
				rec.Roles = append(rec.Roles, r)
			}
		}
		recs = append(recs, rec)
	}
	out, err := checkAll(recs)
	if len(short) > 0 {
		var pe *ParseError
		if errors.As(err, &pe) {
			short = append(short, pe.Problems...)
		}
		return out, &ParseError{Problems: short}
	}
	return out, err
}

// checkAll validates every record and normalises the CPR.
func checkAll(recs []Record) ([]Record, error) {
	var (
		ok       []Record
		problems []*RecordError
	)
	for _, r := range recs {
		ps := check(&r)
		if len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		ok = append(ok, r)
	}
	if len(problems) > 0 {
		return ok, &ParseError{Problems: problems}
	}
	return ok, nil
}

func check(r *Record) []*RecordError {
	var ps []*RecordError
	bad := func(field, msg string) {
		ps = append(ps, &RecordError{Where: r.Where, ID: r.ID, Field: field, Msg: msg})
	}
	if r.ID == "" {
		bad("id", "is empty")
	}
	var want orgmodel.RoleKind
	switch r.Kind {
	case "employee":
		want = orgmodel.Employee
	case "external":
		want = orgmodel.External
	default:
		bad("kind", fmt.Sprintf("%q is not \"employee\" or \"external\"", r.Kind))
	}
	if strings.TrimSpace(r.GivenName) == "" && strings.TrimSpace(r.FamilyName) == "" {
		bad("givenName", "given and family name are both empty")
	}
	if r.CPR != "" {
		c, err := orgmodel.NormaliseCPR(r.CPR)
		if err != nil {
			bad("cpr", err.Error()) // the message never repeats the number
		}
		r.CPR = c
	}
	if r.Institution == "" && r.UnitID == "" {
		bad("institution", "institution and unitId are both empty")
	}
	if len(r.Roles) == 0 {
		bad("roles", "is empty")
	}
	for i, s := range r.Roles {
		if want != "" && orgmodel.Role(s).Kind() != want {
			bad(fmt.Sprintf("roles[%d]", i), fmt.Sprintf("%q is not a STIL %s role", s, want))
		}
	}
	from, err1 := parseDay(r.From)
	if err1 != nil {
		bad("from", err1.Error())
	}
	to, err2 := parseDay(r.To)
	if err2 != nil {
		bad("to", err2.Error())
	}
	if err1 == nil && err2 == nil && !from.IsZero() && !to.IsZero() && to.Before(from) {
		bad("to", "is before from")
	}
	return ps
}

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return t, nil
}

// Affiliation returns the record's affiliation in the model.
func (r Record) Affiliation(personID string) orgmodel.Affiliation {
	a := orgmodel.Affiliation{PersonID: personID, Institution: r.Institution, UnitID: r.UnitID, Title: r.Title}
	for _, s := range r.Roles {
		a.Roles = append(a.Roles, orgmodel.Role(s))
	}
	if t, err := parseDay(r.From); err == nil {
		a.Valid.From = t
	}
	if t, err := parseDay(r.To); err == nil && !t.IsZero() {
		a.Valid.To = t.AddDate(0, 0, 1)
	}
	return a
}

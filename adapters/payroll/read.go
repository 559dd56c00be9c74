package payroll

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

type xEmployee struct {
	ID        string `xml:"id,attr"`
	Action    string `xml:"action,attr"`
	CPR       string `xml:"cpr"`
	EntryDate string `xml:"entryDate"`
	LeaveDate string `xml:"leaveDate"`
	UserID    string `xml:"userId"`
	OrgUnit   string `xml:"orgUnit"`
	Position  string `xml:"position"`
	Inner     string `xml:",innerxml"`
}

// ReadOPUS reads employments from an OPUS XML file in the shape documented
// in the package comment. It streams: every employee element anywhere in
// the document is read. A document that is not well-formed XML fails; bad
// records are reported in a *ParseError beside the good ones.
func ReadOPUS(r io.Reader) ([]Employment, error) {
	dec := xml.NewDecoder(r)
	var (
		out []Employment
		ps  []*RecordError
		n   int
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return out, fmt.Errorf("payroll: read opus (line %d): %w", line, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "employee" {
			continue
		}
		n++
		line, _ := dec.InputPos()
		var x xEmployee
		if err := dec.DecodeElement(&x, &se); err != nil {
			return out, fmt.Errorf("payroll: read opus employee[%d] (line %d): %w", n, line, err)
		}
		where := fmt.Sprintf("employee[%d] (line %d)", n, line)
		e := Employment{EmployeeNumber: strings.TrimSpace(x.ID), CPR: strings.TrimSpace(x.CPR), Username: strings.TrimSpace(x.UserID),
			Unit: strings.TrimSpace(x.OrgUnit), Title: strings.TrimSpace(x.Position)}
		if strings.TrimSpace(x.Inner) == "" {
			e.Ended = true // <employee id=".." action="leave"/>
		}
		var err1, err2 error
		e.Entry, err1 = parseDay(x.EntryDate)
		e.Leave, err2 = parseDay(x.LeaveDate)
		if err1 != nil {
			ps = append(ps, &RecordError{Where: where, ID: e.EmployeeNumber, Field: "entryDate", Msg: err1.Error()})
		}
		if err2 != nil {
			ps = append(ps, &RecordError{Where: where, ID: e.EmployeeNumber, Field: "leaveDate", Msg: err2.Error()})
		}
		if finish(&e, where, &ps) && err1 == nil && err2 == nil {
			out = append(out, e)
		}
	}
	return out, asError(ps)
}

var columns = map[string]bool{"employee_id": true, "cpr": true, "start_date": true, "stop_date": true, "username": true, "unit": true, "title": true}

// ReadCSV reads employments from CSV with the SQL column names as header.
func ReadCSV(r io.Reader) ([]Employment, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	head, _ := br.Peek(4096)
	first, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("payroll: read csv header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !columns[h] {
			return nil, fmt.Errorf("payroll: read csv header: %w: unknown column %q", ErrRecord, h)
		}
		col[h] = i
	}
	for _, need := range []string{"employee_id", "cpr"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("payroll: read csv header: %w: missing column %q", ErrRecord, need)
		}
	}
	var (
		out []Employment
		ps  []*RecordError
	)
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, fmt.Errorf("payroll: read csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		where := fmt.Sprintf("line %d", line)
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		if len(row) != len(header) {
			ps = append(ps, &RecordError{Where: where, Msg: fmt.Sprintf("has %d fields, header has %d", len(row), len(header))})
			continue
		}
		get := func(c string) string {
			if i, ok := col[c]; ok {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		if e, ok := fromStrings(get("employee_id"), get("cpr"), get("start_date"), get("stop_date"), get("username"), get("unit"), get("title"), where, &ps); ok {
			out = append(out, e)
		}
	}
	return out, asError(ps)
}

func fromStrings(id, cpr, start, stop, user, unit, title, where string, ps *[]*RecordError) (Employment, bool) {
	e := Employment{EmployeeNumber: id, CPR: cpr, Username: user, Unit: unit, Title: title}
	var err1, err2 error
	e.Entry, err1 = parseDay(start)
	e.Leave, err2 = parseDay(stop)
	if err1 != nil {
		*ps = append(*ps, &RecordError{Where: where, ID: id, Field: "start_date", Msg: err1.Error()})
	}
	if err2 != nil {
		*ps = append(*ps, &RecordError{Where: where, ID: id, Field: "stop_date", Msg: err2.Error()})
	}
	return e, finish(&e, where, ps) && err1 == nil && err2 == nil
}

// Querier runs a query; *sql.DB, *sql.Conn and *sql.Tx implement it.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ReadSQL runs query and reads employments from its columns employee_id,
// cpr, start_date, stop_date and optionally username, unit, title (by name;
// other columns are ignored). Dates may be DATE/DATETIME (with
// parseTime=true) or text; NULL is open.
func ReadSQL(ctx context.Context, db Querier, query string, args ...any) ([]Employment, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("payroll: read sql: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("payroll: read sql: %w", err)
	}
	idx := map[string]int{}
	for i, c := range cols {
		idx[strings.ToLower(c)] = i
	}
	for _, need := range []string{"employee_id", "cpr", "start_date", "stop_date"} {
		if _, ok := idx[need]; !ok {
			return nil, fmt.Errorf("payroll: read sql: %w: query lacks column %q", ErrRecord, need)
		}
	}
	var (
		out []Employment
		ps  []*RecordError
		n   int
	)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		n++
		if err := rows.Scan(ptrs...); err != nil {
			return out, fmt.Errorf("payroll: read sql row %d: %w", n, err)
		}
		get := func(c string) string {
			i, ok := idx[c]
			if !ok {
				return ""
			}
			switch v := vals[i].(type) {
			case nil:
				return ""
			case time.Time:
				return v.Format("2006-01-02")
			case []byte:
				return strings.TrimSpace(string(v))
			default:
				return strings.TrimSpace(fmt.Sprint(v))
			}
		}
		if e, ok := fromStrings(get("employee_id"), get("cpr"), get("start_date"), get("stop_date"), get("username"), get("unit"), get("title"), fmt.Sprintf("row %d", n), &ps); ok {
			out = append(out, e)
		}
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("payroll: read sql: %w", err)
	}
	return out, asError(ps)
}

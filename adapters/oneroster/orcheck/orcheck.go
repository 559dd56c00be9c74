// Package orcheck reads a OneRoster 1.1 CSV bulk archive and checks it
// against the specification's tables: the manifest (versions, one file.*
// row for every file the specification names, each bulk, delta or absent,
// and present in the archive exactly when not absent), exact headers, the
// field count of every row (an unquoted list value adds fields), required
// fields, enumerations, dates, booleans, and that every reference resolves
// to a row of the file it points into.
//
// It shares no code with the writer in package oneroster on purpose: it is
// the independent reader the writer's tests use, and is itself tested on
// archives that it must reject.
package orcheck

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrInvalid wraps every finding.
var ErrInvalid = errors.New("oneroster check")

type kind int

const (
	text kind = iota
	id
	date     // YYYY-MM-DD
	datetime // ISO 8601 (RFC 3339)
	boolean
	enum
	year // YYYY
	list // comma-separated
)

type field struct {
	name     string
	kind     kind
	required bool
	enum     []string
	ref      string // file whose sourcedIds the value (or every list item) must be
}

var (
	orgTypes     = []string{"department", "school", "district", "local", "state", "national"}
	sessionTypes = []string{"gradingPeriod", "semester", "schoolYear", "term"}
	classTypes   = []string{"homeroom", "scheduled"}
	userRoles    = []string{"administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher"}
	enrollRoles  = []string{"administrator", "proctor", "student", "teacher"}
	statuses     = []string{"active", "tobedeleted"}
)

func common() []field {
	return []field{{"sourcedId", id, true, nil, ""}, {"status", enum, false, statuses, ""}, {"dateLastModified", datetime, false, nil, ""}}
}

// schema holds the columns of the data files this checker knows, from the
// specification's CSV tables.
var schema = map[string][]field{
	"orgs.csv": append(common(),
		field{"name", text, true, nil, ""}, field{"type", enum, true, orgTypes, ""},
		field{"identifier", text, false, nil, ""}, field{"parentSourcedId", id, false, nil, "orgs.csv"}),
	"academicSessions.csv": append(common(),
		field{"title", text, true, nil, ""}, field{"type", enum, true, sessionTypes, ""},
		field{"startDate", date, true, nil, ""}, field{"endDate", date, true, nil, ""},
		field{"parentSourcedId", id, false, nil, "academicSessions.csv"}, field{"schoolYear", year, true, nil, ""}),
	"courses.csv": append(common(),
		field{"schoolYearSourcedId", id, false, nil, "academicSessions.csv"}, field{"title", text, true, nil, ""},
		field{"courseCode", text, false, nil, ""}, field{"grades", list, false, nil, ""},
		field{"orgSourcedId", id, true, nil, "orgs.csv"}, field{"subjects", list, false, nil, ""}, field{"subjectCodes", list, false, nil, ""}),
	"classes.csv": append(common(),
		field{"title", text, true, nil, ""}, field{"grades", list, false, nil, ""},
		field{"courseSourcedId", id, true, nil, "courses.csv"}, field{"classCode", text, false, nil, ""},
		field{"classType", enum, true, classTypes, ""}, field{"location", text, false, nil, ""},
		field{"schoolSourcedId", id, true, nil, "orgs.csv"}, field{"termSourcedIds", list, true, nil, "academicSessions.csv"},
		field{"subjects", list, false, nil, ""}, field{"subjectCodes", list, false, nil, ""}, field{"periods", list, false, nil, ""}),
	"users.csv": append(common(),
		field{"enabledUser", boolean, true, nil, ""}, field{"orgSourcedIds", list, true, nil, "orgs.csv"},
		field{"role", enum, true, userRoles, ""}, field{"username", text, true, nil, ""}, field{"userIds", list, false, nil, ""},
		field{"givenName", text, true, nil, ""}, field{"familyName", text, true, nil, ""}, field{"middleName", text, false, nil, ""},
		field{"identifier", text, false, nil, ""}, field{"email", text, false, nil, ""}, field{"sms", text, false, nil, ""},
		field{"phone", text, false, nil, ""}, field{"agentSourcedIds", list, false, nil, "users.csv"},
		field{"grades", list, false, nil, ""}, field{"password", text, false, nil, ""}),
	"enrollments.csv": append(common(),
		field{"classSourcedId", id, true, nil, "classes.csv"}, field{"schoolSourcedId", id, true, nil, "orgs.csv"},
		field{"userSourcedId", id, true, nil, "users.csv"}, field{"role", enum, true, enrollRoles, ""},
		field{"primary", boolean, false, nil, ""}, field{"beginDate", date, false, nil, ""}, field{"endDate", date, false, nil, ""}),
}

// manifestFiles are the file.* properties the manifest must name.
var manifestFiles = []string{"academicSessions", "categories", "classes", "classResources", "courses", "courseResources", "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"}

// Report is the outcome of Check.
type Report struct {
	// Rows counts the data rows per file.
	Rows map[string]int
	// Problems are the findings, each naming file, line and field.
	Problems []string
}

// Err returns nil for a clean report, else an error wrapping ErrInvalid
// with the first findings.
func (r *Report) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	show := r.Problems[:min(len(r.Problems), 10)]
	return fmt.Errorf("%w: %d problem(s): %s", ErrInvalid, len(r.Problems), strings.Join(show, "; "))
}

func (r *Report) add(format string, a ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, a...))
}

// Check reads a zip archive and checks it. The error is for an unreadable
// archive; the findings are in the report (see Report.Err).
func Check(data []byte) (*Report, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: not a zip: %v", ErrInvalid, err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, f.Name, err)
		}
		files[f.Name] = b
	}
	return CheckFiles(files), nil
}

// CheckFiles checks the files of an archive, by name.
func CheckFiles(files map[string][]byte) *Report {
	r := &Report{Rows: map[string]int{}}
	m, ok := files["manifest.csv"]
	if !ok {
		r.add("manifest.csv: missing")
		return r
	}
	props := map[string]string{}
	recs, err := readCSV(m, 2)
	if err != nil {
		r.add("manifest.csv: %v", err)
		return r
	}
	if len(recs) == 0 || recs[0][0] != "propertyName" || recs[0][1] != "value" {
		r.add("manifest.csv: header is not propertyName,value")
		return r
	}
	for i, rec := range recs[1:] {
		if _, dup := props[rec[0]]; dup {
			r.add("manifest.csv line %d: %s given twice", i+2, rec[0])
		}
		props[rec[0]] = rec[1]
	}
	if props["manifest.version"] != "1.0" {
		r.add("manifest.csv: manifest.version is %q, want 1.0", props["manifest.version"])
	}
	if props["oneroster.version"] != "1.1" {
		r.add("manifest.csv: oneroster.version is %q, want 1.1", props["oneroster.version"])
	}
	for _, p := range []string{"source.systemName", "source.systemCode"} {
		if _, ok := props[p]; !ok {
			r.add("manifest.csv: no %s", p)
		}
	}
	bulk := map[string]bool{}
	for _, f := range manifestFiles {
		v, ok := props["file."+f]
		name := f + ".csv"
		_, present := files[name]
		switch {
		case !ok:
			r.add("manifest.csv: no file.%s entry", f)
		case v != "bulk" && v != "delta" && v != "absent":
			r.add("manifest.csv: file.%s is %q, want bulk, delta or absent", f, v)
		case v == "absent" && present:
			r.add("manifest.csv: file.%s is absent but %s is in the archive", f, name)
		case v != "absent" && !present:
			r.add("manifest.csv: file.%s is %s but %s is not in the archive", f, v, name)
		case v == "bulk":
			bulk[name] = true
		}
	}
	for name := range files {
		base, isCSV := strings.CutSuffix(name, ".csv")
		if name == "manifest.csv" || !isCSV {
			continue
		}
		if _, known := props["file."+base]; !known {
			r.add("%s: not named in the manifest", name)
		}
	}

	// Read every known file, then check fields and references.
	ids := map[string]map[string]bool{}
	type row struct {
		line int
		rec  []string
	}
	rows := map[string][]row{}
	for name, fields := range schema {
		b, ok := files[name]
		if !ok {
			continue
		}
		recs, err := readCSV(b, -1)
		if err != nil {
			r.add("%s: %v", name, err)
			continue
		}
		if len(recs) == 0 {
			r.add("%s: no header", name)
			continue
		}
		var want []string
		for _, f := range fields {
			want = append(want, f.name)
		}
		if strings.Join(recs[0], ",") != strings.Join(want, ",") {
			r.add("%s: header %q, want %q", name, strings.Join(recs[0], ","), strings.Join(want, ","))
			continue
		}
		ids[name] = map[string]bool{}
		for i, rec := range recs[1:] {
			line := i + 2
			if len(rec) != len(fields) {
				r.add("%s line %d: %d fields, header has %d (a list value not in quotes?)", name, line, len(rec), len(fields))
				continue
			}
			if ids[name][rec[0]] {
				r.add("%s line %d: sourcedId %q given twice", name, line, rec[0])
			}
			ids[name][rec[0]] = true
			rows[name] = append(rows[name], row{line, rec})
			r.Rows[name]++
			for j, f := range fields {
				checkValue(r, name, line, f, rec[j], bulk[name])
			}
		}
	}
	for name, fields := range schema {
		for _, rw := range rows[name] {
			for j, f := range fields {
				if f.ref == "" || rw.rec[j] == "" {
					continue
				}
				vals := []string{rw.rec[j]}
				if f.kind == list {
					vals = strings.Split(rw.rec[j], ",")
				}
				for _, v := range vals {
					if !ids[f.ref][strings.TrimSpace(v)] {
						r.add("%s line %d: %s %q is not a sourcedId in %s", name, rw.line, f.name, v, f.ref)
					}
				}
			}
		}
	}
	return r
}

func checkValue(r *Report, file string, line int, f field, v string, bulk bool) {
	if v == "" {
		if f.required {
			r.add("%s line %d: %s is required", file, line, f.name)
		}
		return
	}
	if bulk && (f.name == "status" || f.name == "dateLastModified") {
		r.add("%s line %d: %s must be blank in bulk mode", file, line, f.name)
		return
	}
	switch f.kind {
	case enum:
		for _, e := range f.enum {
			if v == e {
				return
			}
		}
		r.add("%s line %d: %s %q is not one of %s", file, line, f.name, v, strings.Join(f.enum, "|"))
	case date:
		if _, err := time.Parse("2006-01-02", v); err != nil {
			r.add("%s line %d: %s %q is not a date YYYY-MM-DD", file, line, f.name, v)
		}
	case datetime:
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			r.add("%s line %d: %s %q is not an ISO 8601 date and time", file, line, f.name, v)
		}
	case boolean:
		if v != "true" && v != "false" {
			r.add("%s line %d: %s %q is not true or false", file, line, f.name, v)
		}
	case year:
		if _, err := time.Parse("2006", v); err != nil || len(v) != 4 {
			r.add("%s line %d: %s %q is not a year YYYY", file, line, f.name, v)
		}
	case list:
		for _, item := range strings.Split(v, ",") {
			if strings.TrimSpace(item) == "" {
				r.add("%s line %d: %s %q has an empty list item", file, line, f.name, v)
			}
		}
	}
}

// readCSV parses RFC 4180 CSV; n > 0 fixes the field count.
func readCSV(b []byte, n int) ([][]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = n
	if n < 0 {
		cr.FieldsPerRecord = -1
	}
	return cr.ReadAll()
}

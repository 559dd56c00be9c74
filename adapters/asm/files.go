// Package asm writes the Apple School Manager SFTP upload ("Apple format"):
// six CSV files (locations, students, staff, courses, classes, rosters)
// zipped at the root of one archive, and uploads the archive over SFTP to a
// pinned host.
//
// Mapping from the organisation model: every institution of type SCHOOL or
// FU is a location (location_id is its institution number); a person with
// an active student affiliation at a location is a student, any other
// person with an active employee affiliation there is staff (person_id is
// the model's person ID, unique across both files, and a person who is both
// a student and an employee appears once, as a student); every main group
// (Hovedgruppe) and subject team (Hold) at a location is one course and one
// class, its instructors are the employees linked to the group (in ID
// order) and its roster the students linked to it.
//
// Apple's files have optional extra columns: a class's fourth to 15th
// instructor go in instructor_id_4 … instructor_id_15, and a student's or
// employee's further locations in location_id_2 … location_id_999. Build
// adds these columns to a file's header only when a row needs them (a
// municipality whose classes have at most three teachers gets exactly the
// basic headers). Beyond Apple's maximum (MaxInstructors, MaxLocations) a
// row is cut and Export.Warnings says who was left out, rather than
// dropping them silently. Names are
// those of Person.Disclosable, so a protected person's alias names leave
// orgsync unless Options.IgnoreProtection is set.
//
// Every upload is a full upload with all six files, even when one is empty
// but for its header: Apple treats a file left out as "remove everything it
// held". Build checks every row before anything is written, so a bad row in
// the model (an identifier with characters Apple does not accept, a missing
// name) is an error naming the person or group and the field, and no zip is
// produced or uploaded.
package asm

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// ErrInvalid is returned (wrapped) by Build for a row Apple would reject.
var ErrInvalid = errors.New("asm: invalid row")

// File names in the archive, in the order they are written.
const (
	LocationsFile = "locations.csv"
	StudentsFile  = "students.csv"
	StaffFile     = "staff.csv"
	CoursesFile   = "courses.csv"
	ClassesFile   = "classes.csv"
	RostersFile   = "rosters.csv"
)

// Headers are the header rows of the six files, exactly as Apple defines
// them.
var Headers = map[string][]string{
	LocationsFile: {"location_id", "location_name"},
	StudentsFile:  {"person_id", "person_number", "first_name", "middle_name", "last_name", "grade_level", "email_address", "sis_username", "password_policy", "location_id"},
	StaffFile:     {"person_id", "person_number", "first_name", "middle_name", "last_name", "email_address", "sis_username", "location_id"},
	CoursesFile:   {"course_id", "course_number", "course_name", "location_id"},
	ClassesFile:   {"class_id", "class_number", "course_id", "instructor_id", "instructor_id_2", "instructor_id_3", "location_id"},
	RostersFile:   {"roster_id", "class_id", "student_id"},
}

// Apple's maxima of the optional columns.
const (
	// MaxInstructors is the most instructors a class can have
	// (instructor_id … instructor_id_15).
	MaxInstructors = 15
	// MaxLocations is the most locations a student or employee can have
	// (location_id … location_id_999).
	MaxLocations = 999
)

// FileNames lists the six files in archive order.
var FileNames = []string{LocationsFile, StudentsFile, StaffFile, CoursesFile, ClassesFile, RostersFile}

// Options control Build.
type Options struct {
	// At selects the affiliations that count: those whose validity contains
	// At. The zero time takes every affiliation.
	At time.Time
	// IgnoreProtection writes the real names of name-protected persons. It
	// must come from an explicit, audited setting.
	IgnoreProtection bool
	// PasswordPolicy is written for every student: "", "4", "6" or "8".
	PasswordPolicy string
}

// Export is the content of one upload: the rows of the six files, header
// rows excluded, in a stable order.
type Export struct {
	Rows map[string][][]string
	// Extra are the optional columns a file needs beyond Headers (e.g.
	// instructor_id_4), appended to its header in this order; each row of
	// the file has a value (maybe empty) for every column of Header.
	Extra map[string][]string
	// Warnings name what Apple's format could not take (a class with more
	// than MaxInstructors instructors, a person with more than
	// MaxLocations locations) and was left out of the files.
	Warnings []string
}

// Header returns the header row of a file: Headers and the Extra columns.
func (e *Export) Header(name string) []string {
	return append(slices.Clip(Headers[name]), e.Extra[name]...)
}

// Build maps the snapshot to the six files and checks every row. On error
// nothing is returned.
func Build(s *orgmodel.Snapshot, opt Options) (*Export, error) {
	switch opt.PasswordPolicy {
	case "", "4", "6", "8":
	default:
		return nil, fmt.Errorf("%w: password_policy %q is not 4, 6, 8 or blank", ErrInvalid, opt.PasswordPolicy)
	}
	e := &Export{Rows: map[string][][]string{}, Extra: map[string][]string{}}
	active := func(a *orgmodel.Affiliation) bool { return opt.At.IsZero() || a.Valid.Contains(opt.At) }

	locations := map[string]bool{}
	for _, in := range s.Institutions {
		if in.Type != orgmodel.School && in.Type != orgmodel.FU {
			continue
		}
		if err := checkID("institution "+in.Number, "location_id", in.Number); err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.Name) == "" {
			return nil, fmt.Errorf("%w: institution %s: location_name is empty", ErrInvalid, in.Number)
		}
		locations[in.Number] = true
		e.add(LocationsFile, in.Number, in.Name)
	}

	// Per person: the first location of a student affiliation (else of an
	// employee one), the grade level, and the groups with their role.
	type pinfo struct {
		students, staff []string // locations, first seen first
		level           string
	}
	persons := map[string]*pinfo{}
	type gmember struct{ students, teachers []string }
	members := map[string]*gmember{} // by group key
	for i := range s.Affiliations {
		a := &s.Affiliations[i]
		in := s.AffiliationInstitution(*a)
		if !locations[in] || !active(a) {
			continue
		}
		kind := a.Kind()
		if kind != orgmodel.Student && kind != orgmodel.Employee {
			continue
		}
		pi := persons[a.PersonID]
		if pi == nil {
			pi = &pinfo{}
			persons[a.PersonID] = pi
		}
		if kind == orgmodel.Student && len(pi.students) == 0 {
			pi.level = a.Level
		}
		if kind == orgmodel.Student && !slices.Contains(pi.students, in) {
			pi.students = append(pi.students, in)
		}
		if kind == orgmodel.Employee && !slices.Contains(pi.staff, in) {
			pi.staff = append(pi.staff, in)
		}
		groups := a.GroupIDs
		if a.MainGroupID != "" && !slices.Contains(groups, a.MainGroupID) {
			groups = append(slices.Clip(groups), a.MainGroupID)
		}
		for _, g := range groups {
			k := orgmodel.GroupKey(in, g)
			m := members[k]
			if m == nil {
				m = &gmember{}
				members[k] = m
			}
			if kind == orgmodel.Student {
				m.students = append(m.students, a.PersonID)
			} else {
				m.teachers = append(m.teachers, a.PersonID)
			}
		}
	}

	students := map[string]bool{}
	for _, p := range s.Persons {
		pi := persons[p.ID]
		if pi == nil {
			continue
		}
		d := p.Disclosable(opt.IgnoreProtection)
		who := "person " + p.ID
		if err := checkID(who, "person_id", p.ID); err != nil {
			return nil, err
		}
		if strings.TrimSpace(d.GivenName) == "" {
			return nil, fmt.Errorf("%w: %s: first_name is empty", ErrInvalid, who)
		}
		if strings.TrimSpace(d.FamilyName) == "" {
			return nil, fmt.Errorf("%w: %s: last_name is empty", ErrInvalid, who)
		}
		for field, v := range map[string]string{"first_name": d.GivenName, "last_name": d.FamilyName, "email_address": d.Email, "sis_username": d.Username, "person_number": d.UNIID} {
			if strings.ContainsAny(v, "\r\n") {
				return nil, fmt.Errorf("%w: %s: %s contains a line break", ErrInvalid, who, field)
			}
		}
		if len(pi.students) > 0 {
			students[p.ID] = true
			locs := e.cut(who, "locations", pi.students, MaxLocations)
			e.add(StudentsFile, append([]string{p.ID, d.UNIID, d.GivenName, "", d.FamilyName, pi.level, d.Email, d.Username, opt.PasswordPolicy, locs[0]}, locs[1:]...)...)
			e.extra(StudentsFile, "location_id_", 2, len(locs)-1)
		} else {
			locs := e.cut(who, "locations", pi.staff, MaxLocations)
			e.add(StaffFile, append([]string{p.ID, d.UNIID, d.GivenName, "", d.FamilyName, d.Email, d.Username, locs[0]}, locs[1:]...)...)
			e.extra(StaffFile, "location_id_", 2, len(locs)-1)
		}
	}

	for _, g := range s.Groups {
		if !locations[g.Institution] || (g.Type != orgmodel.Hovedgruppe && g.Type != orgmodel.Hold) {
			continue
		}
		who := "group " + g.Key()
		if err := checkID(who, "class_id", g.ID); err != nil {
			return nil, err
		}
		if strings.TrimSpace(g.Name) == "" || strings.ContainsAny(g.Name, "\r\n") {
			return nil, fmt.Errorf("%w: %s: course_name is empty or contains a line break", ErrInvalid, who)
		}
		id := g.Institution + "-" + g.ID
		m := members[g.Key()]
		if m == nil {
			m = &gmember{}
		}
		teachers := slices.Compact(slices.Sorted(slices.Values(m.teachers)))
		teachers = slices.DeleteFunc(teachers, func(id string) bool { return students[id] })
		teachers = e.cut(who, "instructors", teachers, MaxInstructors)
		inst := make([]string, max(3, len(teachers)))
		copy(inst, teachers)
		e.add(CoursesFile, "course-"+id, g.ID, g.Name, g.Institution)
		e.add(ClassesFile, append([]string{"class-" + id, g.ID, "course-" + id, inst[0], inst[1], inst[2], g.Institution}, inst[3:]...)...)
		e.extra(ClassesFile, "instructor_id_", 4, len(inst)-3)
		for _, st := range slices.Compact(slices.Sorted(slices.Values(m.students))) {
			e.add(RostersFile, "roster-"+id+"-"+st, "class-"+id, st)
		}
	}
	// Every row has a value for every column of its file's header.
	for name, rows := range e.Rows {
		n := len(e.Header(name))
		for i, r := range rows {
			if len(r) < n {
				rows[i] = append(r, make([]string, n-len(r))...)
			}
		}
	}
	return e, nil
}

// cut returns at most limit values, and a warning naming the ones left
// out.
func (e *Export) cut(who, what string, vals []string, limit int) []string {
	if len(vals) <= limit {
		return vals
	}
	e.Warnings = append(e.Warnings, fmt.Sprintf("%s has %d %s, Apple takes %d; left out: %s", who, len(vals), what, limit, strings.Join(vals[limit:], ", ")))
	return vals[:limit]
}

// extra makes sure the file's header has the optional columns
// prefix+first … prefix+(first+n-1), in order.
func (e *Export) extra(file, prefix string, first, n int) {
	for have := len(e.Extra[file]); have < n; have++ {
		e.Extra[file] = append(e.Extra[file], fmt.Sprintf("%s%d", prefix, first+have))
	}
}

func (e *Export) add(file string, fields ...string) {
	e.Rows[file] = append(e.Rows[file], fields)
}

// checkID reports an identifier Apple does not accept: empty, or with a
// character other than ASCII letters, digits and '-'.
func checkID(who, field, v string) error {
	if v == "" {
		return fmt.Errorf("%w: %s: %s is empty", ErrInvalid, who, field)
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("%w: %s: %s %q has %q (only letters, digits and '-')", ErrInvalid, who, field, v, r)
		}
	}
	return nil
}

// Quote returns v as Apple's format writes it: in straight double quotes
// (inner quotes doubled) when it contains a space, a comma or a double
// quote, else unchanged.
func Quote(v string) string {
	if !strings.ContainsAny(v, " ,\"") {
		return v
	}
	return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
}

// WriteFile writes one file of the export (header first, \n line ends).
func (e *Export) WriteFile(w io.Writer, name string) error {
	if _, ok := Headers[name]; !ok {
		return fmt.Errorf("asm: unknown file %q", name)
	}
	hdr := e.Header(name)
	var b bytes.Buffer
	line := func(fields []string) {
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(Quote(f))
		}
		b.WriteByte('\n')
	}
	line(hdr)
	for _, r := range e.Rows[name] {
		line(r)
		if b.Len() > 64<<10 {
			if _, err := w.Write(b.Bytes()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteZip writes all six files at the root of one zip archive. The
// modification time of every entry is mtime (use a fixed time for
// byte-identical archives).
func (e *Export) WriteZip(w io.Writer, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, name := range FileNames {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mtime})
		if err != nil {
			return fmt.Errorf("asm: zip %s: %w", name, err)
		}
		if err := e.WriteFile(f, name); err != nil {
			return fmt.Errorf("asm: zip %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("asm: zip: %w", err)
	}
	return nil
}

// Zip builds the export and returns the whole archive, or an error and no
// archive. Build and WriteZip do the same and keep Export.Warnings.
func Zip(s *orgmodel.Snapshot, opt Options, mtime time.Time) ([]byte, error) {
	e, err := Build(s, opt)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := e.WriteZip(&b, mtime); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

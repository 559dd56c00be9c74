// Package oneroster writes a OneRoster 1.1 CSV bulk export: manifest.csv,
// orgs.csv, academicSessions.csv, courses.csv, classes.csv, users.csv and
// enrollments.csv at the root of one zip. Apple School Manager, Microsoft
// School Data Sync and most learning platforms read it.
//
// Mapping from the organisation model: the municipality (its institution of
// type MUNICIPALITY, else Options.DistrictName) is the org of type
// "district"; every SCHOOL and FU institution is an org of type "school"
// under it (identifier: the institution number); the snapshot's school year
// is the academic session of type "schoolYear" (1 August to 31 July,
// schoolYear the year it ends); every main group (Hovedgruppe) is a course
// and a class of type "homeroom", every subject team (Hold) a course and a
// class of type "scheduled"; students and employees active at a school are
// users (role student; Leder, and Ledelse without Lærer, administrator;
// other employees teacher; a person who is both has the student role), and their links to classes are enrollments (teachers from the
// class-employee links). Names are those of Person.Disclosable.
//
// In bulk mode status and dateLastModified are blank. List values (orgs,
// terms, grades) are comma-separated inside double quotes. Grades are the
// CEDS codes: level 0 is "KG", 1-12 are "01"-"12".
//
// Package orcheck, written separately from the specification's tables,
// reads an export back and checks it; the tests run every export through it.
package oneroster

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// ErrInvalid is returned (wrapped) by Build for model data the export
// cannot carry.
var ErrInvalid = errors.New("oneroster: invalid data")

// Headers of the written files (OneRoster 1.1, exact column order).
var Headers = map[string][]string{
	"orgs.csv":             {"sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"},
	"academicSessions.csv": {"sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"},
	"courses.csv":          {"sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"},
	"classes.csv":          {"sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"},
	"users.csv":            {"sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password"},
	"enrollments.csv":      {"sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"},
}

// DataFiles are the data files in archive order (manifest.csv comes first).
var DataFiles = []string{"orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "enrollments.csv"}

// manifestFiles are the file.* rows of the manifest, in the
// specification's order.
var manifestFiles = []string{"academicSessions", "categories", "classes", "classResources", "courses", "courseResources", "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"}

// Options control Build.
type Options struct {
	// At selects the affiliations that count; the zero time takes all.
	At time.Time
	// DistrictName names the district when the snapshot has no
	// MUNICIPALITY institution; default "Municipality".
	DistrictName string
	// SystemName and SystemCode fill the manifest's source rows; default
	// "orgsync".
	SystemName, SystemCode string
	// IgnoreProtection writes real names of name-protected persons (an
	// explicit, audited setting).
	IgnoreProtection bool
}

// Export is the rows of the data files (header rows excluded) and the
// manifest.
type Export struct {
	Manifest [][]string
	Rows     map[string][][]string
}

const dateFmt = "2006-01-02"

// Grade returns the CEDS grade code for a Danish class level ("0" is
// kindergarten class, "KG"), or "" for a level that is not 0-12.
func Grade(level string) string {
	n, err := strconv.Atoi(level)
	if err != nil || n < 0 || n > 12 {
		return ""
	}
	if n == 0 {
		return "KG"
	}
	return fmt.Sprintf("%02d", n)
}

// Build maps the snapshot to the export.
func Build(s *orgmodel.Snapshot, opt Options) (*Export, error) {
	if opt.SystemName == "" {
		opt.SystemName = "orgsync"
	}
	if opt.SystemCode == "" {
		opt.SystemCode = "orgsync"
	}
	first, ok := orgmodel.ParseSchoolYear(s.SchoolYear)
	if !ok {
		return nil, fmt.Errorf("%w: snapshot school year %q is not YYYY-YYYY", ErrInvalid, s.SchoolYear)
	}
	e := &Export{Rows: map[string][][]string{}}
	add := func(file string, f ...string) { e.Rows[file] = append(e.Rows[file], f) }
	active := func(a *orgmodel.Affiliation) bool { return opt.At.IsZero() || a.Valid.Contains(opt.At) }

	district := ""
	schools := map[string]bool{}
	for _, in := range s.Institutions {
		if in.Type == orgmodel.Municipality && district == "" {
			district = "org-" + in.Number
			add("orgs.csv", district, "", "", in.Name, "district", in.Number, "")
		}
	}
	if district == "" {
		name := opt.DistrictName
		if name == "" {
			name = "Municipality"
		}
		district = "org-district"
		add("orgs.csv", district, "", "", name, "district", "", "")
	}
	for _, in := range s.Institutions {
		if in.Type != orgmodel.School && in.Type != orgmodel.FU {
			continue
		}
		if in.Number == "" || strings.TrimSpace(in.Name) == "" {
			return nil, fmt.Errorf("%w: institution %q: number or name is empty", ErrInvalid, in.Number)
		}
		schools[in.Number] = true
		add("orgs.csv", "org-"+in.Number, "", "", in.Name, "school", in.Number, district)
	}
	session := "as-" + s.SchoolYear
	add("academicSessions.csv", session, "", "", s.SchoolYear, "schoolYear",
		time.Date(first, time.August, 1, 0, 0, 0, 0, time.UTC).Format(dateFmt),
		time.Date(first+1, time.July, 31, 0, 0, 0, 0, time.UTC).Format(dateFmt),
		"", strconv.Itoa(first+1))

	type member struct {
		person, role string
		valid        orgmodel.Period
	}
	members := map[string][]member{}
	type pinfo struct {
		orgs  []string
		role  string
		grade string
	}
	persons := map[string]*pinfo{}
	for i := range s.Affiliations {
		a := &s.Affiliations[i]
		in := s.AffiliationInstitution(*a)
		if !schools[in] || !active(a) {
			continue
		}
		role := ""
		switch a.Kind() {
		case orgmodel.Student:
			role = "student"
		case orgmodel.Employee:
			role = "teacher"
			if slices.Contains(a.Roles, orgmodel.Leder) || slices.Contains(a.Roles, orgmodel.Ledelse) && !slices.Contains(a.Roles, orgmodel.Laerer) {
				role = "administrator"
			}
		default:
			continue
		}
		pi := persons[a.PersonID]
		if pi == nil {
			pi = &pinfo{role: role}
			persons[a.PersonID] = pi
		}
		if role == "student" && pi.role != "student" {
			pi.role = "student" // one role per user: a student first
		}
		if role == "student" && pi.grade == "" {
			pi.grade = Grade(a.Level)
		}
		if !slices.Contains(pi.orgs, "org-"+in) {
			pi.orgs = append(pi.orgs, "org-"+in)
		}
		groups := a.GroupIDs
		if a.MainGroupID != "" && !slices.Contains(groups, a.MainGroupID) {
			groups = append(slices.Clip(groups), a.MainGroupID)
		}
		er := "student"
		if role != "student" {
			er = "teacher"
		}
		for _, g := range groups {
			members[orgmodel.GroupKey(in, g)] = append(members[orgmodel.GroupKey(in, g)], member{a.PersonID, er, a.Valid})
		}
	}

	users := map[string]bool{}
	for _, p := range s.Persons {
		pi := persons[p.ID]
		if pi == nil {
			continue
		}
		d := p.Disclosable(opt.IgnoreProtection)
		if strings.TrimSpace(d.GivenName) == "" {
			return nil, fmt.Errorf("%w: person %s: givenName is empty", ErrInvalid, p.ID)
		}
		if strings.TrimSpace(d.FamilyName) == "" {
			return nil, fmt.Errorf("%w: person %s: familyName is empty", ErrInvalid, p.ID)
		}
		username := d.Username
		if username == "" {
			username = p.ID
		}
		grades := ""
		if pi.role == "student" {
			grades = pi.grade
		}
		users[p.ID] = true
		add("users.csv", p.ID, "", "", "true", strings.Join(pi.orgs, ","), pi.role, username, "",
			d.GivenName, d.FamilyName, "", d.UNIID, d.Email, "", "", "", grades, "")
	}

	for _, g := range s.Groups {
		if !schools[g.Institution] || (g.Type != orgmodel.Hovedgruppe && g.Type != orgmodel.Hold) {
			continue
		}
		if g.ID == "" || strings.TrimSpace(g.Name) == "" {
			return nil, fmt.Errorf("%w: group %s: id or name is empty", ErrInvalid, g.Key())
		}
		id := g.Institution + "-" + g.ID
		typ := "homeroom"
		if g.Type == orgmodel.Hold {
			typ = "scheduled"
		}
		school := "org-" + g.Institution
		grade := Grade(g.Level)
		add("courses.csv", "course-"+id, "", "", session, g.Name, g.Name, grade, school, "", "")
		add("classes.csv", "class-"+id, "", "", g.Name, grade, "course-"+id, g.Name, typ, "", school, session, "", "", "")
		ms := members[g.Key()]
		slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.person, b.person) })
		ms = slices.CompactFunc(ms, func(a, b member) bool { return a.person == b.person })
		for _, m := range ms {
			if !users[m.person] || m.role == "teacher" && persons[m.person].role == "student" {
				continue
			}
			role := m.role
			if role == "teacher" && persons[m.person].role == "administrator" {
				role = "administrator"
			}
			primary := "false"
			begin, end := "", ""
			if !m.valid.From.IsZero() {
				begin = m.valid.From.Format(dateFmt)
			}
			if !m.valid.To.IsZero() {
				end = m.valid.To.AddDate(0, 0, -1).Format(dateFmt) // To is exclusive
			}
			add("enrollments.csv", "enr-"+id+"-"+m.person, "", "", "class-"+id, school, m.person, role, primary, begin, end)
		}
	}

	e.Manifest = [][]string{{"manifest.version", "1.0"}, {"oneroster.version", "1.1"}}
	for _, f := range manifestFiles {
		v := "absent"
		if _, ok := Headers[f+".csv"]; ok {
			v = "bulk"
		}
		e.Manifest = append(e.Manifest, []string{"file." + f, v})
	}
	e.Manifest = append(e.Manifest, []string{"source.systemName", opt.SystemName}, []string{"source.systemCode", opt.SystemCode})
	return e, nil
}

// WriteZip writes manifest.csv and the six data files at the root of one
// zip; every entry has modification time mtime.
func (e *Export) WriteZip(w io.Writer, mtime time.Time) error {
	zw := zip.NewWriter(w)
	write := func(name string, header []string, rows [][]string) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mtime})
		if err != nil {
			return err
		}
		cw := csv.NewWriter(f) // quotes a value with a comma (lists), a quote or a line break
		if err := cw.Write(header); err != nil {
			return err
		}
		if err := cw.WriteAll(rows); err != nil {
			return fmt.Errorf("oneroster: %s: %w", name, err)
		}
		return nil
	}
	if err := write("manifest.csv", []string{"propertyName", "value"}, e.Manifest); err != nil {
		return err
	}
	for _, name := range DataFiles {
		if err := write(name, Headers[name], e.Rows[name]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// Zip builds the export and returns the whole archive, or an error and no
// archive.
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

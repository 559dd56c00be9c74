package asm

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/internal/exporttest"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedTime = time.Date(2025, 9, 15, 12, 0, 0, 0, time.UTC)

// readZip returns the files of an archive.
func readZip(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

// TestTinyGolden writes the six files of a small municipality and compares
// them with testdata/tiny/*.csv (go test -update rewrites them).
func TestTinyGolden(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	data, err := Zip(s, Options{At: synth.ReferenceTime(s.SchoolYear)}, fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	files := readZip(t, data)
	if len(files) != 6 {
		t.Fatalf("zip has %d files, want 6", len(files))
	}
	for _, name := range FileNames {
		golden := filepath.Join("testdata", "tiny", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, files[name], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(files[name])); diff != "" {
			t.Errorf("%s differs from golden (-want +got):\n%s", name, diff)
		}
	}
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// TestFormatRules reads the archive with encoding/csv and checks Apple's
// rules independently of the writer: headers, \n line ends, UTF-8,
// required fields, identifier characters, unique person and roster ids,
// and that every reference resolves.
// extraRE are the optional columns Apple allows after a file's header.
var extraRE = map[string]*regexp.Regexp{
	StudentsFile: regexp.MustCompile(`^location_id_([2-9]|[1-9][0-9]{1,2})$`),
	StaffFile:    regexp.MustCompile(`^location_id_([2-9]|[1-9][0-9]{1,2})$`),
	ClassesFile:  regexp.MustCompile(`^instructor_id_([4-9]|1[0-5])$`),
}

func TestFormatRules(t *testing.T) {
	s := synth.Generate(synth.Config{Seed: 3, Persons: 3000})
	data, err := Zip(s, Options{At: synth.ReferenceTime(s.SchoolYear)}, fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	files := readZip(t, data)
	ids := map[string]map[string]bool{}
	rows := map[string][][]string{}
	for _, name := range FileNames {
		b := files[name]
		if bytes.Contains(b, []byte("\r")) {
			t.Errorf("%s has a carriage return", name)
		}
		r := csv.NewReader(bytes.NewReader(b))
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(Headers[name], recs[0][:min(len(recs[0]), len(Headers[name]))]); diff != "" {
			t.Errorf("%s header (-want +got):\n%s", name, diff)
		}
		// Optional columns follow in order: location_id_2, location_id_3,
		// ... or instructor_id_4, instructor_id_5, ...
		prefix, first := "location_id_", 2
		if name == ClassesFile {
			prefix, first = "instructor_id_", 4
		}
		for i, h := range recs[0][len(Headers[name]):] {
			if !extraRE[name].MatchString(h) || h != fmt.Sprintf("%s%d", prefix, first+i) {
				t.Errorf("%s: optional column %d is %q", name, i+1, h)
			}
		}
		rows[name] = recs[1:]
		ids[name] = map[string]bool{}
		for i, rec := range recs[1:] {
			for j, h := range recs[0] {
				if (strings.HasSuffix(h, "_id") && !strings.HasPrefix(h, "instructor_id")) || h == "first_name" || h == "last_name" || h == "location_name" {
					if rec[j] == "" {
						t.Errorf("%s row %d: %s empty", name, i+2, h)
					}
				}
				if strings.HasSuffix(h, "_id") && rec[j] != "" && !idRE.MatchString(rec[j]) {
					t.Errorf("%s row %d: %s %q not alphanumeric", name, i+2, h, rec[j])
				}
			}
			if ids[name][rec[0]] {
				t.Errorf("%s: duplicate %s %q", name, recs[0][0], rec[0])
			}
			ids[name][rec[0]] = true
		}
	}
	for id := range ids[StudentsFile] {
		if ids[StaffFile][id] {
			t.Errorf("person_id %s is in students and staff", id)
		}
	}
	for _, rec := range rows[RostersFile] {
		if !ids[ClassesFile][rec[1]] || !ids[StudentsFile][rec[2]] {
			t.Errorf("roster %v points at an unknown class or student", rec)
		}
	}
	for _, rec := range rows[ClassesFile] {
		if !ids[CoursesFile][rec[2]] || !ids[LocationsFile][rec[6]] {
			t.Errorf("class %v points at an unknown course or location", rec)
		}
		for _, in := range append(rec[3:6:6], rec[7:]...) {
			if in != "" && !ids[StaffFile][in] {
				t.Errorf("class %s: instructor %s not in staff", rec[0], in)
			}
		}
	}
	if len(rows[RostersFile]) == 0 || len(rows[StaffFile]) == 0 {
		t.Error("no rosters or no staff")
	}
}

func TestBadRows(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *orgmodel.Snapshot)
		want   string
	}{
		{"empty first name", func(s *orgmodel.Snapshot) { s.Persons[personAt(s)].GivenName = " " }, "first_name is empty"},
		{"empty last name", func(s *orgmodel.Snapshot) { s.Persons[personAt(s)].FamilyName = "" }, "last_name is empty"},
		{"line break", func(s *orgmodel.Snapshot) { s.Persons[personAt(s)].Email = "a@b\nc" }, "email_address contains a line break"},
		{"bad group id", func(s *orgmodel.Snapshot) {
			for i := range s.Groups {
				if s.Groups[i].Type == orgmodel.Hovedgruppe {
					s.Groups[i].ID = "G 1"
					return
				}
			}
		}, `class_id "G 1"`},
		{"bad location", func(s *orgmodel.Snapshot) { s.Institutions[1].Number = "2_1" }, "location_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := synth.Generate(synth.Tiny)
			tt.change(s)
			data, err := Zip(s, Options{}, fixedTime)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.want)
			}
			if data != nil {
				t.Error("a zip came back with the error")
			}
		})
	}
	s := synth.Generate(synth.Tiny)
	i := personAt(s)
	s.Persons[i].GivenName = ""
	_, err := Build(s, Options{})
	if err == nil || !strings.Contains(err.Error(), "person "+s.Persons[i].ID) {
		t.Errorf("error %v does not name person %s", err, s.Persons[i].ID)
	}
}

// personAt returns the index of a pupil at a school.
func personAt(s *orgmodel.Snapshot) int {
	for _, a := range s.Affiliations {
		if a.Kind() == orgmodel.Student && strings.HasPrefix(a.Institution, "2") {
			for i, p := range s.Persons {
				if p.ID == a.PersonID {
					return i
				}
			}
		}
	}
	panic("no pupil")
}

func TestProtectedNames(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	i := personAt(s)
	s.Persons[i].Protected = true
	s.Persons[i].AliasGivenName, s.Persons[i].AliasFamilyName = "Alias", "Navn"
	real := s.Persons[i].GivenName
	for _, ignore := range []bool{false, true} {
		e, err := Build(s, Options{IgnoreProtection: ignore})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range e.Rows[StudentsFile] {
			if r[0] == s.Persons[i].ID {
				want := "Alias"
				if ignore {
					want = real
				}
				if r[2] != want {
					t.Errorf("ignore=%v: first_name %q, want %q", ignore, r[2], want)
				}
			}
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"Anna":       "Anna",
		"Anna Marie": `"Anna Marie"`,
		"a,b":        `"a,b"`,
		`Say "hi"`:   `"Say ""hi"""`,
		"Søren-Åge":  "Søren-Åge",
		"":           "",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzQuote: a quoted value reads back as the original with encoding/csv.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"a", "a b", `"`, "x,y", "æøå"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsAny(v, "\r\n") || strings.HasPrefix(strings.TrimLeft(v, " "), "#") {
			return
		}
		line := Quote(v) + "," + Quote(v) + "\n"
		r := csv.NewReader(strings.NewReader(line))
		r.LazyQuotes = false
		rec, err := r.Read()
		if err != nil {
			if v == "" || strings.Contains(v, `"`) && !strings.ContainsAny(v, " ,\"") {
				return
			}
			t.Fatalf("%q: %v", line, err)
		}
		if rec[0] != v {
			t.Fatalf("read %q, want %q", rec[0], v)
		}
	})
}

func BenchmarkZip60k(b *testing.B) {
	s := synth.Generate(synth.Medium)
	at := synth.ReferenceTime(s.SchoolYear)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		data, err := Zip(s, Options{At: at}, fixedTime)
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.ReportMetric(float64(n), "zip-bytes")
}

// FuzzParseHostKey: any line gives a key or ErrConfig, never a panic.
func FuzzParseHostKey(f *testing.F) {
	f.Add("[127.0.0.1]:12222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6I7Uj3CqZ3Vh1yRrYfJq7mDkcIRjvoS3+sL7k2ny0B")
	f.Add("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6I7Uj3CqZ3Vh1yRrYfJq7mDkcIRjvoS3+sL7k2ny0B comment")
	f.Add("")
	f.Fuzz(func(t *testing.T, line string) {
		k, err := ParseHostKey([]byte(line))
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Fatalf("error %v is not ErrConfig", err)
		}
		if err == nil && k == nil {
			t.Fatal("no key and no error")
		}
	})
}

// TestOptionalColumns: a class with more than three instructors fills
// instructor_id_4 …, one with more than Apple's 15 is cut to 15 with a
// warning naming the teachers left out, and a pupil at two schools gets
// location_id_2.
func TestOptionalColumns(t *testing.T) {
	s := synth.Generate(synth.Config{Seed: 5, Persons: 400, Schools: 2, Daycares: -1, FUs: -1})
	at := synth.ReferenceTime(s.SchoolYear)
	s, class, ids := exporttest.ExtraTeachers(s, 17, "t")
	// A pupil also at the other school.
	var pupil orgmodel.Affiliation
	var other string
	for _, in := range s.Institutions {
		if in.Type == orgmodel.School && in.Number != class.Institution {
			other = in.Number
		}
	}
	for _, a := range s.Affiliations {
		if a.Kind() == orgmodel.Student && s.AffiliationInstitution(a) == class.Institution {
			pupil = a
			break
		}
	}
	second := pupil
	second.Institution, second.UnitID, second.MainGroupID, second.GroupIDs = other, "", "", nil
	s.Affiliations = append(s.Affiliations, second)
	s = fresh(s)

	e, err := Build(s, Options{At: at})
	if err != nil {
		t.Fatal(err)
	}
	hdr := e.Header(ClassesFile)
	if got := hdr[len(hdr)-1]; got != "instructor_id_15" {
		t.Errorf("classes.csv header ends in %q, want instructor_id_15", got)
	}
	var row []string
	for _, r := range e.Rows[ClassesFile] {
		if r[0] == "class-"+class.Institution+"-"+class.ID {
			row = r
		}
	}
	if len(row) != len(hdr) {
		t.Fatalf("class row %v has %d fields, header %d", row, len(row), len(hdr))
	}
	n := 0
	for i, h := range hdr {
		if strings.HasPrefix(h, "instructor_id") && row[i] != "" {
			n++
		}
	}
	if n != MaxInstructors {
		t.Errorf("class has %d instructors written, want %d", n, MaxInstructors)
	}
	if len(e.Warnings) != 1 || !strings.Contains(e.Warnings[0], "group "+class.Key()) || !strings.HasSuffix(e.Warnings[0], ids[15]+", "+ids[16]) {
		t.Errorf("warnings = %q, want one naming group %s and who was left out", e.Warnings, class.Key())
	}
	if got := e.Header(StudentsFile); got[len(got)-1] != "location_id_2" {
		t.Errorf("students.csv header = %v, want location_id_2 last", got)
	}
	found := false
	for _, r := range e.Rows[StudentsFile] {
		if r[0] == pupil.PersonID {
			found = r[9] == class.Institution && r[10] == other
		}
	}
	if !found {
		t.Errorf("pupil %s: not at %s and %s", pupil.PersonID, class.Institution, other)
	}
	// Every row of every file has the header's width, and the zip carries
	// the optional columns.
	for name, rows := range e.Rows {
		for _, r := range rows {
			if len(r) != len(e.Header(name)) {
				t.Fatalf("%s row %v: %d fields, header %d", name, r, len(r), len(e.Header(name)))
			}
		}
	}
	var b bytes.Buffer
	if err := e.WriteFile(&b, ClassesFile); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(b.String(), "\n"); !strings.HasSuffix(first, ",location_id,instructor_id_4,instructor_id_5,instructor_id_6,instructor_id_7,instructor_id_8,instructor_id_9,instructor_id_10,instructor_id_11,instructor_id_12,instructor_id_13,instructor_id_14,instructor_id_15") {
		t.Errorf("classes.csv header line = %q", first)
	}
}

// fresh returns a copy of the snapshot without its lookup indexes (built
// before the test changed it).
func fresh(s *orgmodel.Snapshot) *orgmodel.Snapshot {
	c := orgmodel.Snapshot{SchoolYear: s.SchoolYear, Institutions: s.Institutions, Units: s.Units, Persons: s.Persons,
		Affiliations: s.Affiliations, Groups: s.Groups, Contacts: s.Contacts, Managers: s.Managers}
	return &c
}

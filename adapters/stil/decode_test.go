package stil

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func decodeFiles(t testing.TB, opt Options, names ...string) *Result {
	t.Helper()
	var all []*Export
	for _, n := range names {
		f, err := os.Open(filepath.Join("testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Decode(f, opt)
		f.Close()
		if err != nil {
			t.Fatalf("Decode(%s): %v", n, err)
		}
		all = append(all, res.Exports...)
	}
	return &Result{Exports: all}
}

func TestDecodeMunicipality(t *testing.T) {
	res := decodeFiles(t, Options{}, "skovbakke-2024.xml", "troldehoejen-2024.xml")
	if p := res.Problems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	snap, mergeProblems := res.Snapshot()
	if len(mergeProblems) != 0 {
		t.Fatalf("merge problems: %v", mergeProblems)
	}
	if err := snap.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	got, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "municipality-2024.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if diff := cmp.Diff(string(bytes.TrimSpace(want)), string(got)); diff != "" {
		t.Errorf("snapshot mismatch (-want +got):\n%s", diff)
	}

	now := time.Date(2024, 10, 1, 12, 0, 0, 0, time.UTC)
	t.Run("name protection", func(t *testing.T) {
		p, ok := snap.Person("frej0100")
		if !ok {
			t.Fatal("frej0100 missing")
		}
		g, f := p.Names()
		if !p.Protected || g != "Elev" || f != "Beskyttet" {
			t.Errorf("Names() = %q %q (protected %v), want alias names", g, f, p.Protected)
		}
	})
	t.Run("person at two institutions", func(t *testing.T) {
		p, _ := snap.Person("maja0002")
		if p.GivenName != "Maja" {
			t.Errorf("GivenName = %q, want the school's %q over the daycare's", p.GivenName, "Maja")
		}
		if p.Email != "maja@troldehoejen.example" {
			t.Errorf("Email = %q, want the daycare's (the school has none)", p.Email)
		}
		affs := snap.AffiliationsOf("maja0002", now)
		var insts []string
		for _, a := range affs {
			insts = append(insts, a.Institution)
		}
		if diff := cmp.Diff([]string{"280101", "280201"}, insts); diff != "" {
			t.Errorf("institutions (-want +got):\n%s", diff)
		}
	})
	t.Run("several roles", func(t *testing.T) {
		affs := snap.AffiliationsOf("soer0001", now)
		if len(affs) != 1 {
			t.Fatalf("got %d affiliations", len(affs))
		}
		want := []orgmodel.Role{orgmodel.Laerer, orgmodel.Leder}
		if diff := cmp.Diff(want, affs[0].Roles); diff != "" {
			t.Errorf("roles (-want +got):\n%s", diff)
		}
		if affs[0].Title != "Skoleleder" {
			t.Errorf("Title = %q", affs[0].Title)
		}
	})
	t.Run("cpr keeps leading zero", func(t *testing.T) {
		p, _ := snap.Person("soer0001")
		if p.CPR != "0302781234" {
			t.Errorf("CPR = %q", p.CPR)
		}
	})
	t.Run("local id fallback", func(t *testing.T) {
		if _, ok := snap.Person("280101:L-0102"); !ok {
			t.Error("person without UserId not keyed by institution:LocalPersonId")
		}
	})
	t.Run("class school year and start year", func(t *testing.T) {
		g, ok := snap.Group("280101", "1002")
		if !ok {
			t.Fatal("group 1002 missing")
		}
		if g.SchoolYear != "2024-2025" || g.StartYear != 2023 || g.Level != "1" || g.Line != "A" {
			t.Errorf("group = %+v", g)
		}
		if want := time.Date(2025, 6, 28, 0, 0, 0, 0, time.UTC); !g.Valid.To.Equal(want) {
			t.Errorf("Valid.To = %v, want the day after ToDate %v", g.Valid.To, want)
		}
	})
	t.Run("institution types", func(t *testing.T) {
		for num, want := range map[string]orgmodel.InstitutionType{"280101": orgmodel.School, "280201": orgmodel.Daycare} {
			in, _ := snap.Institution(num)
			if in.Type != want {
				t.Errorf("institution %s type = %s, want %s", num, in.Type, want)
			}
		}
	})
	t.Run("contact persons", func(t *testing.T) {
		var got []string
		for _, e := range res.Exports {
			for _, c := range e.ContactPersons {
				got = append(got, c.StudentID+" "+string(c.Relation)+" "+c.Person.GivenName+" "+c.Person.CPR+" "+c.Person.ID)
			}
		}
		want := []string{"akse0101 Mor Hanne 0912851111 hann9001", "akse0101 Far Jens 1008832223 "}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("contacts (-want +got):\n%s", diff)
		}
	})
}

func TestDecodeSchoolYearChange(t *testing.T) {
	old := decodeFiles(t, Options{}, "skovbakke-2024.xml").Exports[0]
	nu := decodeFiles(t, Options{}, "skovbakke-2025.xml").Exports[0]
	if old.SchoolYear != "2024-2025" || nu.SchoolYear != "2025-2026" {
		t.Fatalf("school years %q -> %q", old.SchoolYear, nu.SchoolYear)
	}
	if diff := cmp.Diff([]string{"2024-2025", "2025-2026"}, nu.SchoolYears); diff != "" {
		t.Errorf("SchoolYears (-want +got):\n%s", diff)
	}
}

func TestDecodeRecordErrors(t *testing.T) {
	res := decodeFiles(t, Options{MaxBadShare: 1}, "bad-records.xml")
	e := res.Exports[0]
	type row struct {
		Path     string
		PersonID string
		GroupID  string
		Skipped  bool
		Sentinel string
	}
	sentinel := func(err error) string {
		for name, s := range map[string]error{"missing": ErrMissing, "invalid": ErrInvalid, "unknown": ErrUnknown, "dangling": ErrDangling, "conflict": ErrConflict} {
			if errors.Is(err, s) {
				return name
			}
		}
		return "other"
	}
	var got []row
	for _, p := range e.Problems {
		if p.Institution != "280999" || p.Line == 0 {
			t.Errorf("problem lacks institution or line: %+v", p)
		}
		got = append(got, row{p.Path, p.PersonID, p.GroupID, p.Skipped, sentinel(p)})
	}
	base := "UNILoginExportFullMyndighed[1]/Institution/"
	want := []row{
		// Unknown group type and role: kept as "other", with a warning.
		{base + "Group[2]/GroupType", "", "B", false, "unknown"},
		{base + "Group[3]/GroupId", "", "A", true, "conflict"},
		{base + "InstitutionPerson[2]/Person/CivilRegistrationNumber", "badc0002", "", true, "invalid"},
		{base + "InstitutionPerson[3]/Employee/Role[1]", "badr0003", "", false, "unknown"},
		{base + "InstitutionPerson[5]/LocalPersonId", "", "", true, "missing"},
		{base + "InstitutionPerson[4]/Student/MainGroupId", "badm0004", "", true, "dangling"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if e.Err != nil {
		t.Errorf("lenient mode: Err = %v, want nil", e.Err)
	}
	snap, _ := res.Snapshot()
	if len(snap.Persons) != 2 || snap.Persons[0].ID != "good0001" || snap.Persons[1].ID != "badr0003" {
		t.Errorf("persons = %+v, want good0001 and badr0003", snap.Persons)
	}
	if a := snap.Affiliations[1]; a.Roles[0] != orgmodel.OtherEmployeeRole || !slices.Equal(a.RawRoles, []string{"Pedel"}) || a.Kind() != orgmodel.Employee {
		t.Errorf("unknown role kept as %v raw %v", a.Roles, a.RawRoles)
	}
	if g := snap.Groups[1]; g.Type != orgmodel.Andet || g.RawType != "Klub" {
		t.Errorf("unknown group type kept as %q raw %q", g.Type, g.RawType)
	}
	if err := snap.Validate(); err != nil {
		t.Errorf("the good rest must validate: %v", err)
	}
	// Error text names path, line, institution and person, never the CPR.
	msg := e.Problems[2].Error()
	for _, want := range []string{"institution 280999", "person badc0002", "InstitutionPerson[2]/Person/CivilRegistrationNumber", "line "} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "3202991234") {
		t.Errorf("error %q repeats the CPR", msg)
	}
}

func TestDecodeStrict(t *testing.T) {
	res := decodeFiles(t, Options{Strict: true}, "bad-records.xml", "skovbakke-2024.xml")
	if err := res.Exports[0].Err; !errors.Is(err, ErrStrict) {
		t.Fatalf("bad institution Err = %v, want ErrStrict", err)
	}
	if res.Exports[1].Err != nil {
		t.Fatalf("good institution Err = %v", res.Exports[1].Err)
	}
	snap, _ := res.Snapshot()
	if len(snap.Institutions) != 1 || snap.Institutions[0].Number != "280101" {
		t.Errorf("institutions = %+v, want only 280101", snap.Institutions)
	}
	if f := res.Failed(); len(f) != 1 || f[0].Institution.Number != "280999" {
		t.Errorf("Failed() = %v", f)
	}
}

func TestDecodeDocumentErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"not xml", "hello", ErrNoExport},
		{"truncated", `<UNILoginExportFullMyndighed><Institution><InstitutionNumber>1</InstitutionNumber>`, nil},
		{"no export", `<Envelope><Body/></Envelope>`, ErrNoExport},
		{"soap fault", `<Envelope><Body><Fault><faultcode>soap:Client</faultcode><faultstring>Certifikat ukendt</faultstring></Fault></Body></Envelope>`, ErrFault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.in), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "stil: decode") {
				t.Errorf("err %q does not start with the operation", err)
			}
		})
	}
}

func TestDecodeInstitutionTypeOption(t *testing.T) {
	res := decodeFiles(t, Options{InstitutionTypes: map[string]orgmodel.InstitutionType{"280201": orgmodel.Municipality}}, "troldehoejen-2024.xml")
	if got := res.Exports[0].Institution.Type; got != orgmodel.Municipality {
		t.Errorf("type = %s, want the configured MUNICIPALITY", got)
	}
}

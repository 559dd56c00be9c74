package localimport

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
)

func TestReadFormatsAgree(t *testing.T) {
	read := func(name string, f func(r *os.File) ([]Record, error)) []Record {
		fh, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		recs, err := f(fh)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range recs {
			recs[i].Where = ""
		}
		return recs
	}
	j := read("hr.json", func(r *os.File) ([]Record, error) { return ReadJSON(r) })
	c := read("hr.csv", func(r *os.File) ([]Record, error) { return ReadCSV(r) })
	if diff := cmp.Diff(j, c); diff != "" {
		t.Errorf("json vs csv (-json +csv):\n%s", diff)
	}
	if j[0].CPR != "0302781234" {
		t.Errorf("CPR not normalised to ten digits: %q", j[0].CPR)
	}
}

func TestReadProblems(t *testing.T) {
	tests := []struct {
		name   string
		csv    string
		want   []string // "where id field"
		fatal  bool
		nValid int
	}{
		{name: "comma separator", csv: "id,kind,givenName,roles,institution\nx,employee,A,Lærer,1\n", nValid: 1},
		{name: "every problem at once", csv: "id;kind;givenName;familyName;cpr;roles;institution;from;to\n" +
			";employee;A;;;Lærer;1;;\n" +
			"b;boss;B;;;Lærer;1;;\n" +
			"c;employee;;;;Lærer;1;;\n" +
			"d;employee;D;;3213991234;Lærer;1;;\n" +
			"e;external;E;;;Lærer;;;\n" +
			"f;employee;F;;;Lærer;1;2025-02-30;\n" +
			"g;employee;G;;;Lærer;1;2025-02-01;2025-01-01\n" +
			"h;employee;H;;;Lærer;1\n" +
			"ok;employee;OK;;;Pædagog|Leder;1;;\n",
			want: []string{"line 9 h ", "line 2  id", "line 3 b kind", "line 4 c givenName", "line 5 d cpr",
				"line 6 e institution", "line 6 e roles[0]", "line 7 f from", "line 8 g to"}, nValid: 1},
		{name: "unknown column", csv: "id;kind;roles;shoeSize\n", fatal: true},
		{name: "missing column", csv: "id;givenName\n", fatal: true},
		{name: "bad quoting", csv: "id;kind;roles\n\"x;employee;Lærer\n", fatal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := ReadCSV(strings.NewReader(tt.csv))
			if tt.fatal {
				if err == nil || recs != nil {
					t.Fatalf("want a fatal error, got %v, %v", recs, err)
				}
				return
			}
			if len(recs) != tt.nValid {
				t.Errorf("%d valid records, want %d", len(recs), tt.nValid)
			}
			var got []string
			var pe *ParseError
			if errors.As(err, &pe) {
				for _, p := range pe.Problems {
					got = append(got, p.Where+" "+p.ID+" "+p.Field)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if err != nil && (!errors.Is(err, ErrRecord) || strings.Contains(err.Error(), "3213991234")) {
				t.Errorf("error %v: not ErrRecord or repeats a CPR", err)
			}
		})
	}
}

func TestReadJSONProblems(t *testing.T) {
	_, err := ReadJSON(strings.NewReader(`{"people":[{"id":"a","kind":"employee","givenName":"A","institution":"1","roles":["Elev"]}]}`))
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].Where != "people[0]" || pe.Problems[0].Field != "roles[0]" {
		t.Fatalf("err = %v", err)
	}
	if _, err := ReadJSON(strings.NewReader(`{"people":[{"id":"a","shoe":1}]}`)); err == nil {
		t.Error("unknown field accepted")
	}
}

// stilSnap: school 280101 with STIL teacher soer0001 (same CPR as hr-1),
// STIL teacher only0002 (not in HR), STIL trainee prak0003 and pupil elev0004.
func stilSnap() *orgmodel.Snapshot {
	return &orgmodel.Snapshot{
		SchoolYear:   "2024-2025",
		Institutions: []orgmodel.Institution{{Number: "280101", Name: "Skovbakke Skole", Type: orgmodel.School}},
		Groups:       []orgmodel.Group{{ID: "c1", Institution: "280101", Name: "1.A", Type: orgmodel.Hovedgruppe, Level: "1"}},
		Persons: []orgmodel.Person{
			{ID: "soer0001", CPR: "0302781234", GivenName: "Søren Ærø", FamilyName: "Østergaard-Åberg", UNIID: "soer0001", Email: "soeren@skovbakke.example"},
			{ID: "only0002", GivenName: "Kun", FamilyName: "Stil", UNIID: "only0002"},
			{ID: "prak0003", GivenName: "Pia", FamilyName: "Praktik", UNIID: "prak0003"},
			{ID: "elev0004", GivenName: "Eva", FamilyName: "Elev", UNIID: "elev0004"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "soer0001", Institution: "280101", Roles: []orgmodel.Role{orgmodel.Laerer, orgmodel.Leder}},
			{PersonID: "only0002", Institution: "280101", Roles: []orgmodel.Role{orgmodel.Laerer}},
			{PersonID: "prak0003", Institution: "280101", Roles: []orgmodel.Role{orgmodel.Praktikant}},
			{PersonID: "elev0004", Institution: "280101", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "1", MainGroupID: "c1"},
		},
	}
}

func hrRecords(t *testing.T) []Record {
	b, err := os.ReadFile(filepath.Join("testdata", "hr.json"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func ids(s orgmodel.Snapshot) []string {
	var out []string
	for _, p := range s.Persons {
		out = append(out, p.ID)
	}
	slices.Sort(out)
	return out
}

func TestMergeRules(t *testing.T) {
	tests := []struct {
		name  string
		rules MergeRules
		want  []string
	}{
		{name: "both create", rules: MergeRules{}, want: []string{"elev0004", "hr-2", "hr-3", "only0002", "prak0003", "soer0001"}},
		{name: "stil governs", rules: MergeRules{Employees: GovernsSTIL, Externals: GovernsSTIL}, want: []string{"elev0004", "only0002", "prak0003", "soer0001"}},
		{name: "local governs employees", rules: MergeRules{Employees: GovernsLocal}, want: []string{"elev0004", "hr-2", "hr-3", "prak0003", "soer0001"}},
		{name: "local governs everyone", rules: MergeRules{Employees: GovernsLocal, Externals: GovernsLocal}, want: []string{"elev0004", "hr-2", "hr-3", "soer0001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, rep := Merge(stilSnap(), hrRecords(t), nil, tt.rules)
			if diff := cmp.Diff(tt.want, ids(out)); diff != "" {
				t.Errorf("persons (-want +got):\n%s", diff)
			}
			if err := out.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !slices.Contains(rep.Matched, "soer0001") {
				t.Errorf("report %v: hr-1 not matched to soer0001 by CPR", rep)
			}
		})
	}
}

func TestMergeEnrich(t *testing.T) {
	tests := []struct {
		name   string
		enrich []string
		want   orgmodel.Person
	}{
		{name: "default: uniId and email from STIL", enrich: nil, want: orgmodel.Person{ID: "soer0001", CPR: "0302781234",
			GivenName: "Søren", FamilyName: "Østergaard", Username: "sooe", UNIID: "soer0001", Email: "soeren@skovbakke.example"}},
		{name: "nothing from STIL but gaps", enrich: []string{}, want: orgmodel.Person{ID: "soer0001", CPR: "0302781234",
			GivenName: "Søren", FamilyName: "Østergaard", Username: "sooe", UNIID: "soer0001", Email: "soeren.hr@kommune.example"}},
		{name: "names from STIL", enrich: []string{FieldGivenName}, want: orgmodel.Person{ID: "soer0001", CPR: "0302781234",
			GivenName: "Søren Ærø", FamilyName: "Østergaard-Åberg", Username: "sooe", UNIID: "soer0001", Email: "soeren.hr@kommune.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := Merge(stilSnap(), hrRecords(t), nil, MergeRules{Enrich: tt.enrich})
			got, _ := out.Person("soer0001")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeKeepAlive(t *testing.T) {
	prev, _ := Merge(stilSnap(), hrRecords(t), nil, MergeRules{})
	// Next day kiko (hr-2) is gone from HR, and the school left STIL's export.
	stil := stilSnap()
	stil.Institutions, stil.Groups, stil.Persons, stil.Affiliations = nil, nil, nil, nil
	out, rep := Merge(stil, nil, &prev, MergeRules{KeepAlive: []string{"kiko", "nobody"}})
	if diff := cmp.Diff([]string{"hr-2"}, ids(out)); diff != "" {
		t.Errorf("persons (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"hr-2"}, rep.KeptAlive); diff != "" {
		t.Errorf("kept alive (-want +got):\n%s", diff)
	}
	if err := out.Validate(); err != nil {
		t.Errorf("kept-alive snapshot invalid (institution not carried?): %v", err)
	}
}

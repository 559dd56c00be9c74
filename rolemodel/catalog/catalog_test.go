package catalog_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
	"github.com/orgsync/orgsync/rolemodel/catalog"
)

// TestExampleFile keeps the documented example readable and sound.
func TestExampleFile(t *testing.T) {
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	m, err := rolemodel.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	s := &orgmodel.Snapshot{Units: []orgmodel.Unit{{ID: "u-byskolen"}}, Persons: []orgmodel.Person{{ID: "p-hanne"}, {ID: "p-leder"}}}
	if err := m.Validate(s); err != nil {
		t.Fatal(err)
	}
	if got := c.Assignments[0].Attestation; got == nil || got.Issuer != "p-leder" || !got.At.Equal(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("attestation = %+v", got)
	}
	if got := c.Roles[2].Valid.From; !got.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("bogholder valid from %v", got)
	}
	// Marshal and Parse again: the same catalogue.
	out, err := catalog.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := catalog.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, c2); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         "",
		"no version":    "roles: []",
		"unknown field": "version: 1\nroles:\n  - id: x\n    inherit: [y]\n",
		"bad date":      "version: 1\nroles:\n  - id: x\n    valid: {from: tomorrow}\n",
	} {
		if _, err := catalog.Parse([]byte(in)); !errors.Is(err, catalog.ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
}

func TestReadCSV(t *testing.T) {
	f, err := os.Open("testdata/example.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := catalog.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	want := rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "aula", Name: "Aula"}},
		Rights:  []rolemodel.Right{{ID: "aula-post", System: "aula", Classification: "Skole"}, {ID: "aula-admin", System: "aula", Classification: "Skole"}},
		Rules: []rolemodel.Rule{
			{ID: "sod-1", Kind: rolemodel.SoD, Text: "Post and administer apart", Rights: []string{"aula-post", "aula-admin"}},
			{ID: "lim-1", Kind: rolemodel.Limit, Text: "At most 100 posts a day", Rights: []string{"aula-post"}, Max: 100},
		},
		Users: []rolemodel.User{{ID: "leder-2", PersonID: "p-leder", Valid: orgmodel.Period{From: jan}}},
		Roles: []rolemodel.Role{
			{ID: "personale", Name: "Personale", Classifications: []rolemodel.Classification{"Skole"}, Rights: []string{"aula-post"}, Group: "Personale"},
			{ID: "leder", Classifications: []rolemodel.Classification{"Skole", "Ledelse"}, Inherits: []string{"personale"}, Valid: orgmodel.Period{From: jan}},
		},
		Delegations: []rolemodel.Delegation{{User: "admin", Role: "personale"}, {User: "admin", Role: "leder"}},
		Assignments: []rolemodel.Assignment{{ID: "a-1", User: "p-leder", Roles: []string{"leder"}, AssignedBy: "admin",
			Valid: orgmodel.Period{From: jan, To: jan.AddDate(1, 0, 0)}, Restrictions: []rolemodel.Restriction{{Kind: rolemodel.RestrictUnit, Value: "u-byskolen"}}}},
		Derived: []rolemodel.Derived{{ID: "d-1", Roles: []string{"personale"}, AssignedBy: "admin", Unit: "u-byskolen", SubUnits: true}},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("catalogue (-want +got):\n%s", diff)
	}
	m, err := rolemodel.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	s := &orgmodel.Snapshot{Units: []orgmodel.Unit{{ID: "u-byskolen"}}, Persons: []orgmodel.Person{{ID: "p-leder"}}}
	if err := m.Validate(s); err != nil {
		t.Error(err)
	}
}

func TestReadCSVErrorsNameLineAndField(t *testing.T) {
	in := "kind,id,from,restrictions,sub_units\n" +
		"role,r1,2025-13-01,,\n" +
		"assignment,a1,,unit,\n" +
		"derived,d1,,,maybe\n" +
		"thing,x,,,\n"
	_, err := catalog.ReadCSV(strings.NewReader(in))
	for _, want := range []string{
		`line 2: field from: "2025-13-01" is not a date`,
		`line 3: field restrictions: "unit": want unit=ID`,
		`line 4: field sub_units: "maybe" is not true or false`,
		`line 5: field kind: "thing"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %q", err, want)
		}
	}
	if _, err := catalog.ReadCSV(strings.NewReader("kind,id,max\nrule,r,ten\n")); err == nil || !strings.Contains(err.Error(), `line 2: field max: "ten" is not a whole number`) {
		t.Errorf("bad number: err = %v", err)
	}
	if _, err := catalog.ReadCSV(strings.NewReader("kind,colour\n")); !errors.Is(err, catalog.ErrFormat) {
		t.Errorf("unknown column: err = %v", err)
	}
}

func TestParseDecisions(t *testing.T) {
	ds, err := catalog.ParseDecisions([]byte("- {assignment: a-1, user: p1, keep: false, by: head, at: 2025-01-03T00:00:00Z}\n"))
	if err != nil || len(ds) != 1 || ds[0].Keep || ds[0].By != "head" {
		t.Fatalf("decisions = %+v, %v", ds, err)
	}
	if _, err := catalog.ParseDecisions([]byte("- {assignment: a-1}\n")); !errors.Is(err, catalog.ErrFormat) {
		t.Errorf("incomplete decision: err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/example.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("version: 1\nroles: [{id: a, inherits: [a]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := catalog.Parse(data)
		if err != nil {
			if !errors.Is(err, catalog.ErrFormat) {
				t.Fatalf("error without ErrFormat: %v", err)
			}
			return
		}
		// Whatever parses compiles or reports problems; never panics.
		if m, err := rolemodel.Compile(c); err == nil {
			_ = m.Validate(nil)
			_ = m.Evaluate(nil, time.Time{}, nil).CheckSoD()
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	if data, err := os.ReadFile("testdata/example.csv"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("kind,id,restrictions\nassignment,a,unit=;x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := catalog.ReadCSV(strings.NewReader(string(data)))
		if err != nil && !errors.Is(err, catalog.ErrFormat) {
			t.Fatalf("error without ErrFormat: %v", err)
		}
		if m, err := rolemodel.Compile(c); err == nil {
			_ = m.Validate(nil)
		}
	})
}

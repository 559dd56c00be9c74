package history_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/history"
)

func TestMinimiseDue(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)
	at := []time.Time{t0, t0.AddDate(0, 1, 0), t0.AddDate(0, 2, 0)}
	for _, tc := range []struct {
		name   string
		at     []time.Time
		now    time.Time
		months int
		want   int
	}{
		{"none yet", at, t0.AddDate(0, 14, 0).Add(-time.Second), 0, 0},
		{"first replaced 13 months ago", at, t0.AddDate(0, 14, 0), 0, 1},
		{"second too", at, t0.AddDate(0, 15, 0), 0, 2},
		{"never the newest", at, t0.AddDate(10, 0, 0), 0, 2},
		{"short retention", at, t0.AddDate(0, 2, 0), 1, 1},
		{"one snapshot", at[:1], t0.AddDate(10, 0, 0), 0, 0},
		{"empty", nil, t0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := history.MinimiseDue(tc.at, tc.now, tc.months); got != tc.want {
				t.Errorf("MinimiseDue = %d, want %d", got, tc.want)
			}
		})
	}
}

func protectedSnap() *orgmodel.Snapshot {
	s := &orgmodel.Snapshot{
		SchoolYear:   "2025-2026",
		Institutions: []orgmodel.Institution{{Number: "101", Name: "Skolen", Type: orgmodel.School}},
		Persons: []orgmodel.Person{
			{ID: "plain", CPR: "0101101234", GivenName: "Anna", FamilyName: "Berg", Address: &orgmodel.Address{Street: "Vej 1"},
				Phones: []orgmodel.Phone{{Kind: orgmodel.MobilePhone, Number: "11111111"}, {Kind: orgmodel.HomePhone, Number: "22222222", Protected: true}}},
			{ID: "alias", CPR: "0202101234", GivenName: "Real", FamilyName: "Secret", Protected: true, AliasGivenName: "Ali", AliasFamilyName: "As"},
			{ID: "noalias", ReplacementID: "0303109999", GivenName: "Hidden", FamilyName: "Person", Protected: true},
			{ID: "bare", GivenName: "Bo", FamilyName: "Bare"},
		},
		Affiliations: []orgmodel.Affiliation{{PersonID: "plain", Institution: "101", Roles: []orgmodel.Role{orgmodel.Elev}}},
		Contacts: []orgmodel.Contact{{StudentID: "plain", Relation: orgmodel.Mother,
			Person: orgmodel.Person{CPR: "0404701234", GivenName: "Mor", FamilyName: "Berg", Address: &orgmodel.Address{Street: "Vej 1"}}}},
	}
	s.Index()
	return s
}

// TestMinimise: every protected field is gone and counted, everything
// else stays, the input is untouched, and a second pass finds nothing.
func TestMinimise(t *testing.T) {
	s := protectedSnap()
	before, _ := json.Marshal(s)
	out, n, changed := history.Minimise(s)
	if !changed {
		t.Fatal("changed = false")
	}
	if after, _ := json.Marshal(s); string(after) != string(before) {
		t.Errorf("Minimise changed its input:\n%s\n%s", before, after)
	}
	if d := cmp.Diff(history.Stripped{CPR: 4, Addresses: 2, Names: 2, Phones: 1}, n); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	b, _ := json.Marshal(out)
	for _, secret := range []string{"0101101234", "0202101234", "0303109999", "0404701234", "Vej 1", "22222222", "Real", "Secret", "Hidden"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("minimised snapshot still holds %q:\n%s", secret, b)
		}
	}
	want := protectedSnap()
	want.Persons[0].CPR, want.Persons[0].Address, want.Persons[0].Phones = "", nil, want.Persons[0].Phones[:1]
	want.Persons[1].CPR, want.Persons[1].GivenName, want.Persons[1].FamilyName = "", "Ali", "As"
	want.Persons[2].ReplacementID, want.Persons[2].GivenName, want.Persons[2].FamilyName = "", "", ""
	want.Contacts[0].Person.CPR, want.Contacts[0].Person.Address = "", nil
	if d := cmp.Diff(want, out, cmpopts.IgnoreUnexported(orgmodel.Snapshot{})); d != "" {
		t.Errorf("minimised (-want +got):\n%s", d)
	}
	if _, ok := out.Person("plain"); !ok {
		t.Error("the minimised snapshot is not indexed")
	}
	again, n2, changed := history.Minimise(out)
	if changed || again != out || n2.Total() != 0 {
		t.Errorf("second pass: changed %v, %+v", changed, n2)
	}
}

// FuzzMinimise: whatever the persons hold, the result holds no CPR,
// replacement id, address or protected phone, and a second pass changes
// nothing.
func FuzzMinimise(f *testing.F) {
	f.Add("0101101234", "", "Vej 1", true, "Ali", "", "123", true)
	f.Add("", "x", "", false, "", "", "", false)
	f.Fuzz(func(t *testing.T, cpr, repl, street string, protected bool, alias, aliasFam, phone string, phoneProt bool) {
		p := orgmodel.Person{ID: "p", CPR: cpr, ReplacementID: repl, GivenName: "G", FamilyName: "F", Protected: protected,
			AliasGivenName: alias, AliasFamilyName: aliasFam, Phones: []orgmodel.Phone{{Kind: orgmodel.HomePhone, Number: phone, Protected: phoneProt}}}
		if street != "" {
			p.Address = &orgmodel.Address{Street: street}
		}
		s := &orgmodel.Snapshot{Persons: []orgmodel.Person{p}, Contacts: []orgmodel.Contact{{StudentID: "p", Person: p}}}
		out, _, _ := history.Minimise(s)
		for _, q := range []orgmodel.Person{out.Persons[0], out.Contacts[0].Person} {
			if q.CPR != "" || q.ReplacementID != "" || q.Address != nil || (protected && (q.GivenName != alias || q.FamilyName != aliasFam)) {
				t.Fatalf("not minimised: %+v", q)
			}
			for _, ph := range q.Phones {
				if ph.Protected {
					t.Fatalf("protected phone kept: %+v", q)
				}
			}
		}
		if _, n, changed := history.Minimise(out); changed {
			t.Fatalf("second pass changed %+v", n)
		}
	})
}

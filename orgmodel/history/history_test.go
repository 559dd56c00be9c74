package history

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/orgmodel"
)

// muni builds a small snapshot: institution 1 (school) with class c1 and
// the given pupils, institution 2 with teacher t1.
func muni(year string, pupils ...string) *orgmodel.Snapshot {
	s := &orgmodel.Snapshot{
		SchoolYear: year,
		Institutions: []orgmodel.Institution{
			{Number: "1", Name: "Skole", Type: orgmodel.School},
			{Number: "2", Name: "Anden Skole", Type: orgmodel.School},
		},
		Groups: []orgmodel.Group{
			{ID: "c1", Institution: "1", Name: "1.A", Type: orgmodel.Hovedgruppe, Level: "1", Line: "A", SchoolYear: year},
		},
		Persons:      []orgmodel.Person{{ID: "t1", GivenName: "Tove", FamilyName: "Lærer"}},
		Affiliations: []orgmodel.Affiliation{{PersonID: "t1", Institution: "2", Roles: []orgmodel.Role{orgmodel.Laerer}}},
	}
	for _, p := range pupils {
		s.Persons = append(s.Persons, orgmodel.Person{ID: p, GivenName: "Elev", FamilyName: p})
		s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: p, Institution: "1", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "1", MainGroupID: "c1"})
	}
	return s
}

func TestChanges(t *testing.T) {
	base := muni("2024-2025", "p1", "p2")
	tests := []struct {
		name   string
		prev   *orgmodel.Snapshot
		change func(s *orgmodel.Snapshot)
		want   []string
	}{
		{name: "nothing changed", prev: base, change: func(*orgmodel.Snapshot) {}, want: nil},
		{name: "first snapshot", prev: nil, change: func(*orgmodel.Snapshot) {}, want: []string{
			"1 create institution 1", "1 create group c1", "1 create person p1", "1 create person p2",
			"2 create institution 2", "2 create person t1"}},
		{name: "name change", prev: base, change: func(s *orgmodel.Snapshot) { s.Persons[1].GivenName = "Anna" }, want: []string{"1 update person p1 [givenName]"}},
		{name: "cpr change is redacted", prev: base, change: func(s *orgmodel.Snapshot) { s.Persons[1].CPR = "0101011234" }, want: []string{"1 update person p1 [cpr]"}},
		{name: "role added", prev: base, change: func(s *orgmodel.Snapshot) {
			s.Affiliations[0].Roles = append(s.Affiliations[0].Roles, orgmodel.Leder)
		}, want: []string{"2 update person t1 [roles]"}},
		{name: "pupil leaves, one joins", prev: base, change: func(s *orgmodel.Snapshot) {
			s.Affiliations[2].PersonID = "p3"
			s.Persons[2].ID = "p3"
		}, want: []string{"1 remove person p2", "1 create person p3"}},
		{name: "person moves institution", prev: base, change: func(s *orgmodel.Snapshot) { s.Affiliations[0].Institution = "1" }, want: []string{"1 create person t1", "2 remove person t1"}},
		{name: "class renamed", prev: base, change: func(s *orgmodel.Snapshot) { s.Groups[0].Name = "1.X"; s.Groups[0].Line = "X" }, want: []string{"1 update group c1 [name,line]"}},
		{name: "institution removed", prev: base, change: func(s *orgmodel.Snapshot) {
			s.Institutions = s.Institutions[:1]
			s.Affiliations = s.Affiliations[1:]
			s.Persons = s.Persons[1:]
		}, want: []string{"2 remove institution 2", "2 remove person t1"}},
		{name: "reordered slices change nothing", prev: base, change: func(s *orgmodel.Snapshot) {
			s.Persons[1], s.Persons[2] = s.Persons[2], s.Persons[1]
			s.Affiliations[1], s.Affiliations[2] = s.Affiliations[2], s.Affiliations[1]
		}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := clone(base)
			tt.change(&next)
			var got []string
			for _, e := range Changes(tt.prev, &next) {
				got = append(got, e.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChangesFieldValues(t *testing.T) {
	prev := muni("2024-2025", "p1")
	next := clone(prev)
	next.Persons[1].FamilyName = "Ny"
	next.Persons[1].CPR = "0101011234"
	ev := Changes(prev, &next)
	want := []Event{{Institution: "1", Kind: KindPerson, ID: "p1", Action: Update, Fields: []FieldChange{
		{Field: "familyName", Before: "p1", After: "Ny"},
		{Field: "cpr", Redacted: true},
	}}}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func pupils(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("p%02d", i))
	}
	return out
}

func TestGuard(t *testing.T) {
	now := time.Date(2025, 1, 6, 5, 0, 0, 0, time.UTC)
	prev := muni("2024-2025", pupils(10)...)
	tests := []struct {
		name      string
		guard     Guard
		next      *orgmodel.Snapshot
		approvals []Approval
		wantHeld  []string // institutions
		wantUsed  int
	}{
		{name: "small drop passes", next: muni("2024-2025", pupils(6)...)},
		{name: "drop to exactly half is held", next: muni("2024-2025", pupils(5)...), wantHeld: []string{"1"}},
		{name: "drop below half is held", next: muni("2024-2025", pupils(2)...), wantHeld: []string{"1"}},
		{name: "custom share", guard: Guard{MinShare: 0.7}, next: muni("2024-2025", pupils(7)...), wantHeld: []string{"1"}},
		{name: "guard off", guard: Guard{MinShare: -1}, next: muni("2024-2025", pupils(1)...)},
		{name: "too small to guard", guard: Guard{MinPrevious: 20}, next: muni("2024-2025", pupils(1)...)},
		{name: "vanished institution is held", next: func() *orgmodel.Snapshot {
			s := muni("2024-2025", pupils(10)...)
			s.Institutions = s.Institutions[:1]
			s.Affiliations, s.Persons = s.Affiliations[1:], s.Persons[1:]
			return s
		}(), wantHeld: []string{"2"}},
		{name: "approved drop passes once", next: muni("2024-2025", pupils(3)...),
			approvals: []Approval{{ProposalID: "x", Institution: "1", MinCount: 3}}, wantUsed: 1},
		{name: "approval does not cover a bigger drop", next: muni("2024-2025", pupils(2)...),
			approvals: []Approval{{ProposalID: "x", Institution: "1", MinCount: 3}}, wantHeld: []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.guard.Check(prev, tt.next, tt.approvals, now)
			var held []string
			for _, p := range res.Held {
				held = append(held, p.Institution)
			}
			if diff := cmp.Diff(tt.wantHeld, held); diff != "" {
				t.Errorf("held (-want +got):\n%s", diff)
			}
			if len(res.Used) != tt.wantUsed {
				t.Errorf("used %d approvals, want %d", len(res.Used), tt.wantUsed)
			}
			if err := res.Snapshot.Validate(); err != nil {
				t.Errorf("merged snapshot invalid: %v", err)
			}
			// A held institution keeps its previous data: no events for it.
			for _, e := range Changes(prev, &res.Snapshot) {
				for _, h := range held {
					if e.Institution == h {
						t.Errorf("event %v for held institution %s", e, h)
					}
				}
			}
		})
	}
}

func TestGuardProposalContents(t *testing.T) {
	prev := muni("2024-2025", "a", "b", "c", "d")
	next := muni("2024-2025", "a", "x")
	res := Guard{}.Check(prev, next, nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if len(res.Held) != 1 {
		t.Fatalf("held = %v", res.Held)
	}
	p := res.Held[0]
	if diff := cmp.Diff([]string{"x"}, p.Create); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b", "c", "d"}, p.Remove); diff != "" {
		t.Errorf("remove (-want +got):\n%s", diff)
	}
	if p.PreviousCount != 4 || p.NewCount != 2 || p.ID == "" {
		t.Errorf("proposal = %+v", p)
	}
	// x exists only through the held institution: it must not leak in.
	if _, ok := res.Snapshot.Person("x"); ok {
		t.Error("person x of the held institution is in the merged snapshot")
	}
	if _, ok := res.Snapshot.Person("d"); !ok {
		t.Error("person d of the held institution's previous data is missing")
	}
}

func TestDetectYearChange(t *testing.T) {
	a := muni("2024-2025", "p1")
	b := muni("2025-2026", "p1")
	yc, ok := DetectYearChange(a, b)
	want := YearChange{From: "2024-2025", To: "2025-2026", Institutions: []string{"1"}}
	if !ok {
		t.Fatal("no year change detected")
	}
	if diff := cmp.Diff(want, yc); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, ok := DetectYearChange(b, a); ok {
		t.Error("a move backwards counted as a year change")
	}
	if _, ok := DetectYearChange(a, a); ok {
		t.Error("same year counted as a change")
	}
	if _, ok := DetectYearChange(nil, a); ok {
		t.Error("first snapshot counted as a change")
	}
}

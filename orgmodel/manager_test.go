package orgmodel

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestManagers(t *testing.T) {
	d := func(m int) time.Time { return time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }
	s := Snapshot{
		Institutions: []Institution{{Number: "K1", Name: "Kommune", Type: Municipality}},
		Units:        []Unit{{ID: "u1", Name: "Forvaltning", Hierarchy: LineOrganisation, Institution: "K1"}},
		Persons:      []Person{{ID: "p1", GivenName: "A", FamilyName: "B"}, {ID: "p2", GivenName: "C", FamilyName: "D"}},
		Managers: []Manager{
			{ID: "m1", UnitID: "u1", PersonID: "p1", Level: "Niveau 1", Valid: Period{To: d(3)}},
			{ID: "m1", UnitID: "u1", PersonID: "p2", Level: "Niveau 1", Valid: Period{From: d(3)}},
		},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Time
		want string
	}{{d(2), "p1"}, {d(3), "p2"}, {d(9), "p2"}} {
		got := s.ManagersOf("u1", tc.at)
		if len(got) != 1 || got[0].PersonID != tc.want {
			t.Errorf("ManagersOf(u1, %v) = %+v, want %s", tc.at, got, tc.want)
		}
	}
	s.Managers = append(s.Managers, Manager{ID: "bad", UnitID: "nope", PersonID: "ghost", Valid: Period{From: d(5), To: d(4)}})
	err := s.Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate = %v, want ErrInvalid", err)
	}
	for _, want := range []string{`manager bad unitId`, `manager bad personId`, `manager bad valid`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

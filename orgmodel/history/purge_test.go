package history_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/history"
)

func TestGone(t *testing.T) {
	snap := func(ids ...string) *orgmodel.Snapshot {
		s := &orgmodel.Snapshot{}
		for _, id := range ids {
			s.Persons = append(s.Persons, orgmodel.Person{ID: id})
		}
		return s
	}
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	hist := []history.Dated{
		{At: t0, Snapshot: snap("a", "b", "c")},
		{At: t0.AddDate(0, 1, 0), Snapshot: snap("a", "c")}, // b gone since here
		{At: t0.AddDate(0, 2, 0), Snapshot: snap("a")},      // c gone since here
	}
	for _, tc := range []struct {
		name   string
		now    time.Time
		months int
		want   []string
	}{
		{"before", t0.AddDate(0, 14, -1), 0, nil},
		{"b's period up", t0.AddDate(0, 14, 0), 0, []string{"b"}},
		{"both", t0.AddDate(0, 15, 0), 0, []string{"b", "c"}},
		{"short retention", t0.AddDate(0, 2, 0), 1, []string{"b"}},
		{"empty", t0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hist
			if tc.name == "empty" {
				h = nil
			}
			if d := cmp.Diff(tc.want, history.Gone(h, tc.now, tc.months)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	// A person who came back is not gone.
	back := append(hist, history.Dated{At: t0.AddDate(0, 3, 0), Snapshot: snap("a", "b")})
	if got := history.Gone(back, t0.AddDate(0, 30, 0), 0); !cmp.Equal(got, []string{"c"}) {
		t.Errorf("with b back: %v, want [c]", got)
	}
}

func TestWithout(t *testing.T) {
	s := &orgmodel.Snapshot{
		Persons:      []orgmodel.Person{{ID: "a"}, {ID: "b"}},
		Affiliations: []orgmodel.Affiliation{{PersonID: "a"}, {PersonID: "b"}},
		Contacts:     []orgmodel.Contact{{StudentID: "a"}, {StudentID: "b"}, {StudentID: "x", Person: orgmodel.Person{ID: "b"}}},
		Managers:     []orgmodel.Manager{{UnitID: "u", PersonID: "b"}},
	}
	out, changed := history.Without(s, map[string]bool{"b": true})
	if !changed || len(out.Persons) != 1 || len(out.Affiliations) != 1 || len(out.Contacts) != 1 || len(out.Managers) != 0 {
		t.Errorf("Without: changed %v, %+v", changed, out)
	}
	if len(s.Persons) != 2 || len(s.Contacts) != 3 {
		t.Error("Without changed its input")
	}
	if _, changed := history.Without(s, map[string]bool{"z": true}); changed {
		t.Error("changed without any of the persons")
	}
}

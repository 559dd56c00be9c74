package history

import (
	"slices"

	"github.com/orgsync/orgsync/orgmodel"
)

// YearChange says that the school year moved on between two snapshots: the
// cue for the caller to run the year roll (package yearroll) for the listed
// institutions, or to lock them until an administrator releases them.
type YearChange struct {
	// From and To are the snapshots' school years, e.g. "2024-2025" and
	// "2025-2026".
	From string `json:"from"`
	To   string `json:"to"`
	// Institutions lists the institutions whose own school year (the
	// highest of their main groups') moved forward, sorted.
	Institutions []string `json:"institutions,omitempty"`
}

// DetectYearChange reports whether the school year moved forward from prev
// to next, for the snapshot as a whole or for any institution (the highest
// school year of its main groups). A move backwards or to an unreadable
// year is not a change. prev nil gives no change.
func DetectYearChange(prev, next *orgmodel.Snapshot) (YearChange, bool) {
	if prev == nil || next == nil {
		return YearChange{}, false
	}
	yc := YearChange{From: prev.SchoolYear, To: next.SchoolYear}
	changed := later(prev.SchoolYear, next.SchoolYear)
	a, b := instYears(prev), instYears(next)
	for num, y := range b {
		if later(a[num], y) {
			yc.Institutions = append(yc.Institutions, num)
		}
	}
	slices.Sort(yc.Institutions)
	return yc, changed || len(yc.Institutions) > 0
}

func later(before, after string) bool {
	x, ok1 := orgmodel.ParseSchoolYear(before)
	y, ok2 := orgmodel.ParseSchoolYear(after)
	return ok1 && ok2 && y > x
}

func instYears(s *orgmodel.Snapshot) map[string]string {
	out := map[string]string{}
	for _, g := range s.Groups {
		if g.Type != orgmodel.Hovedgruppe || g.SchoolYear == "" {
			continue
		}
		if cur, ok := out[g.Institution]; !ok || later(cur, g.SchoolYear) {
			out[g.Institution] = g.SchoolYear
		}
	}
	return out
}

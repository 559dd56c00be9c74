package yearroll

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// FromSnapshot returns the classes of a snapshot at one instant: its main
// groups (orgmodel.Hovedgruppe) valid at at, each with the pupils whose
// student affiliation valid at at names it as their main group. When a group
// key occurs twice the first group wins, as in orgmodel's index. Classes are
// sorted by institution and ID, pupils by ID. The snapshot is not modified.
func FromSnapshot(s *orgmodel.Snapshot, at time.Time) []Class {
	if s == nil {
		return nil
	}
	var out []Class
	pos := make(map[string]int)
	for _, g := range s.Groups {
		if g.Type != orgmodel.Hovedgruppe || !g.Valid.Contains(at) {
			continue
		}
		k := g.Key()
		if _, dup := pos[k]; dup {
			continue
		}
		pos[k] = len(out)
		out = append(out, Class{ID: g.ID, Name: g.Name, Institution: g.Institution, Level: g.Level, Line: g.Line})
	}
	for _, a := range s.Affiliations {
		if a.MainGroupID == "" || a.PersonID == "" || a.Kind() != orgmodel.Student || !a.Valid.Contains(at) {
			continue
		}
		if i, ok := pos[orgmodel.GroupKey(a.Institution, a.MainGroupID)]; ok {
			out[i].Pupils = append(out[i].Pupils, a.PersonID)
		}
	}
	for i := range out {
		slices.Sort(out[i].Pupils)
		out[i].Pupils = slices.Compact(out[i].Pupils)
	}
	slices.SortFunc(out, func(a, b Class) int {
		return cmp.Or(strings.Compare(a.Institution, b.Institution), strings.Compare(a.ID, b.ID))
	})
	return out
}

// FromSnapshots returns last year's and this year's classes, both read at
// the same instant at: FromSnapshotsAt(old, at, cur, at). If last year's
// classes carry an end date before at (STIL ToDate), use FromSnapshotsAt
// with an instant inside the previous school year for old.
func FromSnapshots(old, cur *orgmodel.Snapshot, at time.Time) (oldClasses, newClasses []Class) {
	return FromSnapshotsAt(old, at, cur, at)
}

// FromSnapshotsAt returns the classes of the previous snapshot at oldAt and
// of the current snapshot at curAt (see FromSnapshot). Pupils who have left
// are not counted in the old classes: a pupil stays in an old class only if
// the current snapshot has a student affiliation valid at curAt for the
// same person at the same institution. A pupil who moved to another school
// has left their old school in this sense.
func FromSnapshotsAt(old *orgmodel.Snapshot, oldAt time.Time, cur *orgmodel.Snapshot, curAt time.Time) (oldClasses, newClasses []Class) {
	newClasses = FromSnapshot(cur, curAt)
	oldClasses = FromSnapshot(old, oldAt)
	present := make(map[[2]string]bool)
	if cur != nil {
		for _, a := range cur.Affiliations {
			if a.Kind() == orgmodel.Student && a.Valid.Contains(curAt) {
				present[[2]string{a.Institution, a.PersonID}] = true
			}
		}
	}
	for i := range oldClasses {
		c := &oldClasses[i]
		c.Pupils = slices.DeleteFunc(c.Pupils, func(p string) bool {
			return !present[[2]string{c.Institution, p}]
		})
	}
	return oldClasses, newClasses
}

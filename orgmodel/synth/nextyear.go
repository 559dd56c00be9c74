package synth

import (
	"slices"
	"strings"

	"github.com/orgsync/orgsync/orgmodel"
)

// YearChange describes what Advance did, so tests of the year roll can
// compare their matching with the intended one.
type YearChange struct {
	// From and To are the old and the new school year.
	From, To string
	// Graduated counts the 10th graders who left.
	Graduated int
	// Started counts the new 0th graders, of whom FromDaycare came from a
	// daycare of the municipality (the others are new persons).
	Started, FromDaycare int
	// Moved lists pupils who changed school, by person ID.
	Moved []string
	// Successor maps each old class (group key "institution/groupId") that
	// continues to its new class. A matcher should find exactly these.
	// Classes of 10th grade and the class dissolved by the re-split have
	// none.
	Successor map[string]string
	// Resplit describes the level that was reorganised.
	Resplit Resplit
}

// Resplit is the one level at one school whose classes were reorganised,
// so that it can only be matched class by class on overlap, not as a whole
// level by line.
type Resplit struct {
	Institution string
	// Level is the level before the roll; the classes are one level higher
	// after it.
	Level string
	// Old and New are the group keys before and after, by line.
	Old, New []string
	// Dissolved is the old class with no successor (three or more classes
	// became one fewer), or "" when the level grew from two classes to three
	// (the new third class then has no predecessor).
	Dissolved string
}

// NextYear returns the municipality of s one school year later; see
// Advance, whose YearChange it discards. s is not changed.
func NextYear(s *orgmodel.Snapshot, seed int64) *orgmodel.Snapshot {
	n, _ := Advance(s, seed)
	return n
}

// Advance returns the municipality of s one school year later, with a
// description of the changes. s must be a snapshot made by Generate or
// Advance (it relies on their conventions: person and group ID forms, class
// names, year groups); it is not changed. The scenario, deterministic under
// the seed:
//
//   - SchoolYear advances ("2025-2026" becomes "2026-2027").
//   - Every school class moves up a level as a NEW group (STIL issues new
//     group ids each year) named for its new level and the same line: 4A
//     becomes 5A with the same start year. Its pupils follow it; teachers'
//     and trainees' group lists point to the new groups.
//   - 10th graders leave: their affiliations are gone, and so are they when
//     they have no other. Their teachers take the new 0th grade classes.
//   - A new 0th grade arrives at every school, with as many classes as the
//     old 0th grade: the daycare children born in the right year leave
//     their daycare and start school (same person, new Elev affiliation),
//     topped up with new persons. Younger daycare children stay; as many
//     new one-year-olds start in daycare.
//   - About 1 % of the pupils (at least one when there are two schools)
//     move to another school, into a class of their new level.
//   - At one school one level is re-split (the first school, scanning
//     levels 0-9, with three or more classes; else the first with two): three or
//     more classes become one fewer, the last class's pupils spread over
//     the others; two classes become three, the new C taking a quarter of
//     A and a quarter of B. Every continuing class keeps at least 70 % of
//     its pupils, but the lines no longer match as a whole level, so the
//     year roll must match class by class on overlap.
//   - Affiliations that ended by the new school year's start are dropped,
//     and persons without affiliations with them.
//
// Staff, externals, FU students, daycare rooms and the administration are
// otherwise unchanged.
func Advance(s *orgmodel.Snapshot, seed int64) (*orgmodel.Snapshot, YearChange) {
	a := newAdvancer(s, seed)
	a.readSchools()
	a.newClasses()
	a.resplitPupils()
	a.carryAffiliations()
	a.keepPersons()
	a.newZeroGrade()
	a.newToddlers()
	slices.SortFunc(a.out.Persons, func(x, y orgmodel.Person) int { return strings.Compare(x.ID, y.ID) })
	return a.out, a.change
}

func isStudent(a orgmodel.Affiliation) bool { return a.Kind() == orgmodel.Student }

// pupilGroups rebuilds a pupil's further groups for a new level: the year
// group of the new level, and the SFO group kept only up to 3rd grade.
func pupilGroups(aargang string, old []string, oldAargang string, level int) []string {
	out := []string{aargang}
	for _, id := range old {
		if id == oldAargang || id == aargang {
			continue
		}
		if level > 3 {
			continue // SFO ends after 3rd grade; no other groups are used
		}
		out = append(out, id)
	}
	return out
}

// personCPR finds a person's CPR without indexing s (Advance must not
// change its input, not even its cached index): by binary search, as
// generated persons are sorted by ID, else by a scan.
func personCPR(s *orgmodel.Snapshot, id string) string {
	if i, ok := slices.BinarySearchFunc(s.Persons, id, func(p orgmodel.Person, id string) int { return strings.Compare(p.ID, id) }); ok {
		return s.Persons[i].CPR
	}
	for _, p := range s.Persons {
		if p.ID == id {
			return p.CPR
		}
	}
	return ""
}

// hashString is FNV-1a, for deterministic spreading.
func hashString(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

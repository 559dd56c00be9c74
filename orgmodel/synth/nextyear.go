package synth

import (
	"slices"
	"strconv"
	"strings"
	"time"

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
	y, ok := orgmodel.ParseSchoolYear(s.SchoolYear)
	if !ok {
		y, _ = orgmodel.ParseSchoolYear(DefaultSchoolYear)
	}
	ny := y + 1
	r := newRand(seed, uint64(ny))
	g := &gen{r: r, y: ny, cpr: newCPRAlloc()}
	change := YearChange{From: orgmodel.SchoolYearOf(y), To: orgmodel.SchoolYearOf(ny), Successor: map[string]string{}}
	start := schoolYearStart(ny)

	out := &orgmodel.Snapshot{
		SchoolYear:   change.To,
		Institutions: slices.Clone(s.Institutions),
		Units:        slices.Clone(s.Units),
	}
	g.s = out
	for _, p := range s.Persons {
		if n, err := strconv.Atoi(strings.TrimPrefix(p.ID, "p")); err == nil && n > g.pseq {
			g.pseq = n
		}
		if b, err := orgmodel.CPRBirthDate(p.CPR); err == nil {
			g.cpr.observe(p.CPR, b)
		}
	}
	for _, gr := range s.Groups {
		if n, err := strconv.Atoi(strings.TrimPrefix(gr.ID, "G")); err == nil && n > g.gseq {
			g.gseq = n
		}
	}

	// Schools, their units, year groups and old classes.
	type oldSchool struct {
		number, unit string
		aargang      [11]string
		classes      [11][]string // old group ids by line
	}
	var schools []*oldSchool
	byNumber := map[string]*oldSchool{}
	instType := map[string]orgmodel.InstitutionType{}
	for _, in := range s.Institutions {
		instType[in.Number] = in.Type
		if in.Type == orgmodel.School {
			sc := &oldSchool{number: in.Number}
			schools = append(schools, sc)
			byNumber[in.Number] = sc
		}
	}
	for _, u := range s.Units {
		if sc := byNumber[u.Institution]; sc != nil && u.Hierarchy == orgmodel.LineOrganisation && sc.unit == "" {
			sc.unit = u.ID
		}
	}
	isOldClass := map[string]bool{} // group key
	for _, gr := range s.Groups {
		sc := byNumber[gr.Institution]
		lv, err := strconv.Atoi(gr.Level)
		if sc == nil || err != nil || lv < 0 || lv > 10 {
			out.Groups = append(out.Groups, gr)
			continue
		}
		switch gr.Type {
		case orgmodel.Aargang:
			sc.aargang[lv] = gr.ID
			out.Groups = append(out.Groups, gr)
		case orgmodel.Hovedgruppe:
			sc.classes[lv] = append(sc.classes[lv], gr.ID)
			isOldClass[gr.Key()] = true
		default:
			out.Groups = append(out.Groups, gr)
		}
	}
	oldGroup := map[string]orgmodel.Group{}
	for _, gr := range s.Groups {
		if isOldClass[gr.Key()] {
			oldGroup[gr.Key()] = gr
		}
	}

	// New classes: each old class of level 0-9 gets a successor one level
	// up; the re-split level is handled separately.
	type newSchool struct {
		classes [11][]string // new group ids by line
	}
	news := map[string]*newSchool{}
	succ := map[string]string{} // old group key -> new group id (same school)
	addClass := func(in string, level, lineIdx, startYear int) string {
		lv := strconv.Itoa(level)
		line := lineLetter(lineIdx)
		id := g.nextGroupID()
		out.Groups = append(out.Groups, orgmodel.Group{
			ID: id, Institution: in, Name: lv + line, Type: orgmodel.Hovedgruppe,
			Level: lv, Line: line, SchoolYear: change.To, StartYear: startYear,
		})
		ns := news[in]
		ns.classes[level] = append(ns.classes[level], id)
		return id
	}
	// Find the level to re-split.
	rsSchool, rsLevel := -1, -1
	for _, want := range []int{3, 2} {
		for i, sc := range schools {
			for l := 0; l <= 9 && rsSchool < 0; l++ {
				if n := len(sc.classes[l]); n >= want && (want == 3 || n == 2) {
					rsSchool, rsLevel = i, l
				}
			}
		}
		if rsSchool >= 0 {
			break
		}
	}
	for i, sc := range schools {
		news[sc.number] = &newSchool{}
		for l := 0; l <= 9; l++ {
			old := sc.classes[l]
			n := len(old)
			if i == rsSchool && l == rsLevel {
				if n >= 3 {
					n--
				} else {
					n = 3
				}
			}
			for k := range n {
				sy := y - l
				if k < len(old) {
					if og, ok := oldGroup[orgmodel.GroupKey(sc.number, old[k])]; ok && og.StartYear > 0 {
						sy = og.StartYear
					}
				}
				id := addClass(sc.number, l+1, k, sy)
				if k < len(old) {
					succ[orgmodel.GroupKey(sc.number, old[k])] = id
				}
			}
		}
		for k := range max(1, len(sc.classes[0])) {
			addClass(sc.number, 0, k, ny)
		}
	}
	if rsSchool >= 0 {
		sc := schools[rsSchool]
		rs := Resplit{Institution: sc.number, Level: strconv.Itoa(rsLevel)}
		for _, id := range sc.classes[rsLevel] {
			rs.Old = append(rs.Old, orgmodel.GroupKey(sc.number, id))
		}
		for _, id := range news[sc.number].classes[rsLevel+1] {
			rs.New = append(rs.New, orgmodel.GroupKey(sc.number, id))
		}
		if len(rs.Old) >= 3 {
			rs.Dissolved = rs.Old[len(rs.Old)-1]
			delete(succ, rs.Dissolved)
		}
		change.Resplit = rs
	}
	for k, v := range succ {
		in, _, _ := strings.Cut(k, "/")
		change.Successor[k] = orgmodel.GroupKey(in, v)
	}

	// Pupils of the re-split level: decide each one's new class.
	resplitTo := map[int]string{} // affiliation position -> new group id
	if rsSchool >= 0 {
		sc := schools[rsSchool]
		newIDs := news[sc.number].classes[rsLevel+1]
		byClass := map[string][]int{}
		for i, a := range s.Affiliations {
			if a.Institution == sc.number && slices.Contains(sc.classes[rsLevel], a.MainGroupID) && isStudent(a) {
				byClass[a.MainGroupID] = append(byClass[a.MainGroupID], i)
			}
		}
		old := sc.classes[rsLevel]
		if len(old) >= 3 {
			for k, id := range old[:len(old)-1] {
				for _, i := range byClass[id] {
					resplitTo[i] = newIDs[k]
				}
			}
			last := byClass[old[len(old)-1]]
			for j, i := range last {
				resplitTo[i] = newIDs[j%len(newIDs)]
			}
		} else {
			for k, id := range old {
				members := byClass[id]
				r.Shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
				move := len(members) / 4
				for j, i := range members {
					if j < move {
						resplitTo[i] = newIDs[2]
					} else {
						resplitTo[i] = newIDs[k]
					}
				}
			}
		}
	}

	// classMap maps an old class id of a school to the new one for staff
	// group lists: the successor, else (10th grade, dissolved) a new 0th
	// grade class.
	classMap := func(in, id string) (string, bool) {
		k := orgmodel.GroupKey(in, id)
		if !isOldClass[k] {
			return id, true
		}
		if n, ok := succ[k]; ok {
			return n, true
		}
		if ns := news[in]; ns != nil && len(ns.classes[0]) > 0 {
			return ns.classes[0][int(hashString(id))%len(ns.classes[0])], true
		}
		return "", false
	}

	// Moves are limited so that every class keeps at least 80 % of its
	// pupils.
	classSize := map[string]int{}
	for _, a := range s.Affiliations {
		if isStudent(a) {
			classSize[a.MainGroupID]++
		}
	}
	movedFrom := map[string]int{}

	daycareStarters := []string{}
	keep := map[string]bool{}
	for i, a := range s.Affiliations {
		if !a.Valid.To.IsZero() && !a.Valid.To.After(start) {
			continue // ended
		}
		sc := byNumber[a.Institution]
		switch {
		case sc != nil && isStudent(a) && isOldClass[orgmodel.GroupKey(a.Institution, a.MainGroupID)]:
			lv, _ := strconv.Atoi(a.Level)
			if lv >= 10 {
				change.Graduated++
				continue
			}
			newID, ok := resplitTo[i]
			if !ok {
				newID, ok = succ[orgmodel.GroupKey(a.Institution, a.MainGroupID)]
			}
			if !ok {
				continue
			}
			na := a
			na.Level = strconv.Itoa(lv + 1)
			na.MainGroupID = newID
			na.GroupIDs = pupilGroups(sc.aargang[lv+1], a.GroupIDs, sc.aargang[lv], lv+1)
			// A few pupils move to another school.
			_, resplit := resplitTo[i]
			canMove := !resplit && (movedFrom[a.MainGroupID]+1)*5 <= classSize[a.MainGroupID]
			if len(schools) > 1 && canMove && (r.Float64() < 0.01 || len(change.Moved) == 0 && i%7 == 3) {
				to := schools[r.IntN(len(schools))]
				if to != sc && len(news[to.number].classes[lv+1]) > 0 {
					cls := news[to.number].classes[lv+1]
					na.Institution, na.UnitID = to.number, to.unit
					na.MainGroupID = cls[r.IntN(len(cls))]
					na.GroupIDs = pupilGroups(to.aargang[lv+1], nil, "", lv+1)
					na.Valid = orgmodel.Period{From: start}
					change.Moved = append(change.Moved, a.PersonID)
					movedFrom[a.MainGroupID]++
				}
			}
			out.Affiliations = append(out.Affiliations, na)
		case instType[a.Institution] == orgmodel.Daycare && slices.Contains(a.Roles, orgmodel.Barn):
			if b, err := orgmodel.CPRBirthDate(personCPR(s, a.PersonID)); err == nil && b.Year() <= ny-6 {
				daycareStarters = append(daycareStarters, a.PersonID)
				continue
			}
			out.Affiliations = append(out.Affiliations, a)
		default:
			na := a
			if a.Institution != "" && len(a.GroupIDs) > 0 {
				ids := make([]string, 0, len(a.GroupIDs))
				for _, id := range a.GroupIDs {
					if n, ok := classMap(a.Institution, id); ok {
						ids = append(ids, n)
					}
				}
				na.GroupIDs = dedup(ids)
			}
			if a.MainGroupID != "" && !isStudent(a) {
				if n, ok := classMap(a.Institution, a.MainGroupID); ok {
					na.MainGroupID = n
				} else {
					na.MainGroupID = ""
				}
			}
			out.Affiliations = append(out.Affiliations, na)
		}
	}

	// Keep the persons that still have an affiliation, then add the new
	// ones (IDs continue upwards, so Persons stays sorted).
	for _, a := range out.Affiliations {
		keep[a.PersonID] = true
	}
	for _, id := range daycareStarters {
		keep[id] = true
	}
	for _, p := range s.Persons {
		if keep[p.ID] {
			out.Persons = append(out.Persons, p)
		}
	}

	// The new 0th grade: as many pupils as last year's 0th grade had.
	oldZero := map[string]int{}
	for _, a := range s.Affiliations {
		if byNumber[a.Institution] != nil && isStudent(a) && a.Level == "0" {
			oldZero[a.Institution]++
		}
	}
	totalWant := 0
	for _, sc := range schools {
		totalWant += max(oldZero[sc.number], 1)
	}
	nStarters := len(daycareStarters)
	for _, sc := range schools {
		cls := news[sc.number].classes[0]
		want := max(oldZero[sc.number], 1)
		fromDC := min(len(daycareStarters), (nStarters*want+totalWant-1)/totalWant, want)
		for k := range want {
			var id string
			if k < fromDC {
				id, daycareStarters = daycareStarters[0], daycareStarters[1:]
				change.FromDaycare++
			} else {
				by := ny - 6
				id = g.person(by, by, time.Time{})
			}
			change.Started++
			out.Affiliations = append(out.Affiliations, orgmodel.Affiliation{
				PersonID: id, Institution: sc.number, UnitID: sc.unit, Roles: rolesElev,
				Level: "0", MainGroupID: cls[k%len(cls)], GroupIDs: []string{sc.aargang[0]}, Valid: orgmodel.Period{From: start},
			})
		}
	}
	// Starters without a school place (more daycare leavers than places)
	// go to the first school.
	for _, id := range daycareStarters {
		sc := schools[0]
		cls := news[sc.number].classes[0]
		out.Affiliations = append(out.Affiliations, orgmodel.Affiliation{
			PersonID: id, Institution: sc.number, UnitID: sc.unit, Roles: rolesElev,
			Level: "0", MainGroupID: cls[0], GroupIDs: []string{sc.aargang[0]}, Valid: orgmodel.Period{From: start},
		})
		change.Started++
		change.FromDaycare++
	}

	// New one-year-olds in daycare replace the leavers, room by room.
	rooms := map[string][]string{}
	var daycares []string
	for _, gr := range out.Groups {
		if instType[gr.Institution] == orgmodel.Daycare && gr.Type == orgmodel.Hovedgruppe {
			if rooms[gr.Institution] == nil {
				daycares = append(daycares, gr.Institution)
			}
			rooms[gr.Institution] = append(rooms[gr.Institution], gr.ID)
		}
	}
	if len(daycares) > 0 {
		for k := range change.FromDaycare {
			d := daycares[k%len(daycares)]
			id := g.person(ny-1, ny-1, time.Date(ny, time.June, 30, 0, 0, 0, 0, time.UTC))
			out.Affiliations = append(out.Affiliations, orgmodel.Affiliation{
				PersonID: id, Institution: d, Roles: rolesBarn, MainGroupID: rooms[d][k%len(rooms[d])],
				Valid: orgmodel.Period{From: start},
			})
		}
	}
	slices.SortFunc(out.Persons, func(a, b orgmodel.Person) int { return strings.Compare(a.ID, b.ID) })
	return out, change
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

package synth

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// advancer is one run of Advance: the old snapshot, the new one being
// built and what the steps pass to each other. The steps run in a fixed
// order (see Advance) and draw from one random source, so the result is
// reproducible for a seed.
type advancer struct {
	s      *orgmodel.Snapshot // last year, not modified
	out    *orgmodel.Snapshot // this year
	g      *gen
	y, ny  int       // old and new school year (first calendar year)
	start  time.Time // first day of the new school year
	change YearChange

	// From readSchools.
	schools    []*oldSchool
	byNumber   map[string]*oldSchool
	instType   map[string]orgmodel.InstitutionType
	isOldClass map[string]bool           // group key
	oldGroup   map[string]orgmodel.Group // old classes by group key

	// From newClasses.
	news              map[string]*newSchool
	succ              map[string]string // old group key -> new group id (same school)
	rsSchool, rsLevel int               // the re-split level, -1 for none

	// From resplitPupils.
	resplitTo map[int]string // affiliation position -> new group id

	// From carryAffiliations.
	daycareStarters []string
}

// oldSchool is a school of last year: its line unit, year groups and
// classes.
type oldSchool struct {
	number, unit string
	aargang      [11]string
	classes      [11][]string // old group ids by line
}

// newSchool holds a school's classes of the new year.
type newSchool struct {
	classes [11][]string // new group ids by line
}

// newAdvancer starts the new snapshot with the institutions and units and
// continues the person and group id sequences and the CPR allocation of s.
func newAdvancer(s *orgmodel.Snapshot, seed int64) *advancer {
	y, ok := orgmodel.ParseSchoolYear(s.SchoolYear)
	if !ok {
		y, _ = orgmodel.ParseSchoolYear(DefaultSchoolYear)
	}
	ny := y + 1
	a := &advancer{
		s: s, y: y, ny: ny, start: schoolYearStart(ny),
		g:      &gen{r: newRand(seed, uint64(ny)), y: ny, cpr: newCPRAlloc()},
		change: YearChange{From: orgmodel.SchoolYearOf(y), To: orgmodel.SchoolYearOf(ny), Successor: map[string]string{}},
	}
	a.out = &orgmodel.Snapshot{
		SchoolYear:   a.change.To,
		Institutions: slices.Clone(s.Institutions),
		Units:        slices.Clone(s.Units),
	}
	a.g.s = a.out
	for _, p := range s.Persons {
		if n, err := strconv.Atoi(strings.TrimPrefix(p.ID, "p")); err == nil && n > a.g.pseq {
			a.g.pseq = n
		}
		if b, err := orgmodel.CPRBirthDate(p.CPR); err == nil {
			a.g.cpr.observe(p.CPR, b)
		}
	}
	for _, gr := range s.Groups {
		if n, err := strconv.Atoi(strings.TrimPrefix(gr.ID, "G")); err == nil && n > a.g.gseq {
			a.g.gseq = n
		}
	}
	return a
}

// readSchools finds the schools, their units, year groups and old classes;
// every group that is not an old class is carried over as it is.
func (a *advancer) readSchools() {
	a.byNumber = map[string]*oldSchool{}
	a.instType = map[string]orgmodel.InstitutionType{}
	for _, in := range a.s.Institutions {
		a.instType[in.Number] = in.Type
		if in.Type == orgmodel.School {
			sc := &oldSchool{number: in.Number}
			a.schools = append(a.schools, sc)
			a.byNumber[in.Number] = sc
		}
	}
	for _, u := range a.s.Units {
		if sc := a.byNumber[u.Institution]; sc != nil && u.Hierarchy == orgmodel.LineOrganisation && sc.unit == "" {
			sc.unit = u.ID
		}
	}
	a.isOldClass = map[string]bool{}
	for _, gr := range a.s.Groups {
		sc := a.byNumber[gr.Institution]
		lv, err := strconv.Atoi(gr.Level)
		if sc == nil || err != nil || lv < 0 || lv > 10 {
			a.out.Groups = append(a.out.Groups, gr)
			continue
		}
		switch gr.Type {
		case orgmodel.Aargang:
			sc.aargang[lv] = gr.ID
			a.out.Groups = append(a.out.Groups, gr)
		case orgmodel.Hovedgruppe:
			sc.classes[lv] = append(sc.classes[lv], gr.ID)
			a.isOldClass[gr.Key()] = true
		default:
			a.out.Groups = append(a.out.Groups, gr)
		}
	}
	a.oldGroup = map[string]orgmodel.Group{}
	for _, gr := range a.s.Groups {
		if a.isOldClass[gr.Key()] {
			a.oldGroup[gr.Key()] = gr
		}
	}
}

// addClass adds a new class to the new snapshot and returns its id.
func (a *advancer) addClass(in string, level, lineIdx, startYear int) string {
	lv := strconv.Itoa(level)
	line := lineLetter(lineIdx)
	id := a.g.nextGroupID()
	a.out.Groups = append(a.out.Groups, orgmodel.Group{
		ID: id, Institution: in, Name: lv + line, Type: orgmodel.Hovedgruppe,
		Level: lv, Line: line, SchoolYear: a.change.To, StartYear: startYear,
	})
	ns := a.news[in]
	ns.classes[level] = append(ns.classes[level], id)
	return id
}

// findResplit chooses the level to re-split: the first with three or more
// classes, else the first with exactly two.
func (a *advancer) findResplit() {
	a.rsSchool, a.rsLevel = -1, -1
	for _, want := range []int{3, 2} {
		for i, sc := range a.schools {
			for l := 0; l <= 9 && a.rsSchool < 0; l++ {
				if n := len(sc.classes[l]); n >= want && (want == 3 || n == 2) {
					a.rsSchool, a.rsLevel = i, l
				}
			}
		}
		if a.rsSchool >= 0 {
			break
		}
	}
}

// newClasses gives each old class of level 0-9 a successor one level up
// (the re-split level gets one class fewer, or three) and every school a
// new 0th grade, and records the successors and the re-split.
func (a *advancer) newClasses() {
	a.news = map[string]*newSchool{}
	a.succ = map[string]string{}
	a.findResplit()
	for i, sc := range a.schools {
		a.news[sc.number] = &newSchool{}
		for l := 0; l <= 9; l++ {
			old := sc.classes[l]
			n := len(old)
			if i == a.rsSchool && l == a.rsLevel {
				if n >= 3 {
					n--
				} else {
					n = 3
				}
			}
			for k := range n {
				sy := a.y - l
				if k < len(old) {
					if og, ok := a.oldGroup[orgmodel.GroupKey(sc.number, old[k])]; ok && og.StartYear > 0 {
						sy = og.StartYear
					}
				}
				id := a.addClass(sc.number, l+1, k, sy)
				if k < len(old) {
					a.succ[orgmodel.GroupKey(sc.number, old[k])] = id
				}
			}
		}
		for k := range max(1, len(sc.classes[0])) {
			a.addClass(sc.number, 0, k, a.ny)
		}
	}
	if a.rsSchool >= 0 {
		sc := a.schools[a.rsSchool]
		rs := Resplit{Institution: sc.number, Level: strconv.Itoa(a.rsLevel)}
		for _, id := range sc.classes[a.rsLevel] {
			rs.Old = append(rs.Old, orgmodel.GroupKey(sc.number, id))
		}
		for _, id := range a.news[sc.number].classes[a.rsLevel+1] {
			rs.New = append(rs.New, orgmodel.GroupKey(sc.number, id))
		}
		if len(rs.Old) >= 3 {
			rs.Dissolved = rs.Old[len(rs.Old)-1]
			delete(a.succ, rs.Dissolved)
		}
		a.change.Resplit = rs
	}
	for k, v := range a.succ {
		in, _, _ := strings.Cut(k, "/")
		a.change.Successor[k] = orgmodel.GroupKey(in, v)
	}
}

// resplitPupils decides the new class of each pupil of the re-split level:
// with three or more classes the last is dissolved over the others; with
// two, a quarter of each goes to the new third class.
func (a *advancer) resplitPupils() {
	a.resplitTo = map[int]string{}
	if a.rsSchool < 0 {
		return
	}
	sc := a.schools[a.rsSchool]
	newIDs := a.news[sc.number].classes[a.rsLevel+1]
	byClass := map[string][]int{}
	for i, af := range a.s.Affiliations {
		if af.Institution == sc.number && slices.Contains(sc.classes[a.rsLevel], af.MainGroupID) && isStudent(af) {
			byClass[af.MainGroupID] = append(byClass[af.MainGroupID], i)
		}
	}
	old := sc.classes[a.rsLevel]
	if len(old) >= 3 {
		for k, id := range old[:len(old)-1] {
			for _, i := range byClass[id] {
				a.resplitTo[i] = newIDs[k]
			}
		}
		last := byClass[old[len(old)-1]]
		for j, i := range last {
			a.resplitTo[i] = newIDs[j%len(newIDs)]
		}
		return
	}
	for k, id := range old {
		members := byClass[id]
		a.g.r.Shuffle(len(members), func(x, y int) { members[x], members[y] = members[y], members[x] })
		move := len(members) / 4
		for j, i := range members {
			if j < move {
				a.resplitTo[i] = newIDs[2]
			} else {
				a.resplitTo[i] = newIDs[k]
			}
		}
	}
}

// classMap maps an old class id of a school to the new one for staff
// group lists: the successor, else (10th grade, dissolved) a new 0th grade
// class.
func (a *advancer) classMap(in, id string) (string, bool) {
	k := orgmodel.GroupKey(in, id)
	if !a.isOldClass[k] {
		return id, true
	}
	if n, ok := a.succ[k]; ok {
		return n, true
	}
	if ns := a.news[in]; ns != nil && len(ns.classes[0]) > 0 {
		return ns.classes[0][int(hashString(id))%len(ns.classes[0])], true
	}
	return "", false
}

// carryAffiliations carries every affiliation that has not ended into the
// new year: pupils move up a level (10th graders graduate, a few change
// school), daycare children old enough for school become starters, and
// everyone else's class references follow their classes.
func (a *advancer) carryAffiliations() {
	// Moves are limited so that every class keeps at least 80 % of its
	// pupils.
	classSize := map[string]int{}
	for _, af := range a.s.Affiliations {
		if isStudent(af) {
			classSize[af.MainGroupID]++
		}
	}
	movedFrom := map[string]int{}
	a.daycareStarters = []string{}
	for i, af := range a.s.Affiliations {
		if !af.Valid.To.IsZero() && !af.Valid.To.After(a.start) {
			continue // ended
		}
		sc := a.byNumber[af.Institution]
		switch {
		case sc != nil && isStudent(af) && a.isOldClass[orgmodel.GroupKey(af.Institution, af.MainGroupID)]:
			a.movePupil(i, af, sc, classSize, movedFrom)
		case a.instType[af.Institution] == orgmodel.Daycare && slices.Contains(af.Roles, orgmodel.Barn):
			if b, err := orgmodel.CPRBirthDate(personCPR(a.s, af.PersonID)); err == nil && b.Year() <= a.ny-6 {
				a.daycareStarters = append(a.daycareStarters, af.PersonID)
				continue
			}
			a.out.Affiliations = append(a.out.Affiliations, af)
		default:
			na := af
			if af.Institution != "" && len(af.GroupIDs) > 0 {
				ids := make([]string, 0, len(af.GroupIDs))
				for _, id := range af.GroupIDs {
					if n, ok := a.classMap(af.Institution, id); ok {
						ids = append(ids, n)
					}
				}
				na.GroupIDs = dedup(ids)
			}
			if af.MainGroupID != "" && !isStudent(af) {
				if n, ok := a.classMap(af.Institution, af.MainGroupID); ok {
					na.MainGroupID = n
				} else {
					na.MainGroupID = ""
				}
			}
			a.out.Affiliations = append(a.out.Affiliations, na)
		}
	}
}

// movePupil carries the pupil affiliation at position i of the old
// snapshot one level up into its successor (or re-split) class; a 10th
// grader graduates, and now and then a pupil changes school.
func (a *advancer) movePupil(i int, af orgmodel.Affiliation, sc *oldSchool, classSize, movedFrom map[string]int) {
	r := a.g.r
	lv, _ := strconv.Atoi(af.Level)
	if lv >= 10 {
		a.change.Graduated++
		return
	}
	newID, ok := a.resplitTo[i]
	if !ok {
		newID, ok = a.succ[orgmodel.GroupKey(af.Institution, af.MainGroupID)]
	}
	if !ok {
		return
	}
	na := af
	na.Level = strconv.Itoa(lv + 1)
	na.MainGroupID = newID
	na.GroupIDs = pupilGroups(sc.aargang[lv+1], af.GroupIDs, sc.aargang[lv], lv+1)
	// A few pupils move to another school.
	_, resplit := a.resplitTo[i]
	canMove := !resplit && (movedFrom[af.MainGroupID]+1)*5 <= classSize[af.MainGroupID]
	if len(a.schools) > 1 && canMove && (r.Float64() < 0.01 || len(a.change.Moved) == 0 && i%7 == 3) {
		to := a.schools[r.IntN(len(a.schools))]
		if to != sc && len(a.news[to.number].classes[lv+1]) > 0 {
			cls := a.news[to.number].classes[lv+1]
			na.Institution, na.UnitID = to.number, to.unit
			na.MainGroupID = cls[r.IntN(len(cls))]
			na.GroupIDs = pupilGroups(to.aargang[lv+1], nil, "", lv+1)
			na.Valid = orgmodel.Period{From: a.start}
			a.change.Moved = append(a.change.Moved, af.PersonID)
			movedFrom[af.MainGroupID]++
		}
	}
	a.out.Affiliations = append(a.out.Affiliations, na)
}

// keepPersons keeps the persons that still have an affiliation (and the
// daycare starters, whose school affiliation comes next).
func (a *advancer) keepPersons() {
	keep := map[string]bool{}
	for _, af := range a.out.Affiliations {
		keep[af.PersonID] = true
	}
	for _, id := range a.daycareStarters {
		keep[id] = true
	}
	for _, p := range a.s.Persons {
		if keep[p.ID] {
			a.out.Persons = append(a.out.Persons, p)
		}
	}
}

// newZeroGrade fills the new 0th grade of every school with as many pupils
// as last year's 0th grade had: daycare starters first, in proportion,
// then new persons. Starters without a school place (more daycare leavers
// than places) go to the first school.
func (a *advancer) newZeroGrade() {
	oldZero := map[string]int{}
	for _, af := range a.s.Affiliations {
		if a.byNumber[af.Institution] != nil && isStudent(af) && af.Level == "0" {
			oldZero[af.Institution]++
		}
	}
	totalWant := 0
	for _, sc := range a.schools {
		totalWant += max(oldZero[sc.number], 1)
	}
	nStarters := len(a.daycareStarters)
	for _, sc := range a.schools {
		cls := a.news[sc.number].classes[0]
		want := max(oldZero[sc.number], 1)
		fromDC := min(len(a.daycareStarters), (nStarters*want+totalWant-1)/totalWant, want)
		for k := range want {
			var id string
			if k < fromDC {
				id, a.daycareStarters = a.daycareStarters[0], a.daycareStarters[1:]
				a.change.FromDaycare++
			} else {
				by := a.ny - 6
				id = a.g.person(by, by, time.Time{})
			}
			a.change.Started++
			a.out.Affiliations = append(a.out.Affiliations, orgmodel.Affiliation{
				PersonID: id, Institution: sc.number, UnitID: sc.unit, Roles: rolesElev,
				Level: "0", MainGroupID: cls[k%len(cls)], GroupIDs: []string{sc.aargang[0]}, Valid: orgmodel.Period{From: a.start},
			})
		}
	}
	for _, id := range a.daycareStarters {
		sc := a.schools[0]
		cls := a.news[sc.number].classes[0]
		a.out.Affiliations = append(a.out.Affiliations, orgmodel.Affiliation{
			PersonID: id, Institution: sc.number, UnitID: sc.unit, Roles: rolesElev,
			Level: "0", MainGroupID: cls[0], GroupIDs: []string{sc.aargang[0]}, Valid: orgmodel.Period{From: a.start},
		})
		a.change.Started++
		a.change.FromDaycare++
	}
}

// newToddlers adds new one-year-olds to daycare for the children who left
// for school, room by room.
func (a *advancer) newToddlers() {
	rooms := map[string][]string{}
	var daycares []string
	for _, gr := range a.out.Groups {
		if a.instType[gr.Institution] == orgmodel.Daycare && gr.Type == orgmodel.Hovedgruppe {
			if rooms[gr.Institution] == nil {
				daycares = append(daycares, gr.Institution)
			}
			rooms[gr.Institution] = append(rooms[gr.Institution], gr.ID)
		}
	}
	if len(daycares) == 0 {
		return
	}
	for k := range a.change.FromDaycare {
		d := daycares[k%len(daycares)]
		id := a.g.person(a.ny-1, a.ny-1, time.Date(a.ny, time.June, 30, 0, 0, 0, 0, time.UTC))
		a.out.Affiliations = append(a.out.Affiliations, orgmodel.Affiliation{
			PersonID: id, Institution: d, Roles: rolesBarn, MainGroupID: rooms[d][k%len(rooms[d])],
			Valid: orgmodel.Period{From: a.start},
		})
	}
}

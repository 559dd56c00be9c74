package orgmodel

import (
	"errors"
	"fmt"
	"github.com/orgsync/orgsync/internal/problem"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every error Validate returns, and by
// the CPR errors of ValidCPR.
var ErrInvalid = errors.New("invalid snapshot")

// Problem is one thing wrong with a snapshot: the record it concerns, the
// field (by its JSON name) and what is wrong. Messages never contain a CPR
// number.
type Problem struct {
	// Record names the record, e.g. "person 123", "unit u7",
	// "group 280017/g12", "institution 280017" or
	// "affiliation 41 (person 123)" (its position in Snapshot.Affiliations).
	Record string `json:"record"`
	// Field is the JSON name of the field, e.g. "cpr", "parentId",
	// "groupIds[2]"; empty when the record as a whole is at fault.
	Field string `json:"field,omitempty"`
	// Message says what is wrong, in lower case.
	Message string `json:"message"`
}

// String renders the problem as "record field: message".
func (p Problem) String() string {
	if p.Field == "" {
		return p.Record + ": " + p.Message
	}
	return p.Record + " " + p.Field + ": " + p.Message
}

// ValidationError lists every problem Validate found, in the order of the
// snapshot's slices (institutions, units, persons, groups, affiliations).
// It is the module's one shape of a list of problems (internal/problem):
// Error gives a summary line and one problem per line, and errors.Is
// matches ErrInvalid.
type ValidationError = problem.List[Problem, validation]

// validation names the operation and sentinel of a ValidationError.
type validation struct{}

func (validation) Op() string      { return "validate snapshot" }
func (validation) Sentinel() error { return ErrInvalid }

// problems collects Problems.
type problems []Problem

func (ps *problems) add(record, field, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	*ps = append(*ps, Problem{Record: record, Field: field, Message: msg})
}

// Validate indexes the snapshot (see Index) and checks it, reporting every
// problem at once as a *ValidationError (errors.Is(err, ErrInvalid)); it
// returns nil for a valid snapshot. It checks:
//
//   - the school year (snapshot and groups): "YYYY-YYYY" with consecutive
//     years;
//   - institutions: a number, a name, a known type, unique numbers;
//   - units: an id, a name, a known hierarchy, unique ids, an existing
//     institution, an existing parent in the same hierarchy, no cycles;
//   - persons: an id, unique ids, a name (given or family), a valid CPR when
//     one is given (see ValidCPR), no CPR shared by two persons unless
//     they are linked as one human (Person.SameAs to the same primary
//     record, which exists and is not linked itself); a known CPR type, a
//     replacement id only with CPR type CPRReplacement and then no CPR;
//   - groups: an id, a name, a known type, an existing institution, ids
//     unique within their institution;
//   - affiliations: an existing person; an institution, a unit or both, each
//     existing (and the unit belonging to the institution when it names
//     one); at least one role, all known and of one kind; for a student
//     affiliation an existing main group of type Hovedgruppe; existing
//     further groups;
//   - school data: a known gender, phones with a known kind and a number;
//     contacts of an existing student, with a known relation, a
//     non-negative access level, a name and a valid CPR when given;
//   - every validity period: To after From.
//
// Validity periods are not compared with each other (an affiliation may
// outlive its group); derived views simply ignore what is not valid at the
// time they are asked about.
func (s *Snapshot) Validate() error {
	s.Index()
	ix := s.idx
	var ps problems

	if s.SchoolYear != "" && !validSchoolYear(s.SchoolYear) {
		ps.add("snapshot", "schoolYear", "%q is not a school year such as \"2024-2025\"", s.SchoolYear)
	}

	for i, in := range s.Institutions {
		rec := "institution " + in.Number
		if in.Number == "" {
			rec = "institution #" + strconv.Itoa(i)
			ps.add(rec, "number", "is empty")
		} else if ix.institutions[in.Number] != i {
			ps.add(rec, "number", "duplicate institution number")
		}
		if strings.TrimSpace(in.Name) == "" {
			ps.add(rec, "name", "is empty")
		}
		if !in.Type.Valid() {
			ps.add(rec, "type", "unknown institution type %q", in.Type)
		}
		checkPeriod(&ps, rec, in.Valid)
	}

	for i, u := range s.Units {
		rec := "unit " + u.ID
		if u.ID == "" {
			rec = "unit #" + strconv.Itoa(i)
			ps.add(rec, "id", "is empty")
		} else if ix.units[u.ID] != i {
			ps.add(rec, "id", "duplicate unit id")
		}
		if strings.TrimSpace(u.Name) == "" {
			ps.add(rec, "name", "is empty")
		}
		if !u.Hierarchy.Valid() {
			ps.add(rec, "hierarchy", "unknown hierarchy %q", u.Hierarchy)
		}
		if u.Institution != "" {
			if _, ok := ix.institutions[u.Institution]; !ok {
				ps.add(rec, "institution", "unknown institution %q", u.Institution)
			}
		}
		if u.ParentID != "" {
			if u.ParentID == u.ID {
				ps.add(rec, "parentId", "unit is its own parent")
			} else if p, ok := ix.units[u.ParentID]; !ok {
				ps.add(rec, "parentId", "unknown unit %q", u.ParentID)
			} else if h := s.Units[p].Hierarchy; h != u.Hierarchy {
				ps.add(rec, "parentId", "parent %q is in hierarchy %q, not %q", u.ParentID, h, u.Hierarchy)
			}
		}
		checkPeriod(&ps, rec, u.Valid)
	}
	s.unitCycles(&ps)

	// CPRs as numbers, each with its person's position in the low bits, so
	// that duplicates are found by sorting integers.
	cprs := make([]uint64, 0, len(s.Persons))
	dupPerson := ix.dupPersons
	for i := range s.Persons {
		p := &s.Persons[i]
		rec := func() string {
			if p.ID == "" {
				return "person #" + strconv.Itoa(i)
			}
			return "person " + p.ID
		}
		if p.ID == "" {
			ps.add(rec(), "id", "is empty")
		} else if len(dupPerson) > 0 && dupPerson[0] == i {
			dupPerson = dupPerson[1:]
			ps.add(rec(), "id", "duplicate person id")
		}
		if blank(p.GivenName) && blank(p.FamilyName) {
			ps.add(rec(), "givenName", "person has neither a given nor a family name")
		}
		if p.CPR != "" {
			if err := ValidCPR(p.CPR); err != nil {
				ps.add(rec(), "cpr", "%s", strings.TrimPrefix(err.Error(), "cpr: "))
			} else {
				n, _ := strconv.ParseUint(p.CPR, 10, 64)
				cprs = append(cprs, n<<cprShift|uint64(i))
			}
		}
	}
	slices.Sort(cprs)
	var dups []int
	for k := 1; k < len(cprs); k++ {
		if cprs[k]>>cprShift == cprs[k-1]>>cprShift {
			dups = append(dups, k)
		}
	}
	slices.SortFunc(dups, func(a, b int) int { return int(cprs[a]&cprMask) - int(cprs[b]&cprMask) })
	for _, k := range dups {
		first := cprs[k]
		for k > 0 && cprs[k-1]>>cprShift == first>>cprShift {
			k--
		}
		p, q := s.Persons[first&cprMask], s.Persons[cprs[k]&cprMask]
		if p.Human() == q.Human() {
			continue // one human, several accounts (Person.SameAs)
		}
		ps.add("person "+p.ID, "cpr", "same cpr as person %s", q.ID)
	}
	s.checkIdentity(&ps)
	s.checkSchoolData(&ps)

	for i, g := range s.Groups {
		rec := "group " + g.Key()
		if g.ID == "" {
			rec = "group #" + strconv.Itoa(i)
			ps.add(rec, "id", "is empty")
		} else if ix.groups[g.Key()] != i {
			ps.add(rec, "id", "duplicate group id in institution %q", g.Institution)
		}
		if g.Institution == "" {
			ps.add(rec, "institution", "is empty")
		} else if _, ok := ix.institutions[g.Institution]; !ok {
			ps.add(rec, "institution", "unknown institution %q", g.Institution)
		}
		if strings.TrimSpace(g.Name) == "" {
			ps.add(rec, "name", "is empty")
		}
		if !g.Type.Valid() {
			ps.add(rec, "type", "unknown group type %q", g.Type)
		}
		if g.SchoolYear != "" && !validSchoolYear(g.SchoolYear) {
			ps.add(rec, "schoolYear", "%q is not a school year such as \"2024-2025\"", g.SchoolYear)
		}
		if g.StartYear < 0 {
			ps.add(rec, "startYear", "is negative")
		}
		checkPeriod(&ps, rec, g.Valid)
	}

	for i := range s.Affiliations {
		s.checkAffiliation(&ps, i, &s.Affiliations[i])
	}
	s.checkManagers(&ps)

	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

const (
	cprShift = 30 // persons beyond 2^30 are not expected
	cprMask  = 1<<cprShift - 1
)

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func (s *Snapshot) checkAffiliation(ps *problems, i int, a *Affiliation) {
	ix := s.idx
	rec := func() string { return "affiliation " + strconv.Itoa(i) + " (person " + a.PersonID + ")" }
	if a.PersonID == "" {
		ps.add(rec(), "personId", "is empty")
	} else if ix.affPerson[i] < 0 {
		ps.add(rec(), "personId", "unknown person")
	}
	// groups of the affiliation's own institution, when it names a known one
	var groups map[string]int32
	instOK := false
	switch {
	case a.Institution == "" && a.UnitID == "":
		ps.add(rec(), "institution", "affiliation has neither an institution nor a unit")
	case a.Institution != "":
		if in := ix.affInst[i]; in < 0 || s.Institutions[in].Number != a.Institution {
			ps.add(rec(), "institution", "unknown institution %q", a.Institution)
		} else {
			instOK = true
			groups = ix.groupsIn[in]
		}
	}
	if a.UnitID != "" {
		if u, ok := ix.units[a.UnitID]; !ok {
			ps.add(rec(), "unitId", "unknown unit %q", a.UnitID)
		} else if ui := s.Units[u].Institution; ui != "" && a.Institution != "" && ui != a.Institution {
			ps.add(rec(), "unitId", "unit %q belongs to institution %q, not %q", a.UnitID, ui, a.Institution)
		}
	}

	kind := RoleKind("")
	switch {
	case len(a.Roles) == 0:
		ps.add(rec(), "roles", "no role")
	default:
		for j, r := range a.Roles {
			k := r.Kind()
			switch {
			case k == "":
				ps.add(rec(), "roles["+strconv.Itoa(j)+"]", "unknown role %q", r)
			case kind == "":
				kind = k
			case k != kind:
				ps.add(rec(), "roles["+strconv.Itoa(j)+"]", "role %q is %s, but the affiliation's roles are %s", r, k, kind)
			}
		}
	}

	if kind == Student {
		switch {
		case a.MainGroupID == "":
			ps.add(rec(), "mainGroupId", "student affiliation has no main group")
		case instOK:
			if g, ok := groups[a.MainGroupID]; !ok {
				ps.add(rec(), "mainGroupId", "unknown group %q in institution %q", a.MainGroupID, a.Institution)
			} else if t := s.Groups[g].Type; t != Hovedgruppe {
				ps.add(rec(), "mainGroupId", "group %q is of type %q, not %q", a.MainGroupID, t, Hovedgruppe)
			}
		case a.Institution == "":
			ps.add(rec(), "institution", "student affiliation has no institution for its main group")
		}
	} else if a.MainGroupID != "" && instOK {
		if _, ok := groups[a.MainGroupID]; !ok {
			ps.add(rec(), "mainGroupId", "unknown group %q in institution %q", a.MainGroupID, a.Institution)
		}
	}
	if len(a.GroupIDs) > 0 {
		if a.Institution == "" {
			ps.add(rec(), "groupIds", "groups without an institution")
		} else if instOK {
			for j, g := range a.GroupIDs {
				if _, ok := groups[g]; !ok {
					ps.add(rec(), "groupIds["+strconv.Itoa(j)+"]", "unknown group %q in institution %q", g, a.Institution)
				}
			}
		}
	}
	if !a.Valid.Valid() {
		checkPeriod(ps, rec(), a.Valid)
	}
}

// unitCycles reports each cycle in the unit tree once, on the unit with the
// smallest id in the cycle. Parent links to unknown units or into another
// hierarchy are reported elsewhere and not followed here.
func (s *Snapshot) unitCycles(ps *problems) {
	ix := s.idx
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]uint8, len(s.Units))
	parent := func(i int) int {
		u := s.Units[i]
		if u.ParentID == "" || u.ParentID == u.ID {
			return -1
		}
		p, ok := ix.units[u.ParentID]
		if !ok || s.Units[p].Hierarchy != u.Hierarchy {
			return -1
		}
		return p
	}
	var path []int
	for start := range s.Units {
		if state[start] != unseen || ix.units[s.Units[start].ID] != start {
			continue
		}
		path = path[:0]
		i := start
		for i >= 0 && state[i] == unseen {
			state[i] = onPath
			path = append(path, i)
			i = parent(i)
		}
		if i >= 0 && state[i] == onPath {
			at := slices.Index(path, i)
			cycle := path[at:]
			low := cycle[0]
			for _, c := range cycle {
				if s.Units[c].ID < s.Units[low].ID {
					low = c
				}
			}
			// Render the cycle from its smallest id, following parents.
			ids := make([]string, 0, len(cycle)+1)
			for c, n := low, 0; n <= len(cycle); c, n = parent(c), n+1 {
				ids = append(ids, s.Units[c].ID)
			}
			ps.add("unit "+s.Units[low].ID, "parentId", "cycle in %s hierarchy: %s", s.Units[low].Hierarchy, strings.Join(ids, " -> "))
		}
		for _, p := range path {
			state[p] = done
		}
	}
}

func checkPeriod(ps *problems, rec string, p Period) {
	if !p.Valid() {
		ps.add(rec, "valid", "period ends before it starts")
	}
}

// validSchoolYear reports whether y reads "YYYY-YYYY" with consecutive years.
func validSchoolYear(y string) bool {
	_, ok := ParseSchoolYear(y)
	return ok
}

// ParseSchoolYear returns the first calendar year of a school year written
// "YYYY-YYYY" (e.g. 2024 for "2024-2025"); ok is false when y is not of that
// form or the years are not consecutive.
func ParseSchoolYear(y string) (first int, ok bool) {
	if len(y) != 9 || y[4] != '-' {
		return 0, false
	}
	a, err1 := strconv.Atoi(y[:4])
	b, err2 := strconv.Atoi(y[5:])
	if err1 != nil || err2 != nil || y[0] == '+' || y[5] == '+' || y[0] == '-' || y[5] == '-' || b != a+1 {
		return 0, false
	}
	return a, true
}

// SchoolYearOf formats the school year that starts in the given calendar
// year, e.g. "2025-2026" for 2025.
func SchoolYearOf(first int) string {
	return fmt.Sprintf("%04d-%04d", first, first+1)
}

// Valid reports whether t is one of the STIL group types.
func (t GroupType) Valid() bool {
	switch t {
	case Hovedgruppe, Aargang, Retning, Hold, SFO, Team, Andet:
		return true
	}
	return false
}

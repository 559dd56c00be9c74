package orgmodel

import (
	"slices"
	"strings"
	"time"
)

// RolePolicy decides which kind of affiliation makes a person's global role
// when they have several kinds (a pupil who is also a substitute teacher).
// The zero value is the reference broker's rule: student, then employee,
// then external.
type RolePolicy struct {
	// Order lists role kinds from the strongest. Kinds not listed rank after
	// the listed ones, in the default order.
	Order []RoleKind
}

var defaultRoleOrder = [...]RoleKind{Student, Employee, External}

// rank returns the position of k in the policy; lower wins.
func (p RolePolicy) rank(k RoleKind) int {
	if i := slices.Index(p.Order, k); i >= 0 {
		return i
	}
	if i := slices.Index(defaultRoleOrder[:], k); i >= 0 {
		return len(p.Order) + i
	}
	return len(p.Order) + len(defaultRoleOrder)
}

// active reports whether affiliation a counts at time at: its own period
// contains at and so does its institution's, when it has a known one.
func (s *Snapshot) active(a *Affiliation, at time.Time) bool {
	if !a.Valid.Contains(at) {
		return false
	}
	if inst := s.affInstitution(a); inst != "" {
		if i, ok := s.idx.institutions[inst]; ok && !s.Institutions[i].Valid.Contains(at) {
			return false
		}
	}
	return true
}

// affInstitution returns the institution an affiliation belongs to: its own
// Institution, else that of its unit.
func (s *Snapshot) affInstitution(a *Affiliation) string {
	if a.Institution != "" || a.UnitID == "" {
		return a.Institution
	}
	if u, ok := s.idx.units[a.UnitID]; ok {
		return s.Units[u].Institution
	}
	return ""
}

// AffiliationInstitution returns the institution an affiliation belongs to:
// its Institution field, else the institution of its unit ("" when neither
// names one).
func (s *Snapshot) AffiliationInstitution(a Affiliation) string {
	s.ix()
	return s.affInstitution(&a)
}

// personAffs calls f for each affiliation of a person that counts at time at.
func (s *Snapshot) personAffs(personID string, at time.Time, f func(a *Affiliation)) {
	ix := s.ix()
	if p, ok := ix.persons[personID]; ok {
		s.affsAt(p, at, f)
	}
}

// affsAt calls f for each affiliation of the person at position p that
// counts at time at.
func (s *Snapshot) affsAt(p int, at time.Time, f func(a *Affiliation)) {
	for _, i := range s.idx.affOf(p) {
		if a := &s.Affiliations[i]; s.active(a, at) {
			f(a)
		}
	}
}

// GlobalRole returns the person's global role at time at: the strongest
// kind (by the policy) among the affiliations that count at that time (their
// period and their institution's period contain at). It returns "" when the
// person has no such affiliation with a known role.
func (s *Snapshot) GlobalRole(personID string, at time.Time, p RolePolicy) RoleKind {
	pos, ok := s.ix().persons[personID]
	if !ok {
		return ""
	}
	return s.globalRole(pos, at, p)
}

// GlobalRoleAt is GlobalRole for the person at position i of s.Persons,
// without the lookup by ID, for loops over every person. A person whose ID
// an earlier person has, or a position out of range, has no role.
func (s *Snapshot) GlobalRoleAt(i int, at time.Time, p RolePolicy) RoleKind {
	s.ix()
	if i < 0 || i >= len(s.Persons) {
		return ""
	}
	return s.globalRole(i, at, p)
}

// globalRole is GlobalRole for the person at position pos.
func (s *Snapshot) globalRole(pos int, at time.Time, p RolePolicy) RoleKind {
	best, bestRank := RoleKind(""), -1
	s.affsAt(pos, at, func(a *Affiliation) {
		k := a.Kind()
		if k == "" {
			return
		}
		if r := p.rank(k); bestRank < 0 || r < bestRank {
			best, bestRank = k, r
		}
	})
	return best
}

// Roles returns the union of the person's roles at time at, sorted by their
// text and without duplicates (nil when there are none). As the reference
// broker does, the roles of every kind are included; filter by Role.Kind for
// the employee roles alone.
func (s *Snapshot) Roles(personID string, at time.Time) []Role {
	var out []Role
	s.personAffs(personID, at, func(a *Affiliation) {
		out = append(out, a.Roles...)
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// InstitutionsOf returns the numbers of the institutions the person is
// affiliated with at time at (of every role kind), sorted and without
// duplicates. An affiliation to a unit counts for the unit's institution.
func (s *Snapshot) InstitutionsOf(personID string, at time.Time) []string {
	var out []string
	s.personAffs(personID, at, func(a *Affiliation) {
		if inst := s.affInstitution(a); inst != "" {
			out = append(out, inst)
		}
	})
	slices.SortFunc(out, compareNumbers)
	return slices.Compact(out)
}

// institutionTypeRank orders institution types for PrimaryInstitution.
func institutionTypeRank(t InstitutionType) int {
	switch t {
	case School:
		return 0
	case FU:
		return 1
	case Daycare:
		return 2
	case Municipality:
		return 3
	}
	return 4
}

// PrimaryInstitution returns the institution a person "lives" in at time
// at: the institution of one of their affiliations of the global role kind
// (see GlobalRole). When there are several, the winner is decided in this
// order, so the answer is deterministic:
//
//  1. institution type: school, then FU, then daycare, then municipality;
//  2. the earliest start (From) of the affiliation, an open start first;
//  3. the lowest institution number (compared as numbers when both are
//     digits, else as text).
//
// It returns false when the person has no affiliation with an institution
// at that time.
//
// The same order decides where a person's name comes from in the reference
// broker (a school's record wins over a daycare's). In this model names
// belong to the Person, not to an affiliation, so a source adapter that
// merges several institutions' records must apply that rule itself when it
// builds the Person.
func (s *Snapshot) PrimaryInstitution(personID string, at time.Time, p RolePolicy) (string, bool) {
	pos, ok := s.ix().persons[personID]
	if !ok {
		return "", false
	}
	return s.primaryInstitution(pos, at, p)
}

// PrimaryInstitutionAt is PrimaryInstitution for the person at position i
// of s.Persons, without the lookup by ID, for loops over every person. A
// person whose ID an earlier person has, or a position out of range, has
// none.
func (s *Snapshot) PrimaryInstitutionAt(i int, at time.Time, p RolePolicy) (string, bool) {
	s.ix()
	if i < 0 || i >= len(s.Persons) {
		return "", false
	}
	return s.primaryInstitution(i, at, p)
}

// primaryInstitution is PrimaryInstitution for the person at position pos.
func (s *Snapshot) primaryInstitution(pos int, at time.Time, p RolePolicy) (string, bool) {
	kind := s.globalRole(pos, at, p)
	if kind == "" {
		return "", false
	}
	var (
		best     string
		bestType int
		bestFrom time.Time
	)
	s.affsAt(pos, at, func(a *Affiliation) {
		if a.Kind() != kind {
			return
		}
		inst := s.affInstitution(a)
		if inst == "" {
			return
		}
		t := 4
		if i, ok := s.idx.institutions[inst]; ok {
			t = institutionTypeRank(s.Institutions[i].Type)
		}
		better := best == "" ||
			t < bestType ||
			t == bestType && a.Valid.From.Before(bestFrom) ||
			t == bestType && a.Valid.From.Equal(bestFrom) && compareNumbers(inst, best) < 0
		if better {
			best, bestType, bestFrom = inst, t, a.Valid.From
		}
	})
	return best, best != ""
}

// compareNumbers compares institution numbers: numerically when both are
// all digits, else as text.
func compareNumbers(a, b string) int {
	if allDigits(a) && allDigits(b) {
		ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(ta) != len(tb) {
			return len(ta) - len(tb)
		}
		if c := strings.Compare(ta, tb); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

package orgmodel

import (
	"slices"
	"strings"
	"time"
)

// index holds the lookup tables of a Snapshot. It is rebuilt by Index and
// Validate; a Snapshot changed after indexing must be indexed again.
type index struct {
	institutions map[string]int // number -> position
	units        map[string]int // id -> position
	persons      map[string]int // id -> position
	groups       map[string]int // GroupKey -> position

	// Affiliations by person, as compressed rows: the affiliations of the
	// person at position p are affList[affStart[p]:affStart[p+1]], in
	// snapshot order. Affiliations of unknown persons are not listed.
	affStart []int32
	affList  []int32
	// dupPersons lists the positions of persons whose ID an earlier person
	// has.
	dupPersons []int
	// affPerson and affInst give, per affiliation position, the position of
	// its person and of its institution (its own, else its unit's), or -1
	// when unknown or absent.
	affPerson []int32
	affInst   []int32
	// groupsIn maps, per institution position, group ids to positions; it
	// lets hot loops find a group without building its key.
	groupsIn []map[string]int32
	// byID lists person positions in ascending ID order (duplicates
	// excluded); nil when s.Persons is already in that order.
	byID []int32
}

// Index builds the snapshot's lookup tables. Lookups and derived views call
// it on first use; call it again after changing the slices. When IDs are
// duplicated the first record wins (Validate reports the duplicates).
func (s *Snapshot) Index() {
	ix := &index{
		institutions: make(map[string]int, len(s.Institutions)),
		units:        make(map[string]int, len(s.Units)),
		persons:      make(map[string]int, len(s.Persons)),
		groups:       make(map[string]int, len(s.Groups)),
	}
	for i, in := range s.Institutions {
		if _, dup := ix.institutions[in.Number]; !dup {
			ix.institutions[in.Number] = i
		}
	}
	for i, u := range s.Units {
		if _, dup := ix.units[u.ID]; !dup {
			ix.units[u.ID] = i
		}
	}
	for i, p := range s.Persons {
		if _, dup := ix.persons[p.ID]; !dup {
			ix.persons[p.ID] = i
		} else {
			ix.dupPersons = append(ix.dupPersons, i)
		}
	}
	for i, g := range s.Groups {
		k := g.Key()
		if _, dup := ix.groups[k]; !dup {
			ix.groups[k] = i
		}
	}
	ix.groupsIn = make([]map[string]int32, len(s.Institutions))
	for i, g := range s.Groups {
		in, ok := ix.institutions[g.Institution]
		if !ok || ix.groups[g.Key()] != i {
			continue
		}
		if ix.groupsIn[in] == nil {
			ix.groupsIn[in] = make(map[string]int32)
		}
		ix.groupsIn[in][g.ID] = int32(i)
	}
	ix.indexAffiliations(s)
	ix.orderPersons(s)
	s.idx = ix
}

func (s *Snapshot) ix() *index {
	if s.idx == nil {
		s.Index()
	}
	return s.idx
}

// Institution returns the institution with the given number.
func (s *Snapshot) Institution(number string) (Institution, bool) {
	i, ok := s.ix().institutions[number]
	if !ok {
		return Institution{}, false
	}
	return s.Institutions[i], true
}

// Unit returns the unit with the given id.
func (s *Snapshot) Unit(id string) (Unit, bool) {
	i, ok := s.ix().units[id]
	if !ok {
		return Unit{}, false
	}
	return s.Units[i], true
}

// Person returns the person with the given id.
func (s *Snapshot) Person(id string) (Person, bool) {
	i, ok := s.ix().persons[id]
	if !ok {
		return Person{}, false
	}
	return s.Persons[i], true
}

// Group returns the group with the given id in an institution.
func (s *Snapshot) Group(institution, id string) (Group, bool) {
	i, ok := s.ix().groups[GroupKey(institution, id)]
	if !ok {
		return Group{}, false
	}
	return s.Groups[i], true
}

// AffiliationsOf returns the person's affiliations valid at the given time,
// in snapshot order.
func (s *Snapshot) AffiliationsOf(personID string, at time.Time) []Affiliation {
	ix := s.ix()
	p, ok := ix.persons[personID]
	if !ok {
		return nil
	}
	n := 0
	for _, i := range ix.affOf(p) {
		if s.Affiliations[i].Valid.Contains(at) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Affiliation, 0, n)
	for _, i := range ix.affOf(p) {
		if a := &s.Affiliations[i]; a.Valid.Contains(at) {
			out = append(out, *a)
		}
	}
	return out
}

// AppendAffiliations appends to dst the affiliations of the person at
// position i of s.Persons that are valid at time at, in snapshot order, and
// returns the extended slice: AffiliationsOf for loops over every person,
// without the lookup by ID and without copies. The pointers point into
// s.Affiliations; do not modify through them. A person whose ID an earlier
// person has, or a position out of range, adds nothing (lookups by ID only
// see the first of duplicates).
func (s *Snapshot) AppendAffiliations(dst []*Affiliation, i int, at time.Time) []*Affiliation {
	ix := s.ix()
	if i < 0 || i >= len(s.Persons) {
		return dst
	}
	for _, j := range ix.affOf(i) {
		if a := &s.Affiliations[j]; a.Valid.Contains(at) {
			dst = append(dst, a)
		}
	}
	return dst
}

// affOf returns the positions of the affiliations of the person at
// position p.
func (ix *index) affOf(p int) []int32 {
	return ix.affList[ix.affStart[p]:ix.affStart[p+1]]
}

// indexAffiliations fills affStart and affList with a counting sort: two
// passes and two allocations, whatever the number of persons.
func (ix *index) indexAffiliations(s *Snapshot) {
	owner := make([]int32, len(s.Affiliations))
	ix.affInst = make([]int32, len(s.Affiliations))
	ix.affStart = make([]int32, len(s.Persons)+1)
	lastInst, lastPos := "", int32(-1) // affiliations come in runs
	for i := range s.Affiliations {
		a := &s.Affiliations[i]
		inst := a.Institution
		if inst == "" && a.UnitID != "" {
			if u, ok := ix.units[a.UnitID]; ok {
				inst = s.Units[u].Institution
			}
		}
		switch {
		case inst == "":
			ix.affInst[i] = -1
		case inst == lastInst && lastPos >= 0:
			ix.affInst[i] = lastPos
		default:
			pos := int32(-1)
			if n, ok := ix.institutions[inst]; ok {
				pos = int32(n)
			}
			ix.affInst[i], lastInst, lastPos = pos, inst, pos
		}
		p, ok := ix.persons[a.PersonID]
		if !ok {
			owner[i] = -1
			continue
		}
		owner[i] = int32(p)
		ix.affStart[p+1]++
	}
	ix.affPerson = owner
	for p := 1; p < len(ix.affStart); p++ {
		ix.affStart[p] += ix.affStart[p-1]
	}
	ix.affList = make([]int32, ix.affStart[len(s.Persons)])
	next := make([]int32, len(s.Persons))
	copy(next, ix.affStart[:len(s.Persons)])
	for i, p := range owner {
		if p < 0 {
			continue
		}
		ix.affList[next[p]] = int32(i)
		next[p]++
	}
}

// orderPersons sets byID unless the persons are already sorted by ID
// without duplicates, the common case for generated and exported data.
func (ix *index) orderPersons(s *Snapshot) {
	sorted := true
	for i := 1; i < len(s.Persons); i++ {
		if s.Persons[i-1].ID >= s.Persons[i].ID {
			sorted = false
			break
		}
	}
	if sorted {
		ix.byID = nil
		return
	}
	order := make([]int32, 0, len(ix.persons))
	for i, p := range s.Persons {
		if ix.persons[p.ID] == i {
			order = append(order, int32(i))
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		return strings.Compare(s.Persons[a].ID, s.Persons[b].ID)
	})
	ix.byID = order
}

// personOrder calls f for each distinct person position in ascending ID
// order.
func (ix *index) personOrder(n int, f func(p int)) {
	if ix.byID == nil {
		for p := 0; p < n; p++ {
			f(p)
		}
		return
	}
	for _, p := range ix.byID {
		f(int(p))
	}
}

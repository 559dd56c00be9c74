package orgmodel

import "time"

// index holds the lookup tables of a Snapshot. It is rebuilt by Index and
// Validate; a Snapshot changed after indexing must be indexed again.
type index struct {
	institutions map[string]int   // number -> position
	units        map[string]int   // id -> position
	persons      map[string]int   // id -> position
	groups       map[string]int   // GroupKey -> position
	affByPerson  map[string][]int // person id -> affiliation positions
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
		affByPerson:  make(map[string][]int, len(s.Persons)),
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
		}
	}
	for i, g := range s.Groups {
		k := g.Key()
		if _, dup := ix.groups[k]; !dup {
			ix.groups[k] = i
		}
	}
	for i, a := range s.Affiliations {
		ix.affByPerson[a.PersonID] = append(ix.affByPerson[a.PersonID], i)
	}
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
	var out []Affiliation
	for _, i := range s.ix().affByPerson[personID] {
		if a := s.Affiliations[i]; a.Valid.Contains(at) {
			out = append(out, a)
		}
	}
	return out
}

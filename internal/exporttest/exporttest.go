// Package exporttest builds the model fixtures the tests of the export
// adapters and binaries (Apple School Manager, OneRoster) share. It is for
// tests only.
package exporttest

import (
	"fmt"
	"slices"

	"github.com/orgsync/orgsync/orgmodel"
)

// ExtraTeachers returns a copy of s in which the first main group
// (Hovedgruppe) has n more teachers: new persons with IDs prefix00,
// prefix01, ... (copies of the first person), each with an employee
// affiliation linked to the group. It also returns the group and the new
// IDs. s must have a main group and an employee at its institution.
func ExtraTeachers(s *orgmodel.Snapshot, n int, prefix string) (*orgmodel.Snapshot, orgmodel.Group, []string) {
	i := slices.IndexFunc(s.Groups, func(g orgmodel.Group) bool { return g.Type == orgmodel.Hovedgruppe })
	class := s.Groups[i]
	j := slices.IndexFunc(s.Affiliations, func(a orgmodel.Affiliation) bool {
		return a.Kind() == orgmodel.Employee && s.AffiliationInstitution(a) == class.Institution
	})
	teacher := s.Affiliations[j]
	persons, affs := slices.Clone(s.Persons), slices.Clone(s.Affiliations)
	var ids []string
	for k := range n {
		p := s.Persons[0]
		p.ID = fmt.Sprintf("%s%02d", prefix, k)
		persons = append(persons, p)
		a := teacher
		a.PersonID, a.GroupIDs, a.MainGroupID = p.ID, []string{class.ID}, ""
		affs = append(affs, a)
		ids = append(ids, p.ID)
	}
	c := &orgmodel.Snapshot{SchoolYear: s.SchoolYear, Institutions: s.Institutions, Units: s.Units, Persons: persons,
		Affiliations: affs, Groups: s.Groups, Contacts: s.Contacts, Managers: s.Managers}
	return c, class, ids
}

package stil

import (
	"fmt"

	"github.com/orgsync/orgsync/orgmodel"
)

// Snapshot merges the usable exports into one organisation snapshot.
// Exports with Err set are left out (see Failed). A person found at several
// institutions becomes one Person with one Affiliation per institution and
// kind; their names come from a school before a daycare or youth education,
// and other fields from the first export that has them. The snapshot's
// school year is the highest of the exports'.
//
// The returned problems are conflicts found while merging (a person with two
// different CPR numbers); the first value is kept.
func (r *Result) Snapshot() (orgmodel.Snapshot, []*RecordError) {
	var (
		s        orgmodel.Snapshot
		problems []*RecordError
		at       = map[string]int{}
		rank     = map[string]int{} // person ID -> name rank of the institution it came from
		bestYear = -1
	)
	for _, e := range r.Exports {
		if e.Err != nil {
			continue
		}
		s.Institutions = append(s.Institutions, e.Institution)
		s.Groups = append(s.Groups, e.Groups...)
		s.Affiliations = append(s.Affiliations, e.Affiliations...)
		if y, ok := schoolYearStart(e.SchoolYear); ok && y > bestYear {
			bestYear, s.SchoolYear = y, e.SchoolYear
		}
		rk := nameRank(e.Institution.Type)
		for _, p := range e.Persons {
			i, seen := at[p.ID]
			if !seen {
				at[p.ID] = len(s.Persons)
				rank[p.ID] = rk
				s.Persons = append(s.Persons, p)
				continue
			}
			q := &s.Persons[i]
			if q.CPR != "" && p.CPR != "" && q.CPR != p.CPR {
				problems = append(problems, &RecordError{Path: "InstitutionPerson", Institution: e.Institution.Number, PersonID: p.ID,
					Err: fmt.Errorf("%w: CPR differs from the one at another institution; first kept", ErrConflict)})
			}
			if rk < rank[p.ID] {
				rank[p.ID] = rk
				q.GivenName, q.FamilyName = p.GivenName, p.FamilyName
				q.AliasGivenName, q.AliasFamilyName, q.Protected = p.AliasGivenName, p.AliasFamilyName, p.Protected
			}
			q.Protected = q.Protected || p.Protected // protection anywhere protects everywhere
			if q.AliasGivenName == "" && q.AliasFamilyName == "" {
				q.AliasGivenName, q.AliasFamilyName = p.AliasGivenName, p.AliasFamilyName
			}
			fill(&q.CPR, p.CPR)
			fill(&q.Email, p.Email)
			fill(&q.UNIID, p.UNIID)
		}
	}
	return s, problems
}

// Failed returns the exports that cannot be used (Export.Err set).
func (r *Result) Failed() []*Export {
	var out []*Export
	for _, e := range r.Exports {
		if e.Err != nil {
			out = append(out, e)
		}
	}
	return out
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// nameRank orders institution types for whose names win: lower wins.
func nameRank(t orgmodel.InstitutionType) int {
	switch t {
	case orgmodel.School:
		return 0
	case orgmodel.FU:
		return 1
	case orgmodel.Municipality:
		return 2
	case orgmodel.Daycare:
		return 3
	}
	return 4
}

package stil

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/orgsync/orgsync/orgmodel"
)

// SharedCPRPolicy decides what Merge does with several person records (UNI-Login
// user ids) that carry one CPR number.
type SharedCPRPolicy string

// Shared-CPR policies.
const (
	// SharedCPRLink keeps every record as its own person, each with its own
	// account, linked as one human: every record but the primary (the lowest
	// person ID) gets Person.SameAs set to the primary's ID. The default.
	SharedCPRLink SharedCPRPolicy = "link"
	// SharedCPRHold keeps only the primary record and holds the others back
	// (left out, each reported as a problem), so that no extra account is
	// created until someone decides.
	SharedCPRHold SharedCPRPolicy = "hold"
)

// MergeOptions tune Merge. The zero value is Snapshot's behaviour.
type MergeOptions struct {
	// Previous is the snapshot last applied. An institution whose export
	// cannot be used (Export.Err) or is older than the previous one
	// (ErrStale) keeps its previous data: its institution record, groups,
	// affiliations and the persons they need are copied from Previous.
	// Without Previous such an institution is left out.
	Previous *orgmodel.Snapshot
	// SharedCPR decides about several person records with one CPR; empty
	// means SharedCPRLink.
	SharedCPR SharedCPRPolicy
	// UNILoginUsernames makes each person's UNI-Login user id their
	// username (Person.Username, which wins over any naming standard), for
	// a municipality whose accounts are named as in UNI-Login. A person
	// without a user id keeps the naming standard.
	UNILoginUsernames bool
}

// Snapshot merges the usable exports into one organisation snapshot; it is
// Merge with zero options.
func (r *Result) Snapshot() (orgmodel.Snapshot, []*RecordError) {
	return r.Merge(MergeOptions{})
}

// Merge merges the usable exports into one organisation snapshot. Exports
// with Err set are left out (see Failed) or, with opt.Previous, replaced by
// their previous data. A person found at several institutions becomes one
// Person with one Affiliation per institution and kind; their names come
// from a school before a daycare or youth education, and other fields from
// the first export that has them. The snapshot's school year is the highest
// of the exports'. Each institution's ExportedAt is its export's
// exportDateTime.
//
// The returned problems are found while merging: a person with two
// different CPR numbers (the first kept), an export older than the one last
// applied (ErrStale; Export.Err is set to it), a record held back under
// SharedCPRHold.
func (r *Result) Merge(opt MergeOptions) (orgmodel.Snapshot, []*RecordError) {
	var (
		s        orgmodel.Snapshot
		problems []*RecordError
		at       = map[string]int{}
		rank     = map[string]int{} // person ID -> name rank of the institution it came from
		bestYear = -1
		held     []string
	)
	// Size the slices once: the records are large, and growing them by
	// appending would copy each several times.
	var nInst, nGroup, nPerson, nAff, nContact int
	for _, e := range r.Exports {
		nInst++
		nGroup += len(e.Groups)
		nPerson += len(e.Persons)
		nAff += len(e.Affiliations)
		nContact += len(e.ContactPersons)
	}
	s.Institutions = make([]orgmodel.Institution, 0, nInst)
	s.Groups = make([]orgmodel.Group, 0, nGroup)
	s.Persons = make([]orgmodel.Person, 0, nPerson)
	s.Affiliations = make([]orgmodel.Affiliation, 0, nAff)
	if nContact > 0 {
		s.Contacts = make([]orgmodel.Contact, 0, nContact)
	}
	at = make(map[string]int, nPerson)
	prevAt := map[string]orgmodel.Institution{}
	if opt.Previous != nil {
		for _, in := range opt.Previous.Institutions {
			prevAt[in.Number] = in
		}
	}
	for _, e := range r.Exports {
		if e.Err == nil {
			if p, ok := prevAt[e.Institution.Number]; ok && !e.ExportedAt.IsZero() && e.ExportedAt.Before(p.ExportedAt) {
				e.Err = fmt.Errorf("stil: merge institution %s: %w: exported %s, last applied %s", e.Institution.Number, ErrStale,
					e.ExportedAt.UTC().Format("2006-01-02T15:04:05Z"), p.ExportedAt.UTC().Format("2006-01-02T15:04:05Z"))
				problems = append(problems, &RecordError{Path: "UNILoginExportFullMyndighed/@exportDateTime", Institution: e.Institution.Number, Skipped: true, Err: e.Err})
			}
		}
		if e.Err != nil {
			if e.Institution.Number != "" {
				held = append(held, e.Institution.Number)
			}
			continue
		}
		in := e.Institution
		in.ExportedAt = e.ExportedAt
		s.Institutions = append(s.Institutions, in)
		s.Groups = append(s.Groups, e.Groups...)
		s.Affiliations = append(s.Affiliations, e.Affiliations...)
		s.Contacts = append(s.Contacts, e.ContactPersons...)
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
			if q.CPR != "" {
				q.ReplacementID = ""
				if q.CPRType == orgmodel.CPRReplacement || q.CPRType == "" {
					q.CPRType = p.CPRType
				}
			}
			fill(&q.ReplacementID, p.ReplacementID)
			fill(&q.PhotoID, p.PhotoID)
			if q.BirthDate.IsZero() {
				q.BirthDate = p.BirthDate
			}
			if q.Gender == "" {
				q.Gender = p.Gender
			}
			if q.Address == nil {
				q.Address = p.Address
			}
			if q.Phones == nil {
				q.Phones = p.Phones
			}
		}
	}
	if opt.Previous != nil {
		if renamed := keepIdentities(&s, opt.Previous); len(renamed) > 0 {
			problems = append(problems, renamed...)
			clear(at)
			for i, p := range s.Persons {
				at[p.ID] = i
			}
		}
	}
	if opt.Previous != nil && len(held) > 0 {
		if carryForward(&s, opt.Previous, held, at) {
			// The carried data belongs to the previous school year.
			if y, ok := schoolYearStart(opt.Previous.SchoolYear); ok && y > bestYear {
				bestYear, s.SchoolYear = y, opt.Previous.SchoolYear
			}
		}
	}
	if opt.UNILoginUsernames {
		for i := range s.Persons {
			if p := &s.Persons[i]; p.Username == "" && p.UNIID != "" {
				p.Username = p.UNIID
			}
		}
	}
	problems = append(problems, linkSharedCPR(&s, opt.SharedCPR)...)
	return s, problems
}

// carryForward copies the previous data of the held institutions into s
// and reports whether there was any.
func carryForward(s *orgmodel.Snapshot, prev *orgmodel.Snapshot, held []string, at map[string]int) bool {
	isHeld := map[string]bool{}
	for _, n := range held {
		isHeld[n] = true
	}
	carried := false
	for _, in := range prev.Institutions {
		if isHeld[in.Number] {
			s.Institutions = append(s.Institutions, in)
			carried = true
		}
	}
	for _, g := range prev.Groups {
		if isHeld[g.Institution] {
			s.Groups = append(s.Groups, g)
		}
	}
	for _, c := range prev.Contacts {
		if isHeld[c.Institution] {
			s.Contacts = append(s.Contacts, c)
		}
	}
	prevPerson := map[string]int{}
	for i, p := range prev.Persons {
		prevPerson[p.ID] = i
	}
	for _, a := range prev.Affiliations {
		if !isHeld[a.Institution] {
			continue
		}
		s.Affiliations = append(s.Affiliations, a)
		if _, ok := at[a.PersonID]; ok {
			continue
		}
		if i, ok := prevPerson[a.PersonID]; ok {
			at[a.PersonID] = len(s.Persons)
			s.Persons = append(s.Persons, prev.Persons[i])
		}
	}
	return carried
}

// linkSharedCPR finds person records that share a CPR and links them (or
// holds all but the primary back).
func linkSharedCPR(s *orgmodel.Snapshot, policy SharedCPRPolicy) []*RecordError {
	byCPR := map[string][]int{}
	for i, p := range s.Persons {
		if p.CPR != "" {
			byCPR[p.CPR] = append(byCPR[p.CPR], i)
		}
	}
	drop := map[string]bool{}
	var problems []*RecordError
	for _, idx := range byCPR {
		if len(idx) < 2 {
			continue
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(s.Persons[a].ID, s.Persons[b].ID) })
		primary := s.Persons[idx[0]].ID
		s.Persons[idx[0]].SameAs = ""
		for _, i := range idx[1:] {
			p := &s.Persons[i]
			if policy == SharedCPRHold {
				drop[p.ID] = true
				problems = append(problems, &RecordError{Path: "InstitutionPerson/Person/CivilRegistrationNumber", PersonID: p.ID, Skipped: true,
					Err: fmt.Errorf("%w: same CPR as person %s; extra account held back", ErrConflict, primary)})
				continue
			}
			p.SameAs = primary
		}
	}
	if len(drop) == 0 {
		return problems
	}
	s.Persons = slices.DeleteFunc(s.Persons, func(p orgmodel.Person) bool { return drop[p.ID] })
	s.Affiliations = slices.DeleteFunc(s.Affiliations, func(a orgmodel.Affiliation) bool { return drop[a.PersonID] })
	s.Contacts = slices.DeleteFunc(s.Contacts, func(c orgmodel.Contact) bool { return drop[c.StudentID] })
	slices.SortFunc(problems, func(a, b *RecordError) int { return cmp.Compare(a.PersonID, b.PersonID) })
	return problems
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

func sortProblems(ps []*RecordError) {
	slices.SortFunc(ps, func(a, b *RecordError) int { return cmp.Compare(a.PersonID, b.PersonID) })
}

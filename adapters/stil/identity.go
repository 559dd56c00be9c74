package stil

import (
	"errors"
	"fmt"

	"github.com/orgsync/orgsync/orgmodel"
)

// ErrIdentityChanged marks a person whose identifier changed between the
// previous snapshot and this export and who was kept as the same person.
// It is a notice, not a failure.
var ErrIdentityChanged = errors.New("identity changed; kept as the same person")

// keepIdentities keeps a person the same across a change of identifier, so
// that a directory sees one person with one account, never a leaver and a
// new account. Precedence, for a person of this export whose ID (the
// UNI-Login user id, or "<institution>:<LocalPersonId>" without one) the
// previous snapshot does not have:
//
//  1. the same ID: the same person (nothing to do; this covers a
//     replacement CPR becoming a real one, as the user id stays);
//  2. the same real CPR as a previous person whose ID is gone from this
//     export: that person, under the previous ID (a new UNI-Login id, or a
//     user id given to a person who had only a local id);
//  3. the same replacement id as such a previous person: that person.
//
// A match is used only when it is one-to-one: when two new records claim
// one previous person (or one record several), nothing is renamed. Each
// rename is reported as a problem wrapping ErrIdentityChanged.
func keepIdentities(s *orgmodel.Snapshot, prev *orgmodel.Snapshot) []*RecordError {
	cur := make(map[string]bool, len(s.Persons))
	for _, p := range s.Persons {
		cur[p.ID] = true
	}
	byCPR, byRepl := map[string][]string{}, map[string][]string{}
	prevIDs := make(map[string]bool, len(prev.Persons))
	for _, q := range prev.Persons {
		prevIDs[q.ID] = true
		if cur[q.ID] {
			continue // still here under its ID: not free to be claimed
		}
		if q.CPR != "" {
			byCPR[q.CPR] = append(byCPR[q.CPR], q.ID)
		}
		if q.ReplacementID != "" {
			byRepl[q.ReplacementID] = append(byRepl[q.ReplacementID], q.ID)
		}
	}
	claims := map[string][]int{} // previous ID -> positions in s.Persons
	for i, p := range s.Persons {
		if prevIDs[p.ID] {
			continue
		}
		var ids []string
		switch {
		case p.CPR != "":
			ids = byCPR[p.CPR]
		case p.ReplacementID != "":
			ids = byRepl[p.ReplacementID]
		}
		if len(ids) == 1 {
			claims[ids[0]] = append(claims[ids[0]], i)
		}
	}
	rename := map[string]string{}
	var problems []*RecordError
	for old, who := range claims {
		if len(who) != 1 {
			continue
		}
		p := &s.Persons[who[0]]
		rename[p.ID] = old
		problems = append(problems, &RecordError{Path: "InstitutionPerson/Person/UserId", PersonID: old,
			Err: fmt.Errorf("%w: person %s of the previous snapshot is now listed as %s", ErrIdentityChanged, old, p.ID)})
	}
	if len(rename) == 0 {
		return nil
	}
	for i := range s.Persons {
		if to, ok := rename[s.Persons[i].ID]; ok {
			s.Persons[i].ID = to
		}
	}
	instOf := map[string]string{}
	for i := range s.Affiliations {
		if to, ok := rename[s.Affiliations[i].PersonID]; ok {
			s.Affiliations[i].PersonID = to
			if instOf[to] == "" {
				instOf[to] = s.Affiliations[i].Institution
			}
		}
	}
	for _, p := range problems {
		p.Institution = instOf[p.PersonID]
	}
	for i := range s.Contacts {
		if to, ok := rename[s.Contacts[i].StudentID]; ok {
			s.Contacts[i].StudentID = to
		}
	}
	sortProblems(problems)
	return problems
}

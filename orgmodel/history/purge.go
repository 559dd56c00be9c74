package history

import (
	"slices"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// DefaultRetentionMonths is how long the data of a person gone from every
// source is kept before it is purged: 13 months, as the reference broker
// does (a school year and a margin for complaints and audits).
const DefaultRetentionMonths = 13

// Dated is a stored snapshot and when it was stored.
type Dated struct {
	At       time.Time
	Snapshot *orgmodel.Snapshot
}

// Gone returns, sorted, the IDs of the persons of hist (oldest first)
// whose retention has ended at now: absent from the newest snapshot, and
// absent since a snapshot stored at least months months before now (the
// first snapshot after the last one that held them). A person who came
// back is not gone. months <= 0 means DefaultRetentionMonths.
func Gone(hist []Dated, now time.Time, months int) []string {
	if months <= 0 {
		months = DefaultRetentionMonths
	}
	if len(hist) == 0 {
		return nil
	}
	newest := map[string]bool{}
	for _, p := range hist[len(hist)-1].Snapshot.Persons {
		newest[p.ID] = true
	}
	goneSince := map[string]time.Time{} // person -> first snapshot without them after the last with them
	for i, d := range hist {
		var next time.Time
		if i+1 < len(hist) {
			next = hist[i+1].At
		}
		for _, p := range d.Snapshot.Persons {
			if !newest[p.ID] {
				goneSince[p.ID] = next
			}
		}
	}
	var out []string
	for id, since := range goneSince {
		if !since.IsZero() && !now.Before(since.AddDate(0, months, 0)) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Without returns s without the persons ids: their Person records, their
// affiliations, the contact links of them as students or contacts and
// their manager posts. changed is false (and out is s) when s holds none
// of them. s is not changed.
func Without(s *orgmodel.Snapshot, ids map[string]bool) (out *orgmodel.Snapshot, changed bool) {
	has := func() bool {
		for _, p := range s.Persons {
			if ids[p.ID] {
				return true
			}
		}
		for _, c := range s.Contacts {
			if ids[c.StudentID] || (c.Person.ID != "" && ids[c.Person.ID]) {
				return true
			}
		}
		return false
	}
	if len(ids) == 0 || !has() {
		return s, false
	}
	c := orgmodel.Snapshot{SchoolYear: s.SchoolYear, Institutions: slices.Clone(s.Institutions), Units: slices.Clone(s.Units),
		Groups: slices.Clone(s.Groups)}
	c.Persons = slices.DeleteFunc(slices.Clone(s.Persons), func(p orgmodel.Person) bool { return ids[p.ID] })
	c.Affiliations = slices.DeleteFunc(slices.Clone(s.Affiliations), func(a orgmodel.Affiliation) bool { return ids[a.PersonID] })
	c.Contacts = slices.DeleteFunc(slices.Clone(s.Contacts), func(k orgmodel.Contact) bool {
		return ids[k.StudentID] || (k.Person.ID != "" && ids[k.Person.ID])
	})
	c.Managers = slices.DeleteFunc(slices.Clone(s.Managers), func(m orgmodel.Manager) bool { return m.PersonID != "" && ids[m.PersonID] })
	return &c, true
}

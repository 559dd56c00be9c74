package history

import (
	"slices"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// DefaultProtectedMonths is how long a stored snapshot keeps its protected
// fields once a newer snapshot has replaced it: 13 months, the same as
// the purge retention (DefaultRetentionMonths).
const DefaultProtectedMonths = DefaultRetentionMonths

// Stripped counts the protected fields Minimise removed. It holds numbers
// only, so that it can go into an audit record.
type Stripped struct {
	// CPR counts CPR numbers and replacement ids (erstatnings-cpr).
	CPR int `json:"cpr"`
	// Addresses counts postal addresses.
	Addresses int `json:"addresses"`
	// Names counts the real names of name-protected persons, replaced by
	// their alias names (left empty when they have none).
	Names int `json:"names"`
	// Phones counts protected phone numbers.
	Phones int `json:"phones"`
}

// Add returns the sum of s and o.
func (s Stripped) Add(o Stripped) Stripped {
	return Stripped{CPR: s.CPR + o.CPR, Addresses: s.Addresses + o.Addresses, Names: s.Names + o.Names, Phones: s.Phones + o.Phones}
}

// Total is the number of fields removed.
func (s Stripped) Total() int { return s.CPR + s.Addresses + s.Names + s.Phones }

// MinimiseDue returns how many of the snapshots stored at the times at
// (oldest first) are due for minimisation at now: a snapshot is due once
// a newer one has replaced it for months months (months <= 0 means
// DefaultProtectedMonths). The newest snapshot is never due: it is the
// current data and the base of the next comparison. Since at is sorted,
// the due snapshots are the first n.
func MinimiseDue(at []time.Time, now time.Time, months int) int {
	if months <= 0 {
		months = DefaultProtectedMonths
	}
	n := 0
	for i := 0; i+1 < len(at); i++ {
		if now.Before(at[i+1].AddDate(0, months, 0)) {
			break
		}
		n = i + 1
	}
	return n
}

// Minimise returns s without its protected fields, for the history kept
// beyond the protected retention: every person's and contact person's CPR
// number and replacement id, postal address and protected phone numbers,
// and the real names of name-protected persons (their alias names take
// their place; a protected person without alias names is left nameless). IDs, roles, affiliations,
// groups and the other fields stay, so the history still tells who was
// where when. changed is false (and out is s) when s holds no protected
// field. s is not changed.
func Minimise(s *orgmodel.Snapshot) (out *orgmodel.Snapshot, n Stripped, changed bool) {
	for i := range s.Persons {
		n = n.Add(strip(&s.Persons[i], false))
	}
	for i := range s.Contacts {
		n = n.Add(strip(&s.Contacts[i].Person, false))
	}
	if n.Total() == 0 {
		return s, n, false
	}
	c := *s
	c.Persons = slices.Clone(s.Persons)
	for i := range c.Persons {
		strip(&c.Persons[i], true)
	}
	c.Contacts = slices.Clone(s.Contacts)
	for i := range c.Contacts {
		strip(&c.Contacts[i].Person, true)
	}
	c.Index()
	return &c, n, true
}

// strip counts p's protected fields and, when write is set, removes them
// from p (p must then be a copy: its Phones slice is replaced, not
// changed in place).
func strip(p *orgmodel.Person, write bool) Stripped {
	var n Stripped
	if p.CPR != "" {
		n.CPR++
	}
	if p.ReplacementID != "" {
		n.CPR++
	}
	if p.Address != nil {
		n.Addresses++
	}
	given, family := p.AliasGivenName, p.AliasFamilyName
	if p.Protected && (p.GivenName != given || p.FamilyName != family) {
		n.Names++
	}
	for _, ph := range p.Phones {
		if ph.Protected {
			n.Phones++
		}
	}
	if !write || n.Total() == 0 {
		return n
	}
	p.CPR, p.ReplacementID, p.Address = "", "", nil
	if p.Protected {
		p.GivenName, p.FamilyName = given, family
	}
	if n.Phones > 0 {
		p.Phones = slices.DeleteFunc(slices.Clone(p.Phones), func(ph orgmodel.Phone) bool { return ph.Protected })
		if len(p.Phones) == 0 {
			p.Phones = nil
		}
	}
	return n
}

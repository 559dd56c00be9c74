package desired

import "github.com/orgsync/orgsync/orgmodel"

// ProtectedNamesShown returns how many persons of s the projection shows
// by their real names although they are name-protected, that is how many
// protected persons with alias names there are when
// Config.IgnoreNameProtection is set, and 0 otherwise. A pipeline reports
// the number in its output and audit log, so that the choice to show real
// names is on record.
func (p *Projection) ProtectedNamesShown(s *orgmodel.Snapshot) int {
	if !p.cfg.IgnoreNameProtection {
		return 0
	}
	n := 0
	for i := range s.Persons {
		q := &s.Persons[i]
		if given, family := q.Names(); q.Protected && (given != q.GivenName || family != q.FamilyName) {
			n++
		}
	}
	return n
}

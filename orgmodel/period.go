package orgmodel

import "time"

// Period is a validity interval [From, To). A zero From means "since always"
// and a zero To means "until further notice" (open-ended).
type Period struct {
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
}

// Always is the Period that is valid at every instant.
var Always = Period{}

// Contains reports whether at lies inside the period.
func (p Period) Contains(at time.Time) bool {
	if !p.From.IsZero() && at.Before(p.From) {
		return false
	}
	if !p.To.IsZero() && !at.Before(p.To) {
		return false
	}
	return true
}

// Valid reports whether the period is well formed: To, when set, is after From.
func (p Period) Valid() bool {
	return p.From.IsZero() || p.To.IsZero() || p.To.After(p.From)
}

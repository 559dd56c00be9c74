package os2mo

import "testing"

// FuzzPeriod: any validity text gives a period or an error naming the
// field, never a panic.
func FuzzPeriod(f *testing.F) {
	f.Add("2026-01-01T00:00:00+01:00", "2026-12-31T00:00:00+01:00")
	f.Add("2026-01-01", "")
	f.Add("x", "y")
	f.Fuzz(func(t *testing.T, from, to string) {
		v := validity{From: &from}
		if to != "" {
			v.To = &to
		}
		p, err := period(v)
		if err == nil && !p.From.IsZero() && !p.To.IsZero() && p.To.Before(p.From) && p.Valid() {
			t.Errorf("period %v claims validity", p)
		}
	})
}

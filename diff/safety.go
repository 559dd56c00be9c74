package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Limit bounds how many objects a plan may disable or delete. It is
// exceeded when the count is greater than Count, or greater than Percent
// per cent of the managed actual objects it is measured against. A zero
// field is no limit; the zero Limit never bites.
type Limit struct {
	// Percent is a share in per cent (10 means 10 %).
	Percent float64 `json:"percent,omitempty"`
	// Count is an absolute number of objects.
	Count int `json:"count,omitempty"`
}

// exceeded reports whether n changes out of total objects exceed the
// limit.
func (l Limit) exceeded(n, total int) bool {
	if n == 0 {
		return false
	}
	if l.Count > 0 && n > l.Count {
		return true
	}
	return l.Percent > 0 && float64(n) > l.Percent/100*float64(total)
}

// String renders the limit, e.g. "10 % or 50".
func (l Limit) String() string {
	switch {
	case l.Count > 0 && l.Percent > 0:
		return fmt.Sprintf("%g %% or %d", l.Percent, l.Count)
	case l.Count > 0:
		return fmt.Sprintf("%d", l.Count)
	case l.Percent > 0:
		return fmt.Sprintf("%g %%", l.Percent)
	}
	return "none"
}

// Thresholds are the safety rails a plan is checked against before it is
// applied (the classic accident: a broken source disables thousands).
type Thresholds struct {
	// Disable limits disables (and retirements) per object kind, against
	// the managed actual objects of that kind. Disabling an object that is
	// already disabled (only stamping the date mark) does not count.
	Disable map[Kind]Limit `json:"disable,omitempty"`
	// Delete limits deletes per object kind.
	Delete map[Kind]Limit `json:"delete,omitempty"`
	// PerInstitution limits disables plus deletes of any kind within one
	// institution (Object.Institution), against that institution's
	// managed actual objects. Objects without an institution are not
	// counted here.
	PerInstitution Limit `json:"perInstitution,omitzero"`
}

// DefaultThresholds returns 10 % or 50 objects for disables and deletes of
// users, groups and containers, and for each institution.
func DefaultThresholds() Thresholds {
	l := Limit{Percent: 10, Count: 50}
	return Thresholds{
		Disable:        map[Kind]Limit{User: l, Group: l, Container: l},
		Delete:         map[Kind]Limit{User: l, Group: l, Container: l},
		PerInstitution: l,
	}
}

// Breach is one limit a plan exceeds.
type Breach struct {
	// Action is Disable or Delete; NoOp for a per-institution breach
	// (disables and deletes together).
	Action Action `json:"action"`
	// Kind is the object kind; empty for a per-institution breach.
	Kind Kind `json:"kind,omitempty"`
	// Institution is set for a per-institution breach.
	Institution string `json:"institution,omitempty"`
	// Count is how many objects the plan would have changed.
	Count int `json:"count"`
	// Total is the number of managed actual objects measured against.
	Total int `json:"total"`
	// Limit is the limit exceeded.
	Limit Limit `json:"limit"`
	// Sample lists up to SampleSize keys of the objects concerned, sorted.
	Sample []string `json:"sample"`
}

// SampleSize is the number of keys a Breach lists.
const SampleSize = 10

// String says what the plan would have done and which limit it exceeds,
// e.g. "would disable 20 of 100 user objects (20.0 %), over the limit
// 10 % or 50; e.g. user/080, user/081, ...".
func (b Breach) String() string {
	pct := 0.0
	if b.Total > 0 {
		pct = 100 * float64(b.Count) / float64(b.Total)
	}
	var s string
	if b.Institution != "" {
		s = fmt.Sprintf("would disable or delete %d of %d objects (%.1f %%) of institution %s", b.Count, b.Total, pct, b.Institution)
	} else {
		s = fmt.Sprintf("would %s %d of %d %s objects (%.1f %%)", b.Action, b.Count, b.Total, b.Kind, pct)
	}
	s += fmt.Sprintf(", over the limit %s; e.g. %s", b.Limit, strings.Join(b.Sample, ", "))
	if b.Count > len(b.Sample) {
		s += ", ..."
	}
	return s
}

// ThresholdError says that a plan exceeds safety thresholds and what it
// would have done. It matches ErrThreshold with errors.Is.
type ThresholdError struct {
	// Breaches lists every exceeded limit: kinds first, then institutions.
	Breaches []Breach `json:"breaches"`
}

// Error lists the breaches.
func (e *ThresholdError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff: check plan: %s: the plan", ErrThreshold)
	for i, br := range e.Breaches {
		if i > 0 {
			b.WriteString("; and it")
		}
		b.WriteString(" ")
		b.WriteString(br.String())
	}
	return b.String()
}

// Unwrap returns ErrThreshold.
func (e *ThresholdError) Unwrap() error { return ErrThreshold }

// Check compares the plan's disables and deletes with the thresholds,
// measured against the managed actual objects the plan was computed from
// (Plan.Totals, counted by Compute). It returns a *ThresholdError listing
// every breach, or nil. A plan without totals (made by hand) is measured
// against zero objects, so any percentage limit refuses its disables and
// deletes.
func (p *Plan) Check(t Thresholds) error {
	kindTotal, instTotal := p.Totals.Kinds, p.Totals.Institutions
	type ak struct {
		a Action
		k Kind
	}
	byKind := map[ak][]string{}
	byInst := map[string][]string{}
	for i := range p.Changes {
		c := &p.Changes[i]
		switch c.Action {
		case Disable:
			if c.Before != nil && isDisabled(c.Before) {
				continue // stamping a date on an already disabled object
			}
		case Delete:
		default:
			continue
		}
		byKind[ak{c.Action, c.Kind}] = append(byKind[ak{c.Action, c.Kind}], c.Key)
		if inst := c.Institution(); inst != "" {
			byInst[inst] = append(byInst[inst], c.Key)
		}
	}
	var breaches []Breach
	for k, keys := range byKind {
		lim := t.Disable[k.k]
		if k.a == Delete {
			lim = t.Delete[k.k]
		}
		if lim.exceeded(len(keys), kindTotal[k.k]) {
			breaches = append(breaches, Breach{Action: k.a, Kind: k.k, Count: len(keys), Total: kindTotal[k.k], Limit: lim, Sample: sample(keys)})
		}
	}
	for inst, keys := range byInst {
		if t.PerInstitution.exceeded(len(keys), instTotal[inst]) {
			breaches = append(breaches, Breach{Action: NoOp, Institution: inst, Count: len(keys), Total: instTotal[inst], Limit: t.PerInstitution, Sample: sample(keys)})
		}
	}
	if len(breaches) == 0 {
		return nil
	}
	slices.SortFunc(breaches, func(x, y Breach) int {
		if r := cmp.Compare(x.Institution, y.Institution); r != 0 {
			return r
		}
		if r := cmp.Compare(x.Action, y.Action); r != 0 {
			return r
		}
		return cmp.Compare(x.Kind, y.Kind)
	})
	return &ThresholdError{Breaches: breaches}
}

func sample(keys []string) []string {
	s := slices.Clone(keys)
	slices.Sort(s)
	s = slices.Compact(s)
	if len(s) > SampleSize {
		s = s[:SampleSize]
	}
	return s
}

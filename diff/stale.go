package diff

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrStalePlan is matched (errors.Is) by the error of CheckCurrent: the
// target changed since the plan was computed, so the plan is no longer
// what was reviewed and must be made again.
var ErrStalePlan = errors.New("the target changed since the plan was made")

// StaleError lists what changed in the target since a plan was made. It
// matches ErrStalePlan with errors.Is.
type StaleError struct {
	// Problems are one line per object, sorted: the key and what differs.
	Problems []string
}

// Error lists the problems, at most ten of them.
func (e *StaleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff: check plan: %s (%d objects)", ErrStalePlan, len(e.Problems))
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, "\n\t... and %d more", len(e.Problems)-i)
			break
		}
		b.WriteString("\n\t")
		b.WriteString(p)
	}
	return b.String()
}

// Unwrap returns ErrStalePlan.
func (e *StaleError) Unwrap() error { return ErrStalePlan }

// CheckCurrent checks that a saved plan still applies to the target whose
// objects were just read (actual), before it is applied: the Before of
// the first change of every key is its precondition and must equal the
// actual object of that key (for an Adopt, the unmanaged object of that
// ID) in every field; a Create needs the key to be absent; a member
// change of a group the plan does not otherwise touch needs the member to
// be absent (AddMember) or present (RemoveMember). It returns a
// *StaleError listing every object that no longer matches, or nil.
//
// This is the saved-plan workflow: plan, review, and later apply exactly
// the reviewed plan, or nothing when the target has changed in between.
func (p *Plan) CheckCurrent(actual []Object) error {
	byKey := make(map[string]*Object, len(actual))
	byID := map[string]*Object{}
	for i := range actual {
		a := &actual[i]
		switch {
		case a.Managed && a.Key != "":
			byKey[a.Key] = a
		case a.ID != "":
			byID[a.ID] = a
		}
	}
	var ps []string
	first := map[string]bool{}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action == AddMember || c.Action == RemoveMember || first[c.Key] {
			continue
		}
		first[c.Key] = true
		switch {
		case c.Action == Create:
			if byKey[c.Key] != nil {
				ps = append(ps, fmt.Sprintf("%s %s: exists now, the plan creates it", c.Kind, c.Key))
			}
		case c.Action == Adopt && c.Before != nil:
			cur := byID[c.Before.ID]
			if cur == nil {
				ps = append(ps, fmt.Sprintf("%s %s: the object to adopt (id %s) is gone or managed now", c.Kind, c.Key, c.Before.ID))
			} else if d := objectDiff(c.Before, cur); d != "" {
				ps = append(ps, fmt.Sprintf("%s %s: the object to adopt changed: %s", c.Kind, c.Key, d))
			}
		case c.Before != nil:
			cur := byKey[c.Key]
			if cur == nil {
				ps = append(ps, fmt.Sprintf("%s %s: is gone", c.Kind, c.Key))
			} else if d := objectDiff(c.Before, cur); d != "" {
				ps = append(ps, fmt.Sprintf("%s %s: changed: %s", c.Kind, c.Key, d))
			}
		}
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if (c.Action != AddMember && c.Action != RemoveMember) || first[c.Key] {
			continue // the group's Before (or absence) was checked above
		}
		cur := byKey[c.Key]
		switch {
		case cur == nil:
			ps = append(ps, fmt.Sprintf("%s %s: is gone (the plan changes its members)", c.Kind, c.Key))
		case c.Action == AddMember && slices.Contains(cur.Members, c.Member):
			ps = append(ps, fmt.Sprintf("%s %s: has member %s now, the plan adds it", c.Kind, c.Key, c.Member))
		case c.Action == RemoveMember && !slices.Contains(cur.Members, c.Member):
			ps = append(ps, fmt.Sprintf("%s %s: no longer has member %s, the plan removes it", c.Kind, c.Key, c.Member))
		}
	}
	if len(ps) == 0 {
		return nil
	}
	slices.Sort(ps)
	return &StaleError{Problems: slices.Compact(ps)}
}

// objectDiff names the fields in which got differs from want, e.g.
// `name, attr "title"`; "" when they are equal.
func objectDiff(want, got *Object) string {
	var d []string
	if want.Kind != got.Kind {
		d = append(d, "kind")
	}
	if want.Name != got.Name {
		d = append(d, "name")
	}
	if want.Parent != got.Parent {
		d = append(d, "parent")
	}
	if want.Disabled != got.Disabled {
		d = append(d, "disabled")
	}
	if want.ID != got.ID {
		d = append(d, "id")
	}
	if want.Institution != got.Institution {
		d = append(d, "institution")
	}
	names := map[string]bool{}
	for _, a := range want.Attrs {
		if v, ok := got.Attrs.Lookup(a.Name); !ok || v != a.Value {
			names[a.Name] = true
		}
	}
	for _, a := range got.Attrs {
		if _, ok := want.Attrs.Lookup(a.Name); !ok {
			names[a.Name] = true
		}
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		d = append(d, fmt.Sprintf("attr %q", n))
	}
	if !slices.Equal(want.Members, got.Members) {
		d = append(d, "members")
	}
	return strings.Join(d, ", ")
}

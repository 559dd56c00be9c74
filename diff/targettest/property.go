package targettest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// world generates random desired states and random drift for one target.
type world struct {
	h    *Harness
	rng  *rand.Rand
	next int // next object number
}

// desired returns a random valid desired state: a container tree (unless
// the target has none), users with attributes and groups with members.
func (w *world) desired() []diff.Object {
	var out []diff.Object
	var ctrs []string
	if !w.h.NoContainers {
		out = append(out, diff.Object{Kind: diff.Container, Key: "ou/disabled", Name: "disabled"})
		for range 1 + w.rng.IntN(6) {
			w.next++
			key := fmt.Sprintf("ou/c%d", w.next)
			parent := ""
			if len(ctrs) > 0 && w.rng.IntN(3) > 0 {
				parent = ctrs[w.rng.IntN(len(ctrs))]
			}
			out = append(out, diff.Object{Kind: diff.Container, Key: key, Name: fmt.Sprintf("C%d", w.next), Parent: parent})
			ctrs = append(ctrs, key)
		}
	}
	var users []string
	for range 3 + w.rng.IntN(12) {
		w.next++
		u := w.h.user(w.next, w.rng.IntN(3), w.pick(ctrs))
		u.Attrs.Set(diff.AttrGlobalRole, []string{attr.RoleStudent, attr.RoleEmployee, attr.RoleExternal}[w.rng.IntN(3)])
		out = append(out, u)
		users = append(users, u.Key)
	}
	for range w.rng.IntN(4) {
		w.next++
		out = append(out, diff.Object{Kind: diff.Group, Key: fmt.Sprintf("group/g%d", w.next), Name: fmt.Sprintf("ts-g%d", w.next),
			Parent: w.pick(ctrs), Members: w.subset(users)})
	}
	return out
}

// pick returns a random element of s, or "" (the root) for an empty s.
func (w *world) pick(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[w.rng.IntN(len(s))]
}

func (w *world) subset(s []string) []string {
	var out []string
	for _, x := range s {
		if w.rng.IntN(2) == 0 {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// mutate returns a changed copy of a desired state: objects removed and
// added, renamed, moved, attributes changed and cleared, members changed.
func (w *world) mutate(d []diff.Object) []diff.Object {
	out := make([]diff.Object, 0, len(d))
	removed := map[string]string{} // removed container -> its parent
	for _, o := range d {
		if o.Key != "ou/disabled" && w.rng.IntN(6) == 0 {
			if o.Kind == diff.Container {
				removed[o.Key] = o.Parent
			}
			continue
		}
		out = append(out, o.Clone())
	}
	// Re-parent children of removed containers.
	reparent := func(p string) string {
		for p != "" {
			gp, gone := removed[p]
			if !gone {
				break
			}
			p = gp
		}
		return p
	}
	var ctrs, users []string
	for i := range out {
		o := &out[i]
		o.Parent = reparent(o.Parent)
		switch o.Kind {
		case diff.Container:
			if o.Key != "ou/disabled" {
				ctrs = append(ctrs, o.Key)
			}
		case diff.User:
			users = append(users, o.Key)
		}
	}
	for i := range out {
		o := &out[i]
		if o.Key == "ou/disabled" {
			continue
		}
		switch w.rng.IntN(8) {
		case 0:
			o.Name += " r"
		case 1:
			if o.Kind != diff.Container {
				o.Parent = w.pick(ctrs)
			}
		case 2:
			for k := range o.Attrs.All() {
				if k != diff.AttrUsername && k != attr.Email && w.rng.IntN(2) == 0 {
					o.Attrs.Set(k, fmt.Sprintf("%s x%d", k, w.rng.IntN(100)))
				}
			}
		case 3:
			for k := range o.Attrs.All() {
				if k != diff.AttrUsername && k != diff.AttrGlobalRole && k != attr.Email && w.rng.IntN(2) == 0 {
					o.Attrs.Set(k, "")
				}
			}
		}
		if o.Kind == diff.Group {
			o.Members = slices.DeleteFunc(o.Members, func(m string) bool { return !slices.Contains(users, m) })
			if w.rng.IntN(2) == 0 {
				o.Members = w.subset(users)
			}
		}
	}
	for range w.rng.IntN(4) {
		w.next++
		u := w.h.user(w.next, 0, w.pick(ctrs))
		out = append(out, u)
	}
	return out
}

// drift changes the target behind the plan's back, through its own Apply
// with hand-made changes: renames, moves, attribute edits, member edits,
// deleted objects, extra managed objects, disabled users, and unmanaged
// objects seeded by the harness.
func (w *world) drift(t *testing.T, tgt diff.Target, now time.Time) {
	t.Helper()
	ctx := context.Background()
	actual := read(t, tgt)
	var ctrs, users []string
	for _, a := range actual {
		if !a.Managed {
			continue
		}
		switch a.Kind {
		case diff.Container:
			ctrs = append(ctrs, a.Key)
		case diff.User:
			users = append(users, a.Key)
		}
	}
	for _, a := range actual {
		if !a.Managed || a.Key == "ou/disabled" || (a.Kind == diff.Container && underKey(a.Key, "ou/disabled")) {
			continue
		}
		before := a
		var c diff.Change
		switch w.rng.IntN(12) {
		case 0:
			after := a.Clone()
			after.Name += " drift"
			c = diff.Change{Action: diff.Rename, After: &after}
		case 1:
			if a.Kind == diff.Container {
				continue
			}
			after := a.Clone()
			after.Parent = w.pick(ctrs)
			c = diff.Change{Action: diff.Move, After: &after}
		case 2:
			var attrs []diff.AttrChange
			for _, k := range w.h.userAttrs() {
				if a.Attrs.Has(k) && k != diff.AttrUsername && k != attr.Email {
					attrs = append(attrs, diff.AttrChange{Name: k, Before: a.Attrs.Get(k), After: k + " drift"})
				}
			}
			if len(attrs) == 0 {
				continue
			}
			c = diff.Change{Action: diff.Update, Attrs: attrs}
		case 3:
			if a.Kind != diff.Group || len(users) == 0 {
				continue
			}
			m := w.pick(users)
			c = diff.Change{Action: diff.AddMember, Member: m}
			if slices.Contains(a.Members, m) {
				c.Action = diff.RemoveMember
			}
		case 4:
			if a.Kind == diff.Container {
				continue
			}
			c = diff.Change{Action: diff.Delete}
		case 5:
			if a.Kind != diff.User || a.Disabled {
				continue
			}
			after := a.Clone()
			after.Disabled = true
			after.Attrs.Set(diff.AttrDisabledDate, now.AddDate(0, 0, -w.rng.IntN(100)).Format(diff.DateLayout))
			c = diff.Change{Action: diff.Disable, After: &after}
		default:
			continue
		}
		c.Kind, c.Key, c.Before = a.Kind, a.Key, &before
		if err := tgt.Apply(ctx, c); err != nil && !errors.Is(err, diff.ErrNotFound) {
			t.Fatalf("drift %s %s: %v", c.Action, c.Key, err)
		}
	}
	// Extra managed users that the desired state does not know.
	for range w.rng.IntN(3) {
		w.next++
		u := w.h.user(w.next, 0, w.pick(ctrs))
		u.Key = fmt.Sprintf("user/extra%d", w.next)
		u.Managed = true
		if err := tgt.Apply(ctx, diff.Change{Action: diff.Create, Kind: diff.User, Key: u.Key, After: &u}); err != nil {
			t.Fatalf("drift create %s: %v", u.Key, err)
		}
	}
	if w.h.Seed != nil && w.rng.IntN(2) == 0 {
		w.next++
		w.h.Seed(t, tgt, w.h.foreign(w.next))
	}
}

// testProperty: for random desired states and random drift, applying the
// plan converges (re-planning is empty), also when the apply is
// interrupted after a random number of changes, and unmanaged objects are
// never touched; a plan over the thresholds applies nothing.
func testProperty(t *testing.T, h *Harness) {
	n := h.Iterations
	if n <= 0 {
		n = 3
	}
	seed0 := h.Seed0
	if seed0 == 0 {
		seed0 = 1
	}
	for i := range n {
		seed := seed0 + uint64(i)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			w := &world{h: h, rng: rand.New(rand.NewPCG(seed, 0x6f7267))}
			propertyCase(t, w)
		})
	}
}

func propertyCase(t *testing.T, w *world) {
	ctx := context.Background()
	h := w.h
	tgt := h.New(t)
	d0 := w.desired()
	h.converge(t, tgt, d0, Now)
	w.drift(t, tgt, Now)
	d1 := w.mutate(d0)
	before := read(t, tgt)

	// A plan over tight thresholds is refused and applies nothing.
	p, err := diff.Compute(diff.Prepare(tgt, d1), before, h.options(Now))
	if err != nil {
		t.Fatalf("compute: %v", err)
	}
	tight := diff.Thresholds{Disable: map[diff.Kind]diff.Limit{diff.User: {Count: 1}, diff.Group: {Count: 1}, diff.Container: {Count: 1}},
		Delete: map[diff.Kind]diff.Limit{diff.User: {Count: 1}, diff.Group: {Count: 1}}}
	if p.Check(tight) != nil {
		_, err := diff.Apply(ctx, tgt, p, diff.ApplyOptions{Thresholds: &tight})
		if !errors.Is(err, diff.ErrThreshold) {
			t.Fatalf("apply over thresholds: err = %v", err)
		}
		if after := read(t, tgt); !sameObjects(before, after) {
			t.Fatal("a refused plan changed the target")
		}
	}

	// Interrupted after a random number of changes, then converges.
	k := 0
	if len(p.Changes) > 0 {
		k = w.rng.IntN(len(p.Changes))
	}
	_, err = diff.Apply(ctx, &Interrupt{Target: tgt, N: int64(k)}, p, diff.ApplyOptions{Sleep: noSleep, Concurrency: 1 + w.rng.IntN(4)})
	if len(p.Changes) > 0 && !errors.Is(err, errInjected) {
		t.Fatalf("interrupted apply: err = %v", err)
	}
	h.converge(t, tgt, d1, Now)
	sameUnmanaged(t, before, read(t, tgt))

	// Later: retention runs out for some; still converges.
	later := Now.AddDate(0, 0, 1+w.rng.IntN(120))
	h.converge(t, tgt, d1, later)
	sameUnmanaged(t, before, read(t, tgt))
}

func sameObjects(a, b []diff.Object) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(o diff.Object) string { return o.ID }
	slices.SortFunc(a, func(x, y diff.Object) int { return cmpStr(key(x), key(y)) })
	slices.SortFunc(b, func(x, y diff.Object) int { return cmpStr(key(x), key(y)) })
	for i := range a {
		x, y := a[i], b[i]
		if x.ID != y.ID || x.Key != y.Key || x.Name != y.Name || x.Parent != y.Parent || x.Disabled != y.Disabled ||
			x.Managed != y.Managed || !slices.Equal(x.Members, y.Members) || len(x.Attrs) != len(y.Attrs) {
			return false
		}
		for k, v := range x.Attrs.All() {
			if y.Attrs.Get(k) != v {
				return false
			}
		}
	}
	return true
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

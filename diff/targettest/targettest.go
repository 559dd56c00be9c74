// Package targettest is the conformance suite every diff.Target passes: the
// embedded directory (adapters/memdir) and the adapters for Active
// Directory, Entra ID, Google Workspace and others run the same checks
// through Run, so that a plan means the same thing everywhere.
//
// The suite drives the target only through diff.Compute, diff.Apply and
// Read, planning the desired state as the target prepares it when it
// implements diff.Preparer, with a small fixture (a container tree, a few users with
// attributes, a group with members) and a fixed time. It checks the
// semantics of every action as Read reports them afterwards, the refusal
// to touch unmanaged objects (diff.ErrUnmanaged), diff.ErrExists and
// diff.ErrNotFound, that re-planning after an apply is empty, that an
// apply interrupted after any number of changes converges when planned
// and applied again, and random drift (the convergence property).
//
// It is test support, not a test double: it imports only the standard
// library and diff.
package targettest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// Harness connects the suite to one kind of target.
type Harness struct {
	// New returns a fresh, empty target. Objects with Parent "" live in its
	// root (for a real directory: a new, empty container under the test
	// base). Clean up with t.Cleanup.
	New func(t *testing.T) diff.Target
	// Seed creates an object without orgsync's management mark directly in
	// the target, as an administrator would by hand. The suite seeds only
	// users at the root, with the attributes of UserAttrs (always
	// "username"); Seed fails the test when it cannot.
	Seed func(t *testing.T, target diff.Target, obj diff.Object)
	// NoContainers is set for targets without a container hierarchy
	// (e.g. Entra ID): the suite then plans only users and groups at the
	// root and no quarantine or retirement moves.
	NoContainers bool
	// UserAttrs are the user attributes the target stores and reads back.
	// Default: username, givenName, familyName, email, title.
	UserAttrs []string
	// Iterations is the number of random cases of the convergence property
	// (default 3; the embedded directory runs hundreds).
	Iterations int
	// Seed0 is the first random seed of the property (default 1).
	Seed0 uint64
}

// Now is the time the suite plans at.
var Now = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func (h *Harness) userAttrs() []string {
	if len(h.UserAttrs) > 0 {
		if !slices.Contains(h.UserAttrs, diff.AttrUsername) {
			return append([]string{diff.AttrUsername}, h.UserAttrs...)
		}
		return h.UserAttrs
	}
	return []string{diff.AttrUsername, attr.GivenName, attr.FamilyName, attr.Email, attr.Title}
}

func (h *Harness) options(now time.Time) diff.Options {
	o := diff.Options{Now: now, Retention: map[string]int{attr.RoleStudent: 30}, DefaultRetention: 60, GroupRetention: 90}
	if !h.NoContainers {
		o.Quarantine = "ou/disabled"
		o.Retired = "ou/retired"
	}
	return o
}

// Run runs the whole suite as subtests.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("targettest: Harness.New is required")
	}
	t.Run("Prepare", func(t *testing.T) { testPrepare(t, &h) })
	t.Run("Create", func(t *testing.T) { testCreate(t, &h) })
	t.Run("UpdateRenameMove", func(t *testing.T) { testUpdate(t, &h) })
	t.Run("Members", func(t *testing.T) { testMembers(t, &h) })
	t.Run("DisableEnableDelete", func(t *testing.T) { testLifecycle(t, &h) })
	t.Run("RetireGroup", func(t *testing.T) { testRetireGroup(t, &h) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, &h) })
	t.Run("Unmanaged", func(t *testing.T) { testUnmanaged(t, &h) })
	t.Run("Adopt", func(t *testing.T) { testAdopt(t, &h) })
	t.Run("CrashConvergence", func(t *testing.T) { testCrash(t, &h) })
	t.Run("Property", func(t *testing.T) { testProperty(t, &h) })
}

// testPrepare checks a target that implements diff.Preparer: Prepare
// leaves its input alone and gives the same output for the same input.
// Every other test plans the prepared desired state, so a Prepare that
// drops or adds what the target does not store shows up there as a plan
// that does not converge.
func testPrepare(t *testing.T, h *Harness) {
	tgt := h.New(t)
	p, ok := tgt.(diff.Preparer)
	if !ok {
		t.Skip("the target does not implement diff.Preparer")
	}
	in := h.fixture(1)
	keep := make([]diff.Object, len(in))
	for i, o := range in {
		keep[i] = o.Clone()
	}
	first := p.Prepare(in)
	if !equalObjects(in, keep) {
		t.Error("Prepare changed its input")
	}
	if second := p.Prepare(in); !equalObjects(first, second) {
		t.Error("Prepare gave two different outputs for one input")
	}
}

func equalObjects(a, b []diff.Object) bool {
	return slices.EqualFunc(a, b, func(x, y diff.Object) bool {
		return x.Kind == y.Kind && x.Key == y.Key && x.Name == y.Name && x.Parent == y.Parent &&
			x.Disabled == y.Disabled && x.Institution == y.Institution && x.Managed == y.Managed && x.ID == y.ID &&
			slices.Equal(x.Attrs, y.Attrs) && slices.Equal(x.Members, y.Members)
	})
}

// fixture returns the suite's small desired state at version v: v changes
// names, attributes, parents and members in a way every target supports.
func (h *Harness) fixture(v int) []diff.Object {
	var out []diff.Object
	parentA, parentB := "", ""
	if !h.NoContainers {
		out = append(out,
			diff.Object{Kind: diff.Container, Key: "ou/disabled", Name: "disabled"},
			diff.Object{Kind: diff.Container, Key: "ou/school", Name: "School"},
			diff.Object{Kind: diff.Container, Key: "ou/school/staff", Name: "Staff", Parent: "ou/school"},
			diff.Object{Kind: diff.Container, Key: "ou/school/pupils", Name: "Pupils", Parent: "ou/school"},
		)
		parentA, parentB = "ou/school/staff", "ou/school/pupils"
	}
	for i := 1; i <= 3; i++ {
		p := parentA
		if i == 3 {
			p = parentB
		}
		out = append(out, h.user(i, v, p))
	}
	out = append(out, diff.Object{Kind: diff.Group, Key: "group/staff", Name: "ts-staff", Parent: parentA,
		Attrs: diff.AttrsFrom(map[string]string{attr.Email: "ts-staff@example.org"}), Members: []string{"user/1", "user/2"}})
	return out
}

// user returns fixture user i at version v.
func (h *Harness) user(i, v int, parent string) diff.Object {
	uname := fmt.Sprintf("tsuser%d", i)
	var attrs diff.Attrs
	for _, a := range h.userAttrs() {
		switch a {
		case diff.AttrUsername:
			attrs.Set(a, uname)
		case attr.Email:
			attrs.Set(a, uname+"@example.org")
		default:
			attrs.Set(a, fmt.Sprintf("%s%d v%d", a, i, v))
		}
	}
	attrs.Set(diff.AttrGlobalRole, attr.RoleEmployee)
	if i == 3 {
		attrs.Set(diff.AttrGlobalRole, attr.RoleStudent)
	}
	return diff.Object{Kind: diff.User, Key: fmt.Sprintf("user/%d", i), Name: fmt.Sprintf("Test User %d v%d", i, v),
		Parent: parent, Attrs: attrs}
}

func find(objs []diff.Object, key string) *diff.Object {
	for i := range objs {
		if objs[i].Key == key {
			return &objs[i]
		}
	}
	return nil
}

// converge plans desired against the target at now, applies and checks
// that the target then holds desired and that a new plan is empty.
func (h *Harness) converge(t *testing.T, tgt diff.Target, desired []diff.Object, now time.Time) *diff.Plan {
	t.Helper()
	ctx := context.Background()
	desired = diff.Prepare(tgt, desired)
	actual := read(t, tgt)
	p, err := diff.Compute(desired, actual, h.options(now))
	if err != nil {
		t.Fatalf("compute: %v", err)
	}
	if _, err := diff.Apply(ctx, tgt, p, diff.ApplyOptions{Sleep: noSleep}); err != nil {
		t.Fatalf("apply: %v\nplan:\n%s", err, render(p))
	}
	h.check(t, tgt, desired, now)
	return p
}

func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func read(t *testing.T, tgt diff.Target) []diff.Object {
	t.Helper()
	objs, err := tgt.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return objs
}

func render(p *diff.Plan) string {
	var b strings.Builder
	_ = p.Render(&b)
	return b.String()
}

// check verifies that the target holds the desired objects and that
// planning again is empty.
func (h *Harness) check(t *testing.T, tgt diff.Target, desired []diff.Object, now time.Time) {
	t.Helper()
	desired = diff.Prepare(tgt, desired)
	actual := read(t, tgt)
	if probs := h.mismatches(desired, actual, now); len(probs) > 0 {
		t.Fatalf("target does not hold the desired state:\n\t%s", strings.Join(probs, "\n\t"))
	}
	p, err := diff.Compute(desired, actual, h.options(now))
	if err != nil {
		t.Fatalf("re-plan: %v", err)
	}
	if !p.Empty() {
		t.Fatalf("re-plan is not empty:\n%s", render(p))
	}
}

// mismatches lists how actual differs from desired: every desired object
// must exist once with its kind, name, parent, attributes, members and
// enabled state; every other managed object must be disabled (users) or
// carry the date mark (groups, containers), or be a quarantine container.
func (h *Harness) mismatches(desired, actual []diff.Object, now time.Time) []string {
	var ps []string
	byKey := map[string]*diff.Object{}
	for i := range actual {
		a := &actual[i]
		if !a.Managed {
			continue
		}
		if a.Key == "" {
			ps = append(ps, fmt.Sprintf("managed object %q (id %s) has no key", a.Name, a.ID))
			continue
		}
		if byKey[a.Key] != nil {
			ps = append(ps, fmt.Sprintf("key %q is held by two objects (ids %s, %s)", a.Key, byKey[a.Key].ID, a.ID))
		}
		byKey[a.Key] = a
	}
	want := map[string]bool{}
	for _, d := range desired {
		want[d.Key] = true
		a := byKey[d.Key]
		if a == nil {
			ps = append(ps, fmt.Sprintf("%s %q is missing", d.Kind, d.Key))
			continue
		}
		if a.Kind != d.Kind {
			ps = append(ps, fmt.Sprintf("%q: kind %s, want %s", d.Key, a.Kind, d.Kind))
		}
		if a.Name != d.Name {
			ps = append(ps, fmt.Sprintf("%q: name %q, want %q", d.Key, a.Name, d.Name))
		}
		if a.Parent != d.Parent {
			ps = append(ps, fmt.Sprintf("%q: parent %q, want %q", d.Key, a.Parent, d.Parent))
		}
		for k, v := range d.Attrs.All() {
			if k == diff.AttrDisabledDate {
				continue
			}
			if a.Attrs.Get(k) != v {
				ps = append(ps, fmt.Sprintf("%q: attribute %s = %q, want %q", d.Key, k, a.Attrs.Get(k), v))
			}
		}
		dis := a.Disabled || a.Attrs.Get(diff.AttrDisabledDate) != ""
		if dis != d.Disabled {
			ps = append(ps, fmt.Sprintf("%q: disabled = %v, want %v", d.Key, dis, d.Disabled))
		}
		wm, am := slices.Sorted(slices.Values(d.Members)), slices.Sorted(slices.Values(a.Members))
		if !slices.Equal(slices.Compact(wm), am) {
			ps = append(ps, fmt.Sprintf("%q: members %v, want %v", d.Key, am, wm))
		}
	}
	opt := h.options(now)
	for key, a := range byKey {
		if want[key] {
			continue
		}
		if a.Kind == diff.Container && (underKey(key, opt.Quarantine) || underKey(key, opt.Retired)) {
			continue
		}
		if a.Kind == diff.User && !a.Disabled {
			ps = append(ps, fmt.Sprintf("user %q is not desired but enabled", key))
		}
		if a.Attrs.Get(diff.AttrDisabledDate) == "" {
			ps = append(ps, fmt.Sprintf("%s %q is not desired but has no %s", a.Kind, key, diff.AttrDisabledDate))
		}
		root := opt.Retired
		if a.Kind == diff.User {
			root = opt.Quarantine
		}
		if root != "" && !underKey(a.Parent, root) {
			ps = append(ps, fmt.Sprintf("%s %q is not desired but in %q, not under %q", a.Kind, key, a.Parent, root))
		}
	}
	slices.Sort(ps)
	return ps
}

func underKey(key, root string) bool {
	return root != "" && (key == root || strings.HasPrefix(key, root+"/"))
}

func testCreate(t *testing.T, h *Harness) {
	tgt := h.New(t)
	p := h.converge(t, tgt, h.fixture(0), Now)
	if p.Empty() {
		t.Fatal("the first plan is empty")
	}
	for _, c := range p.Changes {
		if c.Action != diff.Create && c.Action != diff.AddMember {
			t.Errorf("first plan has %s %s", c.Action, c.Key)
		}
	}
	for _, a := range read(t, tgt) {
		if a.Managed && a.ID == "" {
			t.Errorf("managed %q read without an ID", a.Key)
		}
	}
}

func testUpdate(t *testing.T, h *Harness) {
	tgt := h.New(t)
	h.converge(t, tgt, h.fixture(0), Now)
	d := h.fixture(1) // every name and non-key attribute changes
	// Clear one attribute.
	for _, a := range h.userAttrs() {
		if a != diff.AttrUsername && a != attr.Email {
			find(d, "user/2").Attrs.Set(a, "")
			break
		}
	}
	if !h.NoContainers {
		find(d, "user/1").Parent = "ou/school/pupils"
		find(d, "ou/school/staff").Name = "Staff v1"
		// Move a container: pupils under staff.
		find(d, "ou/school/pupils").Parent = "ou/school/staff"
	}
	p := h.converge(t, tgt, d, Now)
	want := map[diff.Action]bool{diff.Update: true, diff.Rename: true}
	if !h.NoContainers {
		want[diff.Move] = true
	}
	for _, c := range p.Changes {
		delete(want, c.Action)
	}
	if len(want) > 0 {
		t.Errorf("plan lacks actions %v:\n%s", slices.Collect(maps.Keys(want)), render(p))
	}
	// And back again.
	h.converge(t, tgt, h.fixture(0), Now)
}

func testMembers(t *testing.T, h *Harness) {
	tgt := h.New(t)
	h.converge(t, tgt, h.fixture(0), Now)
	d := h.fixture(0)
	find(d, "group/staff").Members = []string{"user/2", "user/3"}
	p := h.converge(t, tgt, d, Now)
	var got []string
	for _, c := range p.Changes {
		got = append(got, fmt.Sprintf("%s %s", c.Action, c.Member))
	}
	if !slices.Equal(got, []string{"remove-member user/1", "add-member user/3"}) {
		t.Errorf("member changes = %v", got)
	}
	find(d, "group/staff").Members = nil
	h.converge(t, tgt, d, Now)
}

func without(objs []diff.Object, key string) []diff.Object {
	return slices.DeleteFunc(slices.Clone(objs), func(o diff.Object) bool { return o.Key == key })
}

func testLifecycle(t *testing.T, h *Harness) {
	tgt := h.New(t)
	h.converge(t, tgt, h.fixture(0), Now)
	d := without(h.fixture(0), "user/2")
	find(d, "group/staff").Members = []string{"user/1"}
	p := h.converge(t, tgt, d, Now)
	if !hasChange(p, diff.Disable, "user/2") {
		t.Errorf("no disable of user/2:\n%s", render(p))
	}
	u := find(read(t, tgt), "user/2")
	if u == nil || !u.Disabled || u.Attrs.Get(diff.AttrDisabledDate) != Now.Format(diff.DateLayout) {
		t.Fatalf("user/2 after disable = %+v", u)
	}
	// It comes back: enabled and moved back.
	p = h.converge(t, tgt, h.fixture(0), Now.AddDate(0, 0, 10))
	if !hasChange(p, diff.Enable, "user/2") {
		t.Errorf("no enable of user/2:\n%s", render(p))
	}
	// It goes again and is deleted after its retention (60 days for
	// employees).
	h.converge(t, tgt, d, Now.AddDate(0, 0, 20))
	p = h.converge(t, tgt, d, Now.AddDate(0, 0, 79))
	if !p.Empty() {
		t.Errorf("deleted before retention:\n%s", render(p))
	}
	p = h.converge(t, tgt, d, Now.AddDate(0, 0, 80))
	if !hasChange(p, diff.Delete, "user/2") {
		t.Errorf("no delete of user/2:\n%s", render(p))
	}
	if find(read(t, tgt), "user/2") != nil {
		t.Error("user/2 still there after delete")
	}
}

func testRetireGroup(t *testing.T, h *Harness) {
	tgt := h.New(t)
	h.converge(t, tgt, h.fixture(0), Now)
	d := without(h.fixture(0), "group/staff")
	p := h.converge(t, tgt, d, Now)
	if !hasChange(p, diff.Disable, "group/staff") {
		t.Errorf("group not retired:\n%s", render(p))
	}
	g := find(read(t, tgt), "group/staff")
	if g == nil || len(g.Members) != 2 {
		t.Fatalf("retired group lost its members or vanished: %+v", g)
	}
	p = h.converge(t, tgt, d, Now.AddDate(0, 0, 90))
	if !hasChange(p, diff.Delete, "group/staff") {
		t.Errorf("retired group not deleted after group retention:\n%s", render(p))
	}
}

func hasChange(p *diff.Plan, a diff.Action, key string) bool {
	return slices.ContainsFunc(p.Changes, func(c diff.Change) bool { return c.Action == a && c.Key == key })
}

func testErrors(t *testing.T, h *Harness) {
	ctx := context.Background()
	tgt := h.New(t)
	h.converge(t, tgt, h.fixture(0), Now)
	u := h.user(1, 0, find(h.fixture(0), "user/1").Parent)
	u.Managed = true
	if err := tgt.Apply(ctx, diff.Change{Action: diff.Create, Kind: diff.User, Key: "user/1", After: &u}); !errors.Is(err, diff.ErrExists) {
		t.Errorf("create of an existing key: err = %v, want ErrExists", err)
	}
	err := tgt.Apply(ctx, diff.Change{Action: diff.Update, Kind: diff.User, Key: "user/404",
		Attrs: []diff.AttrChange{{Name: attr.Email, After: "x@example.org"}}})
	if !errors.Is(err, diff.ErrNotFound) {
		t.Errorf("update of a missing key: err = %v, want ErrNotFound", err)
	}
	err = tgt.Apply(ctx, diff.Change{Action: diff.AddMember, Kind: diff.Group, Key: "group/staff", Member: "user/404"})
	if !errors.Is(err, diff.ErrNotFound) {
		t.Errorf("add of a missing member: err = %v, want ErrNotFound", err)
	}
	if !h.NoContainers {
		n := h.user(9, 0, "ou/nowhere")
		n.Managed = true
		err := tgt.Apply(ctx, diff.Change{Action: diff.Create, Kind: diff.User, Key: "user/9", After: &n})
		if !errors.Is(err, diff.ErrNotFound) {
			t.Errorf("create under a missing parent: err = %v, want ErrNotFound", err)
		}
	}
	h.check(t, tgt, h.fixture(0), Now)
}

// foreign returns an unmanaged user to seed.
func (h *Harness) foreign(n int) diff.Object {
	o := h.user(100+n, 0, "")
	o.Key = ""
	o.Name = fmt.Sprintf("Foreign %d", n)
	o.Attrs.Set(diff.AttrUsername, fmt.Sprintf("tsforeign%d", n))
	if o.Attrs.Has(attr.Email) {
		o.Attrs.Set(attr.Email, fmt.Sprintf("tsforeign%d@example.org", n))
	}
	o.Attrs.Delete(diff.AttrGlobalRole)
	return o
}

// unmanaged returns the target's unmanaged objects by ID.
func unmanaged(objs []diff.Object) map[string]diff.Object {
	m := map[string]diff.Object{}
	for _, o := range objs {
		if !o.Managed {
			m[o.ID] = o
		}
	}
	return m
}

func sameUnmanaged(t *testing.T, before, after []diff.Object) {
	t.Helper()
	b, a := unmanaged(before), unmanaged(after)
	for id, o := range b {
		n, ok := a[id]
		if !ok {
			t.Errorf("unmanaged %q (id %s) disappeared", o.Name, id)
			continue
		}
		if n.Name != o.Name || n.Parent != o.Parent || n.Disabled != o.Disabled || !n.Attrs.Equal(o.Attrs) {
			t.Errorf("unmanaged %q (id %s) changed:\n\tbefore %+v\n\tafter  %+v", o.Name, id, o, n)
		}
	}
}

func (h *Harness) seed(t *testing.T, tgt diff.Target, n int) diff.Object {
	t.Helper()
	if h.Seed == nil {
		t.Skip("targettest: Harness.Seed not set")
	}
	h.Seed(t, tgt, h.foreign(n))
	for _, o := range read(t, tgt) {
		if !o.Managed && o.Attrs.Get(diff.AttrUsername) == fmt.Sprintf("tsforeign%d", n) {
			return o
		}
	}
	t.Fatalf("seeded foreign user %d is not read back as an unmanaged object", n)
	return diff.Object{}
}

func testUnmanaged(t *testing.T, h *Harness) {
	ctx := context.Background()
	tgt := h.New(t)
	f := h.seed(t, tgt, 1)
	before := read(t, tgt)
	h.converge(t, tgt, h.fixture(0), Now)
	h.converge(t, tgt, without(h.fixture(1), "user/3"), Now)
	h.converge(t, tgt, without(h.fixture(1), "user/3"), Now.AddDate(0, 0, 200))
	for _, c := range []diff.Change{
		{Action: diff.Update, Kind: diff.User, Key: "user/foreign", Before: &f, Attrs: []diff.AttrChange{{Name: diff.AttrUsername, Before: f.Attrs.Get(diff.AttrUsername), After: "taken"}}},
		{Action: diff.Disable, Kind: diff.User, Key: "user/foreign", Before: &f, After: &diff.Object{Kind: diff.User, Disabled: true, Attrs: diff.AttrsFrom(map[string]string{diff.AttrDisabledDate: "2026-11-22"})}},
		{Action: diff.Delete, Kind: diff.User, Key: "user/foreign", Before: &f},
	} {
		if err := tgt.Apply(ctx, c); !errors.Is(err, diff.ErrUnmanaged) {
			t.Errorf("%s of an unmanaged object: err = %v, want ErrUnmanaged", c.Action, err)
		}
	}
	sameUnmanaged(t, before, read(t, tgt))
}

func testAdopt(t *testing.T, h *Harness) {
	tgt := h.New(t)
	f := h.seed(t, tgt, 2)
	d := h.fixture(0)
	u := find(d, "user/2")
	u.Attrs.Set(diff.AttrUsername, f.Attrs.Get(diff.AttrUsername))
	if u.Attrs.Has(attr.Email) {
		u.Attrs.Set(attr.Email, f.Attrs.Get(attr.Email))
	}
	ctx := context.Background()
	opt := h.options(Now)
	opt.AdoptBy = []string{diff.AttrUsername}
	p, err := diff.Compute(diff.Prepare(tgt, d), read(t, tgt), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(p, diff.Adopt, "user/2") || hasChange(p, diff.Create, "user/2") {
		t.Fatalf("plan does not adopt user/2:\n%s", render(p))
	}
	if _, err := diff.Apply(ctx, tgt, p, diff.ApplyOptions{Sleep: noSleep}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	h.check(t, tgt, d, Now)
	a := find(read(t, tgt), "user/2")
	if a.ID != f.ID {
		t.Errorf("adopted object has id %q, want the seeded %q", a.ID, f.ID)
	}
	n := 0
	for _, o := range read(t, tgt) {
		if o.Attrs.Get(diff.AttrUsername) == f.Attrs.Get(diff.AttrUsername) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d objects carry the adopted username, want 1", n)
	}
}

// errInjected is returned by a target interrupted on purpose.
var errInjected = errors.New("targettest: injected failure")

// Interrupt wraps a target so that every Apply after the first n fails
// with a non-temporary error, as if the process had crashed there.
type Interrupt struct {
	diff.Target
	N     int64
	calls atomic.Int64
}

// Apply forwards the first N calls and fails the rest.
func (i *Interrupt) Apply(ctx context.Context, c diff.Change) error {
	if i.calls.Add(1) > i.N {
		return errInjected
	}
	return i.Target.Apply(ctx, c)
}

func testCrash(t *testing.T, h *Harness) {
	// Plan the fixture at version 1 from version 0 with a vanished user,
	// interrupt after k changes, then plan and apply again.
	d0 := h.fixture(0)
	d1 := without(h.fixture(1), "user/3")
	find(d1, "group/staff").Members = []string{"user/2"}
	tgt := h.New(t)
	p := h.converge(t, tgt, d0, Now)
	n := len(p.Changes)
	ks := []int{0, 1, n / 2, n - 1}
	for _, k := range slices.Compact(ks) {
		t.Run(fmt.Sprintf("first/k=%d", k), func(t *testing.T) {
			h.crashConverge(t, h.New(t), d0, k)
		})
	}
	tgt = h.New(t)
	h.converge(t, tgt, d0, Now)
	p, err := diff.Compute(diff.Prepare(tgt, d1), read(t, tgt), h.options(Now))
	if err != nil {
		t.Fatal(err)
	}
	n = len(p.Changes)
	for _, k := range slices.Compact([]int{1, n / 2, n - 1}) {
		t.Run(fmt.Sprintf("update/k=%d", k), func(t *testing.T) {
			tgt := h.New(t)
			h.converge(t, tgt, d0, Now)
			h.crashConverge(t, tgt, d1, k)
		})
	}
}

// crashConverge applies the plan for desired with an interruption after k
// changes, then plans and applies again, and checks the result.
func (h *Harness) crashConverge(t *testing.T, tgt diff.Target, desired []diff.Object, k int) {
	t.Helper()
	ctx := context.Background()
	before := read(t, tgt)
	desired = diff.Prepare(tgt, desired)
	p, err := diff.Compute(desired, before, h.options(Now))
	if err != nil {
		t.Fatal(err)
	}
	_, err = diff.Apply(ctx, &Interrupt{Target: tgt, N: int64(k)}, p, diff.ApplyOptions{Sleep: noSleep, Concurrency: 1})
	if k < len(p.Changes) && !errors.Is(err, errInjected) {
		t.Fatalf("interrupted apply: err = %v", err)
	}
	h.converge(t, tgt, desired, Now)
	sameUnmanaged(t, before, read(t, tgt))
}

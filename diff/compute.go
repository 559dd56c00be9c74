package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Compute compares the desired objects with the actual ones read from a
// target and returns the Plan that brings the target to the desired state.
//
// Desired objects are matched to managed actual objects by Key. Unmanaged
// actual objects (Managed false) are never changed, except that a desired
// object with no managed counterpart adopts one through Options.AdoptBy
// (an Adopt change, then the normal comparison). For a matched object the
// plan enables it when it is disabled or retired, renames it when Name
// differs, updates every attribute present in the desired object whose
// value differs (a desired "" clears the attribute; AttrDisabledDate is
// left to enable/disable), moves it when Parent differs and adds and
// removes members. A desired object without counterpart is created (groups
// empty, members follow as AddMember changes).
//
// A managed actual object that is no longer desired is never deleted at
// once: a user is disabled (AttrDisabledDate set to the plan's date) and
// moved to "<Quarantine>/<date>"; a group or container is retired the same
// way under "<Retired>/<date>". A disabled user or retired group whose
// retention (Options.Retention, GroupRetention) has run out is deleted;
// containers are never deleted. Objects on the Options.Protected list are
// left alone. The disabled object kept in quarantine is orgsync's "dead
// shadow": a person who returns within the retention gets the same account
// back (enable, move back), never a second one.
//
// Compute does not modify its arguments, and the same input always gives
// the same plan.
//
// Changes are ordered in stages (see Change.Stage and StageOrder). Compute
// validates its input and reports every problem at once as a
// *ValidationError (errors.Is(err, ErrInvalidInput)).
func Compute(desired, actual []Object, opt Options) (*Plan, error) {
	c := &computer{opt: opt, desired: desired, actual: actual}
	if err := c.index(); err != nil {
		return nil, err
	}
	c.adopt()
	c.block()
	for i := range c.desired {
		c.diffDesired(i)
	}
	for _, i := range c.managed {
		if !c.seen[i] {
			c.vanish(&c.actual[i])
		}
	}
	c.createDated()
	return c.plan(), nil
}

// StageOrder documents the order in which a plan's changes run. Compute
// gives every change a Stage; the stages below are numbered from 1 in this
// order after empty ones are dropped, and several stages of one line are
// used where depth matters.
//
//  1. adopt: unmanaged objects get the management mark and their Key;
//  2. create containers, parents before children (one stage per depth);
//  3. enable objects that are desired again (clears AttrDisabledDate);
//  4. rename;
//  5. update attributes;
//  6. move containers to their desired parent, shallowest desired depth
//     first (so no move ever puts a container under its own descendant);
//  7. create users, groups and other kinds, and move them to their desired
//     parent (their containers now exist and are in place);
//  8. remove members;
//  9. add members (every member and group exists now);
//  10. disable users and retire groups and containers (the date mark);
//  11. move disabled users to quarantine and retired groups to the
//     retirement container (after the disable, so nothing sits enabled in
//     quarantine);
//  12. move retired containers to the retirement container, deepest first,
//     so children have left a container before it moves;
//  13. delete (only objects whose retention has run out), last.
//
// No two changes of one stage touch the same object Key, except member
// changes of one group; within a stage changes are sorted by action, kind,
// Key and member, so a plan is deterministic.
const StageOrder = "adopt, create containers by depth, enable, rename, update, move containers by depth, create and move other objects, remove members, add members, disable/retire, quarantine moves, retire containers deepest first, delete"

type stageClass int

const (
	classAdopt stageClass = iota + 1
	classCreateContainer
	classEnable
	classRename
	classUpdate
	classMoveContainer
	classCreateObject
	classRemoveMember
	classAddMember
	classDisable
	classQuarantine
	classRetireContainer
	classDelete
)

type planned struct {
	c     Change
	class stageClass
	sub   int
}

// slot holds the indices of the desired and the managed actual object of
// one key (-1 when there is none).
type slot struct{ d, a int32 }

type computer struct {
	opt      Options
	today    string
	desired  []Object
	actual   []Object
	idx      map[string]int32 // key -> index into slots
	slots    []slot
	dAct     []int32 // desired index -> managed actual index or -1
	seen     []bool  // actual index -> matched by a desired object
	managed  []int   // indices of managed actual objects
	foreign  []int   // indices of unmanaged actual objects
	adopted  map[string]*Object
	blocked  map[string]bool
	protect  map[string]bool
	dDepth   map[string]int // desired container depth
	aDepth   map[string]int // actual container depth (memo)
	warnings []string
	out      []planned
	dated    map[string]string // dated container key -> its parent (root)
}

func (c *computer) index() error {
	var ps problems
	if c.opt.Now.IsZero() {
		ps.add("options", "now", "is required")
	}
	c.today = c.opt.Now.Format(DateLayout)
	c.idx = make(map[string]int32, len(c.desired)+len(c.actual)/16)
	c.slots = make([]slot, 0, len(c.desired)+len(c.actual)/16)
	c.dAct = make([]int32, len(c.desired))
	for i := range c.desired {
		d := &c.desired[i]
		c.dAct[i] = -1
		name := func() string { return fmt.Sprintf("desired %s %q", d.Kind, d.Key) }
		if d.Key == "" {
			ps.add(fmt.Sprintf("desired object %d", i), "key", "is empty")
			continue
		}
		if d.Kind == "" {
			ps.add(name(), "kind", "is empty")
		}
		if _, dup := c.idx[d.Key]; dup {
			ps.add(name(), "key", "is not unique")
			continue
		}
		c.idx[d.Key] = int32(len(c.slots))
		c.slots = append(c.slots, slot{d: int32(i), a: -1})
		for a := range d.Attrs {
			if isSecretAttr(a) {
				ps.add(name(), "attrs", "attribute %q would put a secret into the plan; adapters generate passwords at create time", a)
			}
		}
	}
	c.seen = make([]bool, len(c.actual))
	for i := range c.actual {
		a := &c.actual[i]
		if !a.Managed {
			c.foreign = append(c.foreign, i)
			continue
		}
		if a.Key == "" {
			ps.add(fmt.Sprintf("actual object %d (id %q)", i, a.ID), "key", "managed object without a key")
			continue
		}
		j, ok := c.idx[a.Key]
		if !ok {
			c.idx[a.Key] = int32(len(c.slots))
			c.slots = append(c.slots, slot{d: -1, a: int32(i)})
		} else if sl := &c.slots[j]; sl.a >= 0 {
			ps.add(fmt.Sprintf("actual %s %q", a.Kind, a.Key), "key", "is carried by two managed objects (ids %q and %q)", c.actual[sl.a].ID, a.ID)
			continue
		} else {
			sl.a = int32(i)
			c.dAct[sl.d] = int32(i)
			c.seen[i] = true // desired
		}
		c.managed = append(c.managed, i)
	}
	lastParent := ""
	for i := range c.desired {
		d := &c.desired[i]
		if d.Key == "" {
			continue
		}
		name := func() string { return fmt.Sprintf("desired %s %q", d.Kind, d.Key) }
		if d.Parent != "" && d.Parent != lastParent {
			if j, ok := c.desiredOf(d.Parent); !ok {
				ps.add(name(), "parent", "%q is not a desired container", d.Parent)
			} else if c.desired[j].Kind != Container {
				ps.add(name(), "parent", "%q is a %s, not a container", d.Parent, c.desired[j].Kind)
			} else {
				lastParent = d.Parent
			}
		}
		var have []string
		if j := c.dAct[i]; j >= 0 {
			have = c.actual[j].Members
			if c.actual[j].Kind != d.Kind {
				ps.add(name(), "kind", "the managed actual object with this key is a %s", c.actual[j].Kind)
			}
		}
		if len(d.Members) > 0 && !slices.Equal(d.Members, have) {
			// Members the target already reports are known to it; check
			// the others.
			for _, m := range d.Members {
				if _, ok := c.idx[m]; !ok && !slices.Contains(have, m) {
					ps.add(name(), "members", "member %q is neither desired nor a managed object", m)
				}
			}
		}
	}
	// Depth of desired containers, with cycle detection.
	c.dDepth = make(map[string]int)
	for i := range c.desired {
		d := &c.desired[i]
		if d.Kind != Container || d.Key == "" {
			continue
		}
		if _, err := c.desiredDepth(d.Key, 0); err != nil {
			ps.add(fmt.Sprintf("desired %s %q", d.Kind, d.Key), "parent", "%v", err)
		}
	}
	if len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	c.protect = make(map[string]bool, len(c.opt.Protected))
	for _, p := range c.opt.Protected {
		c.protect[p] = true
	}
	c.adopted = map[string]*Object{}
	c.blocked = map[string]bool{}
	c.aDepth = map[string]int{}
	c.dated = map[string]string{}
	return nil
}

// desiredDepth returns the number of desired ancestors of a desired
// container.
func (c *computer) desiredDepth(key string, guard int) (int, error) {
	if d, ok := c.dDepth[key]; ok {
		if d < 0 {
			return 0, fmt.Errorf("containers form a cycle through %q", key)
		}
		return d, nil
	}
	i, ok := c.desiredOf(key)
	if !ok || guard > len(c.desired) {
		return 0, nil
	}
	p := c.desired[i].Parent
	if p == "" {
		c.dDepth[key] = 0
		return 0, nil
	}
	c.dDepth[key] = -1 // in progress
	pd, err := c.desiredDepth(p, guard+1)
	if err != nil {
		return 0, err
	}
	c.dDepth[key] = pd + 1
	return pd + 1, nil
}

// actualDepth returns the number of managed ancestors of a managed actual
// container.
func (c *computer) actualDepth(key string) int {
	if d, ok := c.aDepth[key]; ok {
		return max(d, 0)
	}
	c.aDepth[key] = -1 // cycle guard
	d := 0
	if i, ok := c.actualOf(key); ok {
		if p := c.actual[i].Parent; p != "" {
			if _, ok := c.actualOf(p); ok {
				d = c.actualDepth(p) + 1
			}
		}
	}
	c.aDepth[key] = d
	return d
}

// adopt matches desired objects without a managed counterpart to unmanaged
// actual objects by Options.AdoptBy.
func (c *computer) adopt() {
	if len(c.opt.AdoptBy) == 0 || len(c.foreign) == 0 {
		return
	}
	type ak struct {
		kind      Kind
		attr, val string
	}
	idx := make(map[ak][]int)
	for _, i := range c.foreign {
		u := &c.actual[i]
		for _, attr := range c.opt.AdoptBy {
			if v := u.Attrs[attr]; v != "" {
				idx[ak{u.Kind, attr, v}] = append(idx[ak{u.Kind, attr, v}], i)
			}
		}
	}
	claims := map[int][]string{} // foreign index -> desired keys
	for i := range c.desired {
		d := &c.desired[i]
		if c.dAct[i] >= 0 {
			continue
		}
		for _, attr := range c.opt.AdoptBy {
			v := d.Attrs[attr]
			if v == "" {
				continue
			}
			cands := idx[ak{d.Kind, attr, v}]
			if len(cands) == 0 {
				continue
			}
			if len(cands) > 1 {
				ids := make([]string, len(cands))
				for j, k := range cands {
					ids[j] = c.actual[k].ID
				}
				c.warnings = append(c.warnings, fmt.Sprintf("adopt %s %q: %d unmanaged objects match %s (ids %s); nothing is adopted or created until one remains", d.Kind, d.Key, len(cands), attr, strings.Join(ids, ", ")))
				c.blocked[d.Key] = true
			} else {
				claims[cands[0]] = append(claims[cands[0]], d.Key)
			}
			break
		}
	}
	for fi, keys := range claims {
		u := &c.actual[fi]
		if len(keys) > 1 {
			slices.Sort(keys)
			c.warnings = append(c.warnings, fmt.Sprintf("adopt: unmanaged %s %q (id %s) matches %d desired objects (%s); nothing is adopted or created for them", u.Kind, u.Name, u.ID, len(keys), strings.Join(keys, ", ")))
			for _, k := range keys {
				c.blocked[k] = true
			}
			continue
		}
		before := u.Clone()
		after := u.Clone()
		after.Key = keys[0]
		after.Managed = true
		c.emit(classAdopt, 0, Change{Action: Adopt, Kind: u.Kind, Key: keys[0], Before: &before, After: &after,
			Reason: "adopt existing object matched by " + strings.Join(c.opt.AdoptBy, "/")})
		c.adopted[keys[0]] = &after
	}
}

// block marks desired objects that cannot be created because their
// adoption is ambiguous or their parent cannot be created.
func (c *computer) block() {
	if len(c.blocked) == 0 {
		return
	}
	// Containers parent-first, then everything else.
	order := make([]int, 0, len(c.desired))
	for i := range c.desired {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(x, y int) int {
		return cmp.Compare(c.orderDepth(&c.desired[x]), c.orderDepth(&c.desired[y]))
	})
	for _, i := range order {
		d := &c.desired[i]
		if c.blocked[d.Key] || !c.blocked[d.Parent] || c.exists(d.Key) {
			continue
		}
		c.blocked[d.Key] = true
		c.warnings = append(c.warnings, fmt.Sprintf("create %s %q: skipped, its parent %q cannot be created", d.Kind, d.Key, d.Parent))
	}
}

func (c *computer) orderDepth(d *Object) int {
	if d.Kind == Container {
		return c.dDepth[d.Key]
	}
	return len(c.desired) + 1
}

// desiredOf returns the index of the desired object with the key.
func (c *computer) desiredOf(key string) (int, bool) {
	if j, ok := c.idx[key]; ok && c.slots[j].d >= 0 {
		return int(c.slots[j].d), true
	}
	return 0, false
}

// actualOf returns the index of the managed actual object with the key.
func (c *computer) actualOf(key string) (int, bool) {
	if j, ok := c.idx[key]; ok && c.slots[j].a >= 0 {
		return int(c.slots[j].a), true
	}
	return 0, false
}

func (c *computer) exists(key string) bool {
	if _, ok := c.actualOf(key); ok {
		return true
	}
	_, ok := c.adopted[key]
	return ok
}

func (c *computer) emit(class stageClass, sub int, ch Change) {
	c.out = append(c.out, planned{c: ch, class: class, sub: sub})
}

func (c *computer) isProtected(o *Object) bool {
	if len(c.protect) == 0 {
		return false
	}
	if c.protect[o.Key] {
		return true
	}
	u := o.Attrs[AttrUsername]
	return u != "" && c.protect[u]
}

// isDisabled reports whether an actual object is disabled (users) or
// retired (any kind: the date mark).
func isDisabled(o *Object) bool { return o.Disabled || o.Attrs[AttrDisabledDate] != "" }

// chain hands out Before/After pairs for successive changes of one object,
// each After being the next change's Before.
type chain struct {
	cur   *Object
	owned bool
}

func (ch *chain) step() (before, after *Object) {
	if !ch.owned {
		o := ch.cur.Clone()
		ch.cur = &o
		ch.owned = true
	}
	before = ch.cur
	a := before.Clone()
	after = &a
	ch.cur = after
	return before, after
}

func setAttr(o *Object, name, value string) {
	if value == "" {
		delete(o.Attrs, name)
		return
	}
	if o.Attrs == nil {
		o.Attrs = map[string]string{}
	}
	o.Attrs[name] = value
}

func (c *computer) diffDesired(i int) {
	d := &c.desired[i]
	if len(c.blocked) > 0 && c.blocked[d.Key] {
		return
	}
	var act *Object
	if j := c.dAct[i]; j >= 0 {
		act = &c.actual[j]
	} else if a, ok := c.adopted[d.Key]; ok {
		act = a
	} else {
		c.create(d)
		return
	}
	ch := chain{cur: act}
	dis := isDisabled(act)
	switch {
	case !d.Disabled && dis:
		b, a := ch.step()
		old := a.Attrs[AttrDisabledDate]
		a.Disabled = false
		setAttr(a, AttrDisabledDate, "")
		c.emit(classEnable, 0, Change{Action: Enable, Kind: d.Kind, Key: d.Key, Before: b, After: a,
			Attrs: []AttrChange{{Name: AttrDisabledDate, Before: old, After: ""}}, Reason: "desired again"})
	case d.Disabled && (!act.Disabled || act.Attrs[AttrDisabledDate] == "") && !c.isProtected(act):
		b, a := ch.step()
		old := a.Attrs[AttrDisabledDate]
		a.Disabled = true
		if old == "" {
			setAttr(a, AttrDisabledDate, c.today)
		}
		c.emit(classDisable, 0, Change{Action: Disable, Kind: d.Kind, Key: d.Key, Before: b, After: a,
			Attrs: []AttrChange{{Name: AttrDisabledDate, Before: old, After: a.Attrs[AttrDisabledDate]}}, Reason: "disabled in the desired state"})
	}
	if d.Name != ch.cur.Name {
		b, a := ch.step()
		a.Name = d.Name
		c.emit(classRename, 0, Change{Action: Rename, Kind: d.Kind, Key: d.Key, Before: b, After: a})
	}
	if attrs := diffAttrs(d.Attrs, ch.cur.Attrs); len(attrs) > 0 {
		b, a := ch.step()
		for _, ac := range attrs {
			setAttr(a, ac.Name, ac.After)
		}
		c.emit(classUpdate, 0, Change{Action: Update, Kind: d.Kind, Key: d.Key, Before: b, After: a, Attrs: attrs})
	}
	if d.Parent != ch.cur.Parent {
		if c.blocked[d.Parent] {
			c.warnings = append(c.warnings, fmt.Sprintf("move %s %q: skipped, its parent %q cannot be created", d.Kind, d.Key, d.Parent))
		} else {
			b, a := ch.step()
			a.Parent = d.Parent
			class, sub := classCreateObject, 0
			if d.Kind == Container {
				class, sub = classMoveContainer, c.dDepth[d.Key]
			}
			c.emit(class, sub, Change{Action: Move, Kind: d.Kind, Key: d.Key, Before: b, After: a})
		}
	}
	add, remove := diffMembers(d.Members, act.Members)
	for _, m := range remove {
		c.emit(classRemoveMember, 0, Change{Action: RemoveMember, Kind: d.Kind, Key: d.Key, Member: m})
	}
	c.addMembers(d, add)
}

func (c *computer) addMembers(d *Object, add []string) {
	for _, m := range add {
		if c.blocked[m] {
			c.warnings = append(c.warnings, fmt.Sprintf("add-member %q to %q: skipped, the member cannot be created", m, d.Key))
			continue
		}
		c.emit(classAddMember, 0, Change{Action: AddMember, Kind: d.Kind, Key: d.Key, Member: m})
	}
}

func (c *computer) create(d *Object) {
	a := d.Clone()
	a.Members = nil
	a.Managed = true
	a.ID = ""
	for k, v := range a.Attrs {
		if v == "" || k == AttrDisabledDate {
			delete(a.Attrs, k)
		}
	}
	if len(a.Attrs) == 0 {
		a.Attrs = nil
	}
	if d.Disabled {
		setAttr(&a, AttrDisabledDate, c.today)
	}
	class := classCreateObject
	if d.Kind == Container {
		class = classCreateContainer // sub (create depth) is set in plan()
	}
	c.emit(class, 0, Change{Action: Create, Kind: d.Kind, Key: d.Key, After: &a})
	add, _ := diffMembers(d.Members, nil)
	c.addMembers(d, add)
}

// diffAttrs returns the attribute changes that turn have into want, sorted
// by name. Only attributes present in want are compared.
func diffAttrs(want, have map[string]string) []AttrChange {
	var out []AttrChange
	for k, v := range want {
		if k == AttrDisabledDate {
			continue
		}
		if hv := have[k]; hv != v {
			out = append(out, AttrChange{Name: k, Before: hv, After: v})
		}
	}
	if len(out) > 1 {
		slices.SortFunc(out, func(x, y AttrChange) int { return strings.Compare(x.Name, y.Name) })
	}
	return out
}

// diffMembers returns the members to add and to remove, each sorted and
// without duplicates.
func diffMembers(want, have []string) (add, remove []string) {
	if slices.Equal(want, have) {
		return nil, nil
	}
	want = sortedSet(want)
	have = sortedSet(have)
	i, j := 0, 0
	for i < len(want) || j < len(have) {
		switch {
		case j == len(have) || (i < len(want) && want[i] < have[j]):
			add = append(add, want[i])
			i++
		case i == len(want) || have[j] < want[i]:
			remove = append(remove, have[j])
			j++
		default:
			i++
			j++
		}
	}
	return add, remove
}

func sortedSet(s []string) []string {
	if len(s) < 2 {
		return s
	}
	sorted := true
	for i := 1; i < len(s); i++ {
		if s[i] <= s[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return s
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// reserved reports whether a container key is the quarantine or
// retirement container or one of their dated children.
func (c *computer) reserved(key string) bool {
	return under(key, c.opt.Quarantine) || under(key, c.opt.Retired)
}

// under reports whether key is root or below it.
func under(key, root string) bool {
	return root != "" && (key == root || strings.HasPrefix(key, root+"/"))
}

func (c *computer) vanish(act *Object) {
	if c.isProtected(act) {
		return
	}
	if act.Kind == Container && c.reserved(act.Key) {
		return
	}
	root := c.opt.Retired
	moveClass := classQuarantine
	reason := "retired: no longer desired"
	switch act.Kind {
	case User:
		root = c.opt.Quarantine
		reason = "disabled: no longer desired"
	case Container:
		moveClass = classRetireContainer
	}
	ch := chain{cur: act}
	date := act.Attrs[AttrDisabledDate]
	if isDisabled(act) && validDate(date) {
		if days, ok := c.opt.retention(act.Kind, act.Attrs[AttrGlobalRole]); ok && c.expired(date, days) {
			b := act.Clone()
			c.emit(classDelete, 0, Change{Action: Delete, Kind: act.Kind, Key: act.Key, Before: &b,
				Reason: fmt.Sprintf("disabled since %s, retention %d days", date, days)})
			return
		}
	} else {
		b, a := ch.step()
		a.Disabled = true
		date = c.today
		setAttr(a, AttrDisabledDate, date)
		c.emit(classDisable, 0, Change{Action: Disable, Kind: act.Kind, Key: act.Key, Before: b, After: a,
			Attrs: []AttrChange{{Name: AttrDisabledDate, Before: b.Attrs[AttrDisabledDate], After: date}}, Reason: reason})
	}
	if root == "" || under(ch.cur.Parent, root) {
		return
	}
	dest := root + "/" + date
	c.dated[dest] = root
	b, a := ch.step()
	a.Parent = dest
	sub := 0
	if act.Kind == Container {
		sub = -c.actualDepth(act.Key) // deepest first
	}
	c.emit(moveClass, sub, Change{Action: Move, Kind: act.Kind, Key: act.Key, Before: b, After: a,
		Reason: fmt.Sprintf("to %s since %s", map[bool]string{true: "quarantine", false: "retirement"}[act.Kind == User], date)})
}

func validDate(s string) bool {
	_, err := time.Parse(DateLayout, s)
	return err == nil
}

// expired reports whether now is at least days after the date.
func (c *computer) expired(date string, days int) bool {
	t, err := time.ParseInLocation(DateLayout, date, c.opt.Now.Location())
	if err != nil {
		return false
	}
	return !c.opt.Now.Before(t.AddDate(0, 0, days))
}

// createDated plans the quarantine and retirement containers that moves
// need and that do not exist.
func (c *computer) createDated() {
	keys := make([]string, 0, len(c.dated))
	for k := range c.dated {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	roots := map[string]bool{}
	for _, k := range keys {
		root := c.dated[k]
		if !roots[root] {
			roots[root] = true
			if !c.exists(root) && !c.isDesired(root) {
				parent := ""
				if i := strings.LastIndexByte(root, '/'); i > 0 {
					if p := root[:i]; c.exists(p) || c.isDesired(p) {
						parent = p
					}
				}
				c.emit(classCreateContainer, 0, Change{Action: Create, Kind: Container, Key: root,
					After:  &Object{Kind: Container, Key: root, Name: root[strings.LastIndexByte(root, '/')+1:], Parent: parent, Managed: true},
					Reason: "container for disabled and retired objects"})
			}
		}
		if !c.exists(k) && !c.isDesired(k) {
			c.emit(classCreateContainer, 0, Change{Action: Create, Kind: Container, Key: k,
				After:  &Object{Kind: Container, Key: k, Name: k[len(root)+1:], Parent: root, Managed: true},
				Reason: "dated container for objects disabled or retired on " + k[len(root)+1:]})
		}
	}
}

func (c *computer) isDesired(key string) bool {
	_, ok := c.desiredOf(key)
	return ok
}

// plan assigns stages and sorts the changes.
func (c *computer) plan() *Plan {
	// Depth of container creates: parents being created come first.
	parentOf := map[string]string{}
	for i := range c.out {
		p := &c.out[i]
		if p.class == classCreateContainer {
			parentOf[p.c.Key] = p.c.After.Parent
		}
	}
	depth := map[string]int{}
	var createDepth func(k string, guard int) int
	createDepth = func(k string, guard int) int {
		if d, ok := depth[k]; ok {
			return d
		}
		d := 0
		if _, ok := parentOf[parentOf[k]]; ok && guard < len(parentOf) {
			d = createDepth(parentOf[k], guard+1) + 1
		}
		depth[k] = d
		return d
	}
	for i := range c.out {
		p := &c.out[i]
		if p.class == classCreateContainer {
			p.sub = createDepth(p.c.Key, 0)
		}
	}
	slices.SortFunc(c.out, func(x, y planned) int {
		if r := cmp.Compare(x.class, y.class); r != 0 {
			return r
		}
		if r := cmp.Compare(x.sub, y.sub); r != 0 {
			return r
		}
		return compareChanges(&x.c, &y.c)
	})
	plan := &Plan{Now: c.opt.Now, Changes: make([]Change, len(c.out))}
	stage := 0
	for i := range c.out {
		if i == 0 || c.out[i].class != c.out[i-1].class || c.out[i].sub != c.out[i-1].sub {
			stage++
		}
		c.out[i].c.Stage = stage
		plan.Changes[i] = c.out[i].c
	}
	slices.Sort(c.warnings)
	plan.Warnings = c.warnings
	return plan
}

func compareChanges(x, y *Change) int {
	if r := cmp.Compare(x.Action, y.Action); r != 0 {
		return r
	}
	if r := cmp.Compare(x.Kind, y.Kind); r != 0 {
		return r
	}
	if r := cmp.Compare(x.Key, y.Key); r != 0 {
		return r
	}
	return cmp.Compare(x.Member, y.Member)
}

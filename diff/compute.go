package diff

import (
	"cmp"
	"fmt"

	"runtime"
	"slices"
	"strings"
	"sync"
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
// the same plan. Inputs sorted by Key (as desired.Projection.Build returns
// them) are matched fastest; large inputs are compared on up to GOMAXPROCS
// goroutines.
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
	// The references and attribute names of the desired objects are
	// checked while they are compared, so each object is visited once;
	// a problem found there discards the plan.
	c.diffAll()
	if len(c.ps) > 0 {
		return nil, c.ps.err()
	}
	for i, st := range c.aState {
		if st == aManaged {
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

// changeList collects the changes of one stage class in chunks, so that
// growing it never copies. Until plan numbers the stages, a change's Stage
// holds its order within the class (e.g. a container's depth).
type changeList struct {
	chunks [][]Change
	n      int
}

func (l *changeList) add(ch Change) {
	k := len(l.chunks)
	if k == 0 || len(l.chunks[k-1]) == cap(l.chunks[k-1]) {
		size := 16
		if k > 0 {
			size = min(2*cap(l.chunks[k-1]), 4096)
		}
		l.chunks = append(l.chunks, make([]Change, 0, size))
		k++
	}
	l.chunks[k-1] = append(l.chunks[k-1], ch)
	l.n++
}

// each calls f for every change of the list, in order.
func (l *changeList) each(f func(*Change)) {
	for _, ck := range l.chunks {
		for i := range ck {
			f(&ck[i])
		}
	}
}

// diffAll compares every desired object with its actual counterpart. Large
// inputs are split into contiguous ranges compared concurrently, each by a
// copy of the computer with its own output; the outputs are joined in
// range order, so the result is the same as one pass gives. Nothing the
// comparison reads is written during it (see parentOf).
func (c *computer) diffAll() {
	n := len(c.desired)
	parts := diffParts(n)
	if parts <= 1 {
		for i := range n {
			c.diffDesired(i)
		}
		return
	}
	ws := make([]computer, parts)
	var wg sync.WaitGroup
	for w := range ws {
		lo, hi := w*n/parts, (w+1)*n/parts
		ws[w] = *c
		wc := &ws[w]
		wc.out = [len(c.out)]changeList{}
		wc.warnings, wc.ps, wc.lastParent = nil, nil, ""
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				wc.diffDesired(i)
			}
		})
	}
	wg.Wait()
	for w := range ws {
		for cl := range c.out {
			c.out[cl].chunks = append(c.out[cl].chunks, ws[w].out[cl].chunks...)
			c.out[cl].n += ws[w].out[cl].n
		}
		c.warnings = append(c.warnings, ws[w].warnings...)
		c.ps = append(c.ps, ws[w].ps...)
	}
}

// diffParts returns the number of ranges diffAll splits n desired objects
// into: one per processor, up to 8, each of at least 20,000 objects.
// Tests replace it.
var diffParts = func(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/20_000, 8))
}

// States of an actual object in computer.aState.
const (
	aOther   uint8 = iota // unmanaged, without a key, or a second object with a key
	aManaged              // managed, no desired object has its key
	aMatched              // managed and desired
)

type computer struct {
	opt        Options
	today      string
	desired    []Object
	actual     []Object
	dIdx       keyIndex // desired objects by key
	aIdx       keyIndex // managed actual objects by key
	dAct       []int32  // desired index -> 1 + managed actual index, or 0
	aState     []uint8  // actual index -> aOther, aManaged or aMatched
	dDup       map[int]bool
	containers []int32          // indices of desired containers
	parents    map[string]int32 // desired container key -> desiredOf(key)
	lastParent string           // the last parent found valid
	foreign    []int            // indices of unmanaged actual objects
	adopted    map[string]*Object
	blocked    map[string]bool
	protect    map[string]bool
	dDepth     map[string]int // desired container depth
	aDepth     map[string]int // actual container depth (memo)
	warnings   []string
	out        [classDelete + 1]changeList // by stage class
	dated      map[string]string           // dated container key -> its parent (root)
	ps         problems
}

func (c *computer) desiredName(i int) string {
	d := &c.desired[i]
	return fmt.Sprintf("desired %s %q", d.Kind, d.Key)
}

// index checks the keys and indexes both sides by key. Problems with the
// references between desired objects and with attribute names are found
// while diffing (see check and secrets) unless index already found some,
// in which case it looks for them too and reports everything.
func (c *computer) index() error {
	ps := &c.ps
	if c.opt.Now.IsZero() {
		ps.add(phaseOptions, 0, 0, "options", "now", "is required")
	}
	c.today = c.opt.Now.Format(DateLayout)
	// One pass per side finds the objects with keys, whether they are
	// sorted by key (and whether two neighbours share a key, with one
	// comparison per neighbour) and, from the moment a side is known not
	// to be sorted, their hash entries; an object is read once.
	dCand := make([]int32, 0, len(c.desired))
	var dHash []uint64
	dSorted, dAdj, last := true, false, ""
	for i := range c.desired {
		d := &c.desired[i]
		if d.Key == "" {
			ps.add(phaseDesired, i, subKey, fmt.Sprintf("desired object %d", i), "key", "is empty")
			continue
		}
		if d.Kind == "" {
			ps.add(phaseDesired, i, subKind, c.desiredName(i), "kind", "is empty")
		}
		if name, ok := d.Attrs.sorted(); !ok {
			ps.add(phaseDesired, i, subAttrs, c.desiredName(i), "attrs", unsortedAttr, name)
		}
		if dSorted && len(dCand) > 0 {
			if r := strings.Compare(d.Key, last); r < 0 {
				dSorted = false
				dHash = hashEntries(c.desired, dCand, len(c.desired))
			} else if r == 0 {
				dAdj = true
			}
		}
		last = d.Key
		dCand = append(dCand, int32(i))
		if !dSorted {
			dHash = append(dHash, hashEntry(d.Key, int32(i)))
		}
		if d.Kind == Container {
			c.containers = append(c.containers, int32(i))
		}
	}
	c.aState = make([]uint8, len(c.actual))
	aCand := make([]int32, 0, len(c.actual))
	var aHash []uint64
	if !dSorted {
		aHash = make([]uint64, 0, len(c.actual))
	}
	aSorted, aAdj := true, false
	last = ""
	for i := range c.actual {
		a := &c.actual[i]
		if name, ok := a.Attrs.sorted(); !ok {
			ps.add(phaseActual, i, 0, fmt.Sprintf("actual object %d (id %q)", i, a.ID), "attrs", unsortedAttr, name)
		}
		if !a.Managed {
			c.foreign = append(c.foreign, i)
			continue
		}
		if a.Key == "" {
			ps.add(phaseActual, i, 0, fmt.Sprintf("actual object %d (id %q)", i, a.ID), "key", "managed object without a key")
			continue
		}
		if aSorted && len(aCand) > 0 {
			if r := strings.Compare(a.Key, last); r < 0 {
				aSorted = false
				if aHash == nil {
					aHash = hashEntries(c.actual, aCand, len(c.actual))
				}
			} else if r == 0 {
				aAdj = true
			}
		}
		last = a.Key
		aCand = append(aCand, int32(i))
		if aHash != nil {
			aHash = append(aHash, hashEntry(a.Key, int32(i)))
		}
	}
	// Both sides sorted by key (a projection's output, a reader's sorted
	// listing): merge them as they are; otherwise order both by hash.
	dupDesired := func(_, i int32) {
		if c.dDup == nil {
			c.dDup = map[int]bool{}
		}
		c.dDup[int(i)] = true
		ps.add(phaseDesired, int(i), subDup, c.desiredName(int(i)), "key", "is not unique")
	}
	dupActual := func(first, i int32) {
		a := &c.actual[i]
		ps.add(phaseActual, int(i), 0, fmt.Sprintf("actual %s %q", a.Kind, a.Key), "key", "is carried by two managed objects (ids %q and %q)", c.actual[first].ID, a.ID)
	}
	if dSorted && aSorted {
		c.dIdx.buildSorted(c.desired, dCand, dAdj, dupDesired)
		c.aIdx.buildSorted(c.actual, aCand, aAdj, dupActual)
	} else {
		if dHash == nil {
			dHash = hashEntries(c.desired, dCand, len(dCand))
		}
		var buf []uint64
		c.dIdx.buildHashed(c.desired, dHash, &buf, dupDesired)
		c.aIdx.buildHashed(c.actual, aHash, &buf, dupActual)
	}
	c.match()
	// Depth of desired containers, with cycle detection.
	c.dDepth = make(map[string]int, len(c.containers))
	c.parents = make(map[string]int32, len(c.containers))
	for _, i := range c.containers {
		k, j := c.desired[i].Key, int(i)
		if c.dDup[j] {
			j, _ = c.desiredOf(k) // the first object with the key
		}
		c.parents[k] = int32(j)
	}
	for _, i := range c.containers {
		d := &c.desired[i]
		if _, err := c.desiredDepth(d.Key, 0); err != nil {
			ps.add(phaseTree, int(i), 0, c.desiredName(int(i)), "parent", "%v", err)
		}
	}
	if len(*ps) > 0 {
		for i := range c.desired {
			if c.desired[i].Key == "" {
				continue
			}
			c.check(i)
			if !c.dDup[i] {
				c.secrets(i)
			}
		}
		return ps.err()
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

// match pairs every desired object with the managed actual object of its
// key (dAct) and marks the actual objects as managed or matched (aState).
func (c *computer) match() {
	for p := range c.aIdx.len() {
		c.aState[c.aIdx.at(p)] = aManaged
	}
	c.dAct = make([]int32, len(c.desired))
	unverified := false
	join(&c.dIdx, &c.aIdx, func(d, a int32, verified bool) {
		c.dAct[d] = a + 1
		if verified {
			c.aState[a] = aMatched
		} else {
			unverified = true
		}
	})
	if unverified {
		for d, a1 := range c.dAct {
			a := a1 - 1
			if a < 0 || c.aState[a] == aMatched {
				continue
			}
			if c.desired[d].Key == c.actual[a].Key {
				c.aState[a] = aMatched
			} else {
				c.dAct[d] = 0 // a hash collision
			}
		}
	}
}

// hashEntries returns the hash entries of objs[i] for i in cand, with
// room for size entries.
func hashEntries(objs []Object, cand []int32, size int) []uint64 {
	e := make([]uint64, len(cand), max(size, len(cand)))
	for p, i := range cand {
		e[p] = hashEntry(objs[i].Key, i)
	}
	return e
}

// check looks for problems with the references of desired object i: its
// parent, the kind of the actual object with its key and its members. It
// reports whether the object's members equal those of the managed actual
// object with its key (or, without one, whether it has none).
func (c *computer) check(i int) (sameMembers bool) {
	d := &c.desired[i]
	if d.Parent != "" && d.Parent != c.lastParent {
		if j, ok := c.parentOf(d.Parent); !ok {
			c.ps.add(phaseRefs, i, 0, c.desiredName(i), "parent", "%q is not a desired container", d.Parent)
		} else if c.desired[j].Kind != Container {
			c.ps.add(phaseRefs, i, 0, c.desiredName(i), "parent", "%q is a %s, not a container", d.Parent, c.desired[j].Kind)
		} else {
			c.lastParent = d.Parent
		}
	}
	var have []string
	if j := c.dAct[i] - 1; j >= 0 {
		have = c.actual[j].Members
		if c.actual[j].Kind != d.Kind {
			c.ps.add(phaseRefs, i, 0, c.desiredName(i), "kind", "the managed actual object with this key is a %s", c.actual[j].Kind)
		}
	}
	if slices.Equal(d.Members, have) {
		return true
	}
	// Members the target already reports are known to it; check the
	// others.
	for _, m := range d.Members {
		if !c.known(m) && !slices.Contains(have, m) {
			c.ps.add(phaseRefs, i, 0, c.desiredName(i), "members", "member %q is neither desired nor a managed object", m)
		}
	}
	return false
}

// secrets reports the secret attribute names of desired object i.
func (c *computer) secrets(i int) {
	for _, a := range c.desired[i].Attrs {
		if isSecretAttr(a.Name) {
			c.secret(i, a.Name)
		}
	}
}

func (c *computer) secret(i int, attr string) {
	c.ps.add(phaseDesired, i, subSecret, c.desiredName(i), "attrs", "attribute %q would put a secret into the plan; adapters generate passwords at create time", attr)
}

// known reports whether a key is desired or carried by a managed object.
func (c *computer) known(key string) bool {
	if _, ok := c.dIdx.find(key); ok {
		return true
	}
	_, ok := c.aIdx.find(key)
	return ok
}

// parentOf is desiredOf for the keys of parents: the desired containers
// are looked up in a map made once (parents are asked for once per
// object), other keys (not a container: a problem) by search. It writes
// nothing, so concurrent comparisons may call it.
func (c *computer) parentOf(key string) (int, bool) {
	if j, ok := c.parents[key]; ok {
		return int(j), true
	}
	return c.desiredOf(key)
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
	i, ok := c.parentOf(key)
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
			if v := u.Attrs.Get(attr); v != "" {
				idx[ak{u.Kind, attr, v}] = append(idx[ak{u.Kind, attr, v}], i)
			}
		}
	}
	claims := map[int][]string{} // foreign index -> desired keys
	for i := range c.desired {
		d := &c.desired[i]
		if c.dAct[i] > 0 {
			continue
		}
		for _, attr := range c.opt.AdoptBy {
			v := d.Attrs.Get(attr)
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
func (c *computer) desiredOf(key string) (int, bool) { return c.dIdx.find(key) }

// actualOf returns the index of the managed actual object with the key.
func (c *computer) actualOf(key string) (int, bool) { return c.aIdx.find(key) }

func (c *computer) exists(key string) bool {
	if _, ok := c.actualOf(key); ok {
		return true
	}
	_, ok := c.adopted[key]
	return ok
}

func (c *computer) emit(class stageClass, sub int, ch Change) {
	ch.Stage = sub
	c.out[class].add(ch)
}

func (c *computer) isProtected(o *Object) bool {
	if len(c.protect) == 0 {
		return false
	}
	if c.protect[o.Key] {
		return true
	}
	u := o.Attrs.Get(AttrUsername)
	return u != "" && c.protect[u]
}

// isDisabled reports whether an actual object is disabled (users) or
// retired (any kind: the date mark).
func isDisabled(o *Object) bool { return o.Disabled || o.Attrs.Get(AttrDisabledDate) != "" }

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
		o.Attrs.Delete(name)
		return
	}
	o.Attrs.Set(name, value)
}

func (c *computer) diffDesired(i int) {
	d := &c.desired[i]
	sameMembers := c.check(i)
	if len(c.blocked) > 0 && c.blocked[d.Key] {
		c.secrets(i)
		return
	}
	var act *Object
	if j := c.dAct[i] - 1; j >= 0 {
		act = &c.actual[j]
	} else if a, ok := c.adopted[d.Key]; ok {
		act = a
		sameMembers = slices.Equal(d.Members, act.Members)
	} else {
		c.create(i, d)
		return
	}
	ch := chain{cur: act}
	dis := isDisabled(act)
	switch {
	case !d.Disabled && dis:
		b, a := ch.step()
		old := a.Attrs.Get(AttrDisabledDate)
		a.Disabled = false
		setAttr(a, AttrDisabledDate, "")
		c.emit(classEnable, 0, Change{Action: Enable, Kind: d.Kind, Key: d.Key, Before: b, After: a,
			Attrs: []AttrChange{{Name: AttrDisabledDate, Before: old, After: ""}}, Reason: "desired again"})
	case d.Disabled && (!act.Disabled || act.Attrs.Get(AttrDisabledDate) == "") && !c.isProtected(act):
		b, a := ch.step()
		old := a.Attrs.Get(AttrDisabledDate)
		a.Disabled = true
		if old == "" {
			setAttr(a, AttrDisabledDate, c.today)
		}
		c.emit(classDisable, 0, Change{Action: Disable, Kind: d.Kind, Key: d.Key, Before: b, After: a,
			Attrs: []AttrChange{{Name: AttrDisabledDate, Before: old, After: a.Attrs.Get(AttrDisabledDate)}}, Reason: "disabled in the desired state"})
	}
	if d.Name != ch.cur.Name {
		b, a := ch.step()
		a.Name = d.Name
		c.emit(classRename, 0, Change{Action: Rename, Kind: d.Kind, Key: d.Key, Before: b, After: a})
	}
	if attrs := c.diffAttrs(i, d.Attrs, ch.cur.Attrs); len(attrs) > 0 {
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
	if sameMembers {
		return
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

// create plans the Create of desired object i (and its AddMembers),
// checking its attribute names on the way.
func (c *computer) create(i int, d *Object) {
	a := *d
	a.Members = nil
	a.Managed = true
	a.ID = ""
	a.Attrs = nil
	keep := 0
	for _, x := range d.Attrs {
		if isSecretAttr(x.Name) {
			c.secret(i, x.Name)
		}
		if x.Value != "" && x.Name != AttrDisabledDate {
			keep++
		}
	}
	switch {
	case keep == len(d.Attrs) && keep > 0:
		a.Attrs = d.Attrs.Clone()
	case keep > 0:
		a.Attrs = make(Attrs, 0, keep)
		for _, x := range d.Attrs {
			if x.Value != "" && x.Name != AttrDisabledDate {
				a.Attrs = append(a.Attrs, x)
			}
		}
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

// diffAttrs returns the attribute changes that turn have into want (the
// attributes of desired object i), sorted by name. Only attributes present
// in want are compared. It reports secret attribute names on the way. Both
// sets are sorted (checked by validation), so this is a merge.
func (c *computer) diffAttrs(i int, want, have Attrs) []AttrChange {
	var out []AttrChange
	j := 0
	for _, w := range want {
		if isSecretAttr(w.Name) {
			c.secret(i, w.Name)
		}
		for j < len(have) && have[j].Name < w.Name {
			j++
		}
		if w.Name == AttrDisabledDate {
			continue
		}
		var hv string
		if j < len(have) && have[j].Name == w.Name {
			hv = have[j].Value
		}
		if hv != w.Value {
			out = append(out, AttrChange{Name: w.Name, Before: hv, After: w.Value})
		}
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
	date := act.Attrs.Get(AttrDisabledDate)
	if isDisabled(act) && validDate(date) {
		if days, ok := c.opt.retention(act.Kind, act.Attrs.Get(AttrGlobalRole)); ok && c.expired(date, days) {
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
			Attrs: []AttrChange{{Name: AttrDisabledDate, Before: b.Attrs.Get(AttrDisabledDate), After: date}}, Reason: reason})
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

// plan assigns stages and sorts the changes: the stage classes are
// already apart (a counting sort), so only the changes of each class are
// sorted, by sub-order, action, kind, key and member.
func (c *computer) plan() *Plan {
	// Depth of container creates: parents being created come first.
	creates := &c.out[classCreateContainer]
	parentOf := make(map[string]string, creates.n)
	creates.each(func(ch *Change) { parentOf[ch.Key] = ch.After.Parent })
	depth := make(map[string]int, creates.n)
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
	creates.each(func(ch *Change) { ch.Stage = createDepth(ch.Key, 0) })
	total := 0
	for cl := range c.out {
		total += c.out[cl].n
	}
	plan := &Plan{Now: c.opt.Now, Changes: make([]Change, 0, total)}
	stage := 0
	for cl := range c.out {
		lo := len(plan.Changes)
		for _, ck := range c.out[cl].chunks {
			plan.Changes = append(plan.Changes, ck...)
		}
		seg := plan.Changes[lo:]
		slices.SortFunc(seg, func(x, y Change) int {
			if r := cmp.Compare(x.Stage, y.Stage); r != 0 {
				return r
			}
			return compareChanges(&x, &y)
		})
		prev := 0
		for i := range seg {
			sub := seg[i].Stage
			if i == 0 || sub != prev {
				stage++
			}
			prev = sub
			seg[i].Stage = stage
		}
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

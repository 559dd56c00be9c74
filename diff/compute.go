package diff

import (
	"fmt"

	"runtime"
	"sync"
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

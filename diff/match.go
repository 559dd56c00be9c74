package diff

import (
	"fmt"
	"slices"
	"strings"
)

// Indexing and matching: keys checked, both sides indexed by key, desired
// objects paired with managed actual ones, references and depths checked.

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

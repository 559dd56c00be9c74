package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Adoption of unmanaged objects (Options.AdoptBy) and the desired objects
// blocked by an ambiguous adoption or a parent that cannot be created.

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

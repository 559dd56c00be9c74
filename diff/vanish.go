package diff

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Managed objects no longer desired: disable or retire, quarantine moves,
// deletion after the retention, and the dated containers they need.

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

package diff

import (
	"fmt"
	"slices"
)

// Comparing one desired object with its actual counterpart: enable,
// disable, rename, update, move, members, or create when it has none.

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

package diff

import (
	"cmp"
	"slices"
)

// The stages of a plan: the stage classes Compute emits into, and how
// plan numbers and sorts them (see StageOrder).

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
	plan := &Plan{Now: c.opt.Now, Changes: make([]Change, 0, total), Totals: CountManaged(c.actual)}
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

package diff

import (
	"fmt"
	"slices"
)

// blocker tracks the changes of earlier stages that failed or were
// blocked, by what they leave undone, so that Apply can tell which later
// changes depend on them. A change of a plan depends on an earlier one
// when:
//
//   - the earlier change creates or adopts an object (Create, Adopt) and
//     the later one changes that object, puts an object under it
//     (After.Parent) or makes it a member of a group (Member);
//   - the earlier change renames or moves an object (Rename, Move) and the
//     later one changes that object or puts an object under it: the object
//     is not where the plan expects it;
//   - the earlier change disables an object and the later one changes it
//     (moving a disabled user into quarantine, deleting it);
//   - the earlier change moves or deletes an object out of a container and
//     the later one moves or deletes that container (it is not empty).
//
// A failed Update, Enable, AddMember or RemoveMember leaves the object
// where it is and blocks nothing. A blocked change counts as failed for
// the changes after it, so a chain (OU, user under it, the user's
// memberships) is blocked as a whole.
type blocker struct {
	gone      map[string]int // key -> result index: object does not exist
	misplaced map[string]int // key -> result index: object not renamed/moved
	enabled   map[string]int // key -> result index: object not disabled
	notEmpty  map[string]int // container key -> result index: a child did not leave
}

func newBlocker() *blocker {
	return &blocker{gone: map[string]int{}, misplaced: map[string]int{}, enabled: map[string]int{}, notEmpty: map[string]int{}}
}

// cause returns the index of the failed or blocked result that change c
// depends on, or -1 when it depends on none.
func (b *blocker) cause(c *Change) int {
	if i, ok := b.gone[c.Key]; ok {
		return i
	}
	if i, ok := b.misplaced[c.Key]; ok {
		return i
	}
	if i, ok := b.enabled[c.Key]; ok {
		return i
	}
	if c.Member != "" {
		if i, ok := b.gone[c.Member]; ok {
			return i
		}
	}
	if c.After != nil && c.After.Parent != "" && (c.Action == Create || c.Action == Move || c.Action == Adopt) {
		if i, ok := b.gone[c.After.Parent]; ok {
			return i
		}
		if i, ok := b.misplaced[c.After.Parent]; ok {
			return i
		}
	}
	if c.Action == Move || c.Action == Delete {
		if i, ok := b.notEmpty[c.Key]; ok {
			return i
		}
	}
	return -1
}

// undone records that change c (result index i) failed or was blocked.
func (b *blocker) undone(c *Change, i int) {
	switch c.Action {
	case Create, Adopt:
		b.gone[c.Key] = i
	case Rename, Move:
		b.misplaced[c.Key] = i
	case Disable:
		b.enabled[c.Key] = i
	}
	if c.Before != nil && c.Before.Parent != "" {
		leaves := c.Action == Delete || (c.Action == Move && (c.After == nil || c.After.Parent != c.Before.Parent))
		if leaves {
			if _, ok := b.notEmpty[c.Before.Parent]; !ok {
				b.notEmpty[c.Before.Parent] = i
			}
		}
	}
}

// describe names a change for a reason chain, e.g. "create user user/7".
func describe(c *Change) string {
	s := fmt.Sprintf("%s %s %s", c.Action, c.Kind, c.Key)
	if c.Member != "" {
		s += " member " + c.Member
	}
	return s
}

// chains fills Result.Cause of every blocked result: the changes it waits
// for, from the one it depends on directly to the failed change at the
// root, e.g. ["create user user/7 (blocked)", "create container ou/1
// failed: constraint violation"].
func chains(rs []Result, by []int) {
	for i := range rs {
		if rs[i].Status != Blocked {
			continue
		}
		var chain []string
		seen := map[int]bool{}
		for j := by[i]; j >= 0 && !seen[j]; j = by[j] {
			seen[j] = true
			switch rs[j].Status {
			case Failed:
				chain = append(chain, fmt.Sprintf("%s failed: %v", describe(&rs[j].Change), rs[j].Err))
			default:
				chain = append(chain, describe(&rs[j].Change)+" (blocked)")
			}
		}
		rs[i].Cause = slices.Clip(chain)
	}
}

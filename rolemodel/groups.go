package rolemodel

import (
	"slices"
	"strings"

	"github.com/orgsync/orgsync/orgmodel"
)

// GroupKind is the orgmodel.LogicalGroup kind of role and right groups.
// Name them with the projection's extraGroups entry of this kind
// (desired.Config.ExtraGroups); {CLASS_NAME} is the Group field of the role
// or right and {CLASS_ID} its ID.
const GroupKind orgmodel.CatalogueKind = "role"

// Groups returns a directory group for each role and each right with a
// Group name, whose members are the persons of the users who hold it at the
// result's instant: by assignment, or by a role that inherits it. IT-system
// users are no members. Groups without members are returned too, so that a
// group whose last member left is emptied rather than forgotten. Members are
// person IDs, sorted, each once (what desired.Input.Extra expects).
func (r *Result) Groups() []orgmodel.LogicalGroup {
	m := r.m
	roleGroup := make([]int, len(m.cat.Roles))
	rightGroup := make([]int, len(m.cat.Rights))
	var out []orgmodel.LogicalGroup
	for i, ro := range m.cat.Roles {
		roleGroup[i] = -1
		if ro.Group != "" {
			roleGroup[i] = len(out)
			out = append(out, orgmodel.LogicalGroup{Key: groupKey("role", ro.ID), Kind: GroupKind, ClassName: ro.Group, ClassID: ro.ID})
		}
	}
	for i, x := range m.cat.Rights {
		rightGroup[i] = -1
		if x.Group != "" {
			rightGroup[i] = len(out)
			out = append(out, orgmodel.LogicalGroup{Key: groupKey("right", x.ID), Kind: GroupKind, ClassName: x.Group, ClassID: x.ID})
		}
	}
	if len(out) == 0 {
		return nil
	}
	// roleReach[i]: the roles role i reaches through inheritance, itself
	// included.
	roleReach := make([][]int, len(m.cat.Roles))
	for i := range m.cat.Roles {
		seen := map[int]bool{i: true}
		q := []int{i}
		for k := 0; k < len(q); k++ {
			for _, p := range m.cat.Roles[q[k]].Inherits {
				j := m.roleIdx[p]
				if !seen[j] {
					seen[j] = true
					q = append(q, j)
				}
			}
		}
		roleReach[i] = q
	}
	for u, gs := range r.grants {
		p := r.person[u]
		if p == "" {
			continue
		}
		for _, g := range gs {
			for _, ri := range roleReach[g.role] {
				if k := roleGroup[ri]; k >= 0 {
					out[k].Members = append(out[k].Members, p)
				}
			}
			for _, gp := range m.closure[g.role] {
				if k := rightGroup[gp.right]; k >= 0 {
					out[k].Members = append(out[k].Members, p)
				}
			}
		}
	}
	for i := range out {
		slices.Sort(out[i].Members)
		out[i].Members = slices.Compact(out[i].Members)
		if out[i].Members == nil {
			out[i].Members = []string{}
		}
	}
	return out
}

// groupKey is "role-<id>" with every byte outside [A-Za-z0-9._-] written
// as _XX (hex): a key is ASCII without spaces, and distinct IDs keep
// distinct keys.
func groupKey(kind, id string) string {
	var b strings.Builder
	b.WriteString(kind + "-")
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

package rolemodel

import (
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Decision is a manager's decision on one user's assignment in an
// attestation campaign: keep (which attests it) or remove (which ends it
// from At on). Assignment is an Assignment or Derived ID.
type Decision struct {
	Assignment string    `json:"assignment" yaml:"assignment"`
	User       string    `json:"user" yaml:"user"`
	Keep       bool      `json:"keep" yaml:"keep"`
	By         string    `json:"by" yaml:"by"`
	At         time.Time `json:"at" yaml:"at"`
}

// RoleGrant is one role a user holds at a time and why: the assignment (or
// derived assignment) and its restrictions.
type RoleGrant struct {
	Role         string        `json:"role"`
	Assignment   string        `json:"assignment"`
	Derived      bool          `json:"derived,omitempty"`
	Restrictions []Restriction `json:"restrictions,omitempty"`
}

// RightGrant is one effective right of a user with its explanation: the
// assigned role, the inheritance path from it to the role that holds the
// right (the assigned role first), the assignment and its restrictions.
type RightGrant struct {
	Right        string        `json:"right"`
	System       string        `json:"system"`
	Role         string        `json:"role"`
	Path         []string      `json:"path"`
	Assignment   string        `json:"assignment"`
	Derived      bool          `json:"derived,omitempty"`
	Restrictions []Restriction `json:"restrictions,omitempty"`
}

// grant is a RoleGrant in indices; src >= 0 is an Assignment index,
// src < 0 is Derived index -src-1.
type grant struct {
	role int32
	src  int32
}

// Result holds the effective assignments of every user at one instant.
type Result struct {
	m  *Model
	At time.Time
	// users in first-seen order; person[i] is the person of users[i] ("" for
	// an IT system user).
	users   []string
	person  []string
	userIdx map[string]int
	grants  [][]grant
	// Pending lists grants of roles that require attestation and have none
	// yet; they are not effective.
	Pending []Pending
	// Removed lists grants ended by a campaign decision.
	Removed []Pending
}

// Pending names one user's role in one assignment that is not effective.
type Pending struct {
	User       string `json:"user"`
	Role       string `json:"role"`
	Assignment string `json:"assignment"`
}

// Evaluate computes every user's effective roles at the instant at: the
// explicit assignments valid then (for users valid then), the derived
// assignments through every affiliation valid then, less the grants that
// a decision removed and those of roles that require an attestation not
// yet given (Result.Pending). It does not validate; call Validate first.
func (m *Model) Evaluate(s *orgmodel.Snapshot, at time.Time, decisions []Decision) *Result {
	r := &Result{m: m, At: at, userIdx: map[string]int{}}
	type key struct{ a, u string }
	removed := map[key]bool{}
	kept := map[key]bool{}
	for _, d := range decisions {
		if d.At.After(at) {
			continue
		}
		if d.Keep {
			kept[key{d.Assignment, d.User}] = true
		} else {
			removed[key{d.Assignment, d.User}] = true
		}
	}
	userOf := func(id, person string) int {
		if i, ok := r.userIdx[id]; ok {
			return i
		}
		i := len(r.users)
		r.userIdx[id] = i
		r.users = append(r.users, id)
		r.person = append(r.person, person)
		r.grants = append(r.grants, nil)
		return i
	}
	give := func(user, person, aid string, attested bool, role int, src int) {
		ro := &m.cat.Roles[role]
		if !ro.Valid.Contains(at) {
			return
		}
		k := key{aid, user}
		if len(removed) > 0 && removed[k] {
			r.Removed = append(r.Removed, Pending{user, ro.ID, aid})
			return
		}
		if ro.RequiresAttestation && !attested && !kept[k] {
			r.Pending = append(r.Pending, Pending{user, ro.ID, aid})
			return
		}
		u := userOf(user, person)
		r.grants[u] = append(r.grants[u], grant{int32(role), int32(src)})
	}
	for ai := range m.cat.Assignments {
		a := &m.cat.Assignments[ai]
		if !a.Valid.Contains(at) {
			continue
		}
		person := a.User
		if ui, ok := m.userIdx[a.User]; ok {
			u := &m.cat.Users[ui]
			if !u.Valid.Contains(at) {
				continue
			}
			person = u.PersonID
		}
		attested := a.Attestation != nil && !a.Attestation.At.After(at)
		for _, role := range a.Roles {
			if ri, ok := m.roleIdx[role]; ok {
				give(a.User, person, a.ID, attested, ri, ai)
			}
		}
	}
	if s != nil && len(m.cat.Derived) > 0 {
		m.derive(s, at, func(d int, person string) {
			dv := &m.cat.Derived[d]
			for _, role := range dv.Roles {
				if ri, ok := m.roleIdx[role]; ok {
					give(person, person, dv.ID, false, ri, -d-1)
				}
			}
		})
	}
	return r
}

// derive calls give for every (derived assignment, person) pair valid at
// at, each pair once.
func (m *Model) derive(s *orgmodel.Snapshot, at time.Time, give func(d int, person string)) {
	children := map[string][]string{}
	for _, u := range s.Units {
		if u.ParentID != "" && u.Valid.Contains(at) {
			children[u.ParentID] = append(children[u.ParentID], u.ID)
		}
	}
	byUnit := map[string][]int{}
	byRole := map[orgmodel.Role][]int{}
	byTitle := map[string][]int{}
	for i, a := range s.Affiliations {
		if !a.Valid.Contains(at) {
			continue
		}
		if a.UnitID != "" {
			byUnit[a.UnitID] = append(byUnit[a.UnitID], i)
		}
		for _, ro := range a.Roles {
			byRole[ro] = append(byRole[ro], i)
		}
		if a.Title != "" {
			byTitle[a.Title] = append(byTitle[a.Title], i)
		}
	}
	seen := map[string]bool{}
	for di := range m.cat.Derived {
		d := &m.cat.Derived[di]
		if !d.Valid.Contains(at) {
			continue
		}
		clear(seen)
		emit := func(affs []int) {
			for _, i := range affs {
				a := &s.Affiliations[i]
				if d.Institution != "" && a.Institution != d.Institution {
					continue
				}
				if !seen[a.PersonID] {
					seen[a.PersonID] = true
					give(di, a.PersonID)
				}
			}
		}
		switch {
		case d.Unit != "":
			stack := []string{d.Unit}
			for len(stack) > 0 {
				u := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				emit(byUnit[u])
				if d.SubUnits {
					stack = append(stack, children[u]...)
				}
			}
		case d.STILRole != "":
			emit(byRole[d.STILRole])
		case d.Title != "":
			emit(byTitle[d.Title])
		}
	}
}

func (r *Result) source(g grant) (id string, derived bool, restr []Restriction) {
	if g.src >= 0 {
		a := &r.m.cat.Assignments[g.src]
		return a.ID, false, a.Restrictions
	}
	d := &r.m.cat.Derived[-g.src-1]
	return d.ID, true, d.Restrictions
}

// Len returns the number of effective role grants of all users.
func (r *Result) Len() int {
	n := 0
	for _, g := range r.grants {
		n += len(g)
	}
	return n
}

// Users returns the IDs of the users with at least one effective role,
// sorted.
func (r *Result) Users() []string {
	out := make([]string, 0, len(r.users))
	for i, u := range r.users {
		if len(r.grants[i]) > 0 {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

// Roles returns the user's effective role grants, sorted by role and
// assignment.
func (r *Result) Roles(user string) []RoleGrant {
	i, ok := r.userIdx[user]
	if !ok {
		return nil
	}
	out := make([]RoleGrant, 0, len(r.grants[i]))
	for _, g := range r.grants[i] {
		id, der, restr := r.source(g)
		out = append(out, RoleGrant{Role: r.m.cat.Roles[g.role].ID, Assignment: id, Derived: der, Restrictions: restr})
	}
	slices.SortFunc(out, func(a, b RoleGrant) int {
		if c := strings.Compare(a.Role, b.Role); c != 0 {
			return c
		}
		return strings.Compare(a.Assignment, b.Assignment)
	})
	return out
}

// Rights returns the user's effective rights, one RightGrant per right and
// role grant that gives it (a right given twice is explained twice),
// sorted by right, role and assignment.
func (r *Result) Rights(user string) []RightGrant {
	i, ok := r.userIdx[user]
	if !ok {
		return nil
	}
	var out []RightGrant
	for _, g := range r.grants[i] {
		id, der, restr := r.source(g)
		role := r.m.cat.Roles[g.role].ID
		for _, gp := range r.m.closure[g.role] {
			x := &r.m.cat.Rights[gp.right]
			out = append(out, RightGrant{Right: x.ID, System: x.System, Role: role, Path: gp.path, Assignment: id, Derived: der, Restrictions: restr})
		}
	}
	slices.SortFunc(out, func(a, b RightGrant) int {
		if c := strings.Compare(a.Right, b.Right); c != 0 {
			return c
		}
		if c := strings.Compare(a.Role, b.Role); c != 0 {
			return c
		}
		return strings.Compare(a.Assignment, b.Assignment)
	})
	return out
}

// RightSet returns the IDs of the user's effective rights, sorted, each
// once.
func (r *Result) RightSet(user string) []string {
	var out []string
	for _, g := range r.Rights(user) {
		if len(out) == 0 || out[len(out)-1] != g.Right {
			out = append(out, g.Right)
		}
	}
	return out
}

// CountRights returns the number of distinct (user, right) pairs: the size
// of the effective-rights relation. It visits every user's rights once and
// is what the benchmark measures.
func (r *Result) CountRights() int {
	stamp := make([]int32, len(r.m.cat.Rights))
	n := 0
	for u := range r.users {
		mark := int32(u + 1)
		for _, g := range r.grants[u] {
			for _, gp := range r.m.closure[g.role] {
				if stamp[gp.right] != mark {
					stamp[gp.right] = mark
					n++
				}
			}
		}
	}
	return n
}

package rolemodel

import (
	"errors"
	"fmt"
	"slices"

	"github.com/orgsync/orgsync/internal/problem"
	"github.com/orgsync/orgsync/orgmodel"
)

// ErrInvalid is wrapped by every validation error of the role catalogue.
var ErrInvalid = errors.New("invalid role catalogue")

// Problems is every problem Compile or Validate found, at once, each a
// line that names the record and the field. It is the module's one shape of
// a list of problems (internal/problem): Error gives a summary line and one
// problem per line, and errors.Is matches ErrInvalid.
type Problems = problem.List[string, catalogueCheck]

// catalogueCheck names the operation and sentinel of Problems.
type catalogueCheck struct{}

func (catalogueCheck) Op() string      { return "role catalogue" }
func (catalogueCheck) Sentinel() error { return ErrInvalid }

// grantPath is one right reached from a role, with the inheritance path
// from the role to the role that holds the right (the role itself first).
type grantPath struct {
	right int
	path  []string
}

// Model is a compiled, structurally sound Catalogue: every name resolves
// and inheritance has no cycle. It is safe for concurrent use.
type Model struct {
	cat      Catalogue
	roleIdx  map[string]int
	rightIdx map[string]int
	userIdx  map[string]int
	sysIdx   map[string]int
	// closure[r] lists the rights role r grants, each once, by the
	// shortest inheritance path (ties: the first parent in order).
	closure [][]grantPath
	// sod[right] lists the SoD rules naming the right.
	sod [][]int
}

// Catalogue returns the catalogue the model was compiled from.
func (m *Model) Catalogue() *Catalogue { return &m.cat }

// Compile checks the catalogue's structure (unknown or duplicate names,
// classifications, rule forms, inheritance cycles) and computes each role's
// rights through inheritance. It reports every problem at once (Problems).
func Compile(c Catalogue) (*Model, error) {
	m := &Model{cat: c, roleIdx: map[string]int{}, rightIdx: map[string]int{}, userIdx: map[string]int{}, sysIdx: map[string]int{}}
	var bad []string
	add := func(f string, a ...any) { bad = append(bad, fmt.Sprintf(f, a...)) }
	index := func(what string, idx map[string]int, i int, id string) {
		if id == "" {
			add("%s #%d: field id: empty", what, i+1)
			return
		}
		if _, dup := idx[id]; dup {
			add("%s %s: field id: duplicate", what, id)
			return
		}
		idx[id] = i
	}
	for i, s := range c.Systems {
		index("system", m.sysIdx, i, s.ID)
	}
	for i, r := range c.Rights {
		index("right", m.rightIdx, i, r.ID)
		if _, ok := m.sysIdx[r.System]; !ok {
			add("right %s: field system: unknown IT system %q", r.ID, r.System)
		}
		if r.Classification == "" {
			add("right %s: field classification: a right has exactly one classification", r.ID)
		}
	}
	for i, r := range c.Roles {
		index("role", m.roleIdx, i, r.ID)
		if len(r.Classifications) == 0 {
			add("role %s: field classifications: a role has at least one classification", r.ID)
		}
		if !r.Valid.Valid() {
			add("role %s: field valid: ends before it starts", r.ID)
		}
		for _, s := range r.Systems {
			if _, ok := m.sysIdx[s]; !ok {
				add("role %s: field systems: unknown IT system %q", r.ID, s)
			}
		}
		for _, x := range r.Rights {
			if _, ok := m.rightIdx[x]; !ok {
				add("role %s: field rights: unknown right %q", r.ID, x)
			}
		}
	}
	for _, r := range c.Roles {
		for _, p := range r.Inherits {
			if _, ok := m.roleIdx[p]; !ok {
				add("role %s: field inherits: unknown role %q", r.ID, p)
			}
		}
	}
	m.sod = make([][]int, len(c.Rights))
	for i, r := range c.Rules {
		for _, x := range r.Rights {
			if _, ok := m.rightIdx[x]; !ok {
				add("rule %s: field rights: unknown right %q", r.ID, x)
			}
		}
		if r.Text == "" {
			add("rule %s: field text: empty (every rule has a text)", r.ID)
		}
		if !r.Valid.Valid() {
			add("rule %s: field valid: ends before it starts", r.ID)
		}
		switch r.Kind {
		case SoD:
			if len(r.Rights) != 2 || r.Rights[0] == r.Rights[1] {
				add("rule %s: field rights: a segregation-of-duties rule names two different rights", r.ID)
				continue
			}
			for _, x := range r.Rights {
				if j, ok := m.rightIdx[x]; ok {
					m.sod[j] = append(m.sod[j], i)
				}
			}
		case TimeWindow:
			if r.FirstWorkdays < 1 || r.FirstWorkdays > 23 {
				add("rule %s: field firstWorkdays: %d, want 1..23", r.ID, r.FirstWorkdays)
			}
		case Limit:
			if r.Max <= 0 {
				add("rule %s: field max: %d, want > 0", r.ID, r.Max)
			}
		default:
			add("rule %s: field kind: %q, want sod, time-window or limit", r.ID, r.Kind)
		}
	}
	for i, u := range c.Users {
		index("user", m.userIdx, i, u.ID)
		if (u.PersonID == "") == (u.System == "") {
			add("user %s: exactly one of personId and system is set", u.ID)
		}
		if u.System != "" {
			if _, ok := m.sysIdx[u.System]; !ok {
				add("user %s: field system: unknown IT system %q", u.ID, u.System)
			}
		}
		if !u.Valid.Valid() {
			add("user %s: field valid: ends before it starts", u.ID)
		}
	}
	if cyc := m.cycles(); len(cyc) > 0 {
		for _, c := range cyc {
			add("role %s: field inherits: inheritance cycle %v", c[0], c)
		}
	}
	if len(bad) > 0 {
		return nil, &Problems{Problems: bad}
	}
	m.closure = make([][]grantPath, len(c.Roles))
	for i := range c.Roles {
		m.closure[i] = m.reach(i)
	}
	return m, nil
}

// cycles finds inheritance cycles (each reported once, from its first role
// in catalogue order).
func (m *Model) cycles() [][]string {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(m.cat.Roles))
	var out [][]string
	var stack []string
	var visit func(i int)
	visit = func(i int) {
		color[i] = grey
		stack = append(stack, m.cat.Roles[i].ID)
		for _, p := range m.cat.Roles[i].Inherits {
			j, ok := m.roleIdx[p]
			if !ok {
				continue
			}
			switch color[j] {
			case grey:
				k := slices.Index(stack, p)
				out = append(out, append(slices.Clone(stack[k:]), p))
			case white:
				visit(j)
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = black
	}
	for i := range m.cat.Roles {
		if color[i] == white {
			visit(i)
		}
	}
	return out
}

// reach walks the inheritance DAG breadth first from role i.
func (m *Model) reach(i int) []grantPath {
	type item struct {
		role int
		path []string
	}
	seenRole := map[int]bool{i: true}
	seenRight := map[int]bool{}
	var out []grantPath
	queue := []item{{i, []string{m.cat.Roles[i].ID}}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		r := &m.cat.Roles[it.role]
		for _, x := range r.Rights {
			j := m.rightIdx[x]
			if !seenRight[j] {
				seenRight[j] = true
				out = append(out, grantPath{j, it.path})
			}
		}
		for _, p := range r.Inherits {
			j := m.roleIdx[p]
			if !seenRole[j] {
				seenRole[j] = true
				queue = append(queue, item{j, append(slices.Clip(it.path), p)})
			}
		}
	}
	return out
}

// RoleRights returns the IDs of the rights role grants, its own and
// inherited, sorted; nil for an unknown role.
func (m *Model) RoleRights(role string) []string {
	i, ok := m.roleIdx[role]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(m.closure[i]))
	for _, g := range m.closure[i] {
		out = append(out, m.cat.Rights[g.right].ID)
	}
	slices.Sort(out)
	return out
}

// Validate checks the assignments against the organisation and against
// each other, reporting every problem at once (Problems): unknown users and
// roles, an assignment outside the validity of its user or roles, a
// restriction naming an unknown unit, person or IT system, an assigner
// without a delegation for the role at the assignment's start, and a
// derived assignment naming an unknown unit.
func (m *Model) Validate(s *orgmodel.Snapshot) error {
	var bad []string
	add := func(f string, a ...any) { bad = append(bad, fmt.Sprintf(f, a...)) }
	delegated := map[[2]string][]Period{}
	for _, d := range m.cat.Delegations {
		k := [2]string{d.User, d.Role}
		delegated[k] = append(delegated[k], d.Valid)
	}
	units := map[string]bool{}
	persons := map[string]bool{}
	if s != nil {
		for _, u := range s.Units {
			units[u.ID] = true
		}
		for _, p := range s.Persons {
			persons[p.ID] = true
		}
	}
	checkRestr := func(what, id string, rs []Restriction) {
		for _, r := range rs {
			switch r.Kind {
			case RestrictUnit:
				if !units[r.Value] {
					add("%s %s: field restrictions: unknown organisation unit %q", what, id, r.Value)
				}
			case RestrictPerson:
				if !persons[r.Value] {
					add("%s %s: field restrictions: unknown person %q", what, id, r.Value)
				}
			case RestrictSystem:
				if _, ok := m.sysIdx[r.Value]; !ok {
					add("%s %s: field restrictions: unknown IT system %q", what, id, r.Value)
				}
			default:
				add("%s %s: field restrictions: kind %q, want unit, person or system", what, id, r.Kind)
			}
		}
	}
	mayAssign := func(what, id, by string, role string, p Period) {
		if by == "" {
			add("%s %s: field assignedBy: empty", what, id)
			return
		}
		for _, v := range delegated[[2]string{by, role}] {
			if v.Contains(p.From) {
				return
			}
		}
		add("%s %s: field assignedBy: %s has no delegation to assign role %s", what, id, by, role)
	}
	seen := map[string]bool{}
	for _, a := range m.cat.Assignments {
		if a.ID == "" || seen[a.ID] {
			add("assignment %q: field id: empty or duplicate", a.ID)
		}
		seen[a.ID] = true
		if !a.Valid.Valid() {
			add("assignment %s: field valid: ends before it starts", a.ID)
		}
		if i, ok := m.userIdx[a.User]; !ok {
			if !persons[a.User] {
				add("assignment %s: field user: unknown user %q", a.ID, a.User)
			}
		} else if !within(a.Valid, m.cat.Users[i].Valid) {
			add("assignment %s: field valid: outside the validity of user %s", a.ID, a.User)
		}
		if len(a.Roles) == 0 {
			add("assignment %s: field roles: empty", a.ID)
		}
		for _, r := range a.Roles {
			i, ok := m.roleIdx[r]
			if !ok {
				add("assignment %s: field roles: unknown role %q", a.ID, r)
				continue
			}
			if !within(a.Valid, m.cat.Roles[i].Valid) {
				add("assignment %s: field valid: outside the validity of role %s", a.ID, r)
			}
			mayAssign("assignment", a.ID, a.AssignedBy, r, a.Valid)
		}
		checkRestr("assignment", a.ID, a.Restrictions)
	}
	for _, d := range m.cat.Derived {
		if d.ID == "" || seen[d.ID] {
			add("derived %q: field id: empty or duplicate", d.ID)
		}
		seen[d.ID] = true
		n := 0
		for _, set := range []bool{d.Unit != "", d.STILRole != "", d.Title != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			add("derived %s: exactly one of unit, stilRole and title is set", d.ID)
		}
		if d.Unit != "" && !units[d.Unit] {
			add("derived %s: field unit: unknown organisation unit %q", d.ID, d.Unit)
		}
		for _, r := range d.Roles {
			i, ok := m.roleIdx[r]
			if !ok {
				add("derived %s: field roles: unknown role %q", d.ID, r)
				continue
			}
			if !within(d.Valid, m.cat.Roles[i].Valid) {
				add("derived %s: field valid: outside the validity of role %s", d.ID, r)
			}
			mayAssign("derived", d.ID, d.AssignedBy, r, d.Valid)
		}
		checkRestr("derived", d.ID, d.Restrictions)
	}
	for _, d := range m.cat.Delegations {
		if _, ok := m.roleIdx[d.Role]; !ok {
			add("delegation %s/%s: field role: unknown role %q", d.User, d.Role, d.Role)
		}
	}
	if len(bad) > 0 {
		return &Problems{Problems: bad}
	}
	return nil
}

// within reports whether inner lies inside outer.
func within(inner, outer Period) bool {
	if !outer.From.IsZero() && (inner.From.IsZero() || inner.From.Before(outer.From)) {
		return false
	}
	if !outer.To.IsZero() && (inner.To.IsZero() || inner.To.After(outer.To)) {
		return false
	}
	return true
}

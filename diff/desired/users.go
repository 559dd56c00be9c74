package desired

// The users of the projection: one user object per person with an
// affiliation that gives an account, made concurrently for large
// snapshots.

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
)

// keepsRole reports whether the affiliation keeps at least one role that
// is not excluded at its institution.
func (b *builder) keepsRole(a *orgmodel.Affiliation, inst string) bool {
	at := b.p.excludedAt[inst]
	for _, r := range a.Roles {
		if !b.p.excluded[r] && !at[r] {
			return true
		}
	}
	return false
}

// addUsers adds a user object for every person with an affiliation that
// gives an account. Persons are visited by position: a person whose ID an
// earlier person has gets no affiliations (Validate refuses such
// snapshots anyway). Large snapshots are split into contiguous ranges of
// persons made concurrently; the users and errors keep person order.
func (b *builder) addUsers() {
	n := len(b.s.Persons)
	b.userKeyAt = make([]string, n)
	parts := userParts(n)
	// Part w writes its users into all[lo:hi], the slots of its persons,
	// which are then moved together.
	all := slices.Grow(b.users, n)[:n]
	makers := make([]userMaker, parts)
	var wg sync.WaitGroup
	for w := range makers {
		lo, hi := w*n/parts, (w+1)*n/parts
		m := &makers[w]
		m.b, m.users = b, all[lo:lo:hi]
		wg.Go(func() { m.run(lo, hi) })
	}
	wg.Wait()
	nu := 0
	for _, m := range makers {
		nu += copy(all[nu:], m.users)
		b.errs = append(b.errs, m.errs...)
	}
	clear(all[nu:])
	b.users = all[:nu]
}

// userParts returns the number of ranges addUsers splits n persons into:
// one per processor, up to 8, each of at least 20,000 persons (below that a
// goroutine does not pay off). Tests replace it.
var userParts = func(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/20_000, 8))
}

// userMaker makes the user objects of a range of persons, with buffers
// reused from person to person.
type userMaker struct {
	b            *builder
	users        []diff.Object
	errs         []error
	affs         []*orgmodel.Affiliation
	elig         []eligible
	roles, insts []string
	// slab is carved into the users' Attrs, so that a million users take
	// a few hundred allocations instead of a million. Each user's Attrs
	// has its length as capacity: a Set that grows it reallocates rather
	// than writing into its neighbour.
	slab []diff.Attr
}

// attrSlab is the number of attributes userMaker allocates at a time.
const attrSlab = 8192

// attrs returns an empty Attrs with room for n attributes from the slab.
func (m *userMaker) attrs(n int) diff.Attrs {
	if cap(m.slab)-len(m.slab) < n {
		m.slab = make([]diff.Attr, 0, max(n, attrSlab))
	}
	lo := len(m.slab)
	m.slab = m.slab[:lo+n]
	return m.slab[lo : lo : lo+n]
}

func (m *userMaker) run(lo, hi int) {
	b := m.b
	for i := lo; i < hi; i++ {
		m.affs = b.s.AppendAffiliations(m.affs[:0], i, b.in.At)
		elig := m.elig[:0]
		for _, a := range m.affs {
			inst := b.s.AffiliationInstitution(*a)
			if b.keepsRole(a, inst) && b.activeInst[inst] != nil {
				elig = append(elig, eligible{a, inst})
			}
		}
		m.elig = elig
		if len(elig) == 0 {
			continue
		}
		if err := m.user(i, elig); err != nil {
			m.errs = append(m.errs, err)
		}
	}
}

// user adds the user object of the person at position i.
func (m *userMaker) user(i int, elig []eligible) error {
	b := m.b
	person := &b.s.Persons[i]
	username := b.in.Usernames[person.ID]
	if username == "" {
		username = person.Username
	}
	if username == "" {
		return fmt.Errorf("person %s: field username: no username assigned (run AssignUsernames first)", person.ID)
	}
	given, family := person.Names()
	if b.p.cfg.IgnoreNameProtection {
		given, family = person.GivenName, person.FamilyName
	}
	given, family = naming.Clean(given), naming.Clean(family)
	if given == "" && family == "" {
		return fmt.Errorf("person %s: field name: no usable given or family name", person.ID)
	}
	role := b.s.GlobalRoleAt(i, b.in.At, b.p.policy)
	primary, ok := b.s.PrimaryInstitutionAt(i, b.in.At, b.p.policy)
	var prim *orgmodel.Affiliation
	if o := b.in.Primary[person.ID]; o != "" {
		// A manual override wins when the person has an eligible
		// affiliation there (of the global role's kind when there are
		// several).
		for _, e := range elig {
			if e.inst == o && (prim == nil || e.a.Kind() == role) {
				prim = e.a
			}
		}
		if prim != nil {
			primary, role = o, prim.Kind()
		}
	}
	for _, e := range elig {
		if overridden := prim != nil && primary == b.in.Primary[person.ID]; overridden {
			break
		}
		if ok && e.inst == primary && (e.a.Kind() == role || prim == nil) {
			prim = e.a
		}
	}
	if prim == nil {
		// The primary institution's affiliation is excluded: fall back to
		// the first eligible one in institution order.
		slices.SortStableFunc(elig, func(x, y eligible) int { return strings.Compare(x.inst, y.inst) })
		prim, primary = elig[0].a, elig[0].inst
		role = prim.Kind()
	}
	roles, insts := m.roles[:0], m.insts[:0]
	for _, e := range elig {
		for _, r := range e.a.Roles {
			roles = append(roles, string(r))
		}
		insts = append(insts, e.inst)
	}
	m.roles, m.insts = roles, insts

	// primary is the institution of an eligible affiliation: active.
	keys := b.activeInst[primary]
	parent := keys.employees
	var level, startYear string
	if prim.Kind() == orgmodel.Student {
		parent = keys.students
		level = prim.Level
		if prim.MainGroupID != "" {
			if g := b.groupInfo[groupRef{primary, prim.MainGroupID}]; g != nil {
				if level == "" {
					level = g.level
				}
				startYear = g.startYear
				if g.hasParent {
					parent = g.parent
				}
			}
		}
	}

	display := strings.TrimSpace(given + " " + family)
	cpr := person.CPR
	if !b.p.cfg.IncludeCPR {
		cpr = ""
	}
	// The attributes in name order (diff.Attrs is sorted); optional ones
	// are left out when empty.
	all := [...]struct {
		diff.Attr
		optional bool
	}{
		{diff.Attr{Name: attr.CPR, Value: cpr}, true},
		{diff.Attr{Name: attr.DisplayName, Value: display}, false},
		{diff.Attr{Name: attr.Email, Value: person.Email}, true},
		{diff.Attr{Name: attr.FamilyName, Value: family}, false},
		{diff.Attr{Name: attr.GivenName, Value: given}, false},
		{diff.Attr{Name: attr.GlobalRole, Value: string(role)}, false},
		{diff.Attr{Name: attr.Institutions, Value: joinSet(insts)}, false},
		{diff.Attr{Name: attr.Level, Value: level}, true},
		{diff.Attr{Name: attr.Roles, Value: joinSet(roles)}, false},
		{diff.Attr{Name: attr.StartYear, Value: startYear}, true},
		{diff.Attr{Name: attr.Title, Value: prim.Title}, true},
		{diff.Attr{Name: attr.UNIID, Value: person.UNIID}, true},
		{diff.Attr{Name: attr.Username, Value: username}, false},
	}
	n := 0
	for _, a := range all {
		if !a.optional || a.Value != "" {
			n++
		}
	}
	attrs := m.attrs(n)
	for _, a := range all {
		if !a.optional || a.Value != "" {
			attrs = append(attrs, a.Attr)
		}
	}

	key := UserKey(person.ID)
	b.userKeyAt[i] = key
	m.users = append(m.users, diff.Object{
		Kind:        diff.User,
		Key:         key,
		Name:        b.displayName(display, given, family, username),
		Parent:      parent,
		Attrs:       attrs,
		Institution: primary,
	})
	return nil
}

// displayName returns naming.DisplayNameUTF16(given, family, username,
// maxName) for cleaned names whose joined form is display. The common case,
// a name that fits and a plain username, is built with one allocation.
func (b *builder) displayName(display, given, family, username string) string {
	if naming.Clean(username) == username {
		full := display + " (" + username + ")"
		if len(full) <= b.p.maxName || naming.UTF16Len(full) <= b.p.maxName {
			return full
		}
	}
	return naming.DisplayNameUTF16(given, family, username, b.p.maxName)
}

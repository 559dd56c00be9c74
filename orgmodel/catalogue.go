package orgmodel

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// CatalogueKind is one of the twelve kinds of logical group in the group
// catalogue of the school data brokers. Its value is also the leading part
// of the group's Key where that is unambiguous.
type CatalogueKind string

// The twelve catalogue kinds, in the order of the reference table. The key
// of each group is shown after it; <num> is an institution number, <L> a
// level, <role> a role slug (see Role.Slug), <classID> a class identity (see
// CatalogueOptions.ClassIDs) and <INSTTYPE> an InstitutionType. Parts that
// come from data are escaped with KeyPart.
const (
	AllStudents              CatalogueKind = "all-students"   // all-students
	AllEmployees             CatalogueKind = "all-employees"  // all-employees
	LevelStudents            CatalogueKind = "level"          // level/<L>: students of a level, all institutions
	TypeRoleEmployees        CatalogueKind = "emptype"        // emptype/<INSTTYPE>/<role>: employees with a role at any institution of a type
	InstitutionEveryone      CatalogueKind = "inst-all"       // inst/<num>/all: everyone in an institution
	InstitutionStudents      CatalogueKind = "inst-students"  // inst/<num>/students
	InstitutionEmployees     CatalogueKind = "inst-employees" // inst/<num>/employees
	ClassEveryone            CatalogueKind = "class-all"      // class/<classID>/all: everyone in a class
	ClassStudents            CatalogueKind = "class-students" // class/<classID>/students
	InstitutionRoleEmployees CatalogueKind = "inst-emptype"   // inst/<num>/emptype/<role>
	CohortStudents           CatalogueKind = "cohort"         // cohort/<startYear>: students by the year they started 0th grade
	InstitutionLevelStudents CatalogueKind = "inst-level"     // inst/<num>/level/<L>
)

// CatalogueKinds returns the twelve catalogue kinds in the order of the
// reference table.
func CatalogueKinds() []CatalogueKind { return slices.Clone(catalogueKinds[:]) }

var catalogueKinds = [...]CatalogueKind{
	AllStudents, AllEmployees, LevelStudents, TypeRoleEmployees,
	InstitutionEveryone, InstitutionStudents, InstitutionEmployees,
	ClassEveryone, ClassStudents, InstitutionRoleEmployees,
	CohortStudents, InstitutionLevelStudents,
}

// Valid reports whether k is one of the twelve catalogue kinds or one of
// the kinds built only on request (ClassEmployees, SourceGroups).
func (k CatalogueKind) Valid() bool { return kindIndex(k) >= 0 }

// CatalogueOptions selects and shapes the group catalogue. The zero value
// gives every kind, with class identities equal to the group keys and no
// role excluded.
type CatalogueOptions struct {
	// Kinds lists the kinds to build; empty means all twelve.
	// ClassEmployees and SourceGroups are built only when listed.
	Kinds []CatalogueKind
	// LeadDays makes a class or source group exist that many days before
	// its FromDate (the reference broker creates groups ahead of the new
	// school year), so that directories have them ready; members join as
	// their affiliations name the group. Zero: from FromDate.
	LeadDays int
	// GroupTypes chooses the STIL group types that become SourceGroups
	// groups (Hold, Team, Årgang, Retning, SFO, Andet); empty means every
	// type but Hovedgruppe (classes have their own kinds).
	GroupTypes []GroupType
	// ClassIDs maps a class's group key ("institution/groupId") to the
	// stable identity of the class, used in its Key and ClassID. STIL issues
	// new group ids every school year; the year roll (package yearroll)
	// carries the identity of a matched class over to its new group so that
	// directories rename the class instead of recreating it. A class not in
	// the map is identified by its group key.
	ClassIDs map[string]string
	// ExcludeRoles are roles that make no member of any group anywhere (the
	// reference broker's default excludes Barn, daycare children). An
	// affiliation counts with its remaining roles; one with none left does
	// not count at all, so an employee is left out only when every one of
	// their roles is excluded.
	ExcludeRoles []Role
	// ExcludeInstitutionRoles excludes roles at one institution (by number),
	// in addition to ExcludeRoles.
	ExcludeInstitutionRoles map[string][]Role
	// MemberKey, when set, names the members: it is called once for every
	// person with a distinct ID, with the person's position in
	// Snapshot.Persons, and returns what LogicalGroup.Members lists for
	// the person instead of the ID, or "" to leave the person out of every
	// group. A projection uses it to list its own keys for the persons it
	// made objects for, without a lookup per membership. Members stay in
	// ascending order of person ID.
	MemberKey func(person int) string
}

// LogicalGroup is one group of the catalogue at a point in time: a
// directory-neutral set of persons that a projection turns into a security
// group, a mailing list or a team. Fields that do not apply to its Kind are
// zero.
type LogicalGroup struct {
	// Key is stable across runs and school years (for classes, through
	// CatalogueOptions.ClassIDs). It is ASCII without spaces.
	Key             string          `json:"key"`
	Kind            CatalogueKind   `json:"kind"`
	Institution     string          `json:"institution,omitempty"`
	InstitutionType InstitutionType `json:"institutionType,omitempty"`
	// GroupID is the STIL group id of a class in the current school year.
	GroupID string `json:"groupId,omitempty"`
	// ClassID is the stable class identity (see CatalogueOptions.ClassIDs).
	ClassID string `json:"classId,omitempty"`
	// ClassName, Line and SchoolYear describe a class, for naming standards.
	ClassName  string `json:"className,omitempty"`
	Line       string `json:"line,omitempty"`
	SchoolYear string `json:"schoolYear,omitempty"`
	Level      string `json:"level,omitempty"`
	Role       Role   `json:"role,omitempty"`
	// Cohort is the year the students started 0th grade, for cohort groups
	// and for classes whose start year is known.
	Cohort int `json:"cohort,omitempty"`
	// GroupType is the STIL type of a SourceGroups group (its GroupID,
	// ClassName, Level, Line and SchoolYear describe the group).
	GroupType GroupType `json:"groupType,omitempty"`
	// Members are person IDs, sorted ascending, without duplicates (or
	// what CatalogueOptions.MemberKey gives for them, in that order).
	Members []string `json:"members"`
}

// Catalogue computes the logical group catalogue at time at: every group of
// the kinds opt selects, sorted by Key, each with its members sorted.
//
// Only affiliations that count at time at are used (the affiliation's period
// and its institution's contain at), with their roles less the excluded
// ones. Membership by kind:
//
//   - students: affiliations of kind Student; employees: kind Employee;
//     "everyone" adds externals.
//   - level: the affiliation's Level, else its main group's level.
//   - class: the Hovedgruppe groups valid at time at. Students are members
//     of the class in their MainGroupID or their GroupIDs; employees and
//     externals are members of "everyone in the class" through GroupIDs.
//   - cohort: the main group's StartYear, else the first year of its school
//     year (the group's, else the snapshot's) minus its numeric level.
//   - employee type: one group per employee role (Role.Kind() == Employee).
//
// All-students, all-employees and the three institution groups of every
// institution valid at time at, and the two groups of every class, are
// present even when empty; the other kinds exist when they have members.
//
// The snapshot is indexed on first use; Catalogue does not change it
// otherwise, and may run concurrently with other readers once indexed.
func (s *Snapshot) Catalogue(at time.Time, opt CatalogueOptions) []LogicalGroup {
	ix := s.ix()
	c := catalogue{s: s, ix: ix, at: at, opt: opt}
	c.init()
	// idByRank keeps the IDs densely in rank order for result.
	idByRank := make([]string, 0, len(ix.persons))
	rank := int32(0)
	ix.personOrder(len(s.Persons), func(p int) {
		if opt.MemberKey != nil {
			idByRank = append(idByRank, opt.MemberKey(p))
		} else {
			idByRank = append(idByRank, s.Persons[p].ID)
		}
		for _, ai := range ix.affOf(p) {
			c.add(rank, ai)
		}
		rank++
	})
	return c.result(idByRank)
}

type accum struct {
	g       LogicalGroup
	members []int32 // ranks in ID order, ascending
}

func (a *accum) add(rank int32) {
	if n := len(a.members); n == 0 || a.members[n-1] != rank {
		a.members = append(a.members, rank)
	}
}

type instRole struct {
	inst int32
	role Role
}

type typeRole struct {
	t    InstitutionType
	role Role
}

type instLevel struct {
	inst  int32
	level string
}

// classInfo caches, per group position, what a main group contributes.
type classInfo struct {
	all, students *accum // nil when not a class valid now (or kind off)
	cohort        int    // 0 when unknown
	level         string // the group's level
	// lvl and instLvl cache the level groups for level == the group's level.
	lvl, instLvl *accum
	cached       bool
	// employees is the class-employees group of a class; source the
	// SourceGroups group of another group (nil when not built).
	employees, source *accum
}

type catalogue struct {
	s   *Snapshot
	ix  *index
	at  time.Time
	opt CatalogueOptions
	on  [len(allKinds)]bool

	// Kinds consulted per affiliation, looked up once.
	wantLevel, wantInstLevel, wantCohort, wantClassAll, wantType, wantInstRole bool
	// wantGroups: class-employees or source groups are built.
	wantGroups bool

	exclude     []Role
	instExclude [][]Role // per institution position

	allStudents, allEmployees  *accum
	instOK                     []bool // institution valid at time at
	instAll, instStud, instEmp []*accum
	classes                    []classInfo
	level                      map[string]*accum
	instLevel                  map[instLevel]*accum
	cohort                     map[int]*accum
	typeRole                   map[typeRole]*accum
	instRole                   map[instRole]*accum
	fixed                      []*accum // created up front, in creation order
	lazy                       []*accum
}

func kindIndex(k CatalogueKind) int { return slices.Index(allKinds[:], k) }

func (c *catalogue) enabled(k CatalogueKind) bool { return c.on[kindIndex(k)] }

func (c *catalogue) newFixed(g LogicalGroup) *accum {
	a := &accum{g: g}
	c.fixed = append(c.fixed, a)
	return a
}

func (c *catalogue) init() {
	s := c.s
	if len(c.opt.Kinds) == 0 {
		for i := range catalogueKinds {
			c.on[i] = true
		}
	}
	for _, k := range c.opt.Kinds {
		if i := kindIndex(k); i >= 0 {
			c.on[i] = true
		}
	}
	c.wantLevel, c.wantInstLevel = c.enabled(LevelStudents), c.enabled(InstitutionLevelStudents)
	c.wantCohort, c.wantClassAll = c.enabled(CohortStudents), c.enabled(ClassEveryone)
	c.wantType, c.wantInstRole = c.enabled(TypeRoleEmployees), c.enabled(InstitutionRoleEmployees)
	c.exclude = c.opt.ExcludeRoles
	c.instOK = make([]bool, len(s.Institutions))
	c.instExclude = make([][]Role, len(s.Institutions))
	c.instAll = make([]*accum, len(s.Institutions))
	c.instStud = make([]*accum, len(s.Institutions))
	c.instEmp = make([]*accum, len(s.Institutions))
	c.level = map[string]*accum{}
	c.instLevel = map[instLevel]*accum{}
	c.cohort = map[int]*accum{}
	c.typeRole = map[typeRole]*accum{}
	c.instRole = map[instRole]*accum{}

	if c.enabled(AllStudents) {
		c.allStudents = c.newFixed(LogicalGroup{Key: "all-students", Kind: AllStudents})
	}
	if c.enabled(AllEmployees) {
		c.allEmployees = c.newFixed(LogicalGroup{Key: "all-employees", Kind: AllEmployees})
	}
	for i, in := range s.Institutions {
		if c.ix.institutions[in.Number] != i || !in.Valid.Contains(c.at) {
			continue
		}
		c.instOK[i] = true
		c.instExclude[i] = c.opt.ExcludeInstitutionRoles[in.Number]
		base := LogicalGroup{Institution: in.Number, InstitutionType: in.Type}
		pre := "inst/" + KeyPart(in.Number) + "/"
		if c.enabled(InstitutionEveryone) {
			g := base
			g.Key, g.Kind = pre+"all", InstitutionEveryone
			c.instAll[i] = c.newFixed(g)
		}
		if c.enabled(InstitutionStudents) {
			g := base
			g.Key, g.Kind = pre+"students", InstitutionStudents
			c.instStud[i] = c.newFixed(g)
		}
		if c.enabled(InstitutionEmployees) {
			g := base
			g.Key, g.Kind = pre+"employees", InstitutionEmployees
			c.instEmp[i] = c.newFixed(g)
		}
	}

	c.classes = make([]classInfo, len(s.Groups))
	wantClass := c.enabled(ClassEveryone) || c.enabled(ClassStudents) || c.enabled(ClassEmployees)
	firstYear, _ := ParseSchoolYear(s.SchoolYear)
	for i := range s.Groups {
		g := &s.Groups[i]
		if g.Type != Hovedgruppe || !c.groupValid(g) {
			continue
		}
		in, ok := c.ix.institutions[g.Institution]
		if !ok || !c.instOK[in] || c.ix.groups[g.Key()] != i {
			continue
		}
		ci := &c.classes[i]
		ci.level = g.Level
		ci.cohort = g.StartYear
		if ci.cohort == 0 {
			fy := firstYear
			if y, ok := ParseSchoolYear(g.SchoolYear); ok {
				fy = y
			}
			if lv, err := strconv.Atoi(g.Level); err == nil && fy > 0 && lv >= 0 && allDigits(g.Level) {
				ci.cohort = fy - lv
			}
		}
		if !wantClass {
			continue
		}
		gk := g.Key()
		id := gk
		if m, ok := c.opt.ClassIDs[gk]; ok && m != "" {
			id = m
		}
		base := LogicalGroup{
			Institution: g.Institution, InstitutionType: s.Institutions[in].Type,
			GroupID: g.ID, ClassID: id, ClassName: g.Name, Line: g.Line,
			SchoolYear: g.SchoolYear, Level: g.Level, Cohort: ci.cohort,
		}
		pre := "class/" + keyPath(id) + "/"
		if c.enabled(ClassEveryone) {
			lg := base
			lg.Key, lg.Kind = pre+"all", ClassEveryone
			ci.all = c.newFixed(lg)
		}
		if c.enabled(ClassStudents) {
			lg := base
			lg.Key, lg.Kind = pre+"students", ClassStudents
			ci.students = c.newFixed(lg)
		}
		if c.enabled(ClassEmployees) {
			lg := base
			lg.Key, lg.Kind = pre+"employees", ClassEmployees
			ci.employees = c.newFixed(lg)
		}
	}
	c.initSourceGroups()
}

// excluded reports whether role r is excluded at institution position in
// (-1 for none).
func (c *catalogue) excluded(r Role, in int) bool {
	if slices.Contains(c.exclude, r) {
		return true
	}
	return in >= 0 && slices.Contains(c.instExclude[in], r)
}

// add records the memberships an affiliation gives the person of the given
// rank.
func (c *catalogue) add(rank int32, ai int32) {
	ix := c.ix
	a := &c.s.Affiliations[ai]
	if !a.Valid.Contains(c.at) {
		return
	}
	in := int(ix.affInst[ai])
	if in >= 0 && !c.instOK[in] {
		return
	}
	if in < 0 && (a.Institution != "" || a.UnitID != "") && c.s.affInstitution(a) != "" {
		return // an unknown institution
	}
	// The kind of the first role that is not excluded.
	var kind RoleKind
	for _, r := range a.Roles {
		if k := r.Kind(); k != "" && !c.excluded(r, in) {
			kind = k
			break
		}
	}
	if kind == "" {
		return
	}

	if in >= 0 {
		if x := c.instAll[in]; x != nil {
			x.add(rank)
		}
	}
	switch kind {
	case Student:
		c.addStudent(rank, a, in)
	case Employee:
		c.addEmployee(rank, a, in)
	}
	if in >= 0 && c.wantGroups {
		c.addGroups(rank, a, in, kind)
	}
	// Employees and externals join "everyone in the class" by GroupIDs.
	if kind != Student && in >= 0 && c.wantClassAll {
		groups := ix.groupsIn[in]
		if a.MainGroupID != "" {
			if gi, ok := groups[a.MainGroupID]; ok {
				if x := c.classes[gi].all; x != nil {
					x.add(rank)
				}
			}
		}
		for _, id := range a.GroupIDs {
			if gi, ok := groups[id]; ok {
				if x := c.classes[gi].all; x != nil {
					x.add(rank)
				}
			}
		}
	}
}

func (c *catalogue) addStudent(rank int32, a *Affiliation, in int) {
	if c.allStudents != nil {
		c.allStudents.add(rank)
	}
	if in < 0 {
		if a.Level != "" && c.wantLevel {
			c.levelGroup(a.Level).add(rank)
		}
		return
	}
	if x := c.instStud[in]; x != nil {
		x.add(rank)
	}
	groups := c.ix.groupsIn[in]
	var main *classInfo
	if gi, ok := groups[a.MainGroupID]; ok && a.MainGroupID != "" {
		main = &c.classes[gi]
	}
	level := a.Level
	if level == "" && main != nil {
		level = main.level
	}
	if level != "" {
		var lvl, instLvl *accum
		if main != nil && main.cached && main.level == level {
			lvl, instLvl = main.lvl, main.instLvl
		} else {
			if c.wantLevel {
				lvl = c.levelGroup(level)
			}
			if c.wantInstLevel {
				instLvl = c.instLevelGroup(in, level)
			}
			if main != nil && main.level == level {
				main.lvl, main.instLvl, main.cached = lvl, instLvl, true
			}
		}
		if lvl != nil {
			lvl.add(rank)
		}
		if instLvl != nil {
			instLvl.add(rank)
		}
	}
	if main != nil {
		if main.cohort > 0 && c.wantCohort {
			c.cohortGroup(main.cohort).add(rank)
		}
		if main.all != nil {
			main.all.add(rank)
		}
		if main.students != nil {
			main.students.add(rank)
		}
	}
	for _, id := range a.GroupIDs {
		if gi, ok := groups[id]; ok {
			ci := &c.classes[gi]
			if ci.all != nil {
				ci.all.add(rank)
			}
			if ci.students != nil {
				ci.students.add(rank)
			}
		}
	}
}

func (c *catalogue) addEmployee(rank int32, a *Affiliation, in int) {
	if c.allEmployees != nil {
		c.allEmployees.add(rank)
	}
	if in < 0 {
		return
	}
	if x := c.instEmp[in]; x != nil {
		x.add(rank)
	}
	wantType, wantInst := c.wantType, c.wantInstRole
	if !wantType && !wantInst {
		return
	}
	for _, r := range a.Roles {
		if r.Kind() != Employee || c.excluded(r, in) {
			continue
		}
		if wantType {
			c.typeRoleGroup(c.s.Institutions[in].Type, r).add(rank)
		}
		if wantInst {
			c.instRoleGroup(in, r).add(rank)
		}
	}
}

func (c *catalogue) newLazy(g LogicalGroup) *accum {
	a := &accum{g: g}
	c.lazy = append(c.lazy, a)
	return a
}

func (c *catalogue) levelGroup(level string) *accum {
	if a, ok := c.level[level]; ok {
		return a
	}
	a := c.newLazy(LogicalGroup{Key: "level/" + KeyPart(level), Kind: LevelStudents, Level: level})
	c.level[level] = a
	return a
}

func (c *catalogue) instLevelGroup(in int, level string) *accum {
	k := instLevel{int32(in), level}
	if a, ok := c.instLevel[k]; ok {
		return a
	}
	inst := c.s.Institutions[in]
	a := c.newLazy(LogicalGroup{
		Key:  "inst/" + KeyPart(inst.Number) + "/level/" + KeyPart(level),
		Kind: InstitutionLevelStudents, Institution: inst.Number, InstitutionType: inst.Type, Level: level,
	})
	c.instLevel[k] = a
	return a
}

func (c *catalogue) cohortGroup(year int) *accum {
	if a, ok := c.cohort[year]; ok {
		return a
	}
	a := c.newLazy(LogicalGroup{Key: "cohort/" + strconv.Itoa(year), Kind: CohortStudents, Cohort: year})
	c.cohort[year] = a
	return a
}

func (c *catalogue) typeRoleGroup(t InstitutionType, r Role) *accum {
	k := typeRole{t, r}
	if a, ok := c.typeRole[k]; ok {
		return a
	}
	a := c.newLazy(LogicalGroup{
		Key:  "emptype/" + KeyPart(string(t)) + "/" + r.Slug(),
		Kind: TypeRoleEmployees, InstitutionType: t, Role: r,
	})
	c.typeRole[k] = a
	return a
}

func (c *catalogue) instRoleGroup(in int, r Role) *accum {
	k := instRole{int32(in), r}
	if a, ok := c.instRole[k]; ok {
		return a
	}
	inst := c.s.Institutions[in]
	a := c.newLazy(LogicalGroup{
		Key:  "inst/" + KeyPart(inst.Number) + "/emptype/" + r.Slug(),
		Kind: InstitutionRoleEmployees, Institution: inst.Number, InstitutionType: inst.Type, Role: r,
	})
	c.instRole[k] = a
	return a
}

// result turns the accumulators into sorted LogicalGroups whose member
// slices share one backing array.
func (c *catalogue) result(idByRank []string) []LogicalGroup {
	all := append(c.fixed, c.lazy...)
	// Sort the accumulators, not the (much larger) LogicalGroups.
	slices.SortStableFunc(all, func(a, b *accum) int { return strings.Compare(a.g.Key, b.g.Key) })
	total := 0
	for _, a := range all {
		total += len(a.members)
	}
	ids := make([]string, total)
	out := make([]LogicalGroup, len(all))
	skip := c.opt.MemberKey != nil // "" leaves a person out
	off := 0
	for i, a := range all {
		start := off
		for _, r := range a.members {
			if id := idByRank[r]; id != "" || !skip {
				ids[off] = id
				off++
			}
		}
		out[i] = a.g
		out[i].Members = ids[start:off:off]
	}
	return out
}

// Slug returns an ASCII, lower-case form of a role for keys and names:
// æ becomes "ae", ø "oe" and å "aa" (Lærer -> "laerer", Pædagog ->
// "paedagog", TAP -> "tap"). Other characters outside a-z and 0-9 are
// escaped as KeyPart does.
func (r Role) Slug() string {
	var b strings.Builder
	for _, ch := range strings.ToLower(string(r)) {
		switch ch {
		case 'æ':
			b.WriteString("ae")
		case 'ø':
			b.WriteString("oe")
		case 'å':
			b.WriteString("aa")
		default:
			b.WriteString(KeyPart(string(ch)))
		}
	}
	return b.String()
}

// KeyPart escapes a piece of data for use in a catalogue key: ASCII letters,
// digits, '-', '_' and '.' are kept; every other byte is written as '%'
// followed by two upper-case hex digits (so a space is "%20", '/' is "%2F"
// and "ø" is "%C3%B8"). The result is ASCII without spaces or slashes, and
// distinct inputs give distinct results.
func KeyPart(s string) string {
	if keySafe(s, false) {
		return s
	}
	return escapeKey(s, false)
}

// keyPath is KeyPart that keeps '/', for class identities that are group
// keys ("institution/groupId").
func keyPath(s string) string {
	if keySafe(s, true) {
		return s
	}
	return escapeKey(s, true)
}

func keyByteOK(c byte, slash bool) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || slash && c == '/'
}

func keySafe(s string, slash bool) bool {
	for i := 0; i < len(s); i++ {
		if !keyByteOK(s[i], slash) {
			return false
		}
	}
	return true
}

func escapeKey(s string, slash bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; keyByteOK(c, slash) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

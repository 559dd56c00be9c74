package desired

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
)

// ErrBuild is wrapped by the errors Build returns.
var ErrBuild = errors.New("build desired state")

// Fixed container keys.
const (
	KeyDisabled     = "ou/disabled"
	KeyRetired      = "ou/retired"
	KeyGlobalGroups = "ou/groups"
	KeyStudents     = "ou/students"
	KeyEmployees    = "ou/employees"
)

// TypeKey returns the key of the container of an institution type.
func TypeKey(t orgmodel.InstitutionType) string { return "ou/type/" + string(t) }

// InstitutionKey returns the key of an institution's container.
func InstitutionKey(number string) string { return "ou/inst/" + number }

// ClassKey returns the key of a class's container.
func ClassKey(classID string) string { return "ou/class/" + classID }

// UserKey returns the key of a person's user object.
func UserKey(personID string) string { return "user/" + personID }

// GroupKey returns the key of the group of a logical group key.
func GroupKey(logicalKey string) string { return "group/" + logicalKey }

// PersonID returns the person id of a user key, or "" if key is not one.
func PersonID(userKey string) string {
	id, ok := strings.CutPrefix(userKey, "user/")
	if !ok {
		return ""
	}
	return id
}

// Input is what changes from run to run.
type Input struct {
	// At is the instant the snapshot is evaluated at (validity periods).
	At time.Time
	// Usernames maps person IDs to their assigned usernames. A person with
	// neither an entry here nor a source-reserved Person.Username is an
	// error; assign usernames first with AssignUsernames.
	Usernames map[string]string
	// ClassIDs maps a class's group key ("institution/groupID") to its
	// stable identity across school years (see CarryClassIDs). An entry
	// that would give two classes one identity is left out (the class
	// keeps its own key), whatever the source holds.
	ClassIDs map[string]string
	// Extra are logical groups from outside the catalogue, e.g. the
	// payroll check's active and inactive employees; they are named by
	// Config.ExtraGroups and provisioned like catalogue groups.
	Extra []orgmodel.LogicalGroup
	// Primary overrides a person's primary institution (person ID to
	// institution number), set by hand by an administrator; an override
	// naming an institution where the person has no provisioned
	// affiliation is ignored.
	Primary map[string]string
}

// Build computes the desired objects for the snapshot, sorted by key. It
// validates the snapshot first and reports every naming problem at once.
func (p *Projection) Build(s *orgmodel.Snapshot, in Input) ([]diff.Object, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuild, err)
	}
	in.ClassIDs = classIdentities(s, in.At, in.ClassIDs)
	n := 4*len(s.Groups) + 8*len(s.Institutions) + 16
	b := &builder{p: p, s: s, in: in, seen: make(map[string]bool, n), out: make([]diff.Object, 0, n)}
	b.indexGroups()
	b.containers()
	// Users go to their own slice, sized for everything (the catalogue's
	// groups estimated) so that the final merge rarely allocates again.
	groups := 2*len(s.Groups) + 32*len(s.Institutions) + 128 + len(in.Extra)
	b.users = make([]diff.Object, 0, len(s.Persons)+len(b.out)+groups)
	b.addUsers()
	b.groups()
	b.extraGroups()
	if err := b.checkNames(); err != nil {
		b.errs = append(b.errs, err)
	}
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrBuild, errors.Join(b.errs...))
	}
	return b.result(), nil
}

type builder struct {
	p   *Projection
	s   *orgmodel.Snapshot
	in  Input
	out []diff.Object // containers and groups, in the order they were made
	// users are the user objects, in person order.
	users []diff.Object
	// seen holds the keys in out. User keys need no check: person IDs are
	// unique in a valid snapshot, and "user/" keys are users' alone.
	seen map[string]bool
	errs []error
	// groups describes the snapshot's groups by institution and id (the
	// first of duplicates, as Snapshot.Group has it).
	groupInfo map[groupRef]*groupInfo
	// classes lists, per institution number, the main groups
	// (Hovedgruppe) valid at In.At, in snapshot order.
	classes map[string][]*orgmodel.Group
	// activeInst holds the institutions valid at In.At by number, with
	// the keys of their employees' and students' containers.
	activeInst map[string]*instKeys
	// userKeyAt holds, by position in s.Persons, the key of the person's
	// user object ("" for none).
	userKeyAt []string
	// userKeys maps person IDs to user keys, for Input.Extra; made on
	// first use.
	userKeys map[string]string
}

// groupRef names a group without building its "institution/id" key.
type groupRef struct{ inst, id string }

// instKeys caches an active institution's container keys.
type instKeys struct{ employees, students string }

type groupInfo struct {
	level     string
	startYear string // "" when unknown
	// parent is the container of the class's students ("" until
	// classContainers sets it; only for classes valid at In.At).
	parent    string
	hasParent bool
}

// eligible is an affiliation that gives an account, with its institution.
type eligible struct {
	a    *orgmodel.Affiliation
	inst string
}

func (b *builder) add(o diff.Object) {
	if b.seen[o.Key] {
		b.errs = append(b.errs, fmt.Errorf("duplicate object key %q", o.Key))
		return
	}
	b.seen[o.Key] = true
	o.Name = naming.TruncateUTF16(o.Name, b.p.maxName)
	b.out = append(b.out, o)
}

func byKey(a, c diff.Object) int { return strings.Compare(a.Key, c.Key) }

// result merges the users and the other objects into one slice sorted by
// key. Users are made in person order, which is usually ID order already;
// the merge then moves them once instead of sorting a million objects.
func (b *builder) result() []diff.Object {
	slices.SortFunc(b.out, byKey)
	if !slices.IsSortedFunc(b.users, byKey) {
		slices.SortFunc(b.users, byKey)
	}
	nu, nr := len(b.users), len(b.out)
	out := slices.Grow(b.users, nr)[:nu+nr]
	// Merge from the back, so that no element is overwritten before it
	// has moved.
	i, j := nu-1, nr-1
	for k := nu + nr - 1; j >= 0; k-- {
		if i >= 0 && byKey(out[i], b.out[j]) > 0 {
			out[k] = out[i]
			i--
		} else {
			out[k] = b.out[j]
			j--
		}
	}
	return out
}

// indexGroups fills groupInfo and classes.
func (b *builder) indexGroups() {
	b.groupInfo = make(map[groupRef]*groupInfo, len(b.s.Groups))
	b.classes = map[string][]*orgmodel.Group{}
	infos := make([]groupInfo, len(b.s.Groups))
	for i := range b.s.Groups {
		g := &b.s.Groups[i]
		ref := groupRef{g.Institution, g.ID}
		if _, dup := b.groupInfo[ref]; !dup {
			infos[i] = groupInfo{level: g.Level}
			if g.StartYear != 0 {
				infos[i].startYear = strconv.Itoa(g.StartYear)
			}
			b.groupInfo[ref] = &infos[i]
		}
		if g.Type == orgmodel.Hovedgruppe && g.Valid.Contains(b.in.At) {
			b.classes[g.Institution] = append(b.classes[g.Institution], g)
		}
	}
}

func (b *builder) classID(inst, groupID string) string {
	k := orgmodel.GroupKey(inst, groupID)
	if id, ok := b.in.ClassIDs[k]; ok && id != "" {
		return id
	}
	return k
}

func (b *builder) vars(in orgmodel.Institution) naming.Vars {
	abbr := in.Abbreviation
	if abbr == "" {
		abbr = in.Name
	}
	return naming.Vars{
		InstitutionName:         in.Name,
		InstitutionAbbreviation: abbr,
		InstitutionNumber:       in.Number,
		SchoolYear:              b.s.SchoolYear,
	}
}

func classVars(v naming.Vars, g orgmodel.Group, classID string) naming.Vars {
	v.ClassName = g.Name
	v.ClassID = classID
	v.ClassLevel = g.Level
	v.ClassLine = g.Line
	if g.StartYear != 0 {
		v.ClassYear = strconv.Itoa(g.StartYear)
	}
	if g.SchoolYear != "" {
		v.SchoolYear = g.SchoolYear
	}
	return v
}

func (b *builder) activeInstitutions() []orgmodel.Institution {
	var out []orgmodel.Institution
	for _, in := range b.s.Institutions {
		if in.Valid.Contains(b.in.At) {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, c orgmodel.Institution) int { return strings.Compare(a.Number, c.Number) })
	return out
}

// employeesKey and studentsKey give the containers of an institution's
// employees and students for the layout ("" = the root).
func (b *builder) employeesKey(inst string) string {
	switch b.p.cfg.Layout {
	case InstitutionsFirst:
		return InstitutionKey(inst) + "/employees"
	case InstitutionsLast:
		return KeyEmployees + "/" + inst
	case InstitutionsOnly:
		return InstitutionKey(inst)
	}
	return ""
}

func (b *builder) studentsKey(inst string) string {
	switch b.p.cfg.Layout {
	case InstitutionsFirst:
		return InstitutionKey(inst) + "/students"
	case InstitutionsLast:
		return KeyStudents + "/" + inst
	case InstitutionsOnly:
		return InstitutionKey(inst)
	}
	return ""
}

func (b *builder) groupsKey(inst string) string {
	switch b.p.cfg.Layout {
	case InstitutionsFirst:
		if inst == "" {
			return KeyGlobalGroups
		}
		return InstitutionKey(inst) + "/groups"
	case InstitutionsLast:
		return KeyGlobalGroups
	case InstitutionsOnly:
		if inst == "" {
			return ""
		}
		return InstitutionKey(inst)
	}
	return ""
}

func (b *builder) containers() {
	cfg := b.p.cfg
	layout := cfg.Layout
	insts := b.activeInstitutions()
	b.activeInst = make(map[string]*instKeys, len(insts))
	for _, in := range insts {
		b.activeInst[in.Number] = &instKeys{employees: b.employeesKey(in.Number), students: b.studentsKey(in.Number)}
	}
	container := func(key, name, parent, inst string) {
		b.add(diff.Object{Kind: diff.Container, Key: key, Name: name, Parent: parent, Institution: inst})
	}
	if layout != Flat {
		if cfg.DisabledOU != "" {
			container(KeyDisabled, cfg.DisabledOU, "", "")
		}
		if cfg.RetiredOU != "" {
			container(KeyRetired, cfg.RetiredOU, "", "")
		}
	}
	switch layout {
	case InstitutionsFirst:
		types := map[orgmodel.InstitutionType]bool{}
		for _, in := range insts {
			if in.Type != orgmodel.Municipality {
				types[in.Type] = true
			}
		}
		for _, t := range []orgmodel.InstitutionType{orgmodel.School, orgmodel.Daycare, orgmodel.FU} {
			if types[t] {
				name := cfg.TypeOUs[t]
				if name == "" {
					name = string(t)
				}
				container(TypeKey(t), name, "", "")
			}
		}
		if (len(b.p.kinds) > 0 && b.hasGlobalGroups()) || b.hasGlobalExtra() {
			container(KeyGlobalGroups, cfg.GlobalGroupsOU, "", "")
		}
	case InstitutionsLast:
		container(KeyStudents, titleCase(cfg.StudentsOU), "", "")
		container(KeyEmployees, titleCase(cfg.EmployeesOU), "", "")
		if len(b.p.kinds) > 0 || len(b.in.Extra) > 0 {
			container(KeyGlobalGroups, cfg.GlobalGroupsOU, "", "")
		}
	}
	for _, in := range insts {
		v := b.vars(in)
		instName := ""
		if b.p.institution != nil {
			instName = naming.ADName(b.p.institution.Execute(v))
		}
		ik := InstitutionKey(in.Number)
		switch layout {
		case InstitutionsFirst:
			parent := ""
			if in.Type != orgmodel.Municipality {
				parent = TypeKey(in.Type)
			}
			container(ik, instName, parent, in.Number)
			container(ik+"/employees", cfg.EmployeesOU, ik, in.Number)
			if in.Type != orgmodel.Municipality {
				container(ik+"/students", cfg.StudentsOU, ik, in.Number)
			}
			if b.instHasGroups() {
				container(ik+"/groups", cfg.GroupsOU, ik, in.Number)
			}
			for _, extra := range cfg.AlwaysOUs {
				container(ik+"/extra/"+slug(extra), naming.ADName(extra), ik, in.Number)
			}
		case InstitutionsLast:
			container(b.employeesKey(in.Number), instName, KeyEmployees, in.Number)
			if in.Type != orgmodel.Municipality {
				container(b.studentsKey(in.Number), instName, KeyStudents, in.Number)
			}
		case InstitutionsOnly:
			container(ik, instName, "", in.Number)
		}
		b.classContainers(in, v)
	}
}

// classContainers adds one container per class (Hovedgruppe) valid now.
func (b *builder) classContainers(in orgmodel.Institution, v naming.Vars) {
	students := b.studentsKey(in.Number)
	for _, g := range b.classes[in.Number] {
		info := b.groupInfo[groupRef{g.Institution, g.ID}]
		info.parent, info.hasParent = students, true
		if b.p.classOU.Empty() || (b.p.cfg.Layout != InstitutionsFirst && b.p.cfg.Layout != InstitutionsLast) {
			continue
		}
		id := b.classID(in.Number, g.ID)
		name := naming.ADName(b.p.classOU.Execute(classVars(v, *g, id)))
		if name == "" {
			b.errs = append(b.errs, fmt.Errorf("class %s: field name: the class OU name standard gives an empty name", g.Key()))
			continue
		}
		key := ClassKey(id)
		b.add(diff.Object{Kind: diff.Container, Key: key, Name: name, Parent: students, Institution: in.Number,
			Attrs: diff.Attrs{{Name: attr.ClassLevel, Value: g.Level}, {Name: attr.ClassLine, Value: g.Line}, {Name: attr.SchoolYear, Value: g.SchoolYear}}})
		info.parent = key
	}
}

func (b *builder) hasGlobalGroups() bool {
	for _, k := range b.p.kinds {
		if globalKind(k) {
			return true
		}
	}
	return false
}

func (b *builder) hasGlobalExtra() bool {
	for _, lg := range b.in.Extra {
		if lg.Institution == "" {
			return true
		}
	}
	return false
}

func (b *builder) instHasGroups() bool {
	for _, k := range b.p.kinds {
		if !globalKind(k) {
			return true
		}
	}
	return false
}

func globalKind(k orgmodel.CatalogueKind) bool {
	switch k {
	case orgmodel.AllStudents, orgmodel.AllEmployees, orgmodel.LevelStudents, orgmodel.TypeRoleEmployees, orgmodel.CohortStudents:
		return true
	}
	return false
}

// catalogue computes the logical groups of the configured kinds.
func (b *builder) catalogue() []orgmodel.LogicalGroup {
	if len(b.p.kinds) == 0 {
		return nil
	}
	var excluded []orgmodel.Role
	for r := range b.p.excluded {
		excluded = append(excluded, r)
	}
	slices.Sort(excluded)
	excludedAt := map[string][]orgmodel.Role{}
	for inst, m := range b.p.excludedAt {
		for r := range m {
			excludedAt[inst] = append(excludedAt[inst], r)
		}
		slices.Sort(excludedAt[inst])
	}
	return b.s.Catalogue(b.in.At, orgmodel.CatalogueOptions{
		Kinds: b.p.kinds, ClassIDs: b.in.ClassIDs,
		ExcludeRoles: excluded, ExcludeInstitutionRoles: excludedAt,
		// Members are listed by their user keys; persons without a
		// user are left out.
		MemberKey: func(p int) string { return b.userKeyAt[p] },
	})
}

func (b *builder) groups() {
	for _, lg := range b.catalogue() {
		b.group(lg, b.p.groups[lg.Kind], true)
	}
}

func (b *builder) extraGroups() {
	for _, lg := range b.in.Extra {
		tmpl, ok := b.p.extra[lg.Kind]
		if !ok {
			b.errs = append(b.errs, fmt.Errorf("group %s: field kind: no name standard for extra group kind %q (set extraGroups in the projection config)", lg.Key, lg.Kind))
			continue
		}
		if tmpl.Empty() {
			continue
		}
		b.group(lg, tmpl, false)
	}
}

// group adds the group object of a logical group. keyed says that its
// members are user keys already (from the catalogue); otherwise they are
// person IDs.
func (b *builder) group(lg orgmodel.LogicalGroup, tmpl naming.ClassTemplate, keyed bool) {
	var v naming.Vars
	if lg.Institution != "" {
		if in, ok := b.s.Institution(lg.Institution); ok {
			v = b.vars(in)
		}
	} else {
		v.SchoolYear = b.s.SchoolYear
	}
	v.ClassName, v.ClassID, v.ClassLevel, v.ClassLine = lg.ClassName, lg.ClassID, lg.Level, lg.Line
	if lg.SchoolYear != "" {
		v.SchoolYear = lg.SchoolYear
	}
	if lg.Cohort != 0 {
		v.ClassYear = strconv.Itoa(lg.Cohort)
	}
	v.Type = string(lg.Role)
	if lg.Kind == orgmodel.TypeRoleEmployees {
		v.InstitutionName = b.p.cfg.TypeOUs[lg.InstitutionType]
		if v.InstitutionName == "" {
			v.InstitutionName = string(lg.InstitutionType)
		}
	}
	name := naming.ADName(tmpl.Execute(v))
	if name == "" {
		b.errs = append(b.errs, fmt.Errorf("group %s: field name: the %s name standard gives an empty name", lg.Key, lg.Kind))
		return
	}
	members := lg.Members
	if !keyed {
		members = b.memberKeys(lg.Members)
	}
	// In name order: catalogueKind, classLevel, classLine, institution,
	// schoolYear.
	attrs := make(diff.Attrs, 1, 5)
	attrs[0] = diff.Attr{Name: attr.CatalogueKind, Value: string(lg.Kind)}
	if lg.Level != "" {
		attrs = append(attrs, diff.Attr{Name: attr.ClassLevel, Value: lg.Level})
	}
	if lg.Line != "" {
		attrs = append(attrs, diff.Attr{Name: attr.ClassLine, Value: lg.Line})
	}
	if lg.Institution != "" {
		attrs = append(attrs, diff.Attr{Name: attr.Institution, Value: lg.Institution})
	}
	if lg.ClassID != "" && lg.SchoolYear != "" {
		attrs = append(attrs, diff.Attr{Name: attr.SchoolYear, Value: lg.SchoolYear})
	}
	b.add(diff.Object{
		Kind:        diff.Group,
		Key:         GroupKey(lg.Key),
		Name:        name,
		Parent:      b.groupsKey(lg.Institution),
		Attrs:       attrs,
		Members:     members,
		Institution: lg.Institution,
	})
}

// memberKeys returns the user keys of the persons with the given IDs who
// have a user object.
func (b *builder) memberKeys(ids []string) []string {
	if b.userKeys == nil {
		b.userKeys = map[string]string{}
		for i, key := range b.userKeyAt {
			if key != "" {
				b.userKeys[b.s.Persons[i].ID] = key
			}
		}
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if key, ok := b.userKeys[id]; ok {
			out = append(out, key)
		}
	}
	return out
}

// checkNames reports objects of one container that would share a name;
// directories refuse them, so it is better to know before planning.
func (b *builder) checkNames() error {
	type slot struct{ parent, name string }
	first := map[slot]string{}
	var errs []error
	for _, o := range b.out {
		if o.Kind == diff.User {
			continue // user names carry the unique username
		}
		s := slot{o.Parent, strings.ToLower(o.Name)}
		if other, ok := first[s]; ok {
			errs = append(errs, fmt.Errorf("%s: field name: %q is also the name of %s in the same container; adjust the name standard", o.Key, o.Name, other))
			continue
		}
		first[s] = o.Key
	}
	return errors.Join(errs...)
}

func joinSet(vals []string) string {
	slices.Sort(vals)
	return strings.Join(slices.Compact(vals), ",")
}

func slug(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(naming.Transliterate(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			sb.WriteRune(r)
		case sb.Len() > 0:
			sb.WriteByte('-')
		}
	}
	return strings.Trim(sb.String(), "-")
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

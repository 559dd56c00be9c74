package desired

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
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
	// stable identity across school years (see CarryClassIDs).
	ClassIDs map[string]string
	// Extra are logical groups from outside the catalogue, e.g. the
	// payroll check's active and inactive employees; they are named by
	// Config.ExtraGroups and provisioned like catalogue groups.
	Extra []orgmodel.LogicalGroup
}

// Build computes the desired objects for the snapshot, sorted by key. It
// validates the snapshot first and reports every naming problem at once.
func (p *Projection) Build(s *orgmodel.Snapshot, in Input) ([]diff.Object, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuild, err)
	}
	n := len(s.Persons) + 4*len(s.Groups) + 8*len(s.Institutions) + 16
	b := &builder{p: p, s: s, in: in, seen: make(map[string]bool, n), out: make([]diff.Object, 0, n)}
	b.containers()
	b.users()
	b.groups()
	b.extraGroups()
	if err := b.checkNames(); err != nil {
		b.errs = append(b.errs, err)
	}
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrBuild, errors.Join(b.errs...))
	}
	slices.SortFunc(b.out, func(a, c diff.Object) int { return strings.Compare(a.Key, c.Key) })
	return b.out, nil
}

type builder struct {
	p    *Projection
	s    *orgmodel.Snapshot
	in   Input
	out  []diff.Object
	seen map[string]bool
	errs []error
	// classParent maps a class group key to its container key.
	classParent map[string]string
	// users records the person IDs that got a user object.
	hasUser map[string]bool
}

func (b *builder) add(o diff.Object) {
	if b.seen[o.Key] {
		b.errs = append(b.errs, fmt.Errorf("duplicate object key %q", o.Key))
		return
	}
	b.seen[o.Key] = true
	o.Name = naming.Truncate(o.Name, b.p.maxName)
	b.out = append(b.out, o)
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
	b.classParent = map[string]string{}
	cfg := b.p.cfg
	layout := cfg.Layout
	insts := b.activeInstitutions()
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
	for _, g := range b.s.Groups {
		if g.Institution != in.Number || g.Type != orgmodel.Hovedgruppe || !g.Valid.Contains(b.in.At) {
			continue
		}
		students := b.studentsKey(in.Number)
		b.classParent[g.Key()] = students
		if b.p.classOU.Empty() || (b.p.cfg.Layout != InstitutionsFirst && b.p.cfg.Layout != InstitutionsLast) {
			continue
		}
		id := b.classID(in.Number, g.ID)
		name := naming.ADName(b.p.classOU.Execute(classVars(v, g, id)))
		if name == "" {
			b.errs = append(b.errs, fmt.Errorf("class %s: field name: the class OU name standard gives an empty name", g.Key()))
			continue
		}
		key := ClassKey(id)
		b.add(diff.Object{Kind: diff.Container, Key: key, Name: name, Parent: students, Institution: in.Number,
			Attrs: map[string]string{"classLevel": g.Level, "classLine": g.Line, "schoolYear": g.SchoolYear}})
		b.classParent[g.Key()] = key
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

// eligible reports whether the affiliation keeps at least one role that is
// not excluded.
func (b *builder) eligible(a orgmodel.Affiliation) bool {
	inst := b.s.AffiliationInstitution(a)
	for _, r := range a.Roles {
		if !b.p.excluded[r] && !b.p.excludedAt[inst][r] {
			return true
		}
	}
	return false
}

func (b *builder) users() {
	b.hasUser = map[string]bool{}
	for _, person := range b.s.Persons {
		affs := b.s.AffiliationsOf(person.ID, b.in.At)
		var elig []orgmodel.Affiliation
		for _, a := range affs {
			if b.eligible(a) && b.instActive(b.s.AffiliationInstitution(a)) {
				elig = append(elig, a)
			}
		}
		if len(elig) == 0 {
			continue
		}
		if err := b.user(person, elig); err != nil {
			b.errs = append(b.errs, err)
		}
	}
}

func (b *builder) instActive(num string) bool {
	in, ok := b.s.Institution(num)
	return ok && in.Valid.Contains(b.in.At)
}

func (b *builder) user(person orgmodel.Person, elig []orgmodel.Affiliation) error {
	rec := "person " + person.ID
	username := b.in.Usernames[person.ID]
	if username == "" {
		username = person.Username
	}
	if username == "" {
		return fmt.Errorf("%s: field username: no username assigned (run AssignUsernames first)", rec)
	}
	given, family := person.Names()
	given, family = naming.Clean(given), naming.Clean(family)
	if given == "" && family == "" {
		return fmt.Errorf("%s: field name: no usable given or family name", rec)
	}
	role := b.s.GlobalRole(person.ID, b.in.At, b.p.policy)
	primary, ok := b.s.PrimaryInstitution(person.ID, b.in.At, b.p.policy)
	var prim *orgmodel.Affiliation
	for i := range elig {
		if ok && b.s.AffiliationInstitution(elig[i]) == primary && (elig[i].Kind() == role || prim == nil) {
			prim = &elig[i]
		}
	}
	if prim == nil {
		// The primary institution's affiliation is excluded: fall back to
		// the first eligible one in institution order.
		slices.SortStableFunc(elig, func(x, y orgmodel.Affiliation) int {
			return strings.Compare(b.s.AffiliationInstitution(x), b.s.AffiliationInstitution(y))
		})
		prim = &elig[0]
		primary = b.s.AffiliationInstitution(*prim)
		role = prim.Kind()
	}
	var roles, insts []string
	for _, a := range elig {
		for _, r := range a.Roles {
			roles = append(roles, string(r))
		}
		insts = append(insts, b.s.AffiliationInstitution(a))
	}
	attrs := make(map[string]string, 12)
	maps.Copy(attrs, map[string]string{
		"username":          username,
		"givenName":         given,
		"familyName":        family,
		"displayName":       strings.TrimSpace(given + " " + family),
		"roles":             joinSet(roles),
		"institutions":      joinSet(insts),
		diff.AttrGlobalRole: string(role),
	})
	if person.UNIID != "" {
		attrs["uniId"] = person.UNIID
	}
	if person.Email != "" {
		attrs["email"] = person.Email
	}
	if b.p.cfg.IncludeCPR && person.CPR != "" {
		attrs["cpr"] = person.CPR
	}
	if prim.Title != "" {
		attrs["title"] = prim.Title
	}
	parent := b.employeesKey(primary)
	if prim.Kind() == orgmodel.Student {
		parent = b.studentsKey(primary)
		level := prim.Level
		if prim.MainGroupID != "" {
			if g, ok := b.s.Group(primary, prim.MainGroupID); ok {
				if level == "" {
					level = g.Level
				}
				if g.StartYear != 0 {
					attrs["startYear"] = strconv.Itoa(g.StartYear)
				}
			}
			if cp, ok := b.classParent[orgmodel.GroupKey(primary, prim.MainGroupID)]; ok {
				parent = cp
			}
		}
		if level != "" {
			attrs["level"] = level
		}
	}
	b.hasUser[person.ID] = true
	b.add(diff.Object{
		Kind:        diff.User,
		Key:         UserKey(person.ID),
		Name:        naming.DisplayName(given, family, username, b.p.maxName),
		Parent:      parent,
		Attrs:       attrs,
		Institution: primary,
	})
	return nil
}

func (b *builder) groups() {
	if len(b.p.kinds) == 0 {
		return
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
	cat := b.s.Catalogue(b.in.At, orgmodel.CatalogueOptions{
		Kinds: b.p.kinds, ClassIDs: b.in.ClassIDs,
		ExcludeRoles: excluded, ExcludeInstitutionRoles: excludedAt,
	})
	for _, lg := range cat {
		b.group(lg, b.p.groups[lg.Kind])
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
		b.group(lg, tmpl)
	}
}

func (b *builder) group(lg orgmodel.LogicalGroup, tmpl naming.ClassTemplate) {
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
	members := make([]string, 0, len(lg.Members))
	for _, pid := range lg.Members {
		if b.hasUser[pid] {
			members = append(members, UserKey(pid))
		}
	}
	attrs := map[string]string{"catalogueKind": string(lg.Kind)}
	if lg.Institution != "" {
		attrs["institution"] = lg.Institution
	}
	if lg.Level != "" {
		attrs["classLevel"] = lg.Level
	}
	if lg.Line != "" {
		attrs["classLine"] = lg.Line
	}
	if lg.ClassID != "" && lg.SchoolYear != "" {
		attrs["schoolYear"] = lg.SchoolYear
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

package orgmodel

import "slices"

// Catalogue kinds built only when CatalogueOptions.Kinds lists them, so
// that the default catalogue stays the reference table's twelve kinds.
const (
	// ClassEmployees: class/<classID>/employees, the employees (teachers)
	// with the class among their groups.
	ClassEmployees CatalogueKind = "class-employees"
	// SourceGroups: group/<num>/<groupId>, one group per STIL group that is
	// not a class (Hold, Team, Årgang, Retning, SFO, Andet; see
	// CatalogueOptions.GroupTypes), with everyone who has it as a group.
	SourceGroups CatalogueKind = "group"
)

// allKinds is the twelve kinds of the reference table and then the kinds
// built on request.
var allKinds = [...]CatalogueKind{
	AllStudents, AllEmployees, LevelStudents, TypeRoleEmployees,
	InstitutionEveryone, InstitutionStudents, InstitutionEmployees,
	ClassEveryone, ClassStudents, InstitutionRoleEmployees,
	CohortStudents, InstitutionLevelStudents,
	ClassEmployees, SourceGroups,
}

// initSourceGroups creates the SourceGroups groups of the groups valid at
// the catalogue's time, after init has set up institutions and classes.
func (c *catalogue) initSourceGroups() {
	c.wantGroups = c.enabled(ClassEmployees) || c.enabled(SourceGroups)
	if !c.enabled(SourceGroups) {
		return
	}
	s := c.s
	for i := range s.Groups {
		g := &s.Groups[i]
		if g.Type == Hovedgruppe || !c.groupValid(g) {
			continue
		}
		if len(c.opt.GroupTypes) > 0 && !slices.Contains(c.opt.GroupTypes, g.Type) {
			continue
		}
		in, ok := c.ix.institutions[g.Institution]
		if !ok || !c.instOK[in] || c.ix.groups[g.Key()] != i {
			continue
		}
		c.classes[i].source = c.newFixed(LogicalGroup{
			Key:  "group/" + KeyPart(g.Institution) + "/" + KeyPart(g.ID),
			Kind: SourceGroups, Institution: g.Institution, InstitutionType: s.Institutions[in].Type,
			GroupID: g.ID, GroupType: g.Type, ClassName: g.Name, Line: g.Line, SchoolYear: g.SchoolYear, Level: g.Level,
		})
	}
}

// addGroups adds an affiliation of the given kind at institution position
// in to the class-employees and source groups of its groups.
func (c *catalogue) addGroups(rank int32, a *Affiliation, in int, kind RoleKind) {
	groups := c.ix.groupsIn[in]
	one := func(id string) {
		gi, ok := groups[id]
		if !ok {
			return
		}
		ci := &c.classes[gi]
		if ci.source != nil {
			ci.source.add(rank)
		}
		if kind == Employee && ci.employees != nil {
			ci.employees.add(rank)
		}
	}
	if a.MainGroupID != "" {
		one(a.MainGroupID)
	}
	for _, id := range a.GroupIDs {
		one(id)
	}
}

// groupValid reports whether a group is in the catalogue at its time: valid
// then, or starting within CatalogueOptions.LeadDays after it.
func (c *catalogue) groupValid(g *Group) bool {
	if g.Valid.Contains(c.at) {
		return true
	}
	return c.opt.LeadDays > 0 && g.Valid.From.After(c.at) && g.Valid.Contains(c.at.AddDate(0, 0, c.opt.LeadDays))
}

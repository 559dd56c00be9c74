package desired

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
)

// ErrConfig is wrapped by every configuration error returned by Compile.
var ErrConfig = errors.New("invalid projection config")

// Layout is the shape of the container tree.
type Layout string

// Layouts.
const (
	// InstitutionsFirst: root / type (Skoler, Dagtilbud, FU) / institution /
	// employees, students (/ class), groups. Municipality-type institutions
	// sit directly under the root. The Active Directory default.
	InstitutionsFirst Layout = "institutions-first"
	// InstitutionsLast: root / students / institution / class and
	// root / employees / institution. A Google Workspace option.
	InstitutionsLast Layout = "institutions-last"
	// InstitutionsOnly: one container per institution directly under the
	// root (for Entra ID administrative units).
	InstitutionsOnly Layout = "institutions-only"
	// Flat: no containers at all.
	Flat Layout = "flat"
)

// ClassName is a class-dependent name standard: Name, and Fallback for a
// class that has no start year or no line when Name needs them.
type ClassName struct {
	Name     string `yaml:"name" json:"name"`
	Fallback string `yaml:"fallback,omitempty" json:"fallback,omitempty"`
}

// Config describes a target's layout and names. The zero value is not
// useful; start from DefaultConfig and change what differs.
type Config struct {
	// Layout of the container tree; default InstitutionsFirst.
	Layout Layout `yaml:"layout" json:"layout"`
	// TypeOUs names the per-type containers (InstitutionsFirst), keyed by
	// institution type: SCHOOL, DAYCARE, FU.
	TypeOUs map[orgmodel.InstitutionType]string `yaml:"typeOUs" json:"typeOUs"`
	// Institution is the name standard of an institution's container.
	Institution string `yaml:"institution" json:"institution"`
	// EmployeesOU, StudentsOU and GroupsOU name the containers below an
	// institution (or below the root, in InstitutionsLast).
	EmployeesOU string `yaml:"employeesOU" json:"employeesOU"`
	StudentsOU  string `yaml:"studentsOU" json:"studentsOU"`
	GroupsOU    string `yaml:"groupsOU" json:"groupsOU"`
	// GlobalGroupsOU names the container of municipality-wide groups.
	GlobalGroupsOU string `yaml:"globalGroupsOU" json:"globalGroupsOU"`
	// ClassOU names a class's container below the students container; an
	// empty Name puts pupils directly in the students container.
	ClassOU ClassName `yaml:"classOU" json:"classOU"`
	// AlwaysOUs are extra containers created under every institution.
	AlwaysOUs []string `yaml:"alwaysOUs,omitempty" json:"alwaysOUs,omitempty"`
	// DisabledOU names the quarantine container for disabled accounts and
	// RetiredOU the one for retired containers and groups; "" = none.
	DisabledOU string `yaml:"disabledOU" json:"disabledOU"`
	RetiredOU  string `yaml:"retiredOU" json:"retiredOU"`
	// Groups maps a catalogue kind (see orgmodel.CatalogueKind) to the name
	// standard of its groups. A kind that is missing, or has an empty Name,
	// is not created.
	Groups map[orgmodel.CatalogueKind]ClassName `yaml:"groups" json:"groups"`
	// ExtraGroups names groups that come from outside the catalogue, such
	// as the payroll check's "payroll-active" and "payroll-inactive"
	// (Input.Extra), keyed by their LogicalGroup.Kind. An extra group whose
	// kind has no name here is an error at Build.
	ExtraGroups map[string]ClassName `yaml:"extraGroups,omitempty" json:"extraGroups,omitempty"`
	// ExcludedRoles get no account (default: Barn). A person is excluded
	// only if every role of every affiliation is excluded.
	ExcludedRoles []orgmodel.Role `yaml:"excludedRoles" json:"excludedRoles"`
	// ExcludedRolesAt excludes roles at one institution only, by number.
	ExcludedRolesAt map[string][]orgmodel.Role `yaml:"excludedRolesAt,omitempty" json:"excludedRolesAt,omitempty"`
	// RoleOrder is the global-role precedence; default student, employee,
	// external.
	RoleOrder []orgmodel.RoleKind `yaml:"roleOrder,omitempty" json:"roleOrder,omitempty"`
	// IncludeCPR writes the CPR number to the "cpr" attribute. Off by
	// default: CPR is never written to a directory unless configured.
	IncludeCPR bool `yaml:"includeCPR,omitempty" json:"includeCPR,omitempty"`
	// IgnoreNameProtection shows name-protected persons (navne- og
	// adressebeskyttelse) by their real names in this target instead of
	// their alias names, for a target that must show real names. Off by
	// default. Usernames are still made from the alias names. A pipeline
	// that sets it must say so in its output and its audit log
	// (ProtectedNamesShown counts the persons concerned); provision does.
	IgnoreNameProtection bool `yaml:"ignoreNameProtection,omitempty" json:"ignoreNameProtection,omitempty"`
	// MaxNameLength caps object names, counted in UTF-16 code units as
	// Active Directory counts (one per character, two for a character
	// outside the Basic Multilingual Plane such as most emoji); 0 = 64,
	// AD's limit for a cn or ou.
	MaxNameLength int `yaml:"maxNameLength,omitempty" json:"maxNameLength,omitempty"`
}

// DefaultConfig returns the Danish municipal defaults, modelled on what the
// school data brokers create in Active Directory.
func DefaultConfig() Config {
	return Config{
		Layout: InstitutionsFirst,
		TypeOUs: map[orgmodel.InstitutionType]string{
			orgmodel.School:  "Skoler",
			orgmodel.Daycare: "Dagtilbud",
			orgmodel.FU:      "FU",
		},
		Institution:    "{INSTITUTION_NAME} ({INSTITUTION_NUMBER})",
		EmployeesOU:    "medarbejdere",
		StudentsOU:     "elever",
		GroupsOU:       "sikkerhedsgrupper",
		GlobalGroupsOU: "Globale grupper",
		ClassOU:        ClassName{Name: "{CLASS_NAME}"},
		DisabledOU:     "Deaktiverede brugere",
		RetiredOU:      "Slettede OU'er",
		Groups: map[orgmodel.CatalogueKind]ClassName{
			orgmodel.AllStudents:              {Name: "Alle elever"},
			orgmodel.AllEmployees:             {Name: "Alle medarbejdere"},
			orgmodel.LevelStudents:            {Name: "{CLASS_LEVEL}. klasse"},
			orgmodel.TypeRoleEmployees:        {Name: "Alle {TYPE} - {INSTITUTION_NAME}"},
			orgmodel.InstitutionEveryone:      {Name: "{INSTITUTION_ABBREVIATION} alle"},
			orgmodel.InstitutionStudents:      {Name: "{INSTITUTION_ABBREVIATION} elever"},
			orgmodel.InstitutionEmployees:     {Name: "{INSTITUTION_ABBREVIATION} medarbejdere"},
			orgmodel.ClassEveryone:            {Name: "{INSTITUTION_ABBREVIATION} {CLASS_NAME} alle"},
			orgmodel.ClassStudents:            {Name: "{INSTITUTION_ABBREVIATION} {CLASS_NAME} elever"},
			orgmodel.InstitutionRoleEmployees: {Name: "{INSTITUTION_ABBREVIATION} {TYPE}"},
			orgmodel.CohortStudents:           {Name: "elever {CLASS_YEAR}"},
			orgmodel.InstitutionLevelStudents: {Name: "{INSTITUTION_ABBREVIATION} {CLASS_LEVEL}. klasse"},
		},
		ExtraGroups: map[string]ClassName{
			"payroll-active":   {Name: "Aktive medarbejdere (løn)"},
			"payroll-inactive": {Name: "Inaktive medarbejdere (løn)"},
			// role and right groups of the role model (rolemodel.GroupKind):
			// the Group name the catalogue gives them.
			"role": {Name: "{CLASS_NAME}"},
		},
		ExcludedRoles: []orgmodel.Role{orgmodel.Barn},
		MaxNameLength: 64,
	}
}

// Projection is a compiled Config. It is safe for concurrent use.
type Projection struct {
	cfg         Config
	institution *naming.Template
	classOU     naming.ClassTemplate
	groups      map[orgmodel.CatalogueKind]naming.ClassTemplate
	extra       map[orgmodel.CatalogueKind]naming.ClassTemplate
	kinds       []orgmodel.CatalogueKind
	excluded    map[orgmodel.Role]bool
	excludedAt  map[string]map[orgmodel.Role]bool
	policy      orgmodel.RolePolicy
	maxName     int
}

// Compile checks the configuration and parses every name standard once.
// All problems are reported together.
func (c Config) Compile() (*Projection, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	p := &Projection{cfg: c, groups: map[orgmodel.CatalogueKind]naming.ClassTemplate{}, maxName: c.MaxNameLength}
	if p.maxName <= 0 {
		p.maxName = 64
	}
	switch c.Layout {
	case "":
		p.cfg.Layout = InstitutionsFirst
	case InstitutionsFirst, InstitutionsLast, InstitutionsOnly, Flat:
	default:
		bad("layout %q: want one of %s, %s, %s, %s", c.Layout, InstitutionsFirst, InstitutionsLast, InstitutionsOnly, Flat)
	}
	if t, err := naming.ParseTemplate("institution", c.Institution); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
	} else {
		p.institution = t
	}
	if p.cfg.Layout != Flat && (p.institution == nil || p.institution.Empty()) {
		bad("institution: a name standard is required for layout %s", p.cfg.Layout)
	}
	if ct, err := naming.ParseClassTemplate("classOU", c.ClassOU.Name, c.ClassOU.Fallback); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
	} else {
		p.classOU = ct
	}
	for kind, n := range c.Groups {
		if !kind.Valid() {
			bad("groups: unknown catalogue kind %q", kind)
			continue
		}
		ct, err := naming.ParseClassTemplate("groups."+string(kind), n.Name, n.Fallback)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
			continue
		}
		if ct.Empty() {
			continue
		}
		p.groups[kind] = ct
		p.kinds = append(p.kinds, kind)
	}
	slices.Sort(p.kinds)
	p.extra = map[orgmodel.CatalogueKind]naming.ClassTemplate{}
	for kind, n := range c.ExtraGroups {
		ct, err := naming.ParseClassTemplate("extraGroups."+kind, n.Name, n.Fallback)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
			continue
		}
		p.extra[orgmodel.CatalogueKind(kind)] = ct
	}
	for _, name := range []struct{ field, value string }{
		{"employeesOU", c.EmployeesOU}, {"studentsOU", c.StudentsOU}, {"groupsOU", c.GroupsOU},
	} {
		if p.cfg.Layout != Flat && p.cfg.Layout != InstitutionsOnly && strings.TrimSpace(name.value) == "" {
			bad("%s: a name is required for layout %s", name.field, p.cfg.Layout)
		}
	}
	p.excluded = map[orgmodel.Role]bool{}
	for _, r := range c.ExcludedRoles {
		if r.Kind() == "" {
			bad("excludedRoles: unknown role %q", r)
		}
		p.excluded[r] = true
	}
	p.excludedAt = map[string]map[orgmodel.Role]bool{}
	for inst, roles := range c.ExcludedRolesAt {
		m := map[orgmodel.Role]bool{}
		for _, r := range roles {
			if r.Kind() == "" {
				bad("excludedRolesAt[%s]: unknown role %q", inst, r)
			}
			m[r] = true
		}
		p.excludedAt[inst] = m
	}
	for _, k := range c.RoleOrder {
		if k != orgmodel.Student && k != orgmodel.Employee && k != orgmodel.External {
			bad("roleOrder: unknown role kind %q", k)
		}
	}
	p.policy = orgmodel.RolePolicy{Order: c.RoleOrder}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// Config returns the configuration the projection was compiled from.
func (p *Projection) Config() Config { return p.cfg }

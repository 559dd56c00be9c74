package orgmodel

import "time"

// InstitutionType classifies an institution as the school data brokers do.
type InstitutionType string

// Institution types.
const (
	School       InstitutionType = "SCHOOL"       // folkeskole and other schools
	Daycare      InstitutionType = "DAYCARE"      // dagtilbud: nursery and kindergarten
	FU           InstitutionType = "FU"           // forberedende uddannelse, youth education
	Municipality InstitutionType = "MUNICIPALITY" // the municipality's own administration
)

// Valid reports whether t is one of the known institution types.
func (t InstitutionType) Valid() bool {
	switch t {
	case School, Daycare, FU, Municipality:
		return true
	}
	return false
}

// Institution is a school, daycare, youth education or the municipality
// itself, identified by its institution number (text, often six digits).
type Institution struct {
	Number       string          `json:"number"`
	Name         string          `json:"name"`
	Abbreviation string          `json:"abbreviation,omitempty"`
	Type         InstitutionType `json:"type"`
	Valid        Period          `json:"valid,omitzero"`
	// ExportedAt is when the source exported the data this snapshot holds
	// for the institution (STIL's exportDateTime); zero when unknown. A
	// source refuses an export older than the one last applied.
	ExportedAt time.Time `json:"exportedAt,omitzero"`
	// AccessLevel is the access level the source granted for the export
	// (STIL's accessLevel attribute, e.g. "fuld myndighed").
	AccessLevel string `json:"accessLevel,omitempty"`
	// Sources lists the systems the source's data came from (STIL's
	// ImportSource: the school's administrative system and its school year).
	Sources []ImportSource `json:"sources,omitempty"`
}

// Hierarchy names one of the parallel unit hierarchies, as OS2mo has them.
type Hierarchy string

// Unit hierarchies.
const (
	LineOrganisation Hierarchy = "line"      // linjeorganisation
	Payroll          Hierarchy = "payroll"   // lønorganisation
	Political        Hierarchy = "political" // politisk organisation
	Project          Hierarchy = "project"   // projektorganisation
	MED              Hierarchy = "med"       // MED/AMR co-determination bodies
)

// Valid reports whether h is one of the known hierarchies.
func (h Hierarchy) Valid() bool {
	switch h {
	case LineOrganisation, Payroll, Political, Project, MED:
		return true
	}
	return false
}

// Unit is an organisation unit in one hierarchy. Units form a tree through
// ParentID; a root has no parent. A unit may belong to an institution.
type Unit struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Hierarchy   Hierarchy `json:"hierarchy"`
	ParentID    string    `json:"parentId,omitempty"`
	Institution string    `json:"institution,omitempty"`
	Valid       Period    `json:"valid,omitzero"`
	// Type and Level are the source's unit type and unit level names
	// (OS2mo's org_unit_type and org_unit_level classes), when it has them.
	Type  string `json:"type,omitempty"`
	Level string `json:"level,omitempty"`
}

// Person is a natural person known to the sources. ID is the stable source
// identifier (for STIL the UNI-ID or local person id); it never changes.
type Person struct {
	ID         string `json:"id"`
	CPR        string `json:"cpr,omitempty"` // ten digits as text, DDMMYYSSSS
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
	// Protected marks name and address protection (navne- og
	// adressebeskyttelse): directories get the alias names.
	Protected       bool   `json:"protected,omitempty"`
	AliasGivenName  string `json:"aliasGivenName,omitempty"`
	AliasFamilyName string `json:"aliasFamilyName,omitempty"`
	// Username is a username reserved for the person by the source; when set
	// it wins over any naming standard.
	Username string `json:"username,omitempty"`
	// UNIID is the person's UNI-Login id, when known.
	UNIID string `json:"uniId,omitempty"`
	Email string `json:"email,omitempty"`
	// CPRType is the source's classification of the person's civil
	// registration number (STIL's CivilRegistrationNumberType); empty when
	// the source does not say.
	CPRType CPRType `json:"cprType,omitempty"`
	// ReplacementID is a replacement id (erstatnings-cpr) the source gave
	// instead of a CPR number (CPRType CPRReplacement). It looks like a CPR
	// but is not one: it is never used or written as a CPR, and CPR is empty
	// when it is set.
	ReplacementID string `json:"replacementId,omitempty"`
	// SameAs links a person record to another record (its ID) of the same
	// human, e.g. one CPR under two UNI-Login user ids: each record is its
	// own person with its own account, and Validate accepts their shared CPR.
	// Links point at one primary record, which has no SameAs itself.
	SameAs string `json:"sameAs,omitempty"`
	// BirthDate is the date of birth (midnight UTC); zero when unknown.
	BirthDate time.Time `json:"birthDate,omitzero"`
	// Gender is the registered gender, M or K, when the source gives it.
	Gender Gender `json:"gender,omitempty"`
	// PhotoID is the source's id of the person's photo.
	PhotoID string `json:"photoId,omitempty"`
	// Address is the postal address. It is covered by Protected: see
	// Person.Disclosable.
	Address *Address `json:"address,omitempty"`
	// Phones are the person's phone numbers, each with its own protection.
	Phones []Phone `json:"phones,omitempty"`
}

// Names returns the given and family names a directory should show: the
// alias names for a protected person who has them, otherwise the real ones.
func (p Person) Names() (given, family string) {
	if p.Protected && (p.AliasGivenName != "" || p.AliasFamilyName != "") {
		return p.AliasGivenName, p.AliasFamilyName
	}
	return p.GivenName, p.FamilyName
}

// Role is a STIL role.
type Role string

// STIL roles.
const (
	Elev       Role = "Elev"       // pupil
	Barn       Role = "Barn"       // child in daycare
	Studerende Role = "Studerende" // student in youth education
	Laerer     Role = "Lærer"      // teacher
	Paedagog   Role = "Pædagog"    // pedagogue
	Vikar      Role = "Vikar"      // substitute
	Leder      Role = "Leder"      // manager
	Ledelse    Role = "Ledelse"    // management
	TAP        Role = "TAP"        // technical/administrative staff
	Konsulent  Role = "Konsulent"  // consultant
	Praktikant Role = "Praktikant" // trainee
	Ekstern    Role = "Ekstern"    // external

	// A role the source names but the model does not know is kept as the
	// "other" role of its kind (the kind comes from where the source put it),
	// with the source's text in Affiliation.RawRoles.
	OtherStudentRole  Role = "other-student"  // unknown student role
	OtherEmployeeRole Role = "other-employee" // unknown employee role
	OtherExternalRole Role = "other-external" // unknown external role
)

// RoleKind is the broad kind of a role: student, employee or external. It is
// also the "global role" of a person.
type RoleKind string

// Role kinds.
const (
	Student  RoleKind = "student"
	Employee RoleKind = "employee"
	External RoleKind = "external"
)

// Kind returns the kind of a STIL role, or "" for an unknown role.
func (r Role) Kind() RoleKind {
	switch r {
	case Elev, Barn, Studerende, OtherStudentRole:
		return Student
	case Laerer, Paedagog, Vikar, Leder, Ledelse, TAP, Konsulent, OtherEmployeeRole:
		return Employee
	case Praktikant, Ekstern, OtherExternalRole:
		return External
	}
	return ""
}

// Affiliation ties a person to an institution (and optionally a unit) with
// one or more roles of the same kind for a period. A student affiliation has
// a main group (the class) and a level; any affiliation may list further
// groups of the same institution.
type Affiliation struct {
	PersonID    string   `json:"personId"`
	Institution string   `json:"institution,omitempty"`
	UnitID      string   `json:"unitId,omitempty"`
	Roles       []Role   `json:"roles"`
	Level       string   `json:"level,omitempty"`
	MainGroupID string   `json:"mainGroupId,omitempty"`
	GroupIDs    []string `json:"groupIds,omitempty"`
	// Title is the occupation or job title, for employees.
	Title string `json:"title,omitempty"`
	Valid Period `json:"valid,omitzero"`
	// RawRoles holds the source's text of roles kept as an "other" role
	// (OtherStudentRole, OtherEmployeeRole, OtherExternalRole).
	RawRoles []string `json:"rawRoles,omitempty"`
	// Source names the system the record came from (STIL's
	// InstitutionPerson/@source).
	Source string `json:"source,omitempty"`
	// LocalPersonID is the person's id in the institution's own system.
	LocalPersonID string `json:"localPersonId,omitempty"`
	// Email is the e-mail address the institution gave (Person.Email is the
	// one of the first institution).
	Email string `json:"email,omitempty"`
	// ShortName is an employee's initials at the institution.
	ShortName string `json:"shortName,omitempty"`
	// StudentNumber is a student's number at the institution.
	StudentNumber string `json:"studentNumber,omitempty"`
	// Location is where at the institution the person is (a department or
	// a site).
	Location string `json:"location,omitempty"`
	// Primary marks a person's primary engagement when the source says
	// which one is (OS2mo's is_primary).
	Primary bool `json:"primary,omitempty"`
	// EmploymentType is the source's engagement type (OS2mo's
	// engagement_type class name, e.g. "Ansat"), for employees.
	EmploymentType string `json:"employmentType,omitempty"`
}

// Kind returns the kind of the affiliation's roles ("" when it has none).
func (a Affiliation) Kind() RoleKind {
	for _, r := range a.Roles {
		if k := r.Kind(); k != "" {
			return k
		}
	}
	return ""
}

// GroupType is a STIL group type.
type GroupType string

// STIL group types.
const (
	Hovedgruppe GroupType = "Hovedgruppe" // main group: the class
	Aargang     GroupType = "Årgang"      // year group
	Retning     GroupType = "Retning"     // track
	Hold        GroupType = "Hold"        // team for a subject
	SFO         GroupType = "SFO"         // after-school care
	Team        GroupType = "Team"        // staff team
	Andet       GroupType = "Andet"       // other; also any type the model does not know (see Group.RawType)
)

// Group is a STIL group of an institution. ID is unique within its
// institution. Level is "0".."10" for classes, or text such as "DT".
type Group struct {
	ID          string    `json:"id"`
	Institution string    `json:"institution"`
	Name        string    `json:"name"`
	Type        GroupType `json:"type"`
	Level       string    `json:"level,omitempty"`
	Line        string    `json:"line,omitempty"`
	SchoolYear  string    `json:"schoolYear,omitempty"` // e.g. "2024-2025"
	StartYear   int       `json:"startYear,omitempty"`  // year the class started 0th grade
	Valid       Period    `json:"valid,omitzero"`
	// RawType is the source's group type when the model does not know it;
	// such a group has Type Andet.
	RawType string `json:"rawType,omitempty"`
}

// Key returns the group's snapshot-wide key, "institution/id".
func (g Group) Key() string { return GroupKey(g.Institution, g.ID) }

// GroupKey joins an institution number and a group id into a group key.
func GroupKey(institution, id string) string { return institution + "/" + id }

// Snapshot is the organisation at one registration: everything the sources
// said, with validity periods. It is a plain value; build its indices with
// Index or Validate before using the derived views.
type Snapshot struct {
	// SchoolYear is the current (highest) school year of the sources, e.g.
	// "2024-2025". A change of it triggers the year roll.
	SchoolYear   string        `json:"schoolYear,omitempty"`
	Institutions []Institution `json:"institutions"`
	Units        []Unit        `json:"units,omitempty"`
	Persons      []Person      `json:"persons"`
	Affiliations []Affiliation `json:"affiliations"`
	Groups       []Group       `json:"groups,omitempty"`
	// Contacts links students to their contact persons (parents and
	// others).
	Contacts []Contact `json:"contacts,omitempty"`
	// Managers are the managerial positions of units (from OS2mo).
	Managers []Manager `json:"managers,omitempty"`

	idx *index
}

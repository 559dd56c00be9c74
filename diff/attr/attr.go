// Package attr is the neutral attribute schema: the names of the flat
// attributes (diff.Object.Attrs) that the projection (diff/desired) writes
// and that every adapter maps to its own attributes — sAMAccountName in AD,
// mailNickname in Entra ID, a custom schema field in Google Workspace.
//
// The names are part of the plan format and of every adapter's mapping:
// renaming one is a breaking change. Adapters may add attributes of their
// own (for example google.AttrGAL) as long as the names do not collide.
//
// attr is a leaf of the pure core: it imports nothing, so diff, the
// projection and the adapters can all use it.
package attr

// User attributes.
const (
	// Username is the user's login name (sAMAccountName, the local part of
	// the userPrincipalName, the Google username). It never changes once
	// given; diff's keep-alive list matches it as well as keys.
	Username = "username"
	// GivenName is the person's given (first and middle) names.
	GivenName = "givenName"
	// FamilyName is the person's family name (surname).
	FamilyName = "familyName"
	// DisplayName is the name shown in address books: "given family".
	DisplayName = "displayName"
	// Email is the primary e-mail address of a user, or a group's address.
	Email = "email"
	// Title is the job title of the person's primary affiliation.
	Title = "title"
	// CPR is the Danish personal identity number; the projection writes it
	// only when configured to, and adapters only where configured.
	CPR = "cpr"
	// UNIID is the person's UNI-Login id from STIL.
	UNIID = "uniId"
	// GlobalRole is the person's global role: RoleStudent, RoleEmployee or
	// RoleExternal. Delete retention is chosen by it.
	GlobalRole = "globalRole"
	// Roles is the person's STIL roles at all institutions, sorted and
	// comma-separated ("Lærer,Pædagog").
	Roles = "roles"
	// Institutions is the institution numbers the person is affiliated
	// with, sorted and comma-separated.
	Institutions = "institutions"
	// Level is a pupil's class level ("3") from their main group.
	Level = "level"
	// StartYear is the year a pupil's class started 0th grade ("2022").
	StartYear = "startYear"
)

// Group and container attributes.
const (
	// CatalogueKind is the kind of a group in the group catalogue
	// (orgmodel.GroupKind: "class", "staff", ...); adapters choose Teams,
	// shared drives and naming by it.
	CatalogueKind = "catalogueKind"
	// Institution is the institution number a group belongs to ("" for a
	// municipality-wide group).
	Institution = "institution"
	// ClassLevel is the level of a class group or class container ("3").
	ClassLevel = "classLevel"
	// ClassLine is the line (letter or track) of a class ("A").
	ClassLine = "classLine"
	// SchoolYear is the school year of a class ("2026-2027").
	SchoolYear = "schoolYear"
)

// Lifecycle attributes, written by the plan itself.
const (
	// DisabledDate is the ISO date (2006-01-02) an object was disabled or
	// retired; retention counts from it.
	DisabledDate = "disabledDate"
)

// The values of GlobalRole. They equal orgmodel's RoleKind values (a test
// in diff/desired checks it); attr does not import orgmodel so that the
// plan engine stays free of the organisation model.
const (
	RoleStudent  = "student"
	RoleEmployee = "employee"
	RoleExternal = "external"
)

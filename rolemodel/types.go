package rolemodel

import (
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Period is a validity interval [From, To); zero ends are open.
type Period = orgmodel.Period

// Classification (Klassifikation) names who owns and describes a role or a
// right, e.g. "Økonomistyrelsen" or "Sundhed". A role has at least one, a
// right exactly one.
type Classification string

// ITSystem (It-system) is a system that uses roles and/or rights.
type ITSystem struct {
	ID   string `json:"id" yaml:"id"`
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
}

// Right (Adgangsrettighed) is the permission to perform a function in an
// IT system, classified by exactly one classification.
type Right struct {
	ID             string         `json:"id" yaml:"id"`
	Name           string         `json:"name,omitempty" yaml:"name,omitempty"`
	System         string         `json:"system" yaml:"system"`
	Classification Classification `json:"classification" yaml:"classification"`
	// Group, when set, is the directory group that holds every user with
	// this right (named by the projection's "role" extra group standard).
	Group string `json:"group,omitempty" yaml:"group,omitempty"`
}

// Role (Brugerrolle) is a named grouping of access rights, assigned as a
// whole. It may inherit the rights of other roles (several parents, no
// cycles).
type Role struct {
	ID              string           `json:"id" yaml:"id"`
	Name            string           `json:"name,omitempty" yaml:"name,omitempty"`
	Classifications []Classification `json:"classifications" yaml:"classifications"`
	// Systems are the IT systems that use the role as a whole.
	Systems []string `json:"systems,omitempty" yaml:"systems,omitempty"`
	// Rights are the role's own access rights.
	Rights []string `json:"rights,omitempty" yaml:"rights,omitempty"`
	// Inherits names the roles whose rights this role also grants.
	Inherits []string `json:"inherits,omitempty" yaml:"inherits,omitempty"`
	// Group, when set, is the directory group of the role's holders.
	Group string `json:"group,omitempty" yaml:"group,omitempty"`
	// RequiresAttestation makes an assignment of the role take effect only
	// once it is attested (a sensitive role).
	RequiresAttestation bool   `json:"requiresAttestation,omitempty" yaml:"requiresAttestation,omitempty"`
	Valid               Period `json:"valid,omitzero" yaml:"valid,omitempty"`
}

// RuleKind is the kind of an access rule.
type RuleKind string

// The access rule kinds of the standard.
const (
	// SoD (funktionsadskillelse): two rights that one user may not hold
	// together.
	SoD RuleKind = "sod"
	// TimeWindow: the rights may be used only inside a window, e.g. the
	// first N working days of a month; enforced by the IT system.
	TimeWindow RuleKind = "time-window"
	// Limit: the rights may be used up to an amount; enforced by the IT
	// system.
	Limit RuleKind = "limit"
)

// Rule (Adgangsregel) restricts the use of access rights. Each rule has a
// validity, a text for people and a machine-usable form: Rights (for SoD,
// exactly two that exclude each other), FirstWorkdays (TimeWindow) or Max
// (Limit).
type Rule struct {
	ID     string   `json:"id" yaml:"id"`
	Kind   RuleKind `json:"kind" yaml:"kind"`
	Text   string   `json:"text" yaml:"text"`
	Rights []string `json:"rights" yaml:"rights"`
	// FirstWorkdays is the time window "the first N working days of a
	// month" of a TimeWindow rule.
	FirstWorkdays int `json:"firstWorkdays,omitempty" yaml:"firstWorkdays,omitempty"`
	// Max is the limit of a Limit rule (an amount in the IT system's unit).
	Max   int64  `json:"max,omitempty" yaml:"max,omitempty"`
	Valid Period `json:"valid,omitzero" yaml:"valid,omitempty"`
}

// User (Bruger) is a person or an IT system that identifies itself with a
// credential. One person may be several users (one per employment), each
// with its own validity. Exactly one of PersonID and System is set.
type User struct {
	ID       string `json:"id" yaml:"id"`
	PersonID string `json:"personId,omitempty" yaml:"personId,omitempty"`
	// System is set for a user that is an IT system.
	System string `json:"system,omitempty" yaml:"system,omitempty"`
	Valid  Period `json:"valid,omitzero" yaml:"valid,omitempty"`
}

// RestrictionKind is what a restriction limits an assignment to.
type RestrictionKind string

// The restriction kinds of the standard.
const (
	RestrictUnit   RestrictionKind = "unit"   // an organisation unit (orgmodel.Unit ID)
	RestrictPerson RestrictionKind = "person" // a person (orgmodel.Person ID)
	RestrictSystem RestrictionKind = "system" // an IT system
)

// Restriction (Brugerrollerestriktion) limits an assignment to an
// organisation unit, a person or an IT system. An assignment without
// restrictions is general.
type Restriction struct {
	Kind  RestrictionKind `json:"kind" yaml:"kind"`
	Value string          `json:"value" yaml:"value"`
}

// String renders the restriction as "kind=value".
func (r Restriction) String() string { return string(r.Kind) + "=" + r.Value }

// Attestation (Brugerrolleattest) documents an assignment. Issuer is the
// Attestudsteder; Classification says how it was attested.
type Attestation struct {
	Issuer         string    `json:"issuer" yaml:"issuer"`
	Classification string    `json:"classification,omitempty" yaml:"classification,omitempty"`
	At             time.Time `json:"at" yaml:"at"`
}

// Assignment (Brugerrolletildeling) gives one user one or more roles. It is
// made by another user (AssignedBy, who must hold a Delegation for each
// role), has a validity, may be limited by restrictions and documented by
// an attestation.
type Assignment struct {
	ID           string        `json:"id" yaml:"id"`
	User         string        `json:"user" yaml:"user"`
	Roles        []string      `json:"roles" yaml:"roles"`
	AssignedBy   string        `json:"assignedBy" yaml:"assignedBy"`
	Valid        Period        `json:"valid,omitzero" yaml:"valid,omitempty"`
	Restrictions []Restriction `json:"restrictions,omitempty" yaml:"restrictions,omitempty"`
	Attestation  *Attestation  `json:"attestation,omitempty" yaml:"attestation,omitempty"`
}

// Delegation (delegering: "har ret til at tildele") says that a user may
// assign a role.
type Delegation struct {
	User  string `json:"user" yaml:"user"`
	Role  string `json:"role" yaml:"role"`
	Valid Period `json:"valid,omitzero" yaml:"valid,omitempty"`
}

// Derived is an assignment derived from organisational placement
// (afledt tildeling): the roles reach every person with an affiliation that
// matches, for as long as the affiliation is valid. Exactly one of Unit,
// STILRole and Title is set. With SubUnits a unit's descendants count too.
// Institution, when set, narrows a STILRole or Title to one institution.
type Derived struct {
	ID           string        `json:"id" yaml:"id"`
	Roles        []string      `json:"roles" yaml:"roles"`
	AssignedBy   string        `json:"assignedBy" yaml:"assignedBy"`
	Unit         string        `json:"unit,omitempty" yaml:"unit,omitempty"`
	SubUnits     bool          `json:"subUnits,omitempty" yaml:"subUnits,omitempty"`
	STILRole     orgmodel.Role `json:"stilRole,omitempty" yaml:"stilRole,omitempty"`
	Title        string        `json:"title,omitempty" yaml:"title,omitempty"`
	Institution  string        `json:"institution,omitempty" yaml:"institution,omitempty"`
	Valid        Period        `json:"valid,omitzero" yaml:"valid,omitempty"`
	Restrictions []Restriction `json:"restrictions,omitempty" yaml:"restrictions,omitempty"`
}

// Catalogue is the whole role catalogue (rollekatalog) of a municipality.
type Catalogue struct {
	Systems     []ITSystem   `json:"systems,omitempty" yaml:"systems,omitempty"`
	Rights      []Right      `json:"rights,omitempty" yaml:"rights,omitempty"`
	Roles       []Role       `json:"roles,omitempty" yaml:"roles,omitempty"`
	Rules       []Rule       `json:"rules,omitempty" yaml:"rules,omitempty"`
	Users       []User       `json:"users,omitempty" yaml:"users,omitempty"`
	Assignments []Assignment `json:"assignments,omitempty" yaml:"assignments,omitempty"`
	Delegations []Delegation `json:"delegations,omitempty" yaml:"delegations,omitempty"`
	Derived     []Derived    `json:"derived,omitempty" yaml:"derived,omitempty"`
}

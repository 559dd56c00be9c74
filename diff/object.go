package diff

import (
	"slices"

	"github.com/orgsync/orgsync/diff/attr"
)

// Kind is the kind of a directory object. Adapters may define further kinds
// (for example a shared drive) as long as they are stable strings.
type Kind string

// The object kinds every target understands.
const (
	Container Kind = "container" // OU, org unit, folder
	User      Kind = "user"
	Group     Kind = "group"
)

// Attribute names the plan engine itself reads or writes; they are the
// names of the neutral attribute schema (package diff/attr), where all
// attribute names are documented.
const (
	// AttrGlobalRole holds the person's global role (attr.RoleStudent,
	// attr.RoleEmployee, attr.RoleExternal); delete retention is chosen by
	// it. Same as attr.GlobalRole.
	AttrGlobalRole = attr.GlobalRole
	// AttrDisabledDate holds the ISO date (2006-01-02) an object was
	// disabled. Same as attr.DisabledDate.
	AttrDisabledDate = attr.DisabledDate
)

// Object is one directory object, desired or actual.
type Object struct {
	// Kind is the object's kind.
	Kind Kind `json:"kind"`
	// Key is orgsync's stable identity of the object, e.g. "user/123" or
	// "group/class/280017/4A-id". It survives renames and moves. An
	// unmanaged actual object has an empty Key.
	Key string `json:"key"`
	// Name is the object's own name in its container (CN/OU name, display
	// name). A changed Name is a rename.
	Name string `json:"name"`
	// Parent is the Key of the container the object lives in; "" is the
	// target's root. A changed Parent is a move.
	Parent string `json:"parent,omitempty"`
	// Attrs are the object's flat attributes, by neutral name, sorted. Only
	// attributes present in the desired object are compared.
	Attrs Attrs `json:"attrs,omitempty"`
	// Members are the Keys of a group's members, sorted.
	Members []string `json:"members,omitempty"`
	// Disabled is true for a disabled (suspended) account.
	Disabled bool `json:"disabled,omitempty"`
	// Institution is the institution number the object belongs to, used by
	// per-institution safety thresholds; "" for municipality-wide objects.
	Institution string `json:"institution,omitempty"`

	// Managed is set by a target on actual objects that carry orgsync's
	// management mark. Unmanaged objects are never changed unless adopted.
	Managed bool `json:"managed,omitempty"`
	// ID is the target's own identifier (DN, object id) of an actual object.
	ID string `json:"id,omitempty"`
}

// Clone returns a deep copy of the object.
func (o Object) Clone() Object {
	o.Attrs = o.Attrs.Clone()
	o.Members = slices.Clone(o.Members)
	return o
}

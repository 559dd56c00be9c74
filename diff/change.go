package diff

import "fmt"

// Action is what a Change does.
type Action int

// Actions, in the order a plan normally runs them.
const (
	NoOp Action = iota
	Create
	Adopt // mark an existing unmanaged object as ours (explicit match)
	Update
	Rename
	Move
	Enable
	AddMember
	RemoveMember
	Disable
	Delete
)

var actionNames = [...]string{"no-op", "create", "adopt", "update", "rename", "move", "enable", "add-member", "remove-member", "disable", "delete"}

// String returns the action's lower-case name, e.g. "add-member".
func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return fmt.Sprintf("action(%d)", int(a))
	}
	return actionNames[a]
}

// MarshalText encodes the action by name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText decodes an action name.
func (a *Action) UnmarshalText(b []byte) error {
	for i, n := range actionNames {
		if n == string(b) {
			*a = Action(i)
			return nil
		}
	}
	return fmt.Errorf("diff: unknown action %q", b)
}

// AttrChange is one attribute's change in an Update.
type AttrChange struct {
	Name   string `json:"name"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Change is one step of a Plan.
type Change struct {
	Action Action `json:"action"`
	Kind   Kind   `json:"kind"`
	Key    string `json:"key"`
	// Before is the actual object (nil for Create).
	Before *Object `json:"before,omitempty"`
	// After is the object as it should be after the change (nil for Delete).
	After *Object `json:"after,omitempty"`
	// Attrs lists the changed attributes of an Update (sorted by name).
	Attrs []AttrChange `json:"attrs,omitempty"`
	// Member is the member Key of an AddMember or RemoveMember.
	Member string `json:"member,omitempty"`
	// Reason explains the change to people; nothing decides on it.
	Reason string `json:"reason,omitempty"`
	// Stage orders the plan: all changes of a stage run before the next
	// stage starts; changes within a stage are independent.
	Stage int `json:"stage"`
}

// Institution returns the institution of the object the change is about.
func (c Change) Institution() string {
	if c.After != nil && c.After.Institution != "" {
		return c.After.Institution
	}
	if c.Before != nil {
		return c.Before.Institution
	}
	return ""
}

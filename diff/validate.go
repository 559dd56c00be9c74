package diff

import (
	"cmp"
	"errors"
	"fmt"
	problemlist "github.com/orgsync/orgsync/internal/problem"
	"slices"
	"strings"
)

// ErrInvalidInput is matched (errors.Is) by the *ValidationError Compute
// returns when the desired or actual objects it is given are inconsistent.
var ErrInvalidInput = errors.New("invalid desired or actual state")

// Problem is one thing wrong with Compute's input: the object it concerns,
// the field and what is wrong.
type Problem struct {
	// Object names the object, e.g. `desired user "user/12"` or
	// `actual object 7`.
	Object string `json:"object"`
	// Field is the field at fault ("key", "parent", "members", ...); empty
	// when the object as a whole is.
	Field string `json:"field,omitempty"`
	// Message says what is wrong, in lower case.
	Message string `json:"message"`
}

// String renders the problem as "object field: message".
func (p Problem) String() string {
	if p.Field == "" {
		return p.Object + ": " + p.Message
	}
	return p.Object + " " + p.Field + ": " + p.Message
}

// ValidationError lists every problem Compute found in its input at once.
// It is the module's one shape of a list of problems (internal/problem):
// Error gives a summary line and one problem per line, and errors.Is
// matches ErrInvalidInput.
type ValidationError = problemlist.List[Problem, validation]

// validation names the operation and sentinel of a ValidationError.
type validation struct{}

func (validation) Op() string      { return "diff: compute" }
func (validation) Sentinel() error { return ErrInvalidInput }

// Where a problem was found, so that problems are reported in one order
// however the checks are arranged: options, then the desired objects by
// index, the actual objects by index, the desired objects' references by
// index and the container tree.
const (
	phaseOptions uint8 = iota
	phaseDesired
	phaseActual
	phaseRefs
	phaseTree
)

// Order of the problems of one desired object in phaseDesired.
const (
	subKey uint8 = iota
	subKind
	subDup
	subAttrs
	subSecret
)

// unsortedAttr is the message for Attrs that break their sort order.
const unsortedAttr = "attribute %q is out of name order or repeated (build Attrs with Set or AttrsFrom)"

type problem struct {
	phase, sub uint8
	idx        int
	Problem
}

type problems []problem

func (ps *problems) add(phase uint8, idx int, sub uint8, object, field, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	*ps = append(*ps, problem{phase: phase, sub: sub, idx: idx, Problem: Problem{Object: object, Field: field, Message: msg}})
}

// err returns the problems in report order as a *ValidationError.
func (ps problems) err() error {
	slices.SortStableFunc(ps, func(x, y problem) int {
		if r := cmp.Compare(x.phase, y.phase); r != 0 {
			return r
		}
		if r := cmp.Compare(x.idx, y.idx); r != 0 {
			return r
		}
		if r := cmp.Compare(x.sub, y.sub); r != 0 {
			return r
		}
		if x.sub == subSecret && x.phase == phaseDesired {
			return strings.Compare(x.Message, y.Message) // by attribute name
		}
		return 0
	})
	out := make([]Problem, len(ps))
	for i := range ps {
		out[i] = ps[i].Problem
	}
	return &ValidationError{Problems: out}
}

// secretAttrs are attribute names that would carry a secret. They are
// refused in desired objects: a plan is shown to people, stored and
// audited, so passwords are never part of it (adapters generate initial
// passwords themselves at create time).
var secretAttrs = [...]string{"password", "userPassword", "unicodePwd", "secret"}

// isSecretAttr reports whether name is one of secretAttrs in any case
// (strings.EqualFold) and of the same length in bytes.
func isSecretAttr(name string) bool {
	// strings.EqualFold compares rune by rune, and the only non-ASCII
	// runes that fold to ASCII letters are the Kelvin sign (k, 3 bytes)
	// and the long s (s, 2 bytes). So a 6-byte name can only match
	// "secret", an 8-byte one "password", a 10-byte one "unicodePwd" or
	// "password" with two long s, a 12-byte one "userPassword"; and its
	// first byte, case bit set, must be that secret's first letter, which
	// rules out nearly every attribute name before EqualFold runs.
	if len(name) < 6 {
		return false
	}
	c := name[0] | 0x20
	switch len(name) {
	case len(secretAttrs[3]):
		return c == 's' && strings.EqualFold(name, secretAttrs[3])
	case len(secretAttrs[0]):
		return c == 'p' && strings.EqualFold(name, secretAttrs[0])
	case len(secretAttrs[2]):
		return c == 'u' && strings.EqualFold(name, secretAttrs[2]) ||
			c == 'p' && strings.EqualFold(name, secretAttrs[0])
	case len(secretAttrs[1]):
		return c == 'u' && strings.EqualFold(name, secretAttrs[1])
	}
	return false
}

// Sensitive reports whether an attribute's value is hidden in rendered
// plans and audit records: "cpr" (the Danish personal number), in any
// case. JSON plans carry the value, since Apply needs it.
func Sensitive(attr string) bool { return strings.EqualFold(attr, "cpr") }

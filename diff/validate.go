package diff

import (
	"errors"
	"fmt"
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
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one per line after a summary line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff: compute: %d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteByte('s')
	}
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Is reports whether target is ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

type problems []Problem

func (ps *problems) add(object, field, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	*ps = append(*ps, Problem{Object: object, Field: field, Message: msg})
}

// secretAttrs are attribute names that would carry a secret. They are
// refused in desired objects: a plan is shown to people, stored and
// audited, so passwords are never part of it (adapters generate initial
// passwords themselves at create time).
var secretAttrs = [...]string{"password", "userPassword", "unicodePwd", "secret"}

func isSecretAttr(name string) bool {
	switch len(name) {
	case 6, 8, 10, 12: // secret, password, unicodePwd, userPassword
	default:
		return false
	}
	for _, s := range secretAttrs {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

// Sensitive reports whether an attribute's value is hidden in rendered
// plans and audit records: "cpr" (the Danish personal number), in any
// case. JSON plans carry the value, since Apply needs it.
func Sensitive(attr string) bool { return strings.EqualFold(attr, "cpr") }

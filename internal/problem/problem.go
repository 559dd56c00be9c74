// Package problem is the one shape of "every problem at once" errors: a
// list of problems of one operation, rendered as a summary line and one
// problem per line, matching a sentinel with errors.Is and unwrapping to
// the problems that are errors themselves.
//
// orgmodel.ValidationError, diff.ValidationError, payroll.ParseError and
// localimport.ParseError are this type for their own problem types. It is
// a pure leaf (standard library only), so the core may use it.
package problem

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind says what a list of problems is about: the operation that names it
// and the sentinel errors.Is matches. Implement it on an empty struct type
// of the package that owns the list, so that the list's zero value is
// already complete.
type Kind interface {
	// Op names what failed, lower case: "validate snapshot",
	// "diff: compute", "payroll". It starts the message.
	Op() string
	// Sentinel is what errors.Is(list, target) matches besides the
	// problems themselves; nil for none.
	Sentinel() error
}

// List reports every problem an operation found, at once. P is the
// problem type; a problem is printed with fmt (its Error or String method).
// K names the operation and its sentinel.
type List[P any, K Kind] struct {
	// Problems are the problems in the order they were found.
	Problems []P
}

// Error is "op: N problems" followed by one problem per line, indented by a
// tab.
func (l *List[P, K]) Error() string {
	var b strings.Builder
	var k K
	if op := k.Op(); op != "" {
		b.WriteString(op)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(len(l.Problems)))
	b.WriteString(" problem")
	if len(l.Problems) != 1 {
		b.WriteByte('s')
	}
	for _, p := range l.Problems {
		b.WriteString("\n\t")
		fmt.Fprint(&b, p)
	}
	return b.String()
}

// Is reports whether target is the list's sentinel.
func (l *List[P, K]) Is(target error) bool {
	var k K
	s := k.Sentinel()
	return s != nil && target == s
}

// Unwrap returns the problems that are errors, for errors.Is and errors.As.
func (l *List[P, K]) Unwrap() []error {
	var out []error
	for _, p := range l.Problems {
		if e, ok := any(p).(error); ok {
			out = append(out, e)
		}
	}
	return out
}

// Of returns a *List of ps, or nil when ps is empty, so that "no problems"
// is a nil error.
func Of[K Kind, P any](ps []P) error {
	if len(ps) == 0 {
		return nil
	}
	return &List[P, K]{Problems: ps}
}

package rolemodel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrSoD is wrapped by a *SoDError: the effective assignments would give a
// user two rights that a segregation-of-duties rule keeps apart. A plan
// that would do so is refused like one over a safety threshold: nothing is
// applied.
var ErrSoD = errors.New("segregation of duties violated")

// Violation is one user holding both rights of one SoD rule.
type Violation struct {
	User   string    `json:"user"`
	Rule   string    `json:"rule"`
	Text   string    `json:"text"`
	Rights [2]string `json:"rights"`
}

// SoDError lists every violation; errors.Is(err, ErrSoD) is true.
type SoDError struct {
	Violations []Violation
}

// Error names each user, the two rights and the rule.
func (e *SoDError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %d violation(s)", ErrSoD, len(e.Violations))
	for _, v := range e.Violations {
		fmt.Fprintf(&b, "\n  user %s holds %s and %s, which rule %s (%s) keeps apart", v.User, v.Rights[0], v.Rights[1], v.Rule, v.Text)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrSoD) true.
func (e *SoDError) Unwrap() error { return ErrSoD }

// CheckSoD returns a *SoDError listing every user whose effective rights
// break a segregation-of-duties rule valid at the result's instant, or
// nil.
func (r *Result) CheckSoD() error {
	m := r.m
	active := make([]bool, len(m.cat.Rules))
	anyRule := false
	for i, ru := range m.cat.Rules {
		if ru.Kind == SoD && ru.Valid.Contains(r.At) {
			active[i] = true
			anyRule = true
		}
	}
	if !anyRule {
		return nil
	}
	stamp := make([]int32, len(m.cat.Rights))
	var out []Violation
	var held []int
	for u := range r.users {
		mark := int32(u + 1)
		held = held[:0]
		for _, g := range r.grants[u] {
			for _, gp := range m.closure[g.role] {
				if stamp[gp.right] != mark {
					stamp[gp.right] = mark
					if len(m.sod[gp.right]) > 0 {
						held = append(held, gp.right)
					}
				}
			}
		}
		for _, x := range held {
			for _, ri := range m.sod[x] {
				ru := &m.cat.Rules[ri]
				if !active[ri] || ru.Rights[0] != m.cat.Rights[x].ID {
					continue
				}
				if y := m.rightIdx[ru.Rights[1]]; stamp[y] == mark {
					out = append(out, Violation{User: r.users[u], Rule: ru.ID, Text: ru.Text, Rights: [2]string{ru.Rights[0], ru.Rights[1]}})
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, func(a, b Violation) int {
		if c := strings.Compare(a.User, b.User); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	return &SoDError{Violations: out}
}

// RulesFor returns the time-window and limit rules valid at the result's
// instant that name one of the user's effective rights: the IT system
// enforces them when the right is used.
func (r *Result) RulesFor(user string) []Rule {
	have := map[string]bool{}
	for _, x := range r.RightSet(user) {
		have[x] = true
	}
	var out []Rule
	for _, ru := range r.m.cat.Rules {
		if ru.Kind == SoD || !ru.Valid.Contains(r.At) {
			continue
		}
		if slices.ContainsFunc(ru.Rights, func(x string) bool { return have[x] }) {
			out = append(out, ru)
		}
	}
	return out
}

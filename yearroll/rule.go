package yearroll

import (
	"fmt"
	"strconv"
)

// Rule says how a class was matched, or why it was not. WholeLevel, Overlap
// and KeptID are the matching rules (see Match.Rule); the others are reasons
// for a class that stays unmatched (see Outcome.Reason). The zero value is
// not a valid rule.
type Rule int

// Matching rules and reasons. They are listed in the order the matcher
// considers them.
const (
	// WholeLevel: every eligible class at new level L had exactly one class
	// at level L−1 with the same line, so the whole level was paired by line.
	WholeLevel Rule = iota + 1
	// Overlap: the pair shares at least the threshold of pupils on the
	// chosen Basis and belongs to the optimal one-to-one pairing of its
	// level.
	Overlap

	// DuplicateID: another class of the same institution on the same side
	// has the same ID. Such classes are left out rather than guessed at.
	DuplicateID
	// NonNumericLevel: the level is not a number ("DT", "Andet", ""); such
	// classes are never matched.
	NonNumericLevel
	// LevelOutOfRange: the level is a number outside 0..10.
	LevelOutOfRange
	// Level0: a new 0th grade (børnehaveklasse) is always new.
	Level0
	// Level10: a new 10th grade is always new; on the old side, a 9th grade
	// whose next level is the 10th is therefore never continued.
	Level10
	// LastLevel: an old 10th grade has no next level.
	LastLevel
	// EmptyClass: the class has no (remaining) pupils. An empty class carries
	// no evidence and never matches, in either rule.
	EmptyClass
	// NoCandidate: no class at the neighbouring level shares a pupil with
	// this one (or there is no such class at all).
	NoCandidate
	// BelowThreshold: the best candidate shares pupils, but fewer than the
	// threshold on the chosen basis.
	BelowThreshold
	// Outmatched: a candidate passed the threshold, but the optimal
	// one-to-one pairing gave it to another class (Outcome.TakenBy).
	Outmatched
	// NoLinePartner: old side only; the next level was paired whole by line
	// and no new class has this class's line.
	NoLinePartner

	// KeptID: a matching rule, applied after the others. A class left
	// unmatched this year whose ID is the ID of a class left unmatched last
	// year at the same institution (a daycare group "DT", a 10th grade) is
	// the same group: its directory objects, keyed by the ID, are kept, so
	// it is neither new nor retired. Classes with a DuplicateID are not
	// paired.
	KeptID
)

var ruleNames = [...]string{
	WholeLevel:      "whole-level",
	Overlap:         "overlap",
	DuplicateID:     "duplicate-id",
	NonNumericLevel: "non-numeric-level",
	LevelOutOfRange: "level-out-of-range",
	Level0:          "level-0",
	Level10:         "level-10",
	LastLevel:       "last-level",
	EmptyClass:      "empty",
	NoCandidate:     "no-candidate",
	BelowThreshold:  "below-threshold",
	Outmatched:      "outmatched",
	NoLinePartner:   "no-line-partner",
	KeptID:          "kept-id",
}

// String returns the rule's short name, such as "whole-level" or
// "below-threshold", or "Rule(n)" for an unknown value.
func (r Rule) String() string {
	if r > 0 && int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return "Rule(" + strconv.Itoa(int(r)) + ")"
}

// Matched reports whether r is a matching rule (WholeLevel, Overlap or
// KeptID) rather than a reason for staying unmatched.
func (r Rule) Matched() bool { return r == WholeLevel || r == Overlap || r == KeptID }

// MarshalText encodes the rule as its short name.
func (r Rule) MarshalText() ([]byte, error) {
	if r <= 0 || int(r) >= len(ruleNames) {
		return nil, fmt.Errorf("yearroll: marshal rule: unknown value %d", int(r))
	}
	return []byte(ruleNames[r]), nil
}

// UnmarshalText decodes a short name written by MarshalText.
func (r *Rule) UnmarshalText(b []byte) error {
	for i, n := range ruleNames {
		if i > 0 && n == string(b) {
			*r = Rule(i)
			return nil
		}
	}
	return fmt.Errorf("yearroll: unmarshal rule: unknown name %q", b)
}

// Basis chooses whose pupils the overlap share is measured against.
type Basis int

// Bases. The zero value is NewShare.
const (
	// NewShare measures shared pupils against the new class's pupils: "at
	// least 70 % of the pupils in the new class were together last year".
	// This is the municipalities' wording and the default.
	NewShare Basis = iota
	// OldShare measures shared pupils against the old class's pupils who
	// are still at the institution: "at least 70 % of last year's class went
	// on together". This is what the reference broker computes.
	OldShare
	// Both requires the threshold on both sides; the reported share is the
	// smaller of the two.
	Both
)

var basisNames = [...]string{NewShare: "new-share", OldShare: "old-share", Both: "both"}

// String returns "new-share", "old-share", "both", or "Basis(n)".
func (b Basis) String() string {
	if b >= 0 && int(b) < len(basisNames) {
		return basisNames[b]
	}
	return "Basis(" + strconv.Itoa(int(b)) + ")"
}

func (b Basis) valid() bool { return b >= 0 && int(b) < len(basisNames) }

// of returns the share on this basis from the shares of the new and the
// old class's pupils.
func (b Basis) of(newShare, oldShare float64) float64 {
	switch b {
	case OldShare:
		return oldShare
	case Both:
		return min(newShare, oldShare)
	}
	return newShare
}

// ParseBasis parses "new-share", "old-share" or "both" (as written by
// String), for configuration files.
func ParseBasis(s string) (Basis, error) {
	for i, n := range basisNames {
		if n == s {
			return Basis(i), nil
		}
	}
	return 0, fmt.Errorf("yearroll: parse basis: unknown basis %q (want new-share, old-share or both)", s)
}

// MarshalText encodes the basis as its name.
func (b Basis) MarshalText() ([]byte, error) {
	if !b.valid() {
		return nil, fmt.Errorf("yearroll: marshal basis: unknown value %d", int(b))
	}
	return []byte(basisNames[b]), nil
}

// UnmarshalText decodes a name accepted by ParseBasis.
func (b *Basis) UnmarshalText(t []byte) error {
	v, err := ParseBasis(string(t))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Side tells whether an Outcome is about a new class (this school year) or
// an old class (last school year).
type Side int

// Sides.
const (
	// NewClass is a class of the new school year.
	NewClass Side = iota
	// OldClass is a class of the previous school year.
	OldClass
)

// String returns "new" or "old".
func (s Side) String() string {
	switch s {
	case NewClass:
		return "new"
	case OldClass:
		return "old"
	}
	return "Side(" + strconv.Itoa(int(s)) + ")"
}

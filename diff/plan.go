package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Plan is the ordered list of changes that brings a target from its actual
// to its desired state, made by Compute at a point in time.
//
// A plan never contains a secret: desired objects may not carry password
// attributes (Compute refuses them), and adapters generate initial
// passwords themselves when they carry out a Create. A plan may contain
// personal data (names, and CPR numbers where a target is configured to
// store them); Render hides the values of Sensitive attributes, the JSON
// form does not, so store plan files like the directory data they
// describe.
//
// A Plan serialises to JSON with encoding/json; the field names are part
// of the API. ReadPlanJSON reads and checks one.
type Plan struct {
	// Now is the time the plan was made for (Options.Now).
	Now time.Time `json:"now"`
	// Changes are sorted by Stage, then by action, kind, key and member.
	Changes []Change `json:"changes"`
	// Warnings explain desired objects the plan could not handle, e.g. an
	// ambiguous adoption match. A plan with warnings is still consistent.
	Warnings []string `json:"warnings,omitempty"`
	// Totals counts the managed actual objects the plan was computed
	// from; Check measures the plan's disables and deletes against them,
	// so a saved plan is checked as it was made.
	Totals Totals `json:"totals"`
}

// Totals counts managed actual objects, per kind and per institution
// (Object.Institution; objects without one are counted only by kind).
type Totals struct {
	// Kinds counts by object kind.
	Kinds map[Kind]int `json:"kinds,omitempty"`
	// Institutions counts by institution number.
	Institutions map[string]int `json:"institutions,omitempty"`
}

// CountManaged returns the totals of the managed objects among actual.
func CountManaged(actual []Object) Totals {
	t := Totals{Kinds: map[Kind]int{}, Institutions: map[string]int{}}
	for i := range actual {
		a := &actual[i]
		if !a.Managed {
			continue
		}
		t.Kinds[a.Kind]++
		if a.Institution != "" {
			t.Institutions[a.Institution]++
		}
	}
	return t
}

// Empty reports whether the plan has no changes.
func (p *Plan) Empty() bool { return p == nil || len(p.Changes) == 0 }

// Stages returns the number of distinct stages in the plan.
func (p *Plan) Stages() int {
	n, last := 0, 0
	for i, c := range p.Changes {
		if i == 0 || c.Stage != last {
			n++
			last = c.Stage
		}
	}
	return n
}

// Summary counts a plan's changes.
type Summary struct {
	// Total is the number of changes.
	Total int `json:"total"`
	// Actions counts changes by action.
	Actions map[Action]int `json:"actions"`
	// Kinds counts changes by object kind and action.
	Kinds map[Kind]map[Action]int `json:"kinds"`
}

// Summary counts the plan's changes by action and by kind.
func (p *Plan) Summary() Summary {
	s := Summary{Actions: map[Action]int{}, Kinds: map[Kind]map[Action]int{}}
	if p == nil {
		return s
	}
	for _, c := range p.Changes {
		s.Total++
		s.Actions[c.Action]++
		m := s.Kinds[c.Kind]
		if m == nil {
			m = map[Action]int{}
			s.Kinds[c.Kind] = m
		}
		m[c.Action]++
	}
	return s
}

// String renders the summary on one line, e.g.
// "3 changes: 2 create, 1 disable", actions in plan order.
func (s Summary) String() string {
	if s.Total == 0 {
		return "no changes"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d change", s.Total)
	if s.Total != 1 {
		b.WriteByte('s')
	}
	sep := ": "
	for a := range Action(len(actionNames)) {
		if n := s.Actions[a]; n > 0 {
			fmt.Fprintf(&b, "%s%d %s", sep, n, a)
			sep = ", "
		}
	}
	return b.String()
}

// Render writes the plan for people, in the manner of a Terraform plan: a
// summary (counts by action, with the kinds), any warnings, then every
// change by stage with its attribute changes as before → after. Values of
// Sensitive attributes are shown as "(hidden)". Secrets never appear: a
// plan has none (see Plan).
func (p *Plan) Render(w io.Writer) error {
	ew := &errWriter{w: w}
	s := p.Summary()
	fmt.Fprintf(ew, "Plan for %s: %s\n", p.Now.Format(DateLayout), s)
	for a := range Action(len(actionNames)) {
		n := s.Actions[a]
		if n == 0 {
			continue
		}
		var kinds []string
		for k, m := range s.Kinds {
			if m[a] > 0 {
				kinds = append(kinds, fmt.Sprintf("%s %d", k, m[a]))
			}
		}
		slices.Sort(kinds)
		fmt.Fprintf(ew, "  %-14s %6d  (%s)\n", a.String()+":", n, strings.Join(kinds, ", "))
	}
	for _, wn := range p.Warnings {
		fmt.Fprintf(ew, "warning: %s\n", wn)
	}
	last := -1
	for i := range p.Changes {
		c := &p.Changes[i]
		if i == 0 || c.Stage != last {
			fmt.Fprintf(ew, "\nstage %d:\n", c.Stage)
			last = c.Stage
		}
		renderChange(ew, c)
	}
	return ew.err
}

var actionSigns = map[Action]string{
	Create: "+", Adopt: "&", Update: "~", Rename: "~", Move: ">", Enable: "+",
	AddMember: "+", RemoveMember: "-", Disable: "!", Delete: "-",
}

func renderChange(w io.Writer, c *Change) {
	sign := actionSigns[c.Action]
	if sign == "" {
		sign = " "
	}
	fmt.Fprintf(w, "  %s %s %s %s", sign, c.Action, c.Kind, c.Key)
	switch c.Action {
	case Create:
		if c.After != nil {
			fmt.Fprintf(w, " %q", c.After.Name)
			if c.After.Parent != "" {
				fmt.Fprintf(w, " in %s", c.After.Parent)
			}
		}
	case Adopt:
		if c.Before != nil {
			fmt.Fprintf(w, " %q (id %s)", c.Before.Name, c.Before.ID)
		}
	case Rename:
		if c.Before != nil && c.After != nil {
			fmt.Fprintf(w, " %q → %q", c.Before.Name, c.After.Name)
		}
	case Move:
		if c.Before != nil && c.After != nil {
			fmt.Fprintf(w, " %s → %s", orRoot(c.Before.Parent), orRoot(c.After.Parent))
		}
	case AddMember, RemoveMember:
		fmt.Fprintf(w, " member %s", c.Member)
	case Delete, Disable, Enable, Update:
		if c.Before != nil {
			fmt.Fprintf(w, " %q", c.Before.Name)
		}
	}
	if c.Reason != "" {
		fmt.Fprintf(w, "  # %s", c.Reason)
	}
	fmt.Fprintln(w)
	if c.Action == Create && c.After != nil {
		for _, x := range c.After.Attrs {
			fmt.Fprintf(w, "      %s: %s\n", x.Name, showValue(x.Name, x.Value))
		}
		return
	}
	for _, a := range c.Attrs {
		fmt.Fprintf(w, "      %s: %s → %s\n", a.Name, showValue(a.Name, a.Before), showValue(a.Name, a.After))
	}
}

func orRoot(s string) string {
	if s == "" {
		return "(root)"
	}
	return s
}

func showValue(attr, v string) string {
	if v == "" {
		return `""`
	}
	if Sensitive(attr) {
		return "(hidden)"
	}
	return fmt.Sprintf("%q", v)
}

type errWriter struct {
	w   io.Writer
	err error
}

// Write writes p unless an earlier write failed.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// WriteJSON writes the plan as indented JSON.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("diff: write plan: %w", err)
	}
	return nil
}

// ReadPlanJSON reads a plan written by WriteJSON (or json.Marshal) and
// checks that it is consistent (see Plan.Validate).
func ReadPlanJSON(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("diff: read plan: %w: %w", ErrInvalidPlan, err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate checks that every change carries what its action needs (a Key,
// After for creates, Before with an ID for adoptions, a member for member
// changes, ...), that stages do not decrease and that no two changes of a
// stage touch the same key except member changes. It reports every problem
// at once in an error matching ErrInvalidPlan.
func (p *Plan) Validate() error {
	var ps []string
	type sk struct {
		stage int
		key   string
	}
	seen := map[sk]Action{}
	for i := range p.Changes {
		c := &p.Changes[i]
		at := fmt.Sprintf("change %d (%s %s)", i, c.Action, c.Key)
		if c.Action <= NoOp || int(c.Action) >= len(actionNames) {
			ps = append(ps, at+": unknown action")
		}
		if c.Key == "" {
			ps = append(ps, at+": key is empty")
		}
		if c.Kind == "" {
			ps = append(ps, at+": kind is empty")
		}
		if i > 0 && c.Stage < p.Changes[i-1].Stage {
			ps = append(ps, at+": stage decreases")
		}
		switch c.Action {
		case Create:
			if c.After == nil {
				ps = append(ps, at+": after is missing")
			}
		case Adopt:
			if c.Before == nil || c.Before.ID == "" {
				ps = append(ps, at+": before with an id is missing")
			}
		case Update:
			if len(c.Attrs) == 0 {
				ps = append(ps, at+": attrs are missing")
			}
		case Rename, Move:
			if c.After == nil {
				ps = append(ps, at+": after is missing")
			}
		case Enable, Disable:
			if c.After == nil {
				ps = append(ps, at+": after is missing")
			}
		case AddMember, RemoveMember:
			if c.Member == "" {
				ps = append(ps, at+": member is empty")
			}
		}
		if c.After != nil && c.After.Key != "" && c.After.Key != c.Key {
			ps = append(ps, at+fmt.Sprintf(": after has key %q", c.After.Key))
		}
		if c.Action != AddMember && c.Action != RemoveMember && c.Key != "" {
			k := sk{c.Stage, c.Key}
			if prev, dup := seen[k]; dup {
				ps = append(ps, at+fmt.Sprintf(": stage %d also has a %s of this key", c.Stage, prev))
			}
			seen[k] = c.Action
		}
	}
	if len(ps) > 0 {
		return fmt.Errorf("diff: check plan: %w:\n\t%s", ErrInvalidPlan, strings.Join(ps, "\n\t"))
	}
	return nil
}

package yearroll

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/orgmodel"
)

// Lineage maps each matched new class to the old class it continues, both
// as group keys "institution/id" (orgmodel.GroupKey).
func (r Result) Lineage() map[string]string {
	out := make(map[string]string, len(r.Matches))
	for _, m := range r.Matches {
		out[orgmodel.GroupKey(m.Institution, m.New)] = orgmodel.GroupKey(m.Institution, m.Old)
	}
	return out
}

// pct formats a share as a percentage with at most one decimal.
func pct(f float64) string {
	s := strconv.FormatFloat(f*100, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "%"
}

// label names a class for people: "3A (G0000053)" when it has a name
// other than its ID, else the ID alone.
func label(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return name + " (" + id + ")"
}

// String explains the match in one line, for example
// "3A (G0000053) <- 2A (G0000004): whole-level, 20 of 24 pupils kept (83%
// of new, 87% of old)". A KeptID match reads "DT (G0000007) kept its ID:
// ...".
func (m Match) String() string {
	head := label(m.NewName, m.New) + " <- " + label(m.OldName, m.Old)
	if m.Rule == KeptID {
		head = label(m.NewName, m.New) + " kept its ID"
		if m.OldName != m.NewName && m.OldName != "" {
			head += " (was " + m.OldName + ")"
		}
	}
	return fmt.Sprintf("%s: %s, %d of %d pupils kept (%s of new, %s of old)",
		head, m.Rule, m.Shared, m.NewPupils, pct(m.NewShare), pct(m.OldShare))
}

// String explains the outcome in one line, for example
// "4B (G0000061) new: below-threshold, best candidate 3B (G0000012) shares
// 12 pupils (60% of new, 50% of old)".
func (o Outcome) String() string {
	verb := "new"
	if o.Side == OldClass {
		verb = "retired"
	}
	return fmt.Sprintf("%s %s: %s", label(o.Name, o.Class), verb, o.Explanation())
}

// Explanation says in words why the class was not matched.
func (o Outcome) Explanation() string {
	old := o.Side == OldClass
	switch o.Reason {
	case DuplicateID:
		return "duplicate-id, another class of the institution has this ID"
	case NonNumericLevel:
		return fmt.Sprintf("non-numeric-level %q is never matched", o.Level)
	case LevelOutOfRange:
		return fmt.Sprintf("level-out-of-range, level %q is outside 0..10", o.Level)
	case Level0:
		return "level-0, a new 0th grade is always new"
	case Level10:
		if old {
			return "level-10, its next level is the 10th grade, which is always new"
		}
		return "level-10, a new 10th grade is always new"
	case LastLevel:
		return "last-level, the 10th grade has no next level"
	case EmptyClass:
		return "empty, a class without pupils never matches"
	case NoCandidate:
		if old {
			return "no-candidate, no class at the next level shares a pupil"
		}
		return "no-candidate, no class at the previous level shares a pupil"
	case BelowThreshold:
		return fmt.Sprintf("below-threshold, best candidate %s shares %d pupils (%s of new, %s of old)",
			label(o.BestName, o.Best), o.Shared, pct(o.NewShare), pct(o.OldShare))
	case Outmatched:
		return fmt.Sprintf("outmatched, candidate %s shares %d pupils (%s of new, %s of old) but went to %s in the optimal pairing",
			label(o.BestName, o.Best), o.Shared, pct(o.NewShare), pct(o.OldShare), label(o.TakenByName, o.TakenBy))
	case NoLinePartner:
		return "no-line-partner, the next level was matched whole by line and none has line " + strconv.Quote(o.Line)
	}
	return o.Reason.String()
}

// Explain writes a human-readable account of the roll: per institution, per
// new level which rule applied, every match with its overlap, the classes
// that kept their ID, every new class and every retired class with its
// reason. Classes are named "name (id)" where they have a name.
func (r Result) Explain(w io.Writer) error {
	bw := bufio.NewWriter(w)
	basis := map[Basis]string{
		NewShare: "of the new class's pupils",
		OldShare: "of the old class's remaining pupils",
		Both:     "of the pupils of both the new and the old class",
	}[r.Options.Basis]
	fmt.Fprintf(bw, "year roll: overlap threshold %s %s (%s)\n", pct(r.Options.Threshold), basis, r.Options.Basis)

	type inst struct {
		matches       []Match
		news, retired []Outcome
		levels        []LevelOutcome
	}
	by := map[string]*inst{}
	get := func(n string) *inst {
		if by[n] == nil {
			by[n] = &inst{}
		}
		return by[n]
	}
	newName := map[string]string{} // "institution/id" of a new class -> its label
	for _, m := range r.Matches {
		get(m.Institution).matches = append(get(m.Institution).matches, m)
		newName[orgmodel.GroupKey(m.Institution, m.New)] = label(m.NewName, m.New)
	}
	for _, o := range r.New {
		get(o.Institution).news = append(get(o.Institution).news, o)
		newName[orgmodel.GroupKey(o.Institution, o.Class)] = label(o.Name, o.Class)
	}
	for _, o := range r.Retired {
		get(o.Institution).retired = append(get(o.Institution).retired, o)
	}
	for _, l := range r.Levels {
		get(l.Institution).levels = append(get(l.Institution).levels, l)
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	slices.Sort(names)

	for _, name := range names {
		in := by[name]
		fmt.Fprintf(bw, "\ninstitution %s: %d matched, %d new, %d retired\n",
			name, len(in.matches), len(in.news), len(in.retired))
		slices.SortFunc(in.levels, func(a, b LevelOutcome) int { return cmp.Compare(a.Level, b.Level) })
		explained := map[string]bool{}
		for _, l := range in.levels {
			if l.Rule == WholeLevel {
				fmt.Fprintf(bw, "  level %d: whole level by line\n", l.Level)
			} else {
				unpaired := make([]string, len(l.Unpaired))
				for i, id := range l.Unpaired {
					unpaired[i] = cmp.Or(newName[orgmodel.GroupKey(name, id)], id)
				}
				fmt.Fprintf(bw, "  level %d: class by class (no single line partner for %s)\n", l.Level, strings.Join(unpaired, ", "))
			}
			for _, m := range in.matches {
				if m.Level == l.Level && m.Rule != KeptID {
					fmt.Fprintf(bw, "    %s\n", m)
				}
			}
			for _, o := range in.news {
				if lv, ok := parseLevel(o.Level); ok && lv == l.Level && levelReason(o.Reason) {
					fmt.Fprintf(bw, "    %s\n", o)
					explained[o.Class] = true
				}
			}
		}
		var kept []Match
		for _, m := range in.matches {
			if m.Rule == KeptID {
				kept = append(kept, m)
			}
		}
		if len(kept) > 0 {
			fmt.Fprintf(bw, "  classes that keep their ID (the same group in both years)\n")
			for _, m := range kept {
				fmt.Fprintf(bw, "    %s\n", m)
			}
		}
		var rest []Outcome
		for _, o := range in.news {
			if !explained[o.Class] {
				rest = append(rest, o)
			}
		}
		if len(rest) > 0 {
			fmt.Fprintf(bw, "  other new classes\n")
			for _, o := range rest {
				fmt.Fprintf(bw, "    %s\n", o)
			}
		}
		if len(in.retired) > 0 {
			fmt.Fprintf(bw, "  retired classes of last year\n")
			for _, o := range in.retired {
				fmt.Fprintf(bw, "    %s\n", o)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("yearroll: explain: %w", err)
	}
	return nil
}

// levelReason reports whether a new class with this reason took part in its
// level's matching (and so is listed under the level).
func levelReason(r Rule) bool {
	return r == NoCandidate || r == BelowThreshold || r == Outmatched
}

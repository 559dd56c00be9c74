package yearroll_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/yearroll"
)

// pupils returns the IDs prefix+from .. prefix+to.
func pupils(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

// join concatenates pupil lists.
func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func class(inst, id, level, line string, ps ...[]string) yearroll.Class {
	return yearroll.Class{ID: id, Institution: inst, Level: level, Line: line, Pupils: join(ps...)}
}

// summary renders a result compactly: one line per match, new class and
// retired class, in result order.
func summary(r yearroll.Result) []string {
	var out []string
	for _, m := range r.Matches {
		out = append(out, fmt.Sprintf("match %s/%s<-%s %s %d", m.Institution, m.New, m.Old, m.Rule, m.Shared))
	}
	for _, o := range append(append([]yearroll.Outcome{}, r.New...), r.Retired...) {
		s := fmt.Sprintf("%s %s/%s %s", map[yearroll.Side]string{yearroll.NewClass: "new", yearroll.OldClass: "retired"}[o.Side], o.Institution, o.Class, o.Reason)
		if o.Best != "" {
			s += fmt.Sprintf(" best=%s:%d", o.Best, o.Shared)
		}
		if o.TakenBy != "" {
			s += " takenBy=" + o.TakenBy
		}
		out = append(out, s)
	}
	return out
}

func TestRoll(t *testing.T) {
	const S = "280001" // a school
	tests := []struct {
		name string
		old  []yearroll.Class
		cur  []yearroll.Class
		opt  yearroll.Options
		want []string
	}{
		{
			name: "whole level with reshuffled pupils",
			old: []yearroll.Class{
				class(S, "2A", "2", "A", pupils("a", 1, 20)),
				class(S, "2B", "2", "B", pupils("b", 1, 20)),
				class(S, "2C", "2", "C", pupils("c", 1, 20)),
			},
			cur: []yearroll.Class{ // every class mixed: line decides
				class(S, "3A", "3", "A", pupils("a", 1, 7), pupils("b", 1, 7), pupils("c", 1, 6)),
				class(S, "3B", "3", "B", pupils("a", 8, 14), pupils("b", 8, 13), pupils("c", 7, 13)),
				class(S, "3C", "3", "C", pupils("a", 15, 20), pupils("b", 14, 20), pupils("c", 14, 20)),
			},
			want: []string{
				"match 280001/3A<-2A whole-level 7",
				"match 280001/3B<-2B whole-level 6",
				"match 280001/3C<-2C whole-level 7",
			},
		},
		{
			name: "whole level ignores line case and spaces; 1st grade continues 0th",
			old: []yearroll.Class{
				class(S, "0a", "0", "a", pupils("a", 1, 20)),
				class(S, "0b", "0", " b", pupils("b", 1, 20)),
			},
			cur: []yearroll.Class{
				class(S, "1A", "1", "A", pupils("b", 1, 20)),
				class(S, "1B", "01", "B ", pupils("a", 1, 20)),
			},
			want: []string{
				"match 280001/1A<-0a whole-level 0",
				"match 280001/1B<-0b whole-level 0",
			},
		},
		{
			name: "whole level retires a dissolved class",
			old: []yearroll.Class{
				class(S, "2A", "2", "A", pupils("a", 1, 20)),
				class(S, "2B", "2", "B", pupils("b", 1, 20)),
				class(S, "2C", "2", "C", pupils("c", 1, 20)),
			},
			cur: []yearroll.Class{
				class(S, "3A", "3", "A", pupils("a", 1, 20), pupils("c", 1, 10)),
				class(S, "3B", "3", "B", pupils("b", 1, 20), pupils("c", 11, 20)),
			},
			want: []string{
				"match 280001/3A<-2A whole-level 20",
				"match 280001/3B<-2B whole-level 20",
				"retired 280001/2C no-line-partner",
			},
		},
		{
			name: "one class without line partner: the level falls back to overlap",
			old: []yearroll.Class{
				class(S, "2A", "2", "A", pupils("a", 1, 20)),
				class(S, "2B", "2", "B", pupils("b", 1, 20)),
				class(S, "4A", "4", "A", pupils("d", 1, 20)), // other level still whole
			},
			cur: []yearroll.Class{
				class(S, "3A", "3", "A", pupils("b", 1, 20)),
				class(S, "3X", "3", "X", pupils("a", 1, 18)),
				class(S, "5A", "5", "A", pupils("d", 1, 20)),
			},
			want: []string{
				"match 280001/3A<-2B overlap 20",
				"match 280001/3X<-2A overlap 18",
				"match 280001/5A<-4A whole-level 20",
			},
		},
		{
			name: "exactly 70 percent matches (7 of 10)",
			old:  []yearroll.Class{class(S, "2X", "2", "X", pupils("a", 1, 20))},
			cur:  []yearroll.Class{class(S, "3A", "3", "A", pupils("a", 1, 7), pupils("n", 1, 3))},
			want: []string{"match 280001/3A<-2X overlap 7"},
		},
		{
			name: "exactly 70 percent matches (70 of 100)",
			old:  []yearroll.Class{class(S, "2X", "2", "X", pupils("a", 1, 99), []string{"a100"})},
			cur:  []yearroll.Class{class(S, "3A", "3", "A", pupils("a", 1, 70), pupils("n", 1, 30))},
			want: []string{"match 280001/3A<-2X overlap 70"},
		},
		{
			name: "just under 70 percent does not match (69 of 100)",
			old:  []yearroll.Class{class(S, "2X", "2", "X", pupils("a", 1, 99), []string{"a100"})},
			cur:  []yearroll.Class{class(S, "3A", "3", "A", pupils("a", 1, 69), pupils("n", 1, 31))},
			want: []string{
				"new 280001/3A below-threshold best=2X:69",
				"retired 280001/2X below-threshold best=3A:69",
			},
		},
		{
			name: "split of one class into two equal halves: smaller ID wins the tie",
			old:  []yearroll.Class{class(S, "2A", "2", "A", pupils("a", 1, 30))},
			cur: []yearroll.Class{
				class(S, "3X", "3", "X", pupils("a", 1, 15)),
				class(S, "3Y", "3", "Y", pupils("a", 16, 30)),
			},
			want: []string{
				"match 280001/3X<-2A overlap 15",
				"new 280001/3Y outmatched best=2A:15 takenBy=3X",
			},
		},
		{
			name: "split of one class into two unequal parts: the larger part continues",
			old:  []yearroll.Class{class(S, "2A", "2", "A", pupils("a", 1, 30))},
			cur: []yearroll.Class{
				class(S, "3X", "3", "X", pupils("a", 1, 12)),
				class(S, "3Y", "3", "Y", pupils("a", 13, 30)),
			},
			want: []string{
				"match 280001/3Y<-2A overlap 18",
				"new 280001/3X outmatched best=2A:12 takenBy=3Y",
			},
		},
		{
			name: "merge of two classes into one: no 70 percent, all new",
			old: []yearroll.Class{
				class(S, "2X", "2", "X", pupils("x", 1, 12)),
				class(S, "2Y", "2", "Y", pupils("y", 1, 12)),
			},
			cur: []yearroll.Class{class(S, "3M", "3", "M", pupils("x", 1, 12), pupils("y", 1, 12))},
			want: []string{
				"new 280001/3M below-threshold best=2X:12",
				"retired 280001/2X below-threshold best=3M:12",
				"retired 280001/2Y below-threshold best=3M:12",
			},
		},
		{
			name: "merge of two classes into one at 50 percent: one-to-one, one is outmatched",
			old: []yearroll.Class{
				class(S, "2X", "2", "X", pupils("x", 1, 12)),
				class(S, "2Y", "2", "Y", pupils("y", 1, 12)),
			},
			cur:  []yearroll.Class{class(S, "3M", "3", "M", pupils("x", 1, 12), pupils("y", 1, 12))},
			opt:  yearroll.Options{Threshold: 0.5},
			want: []string{"match 280001/3M<-2X overlap 12", "retired 280001/2Y outmatched best=3M:12 takenBy=2X"},
		},
		{
			name: "merge where one class dominates",
			old: []yearroll.Class{
				class(S, "2X", "2", "X", pupils("x", 1, 20)),
				class(S, "2Y", "2", "Y", pupils("y", 1, 20)),
			},
			cur: []yearroll.Class{class(S, "3M", "3", "M", pupils("x", 1, 18), pupils("y", 1, 6))},
			want: []string{
				"match 280001/3M<-2X overlap 18",
				"retired 280001/2Y below-threshold best=3M:6",
			},
		},
		{
			name: "optimal pairing beats greedy: more pupils kept in total",
			// Greedy would give 2P to 3X (6 shared) and leave 3Y alone (6
			// kept); the optimum pairs 3X<-2Q and 3Y<-2P (9 kept).
			old: []yearroll.Class{
				class(S, "2P", "2", "P", pupils("p", 1, 11)),
				class(S, "2Q", "2", "Q", pupils("q", 1, 4)),
			},
			cur: []yearroll.Class{
				class(S, "3X", "3", "X", pupils("p", 1, 6), pupils("q", 1, 4)),
				class(S, "3Y", "3", "Y", pupils("p", 7, 11), pupils("n", 1, 5)),
			},
			opt: yearroll.Options{Threshold: 0.4},
			want: []string{
				"match 280001/3X<-2Q overlap 4",
				"match 280001/3Y<-2P overlap 5",
			},
		},
		{
			name: "same line breaks a tie in pupils kept",
			old: []yearroll.Class{
				class(S, "2A", "2", "A", pupils("a", 1, 10)),
				class(S, "2B", "2", "B", pupils("b", 1, 10)),
			},
			cur: []yearroll.Class{
				class(S, "3B", "3", "B", pupils("a", 1, 10), pupils("b", 1, 10)),
				class(S, "3Z", "3", "Z", pupils("z", 1, 10)),
			},
			opt: yearroll.Options{Threshold: 0.5},
			want: []string{
				"match 280001/3B<-2B overlap 10",
				"new 280001/3Z no-candidate",
				"retired 280001/2A outmatched best=3B:10 takenBy=2B",
			},
		},
		{
			name: "old share basis counts against last year's class",
			// 3A keeps 14 of its 20 pupils (70 % new share) but only 14 of 2X's 28
			// (50 % old share).
			old:  []yearroll.Class{class(S, "2X", "2", "X", pupils("a", 1, 28))},
			cur:  []yearroll.Class{class(S, "3A", "3", "A", pupils("a", 1, 14), pupils("n", 1, 6))},
			opt:  yearroll.Options{Basis: yearroll.OldShare},
			want: []string{"new 280001/3A below-threshold best=2X:14", "retired 280001/2X below-threshold best=3A:14"},
		},
		{
			name: "new share basis on the same data matches",
			old:  []yearroll.Class{class(S, "2X", "2", "X", pupils("a", 1, 28))},
			cur:  []yearroll.Class{class(S, "3A", "3", "A", pupils("a", 1, 14), pupils("n", 1, 6))},
			want: []string{"match 280001/3A<-2X overlap 14"},
		},
		{
			name: "both basis needs the threshold on both sides",
			old: []yearroll.Class{
				class(S, "2X", "2", "X", pupils("a", 1, 28)),
				class(S, "2Y", "2", "Y", pupils("b", 1, 10)),
			},
			cur: []yearroll.Class{
				class(S, "3A", "3", "A", pupils("a", 1, 14), pupils("n", 1, 6)),
				class(S, "3B", "3", "B", pupils("b", 1, 8), pupils("m", 1, 2)),
			},
			opt: yearroll.Options{Basis: yearroll.Both},
			want: []string{
				"match 280001/3B<-2Y overlap 8",
				"new 280001/3A below-threshold best=2X:14",
				"retired 280001/2X below-threshold best=3A:14",
			},
		},
		{
			name: "0th grade, 10th grade and DT are always new; 9th and 10th retire",
			old: []yearroll.Class{
				class(S, "9A", "9", "A", pupils("a", 1, 20)),
				class(S, "10A", "10", "A", pupils("t", 1, 20)),
				class(S, "DT1", "DT", "A", pupils("d", 1, 10)),
				class(S, "bh", "Andet", "", pupils("h", 1, 10)),
			},
			cur: []yearroll.Class{
				class(S, "0A", "0", "A", pupils("k", 1, 20)),
				class(S, "10A", "10", "A", pupils("a", 1, 20)), // same pupils as 9A
				class(S, "DT2", "DT", "A", pupils("d", 1, 10)),
				class(S, "12A", "12", "A", pupils("x", 1, 10)),
			},
			want: []string{
				// 10A keeps its ID: the same group (and directory
				// objects) in both years, neither new nor retired.
				"match 280001/10A<-10A kept-id 0",
				"new 280001/0A level-0",
				"new 280001/12A level-out-of-range",
				"new 280001/DT2 non-numeric-level",
				"retired 280001/9A level-10",
				"retired 280001/DT1 non-numeric-level",
				"retired 280001/bh non-numeric-level",
			},
		},
		{
			name: "empty old class is no line partner and never matches",
			old: []yearroll.Class{
				class(S, "2A", "2", "A"),
				class(S, "2B", "2", "B", pupils("b", 1, 20)),
			},
			cur: []yearroll.Class{
				class(S, "3A", "3", "A", pupils("n", 1, 20)),
				class(S, "3B", "3", "B", pupils("b", 1, 20)),
			},
			want: []string{
				"match 280001/3B<-2B overlap 20",
				"new 280001/3A no-candidate",
				"retired 280001/2A empty",
			},
		},
		{
			name: "empty new class never matches and does not block its level",
			old: []yearroll.Class{
				class(S, "2A", "2", "A", pupils("a", 1, 20)),
				class(S, "2B", "2", "B", pupils("b", 1, 20)),
			},
			cur: []yearroll.Class{
				class(S, "3A", "3", "A", pupils("a", 1, 20), pupils("b", 1, 10)),
				class(S, "3B", "3", "B", []string{"", ""}), // only blank IDs
			},
			want: []string{
				"match 280001/3A<-2A whole-level 20",
				"new 280001/3B empty",
				"retired 280001/2B no-line-partner",
			},
		},
		{
			name: "pupils listed twice are counted once",
			old:  []yearroll.Class{class(S, "2X", "2", "X", pupils("a", 1, 10))},
			cur:  []yearroll.Class{class(S, "3A", "3", "A", pupils("a", 1, 6), pupils("a", 1, 6), pupils("n", 1, 4))},
			want: []string{"new 280001/3A below-threshold best=2X:6", "retired 280001/2X below-threshold best=3A:6"},
		},
		{
			name: "no old class at the previous level",
			old:  []yearroll.Class{class(S, "5A", "5", "A", pupils("a", 1, 20))},
			cur:  []yearroll.Class{class(S, "3A", "3", "A", pupils("a", 1, 20))},
			want: []string{"new 280001/3A no-candidate", "retired 280001/5A no-candidate"},
		},
		{
			name: "duplicate IDs are left out without stopping the level",
			old: []yearroll.Class{
				class(S, "2A", "2", "A", pupils("a", 1, 20)),
				class(S, "2B", "2", "B", pupils("b", 1, 20)),
			},
			cur: []yearroll.Class{
				class(S, "3A", "3", "A", pupils("a", 1, 20)),
				class(S, "3B", "3", "B", pupils("b", 1, 10)),
				class(S, "3B", "3", "B", pupils("b", 11, 20)),
			},
			want: []string{
				"match 280001/3A<-2A whole-level 20",
				"new 280001/3B duplicate-id",
				"new 280001/3B duplicate-id",
				"retired 280001/2B no-line-partner",
			},
		},
		{
			name: "institutions are rolled on their own; movers do not count",
			old: []yearroll.Class{
				class("A", "2A", "2", "A", pupils("a", 1, 20)),
				class("B", "2A", "2", "A", pupils("b", 1, 20)),
			},
			cur: []yearroll.Class{
				class("A", "3X", "3", "X", pupils("b", 1, 20)), // B's pupils moved to A
				class("B", "3A", "3", "A", pupils("a", 1, 20)),
			},
			want: []string{
				"match B/3A<-2A whole-level 0",
				"new A/3X no-candidate",
				"retired A/2A no-candidate",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := yearroll.Roll(tt.old, tt.cur, tt.opt)
			if diff := cmp.Diff(tt.want, summary(got)); diff != "" {
				t.Errorf("Roll() (-want +got):\n%s", diff)
				var b strings.Builder
				_ = got.Explain(&b)
				t.Log(b.String())
			}
			checkInvariants(t, tt.old, tt.cur, got)
		})
	}
}

func TestRollDefaults(t *testing.T) {
	for _, th := range []float64{0, -1} {
		r := yearroll.Roll(nil, nil, yearroll.Options{Threshold: th, Basis: 42})
		if r.Options.Threshold != yearroll.DefaultThreshold || r.Options.Basis != yearroll.NewShare {
			t.Errorf("Roll(threshold %v, basis 42).Options = %+v, want defaults", th, r.Options)
		}
	}
	r := yearroll.Roll(
		[]yearroll.Class{class("S", "2X", "2", "X", pupils("a", 1, 10))},
		[]yearroll.Class{class("S", "3A", "3", "A", pupils("a", 1, 10))},
		yearroll.Options{Threshold: 1.5},
	)
	if len(r.Matches) != 0 {
		t.Errorf("threshold above 1 matched %v, want nothing", r.Matches)
	}
}

func TestMatchFields(t *testing.T) {
	r := yearroll.Roll(
		[]yearroll.Class{class("S", "2X", "2", "X", pupils("a", 1, 20))},
		[]yearroll.Class{class("S", "3A", "3", "A", pupils("a", 1, 16), pupils("n", 1, 4))},
		yearroll.Options{Basis: yearroll.Both},
	)
	want := []yearroll.Match{{
		Institution: "S", Old: "2X", New: "3A", Level: 3, Rule: yearroll.Overlap,
		Shared: 16, OldPupils: 20, NewPupils: 20, Share: 0.8, NewShare: 0.8, OldShare: 0.8,
	}}
	if diff := cmp.Diff(want, r.Matches); diff != "" {
		t.Errorf("Matches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"S/3A": "S/2X"}, r.Lineage()); diff != "" {
		t.Errorf("Lineage (-want +got):\n%s", diff)
	}
	wantLevels := []yearroll.LevelOutcome{{Institution: "S", Level: 3, Rule: yearroll.Overlap, Unpaired: []string{"3A"}}}
	if diff := cmp.Diff(wantLevels, r.Levels); diff != "" {
		t.Errorf("Levels (-want +got):\n%s", diff)
	}
}

func TestRuleStrings(t *testing.T) {
	seen := map[string]bool{}
	for r := yearroll.WholeLevel; r <= yearroll.KeptID; r++ {
		s := r.String()
		if strings.HasPrefix(s, "Rule(") || seen[s] {
			t.Errorf("Rule(%d).String() = %q: missing or duplicate", int(r), s)
		}
		seen[s] = true
		b, err := r.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText(%v): %v", r, err)
		}
		var back yearroll.Rule
		if err := back.UnmarshalText(b); err != nil || back != r {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back, err, r)
		}
		if r.Matched() != (r == yearroll.WholeLevel || r == yearroll.Overlap || r == yearroll.KeptID) {
			t.Errorf("%v.Matched() = %v", r, r.Matched())
		}
	}
	if got := yearroll.Rule(0).String(); got != "Rule(0)" {
		t.Errorf("Rule(0).String() = %q", got)
	}
	if _, err := yearroll.Rule(0).MarshalText(); err == nil {
		t.Error("Rule(0).MarshalText() succeeded, want error")
	}
	for _, b := range []yearroll.Basis{yearroll.NewShare, yearroll.OldShare, yearroll.Both} {
		got, err := yearroll.ParseBasis(b.String())
		if err != nil || got != b {
			t.Errorf("ParseBasis(%q) = %v, %v", b.String(), got, err)
		}
	}
	if _, err := yearroll.ParseBasis("most"); err == nil {
		t.Error(`ParseBasis("most") succeeded, want error`)
	}
	if got := yearroll.Basis(9).String(); got != "Basis(9)" {
		t.Errorf("Basis(9).String() = %q", got)
	}
}

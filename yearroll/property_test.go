package yearroll_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/yearroll"
)

// checkInvariants verifies what every result must satisfy: each class
// appears exactly once, matches are one-to-one, and each match satisfies its
// rule.
func checkInvariants(t *testing.T, old, cur []yearroll.Class, r yearroll.Result) {
	t.Helper()
	count := func(cs []yearroll.Class) map[string]int {
		m := map[string]int{}
		for _, c := range cs {
			m[c.Institution+"/"+c.ID]++
		}
		return m
	}
	gotNew, gotOld := map[string]int{}, map[string]int{}
	for _, m := range r.Matches {
		gotNew[m.Institution+"/"+m.New]++
		gotOld[m.Institution+"/"+m.Old]++
	}
	for k, n := range gotNew {
		if n > 1 {
			t.Errorf("new class %s matched %d times", k, n)
		}
	}
	for k, n := range gotOld {
		if n > 1 {
			t.Errorf("old class %s matched %d times", k, n)
		}
	}
	for _, o := range r.New {
		if o.Side != yearroll.NewClass || o.Reason.Matched() || o.Reason == 0 {
			t.Errorf("New outcome %+v: bad side or reason", o)
		}
		gotNew[o.Institution+"/"+o.Class]++
	}
	for _, o := range r.Retired {
		if o.Side != yearroll.OldClass || o.Reason.Matched() || o.Reason == 0 {
			t.Errorf("Retired outcome %+v: bad side or reason", o)
		}
		gotOld[o.Institution+"/"+o.Class]++
		if o.Reason == yearroll.Outmatched && o.TakenBy == "" {
			t.Errorf("Retired outcome %+v: outmatched without TakenBy", o)
		}
	}
	// A class that keeps its ID is the same group: never both new and
	// retired (unless its ID is ambiguous on one side).
	newIDs := map[string]bool{}
	for _, o := range r.New {
		if o.Reason != yearroll.DuplicateID {
			newIDs[o.Institution+"/"+o.Class] = true
		}
	}
	for _, o := range r.Retired {
		if o.Reason != yearroll.DuplicateID && newIDs[o.Institution+"/"+o.Class] {
			t.Errorf("class %s/%s is both new and retired", o.Institution, o.Class)
		}
	}
	if diff := cmp.Diff(count(cur), gotNew); diff != "" {
		t.Errorf("new classes not each reported once (-input +result):\n%s", diff)
	}
	if diff := cmp.Diff(count(old), gotOld); diff != "" {
		t.Errorf("old classes not each reported once (-input +result):\n%s", diff)
	}

	levelRule := map[string]yearroll.Rule{}
	for _, l := range r.Levels {
		levelRule[l.Institution+"/"+strconv.Itoa(l.Level)] = l.Rule
	}
	find := func(cs []yearroll.Class, inst, id string) yearroll.Class {
		for _, c := range cs {
			if c.Institution == inst && c.ID == id {
				return c
			}
		}
		t.Fatalf("class %s/%s not in input", inst, id)
		return yearroll.Class{}
	}
	for _, m := range r.Matches {
		o, n := find(old, m.Institution, m.Old), find(cur, m.Institution, m.New)
		if m.Rule == yearroll.KeptID {
			if m.Old != m.New || m.Shared != len(intersect(distinct(o.Pupils), distinct(n.Pupils))) {
				t.Errorf("kept-id match %+v: IDs differ or shared pupils miscounted", m)
			}
			continue
		}
		ol, err1 := strconv.Atoi(strings.TrimSpace(o.Level))
		nl, err2 := strconv.Atoi(strings.TrimSpace(n.Level))
		if err1 != nil || err2 != nil || nl != ol+1 || nl < 1 || nl > 9 || nl != m.Level {
			t.Errorf("match %+v: levels %q -> %q not consecutive in 1..9", m, o.Level, n.Level)
		}
		op, np := distinct(o.Pupils), distinct(n.Pupils)
		if len(op) == 0 || len(np) == 0 {
			t.Errorf("match %+v involves an empty class", m)
		}
		if shared := len(intersect(op, np)); shared != m.Shared || len(op) != m.OldPupils || len(np) != m.NewPupils {
			t.Errorf("match %+v: shared/old/new = %d/%d/%d", m, shared, len(op), len(np))
		}
		if got := levelRule[m.Institution+"/"+strconv.Itoa(m.Level)]; got != m.Rule {
			t.Errorf("match %+v: level decided by %v", m, got)
		}
		switch m.Rule {
		case yearroll.WholeLevel:
			if !strings.EqualFold(strings.TrimSpace(o.Line), strings.TrimSpace(n.Line)) || strings.TrimSpace(o.Line) == "" {
				t.Errorf("whole-level match %+v: lines %q and %q differ", m, o.Line, n.Line)
			}
		case yearroll.Overlap:
			if m.Shared == 0 || share(m, r.Options.Basis) < r.Options.Threshold || m.Share != share(m, r.Options.Basis) {
				t.Errorf("overlap match %+v below threshold %v on %v", m, r.Options.Threshold, r.Options.Basis)
			}
		default:
			t.Errorf("match %+v has rule %v", m, m.Rule)
		}
	}
}

func share(m yearroll.Match, b yearroll.Basis) float64 {
	ns := float64(m.Shared) / float64(m.NewPupils)
	os := float64(m.Shared) / float64(m.OldPupils)
	switch b {
	case yearroll.OldShare:
		return os
	case yearroll.Both:
		return min(ns, os)
	}
	return ns
}

func distinct(ps []string) []string {
	out := slices.Clone(ps)
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); ok {
			out = append(out, x)
		}
	}
	return out
}

// randomRoll makes a small random instance with plenty of overlaps, ties,
// odd levels, empty and duplicate classes.
func randomRoll(rng *rand.Rand, uniqueIDs bool) (old, cur []yearroll.Class, opt yearroll.Options) {
	insts := []string{"A", "B", "C"}[:1+rng.IntN(3)]
	levels := []string{"0", "1", "2", "3", "9", "10", "DT", " 2", "11"}
	lines := []string{"A", "B", "C", "a", ""}
	mk := func(prefix string, n int) []yearroll.Class {
		var cs []yearroll.Class
		used := map[string]bool{}
		for range n {
			inst := insts[rng.IntN(len(insts))]
			id := prefix + strconv.Itoa(rng.IntN(12))
			if uniqueIDs {
				for used[inst+id] {
					id += "x"
				}
				used[inst+id] = true
			}
			c := yearroll.Class{ID: id, Institution: inst, Level: levels[rng.IntN(len(levels))], Line: lines[rng.IntN(len(lines))]}
			for range rng.IntN(9) {
				c.Pupils = append(c.Pupils, "p"+strconv.Itoa(rng.IntN(14)))
			}
			cs = append(cs, c)
		}
		return cs
	}
	old, cur = mk("o", rng.IntN(9)), mk("n", rng.IntN(9))
	opt.Threshold = []float64{0, 0.2, 0.34, 0.5, 0.7, 1}[rng.IntN(6)]
	opt.Basis = yearroll.Basis(rng.IntN(3))
	return old, cur, opt
}

func shuffled(rng *rand.Rand, cs []yearroll.Class) []yearroll.Class {
	out := make([]yearroll.Class, len(cs))
	for i, c := range cs {
		c.Pupils = slices.Clone(c.Pupils)
		rng.Shuffle(len(c.Pupils), func(i, j int) { c.Pupils[i], c.Pupils[j] = c.Pupils[j], c.Pupils[i] })
		out[i] = c
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestPropertyPermutationInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		old, cur, opt := randomRoll(rng, i%2 == 0)
		want := yearroll.Roll(old, cur, opt)
		got := yearroll.Roll(shuffled(rng, old), shuffled(rng, cur), opt)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("instance %d: result depends on input order (-original +shuffled):\n%s\nold=%v\ncur=%v", i, diff, old, cur)
		}
	}
}

func TestPropertyInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		old, cur, opt := randomRoll(rng, i%2 == 0)
		r := yearroll.Roll(old, cur, opt)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkInvariants(t, old, cur, r)
			if t.Failed() {
				t.Logf("old=%v\ncur=%v\nopt=%+v", old, cur, opt)
			}
		})
		if t.Failed() {
			return
		}
	}
}

// TestPropertyOptimal compares every overlap level with a brute force over
// all one-to-one pairings of its candidate pairs, computed independently
// from the input, using the documented objective and tie-break.
func TestPropertyOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for i := range 4000 {
		old, cur, opt := randomRoll(rng, true)
		r := yearroll.Roll(old, cur, opt)
		th := r.Options.Threshold
		for _, l := range r.Levels {
			if l.Rule != yearroll.Overlap {
				continue
			}
			eligible := func(cs []yearroll.Class, level int) []yearroll.Class {
				var out []yearroll.Class
				for _, c := range cs {
					n, err := strconv.Atoi(strings.TrimSpace(c.Level))
					if c.Institution == l.Institution && err == nil && n == level && len(distinct(c.Pupils)) > 0 {
						out = append(out, c)
					}
				}
				slices.SortFunc(out, func(a, b yearroll.Class) int { return strings.Compare(a.ID, b.ID) })
				return out
			}
			news, olds := eligible(cur, l.Level), eligible(old, l.Level-1)
			type pair struct {
				ok                        bool
				shared, size, line, pairs int
			}
			p := make([][]pair, len(news))
			for ni, n := range news {
				p[ni] = make([]pair, len(olds))
				for oi, o := range olds {
					np, op := distinct(n.Pupils), distinct(o.Pupils)
					sh := len(intersect(np, op))
					m := yearroll.Match{Shared: sh, NewPupils: len(np), OldPupils: len(op)}
					line := 0
					if strings.EqualFold(strings.TrimSpace(n.Line), strings.TrimSpace(o.Line)) && strings.TrimSpace(n.Line) != "" {
						line = 1
					}
					p[ni][oi] = pair{ok: sh > 0 && share(m, opt.Basis) >= th, shared: sh, size: len(np) + len(op), line: line, pairs: 1}
				}
			}
			// Enumerate; the first found among equals is the canonical one
			// because new classes are tried in ID order with old classes in
			// ID order before "unmatched".
			var best []int
			var bestScore [4]int
			choice := make([]int, len(news))
			usedOld := make([]bool, len(olds))
			var rec func(i int, s [4]int)
			rec = func(i int, s [4]int) {
				if i == len(news) {
					if best == nil || better4(s, bestScore) {
						best, bestScore = slices.Clone(choice), s
					}
					return
				}
				for oi := range olds {
					if !usedOld[oi] && p[i][oi].ok {
						usedOld[oi], choice[i] = true, oi
						q := p[i][oi]
						rec(i+1, [4]int{s[0] + q.shared, s[1] + 1, s[2] + q.line, s[3] - q.size})
						usedOld[oi] = false
					}
				}
				choice[i] = -1
				rec(i+1, s)
			}
			rec(0, [4]int{})
			var want, got []string
			for ni, oi := range best {
				if oi >= 0 {
					want = append(want, news[ni].ID+"<-"+olds[oi].ID)
				}
			}
			for _, m := range r.Matches {
				if m.Institution == l.Institution && m.Level == l.Level {
					got = append(got, m.New+"<-"+m.Old)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("instance %d, %s level %d: not the optimal pairing (-brute force +Roll):\n%s\nold=%v\ncur=%v\nopt=%+v",
					i, l.Institution, l.Level, diff, old, cur, opt)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Fatalf("only %d overlap levels checked; generator too weak", checked)
	}
}

func better4(a, b [4]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

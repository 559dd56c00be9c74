package yearroll_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/orgsync/orgsync/yearroll"
)

// municipality generates a realistic year roll: institutions with levels
// 0–10 and 3–4 classes of pupilsPerClass each, 2,000 old classes in all for
// 50 institutions. At the roll every class moves up a level; 10th grade
// leaves; a new 0th grade starts; about 2 % of pupils leave and 2 % move to
// another school; in a share resplit of the levels the classes are
// re-formed (new lines, ~15 % of pupils change class, sometimes an extra
// class), so those levels fall back to overlap; elsewhere a few pupils swap
// classes.
func municipality(institutions, pupilsPerClass int, resplit float64, seed uint64) (old, cur []yearroll.Class) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	next := 0
	newPupil := func() string { next++; return fmt.Sprintf("p%07d", next) }
	lines := []string{"A", "B", "C", "D", "E"}
	slot := 0
	classesAt := func() int { // 4,4,3,4,4,3,... so that 50 institutions give 2,000
		slot++
		if slot%11 == 0 || slot%11 == 4 || slot%11 == 7 || slot%11 == 9 {
			return 3
		}
		return 4
	}
	var movers []string
	for i := range institutions {
		inst := fmt.Sprintf("%06d", 280001+i)
		for level := 0; level <= 10; level++ {
			n := classesAt()
			byClass := make([][]string, n)
			for c := range n {
				for range pupilsPerClass {
					byClass[c] = append(byClass[c], newPupil())
				}
				old = append(old, yearroll.Class{
					ID: fmt.Sprintf("%d%s-%d", level, lines[c], 2025), Institution: inst,
					Level: fmt.Sprint(level), Line: lines[c], Pupils: byClass[c],
				})
			}
			// Next year's level+1 at this school.
			if level == 10 {
				continue
			}
			var stay []string
			for _, c := range byClass {
				for _, p := range c {
					switch r := rng.Float64(); {
					case r < 0.02: // leaves
					case r < 0.04:
						movers = append(movers, p)
					default:
						stay = append(stay, p)
					}
				}
			}
			// Classes go on together; a few pupils swap.
			groups := make([][]string, n)
			k := 0
			for c := range byClass {
				for range byClass[c] {
					if k < len(stay) {
						groups[c] = append(groups[c], stay[k])
						k++
					}
				}
			}
			swaps := 2
			mixed := rng.Float64() < resplit
			if mixed {
				// Re-formed level: new lines, ~15 % of the pupils change
				// class, and sometimes an extra class is formed from a few
				// pupils of each.
				swaps = len(stay) * 15 / 100
				if rng.IntN(3) == 0 {
					var extra []string
					for c := range groups {
						extra = append(extra, groups[c][:5]...)
						groups[c] = groups[c][5:]
					}
					groups = append(groups, extra)
				}
			}
			for range swaps {
				a, b := rng.IntN(len(groups)), rng.IntN(len(groups))
				i, j := rng.IntN(len(groups[a])), rng.IntN(len(groups[b]))
				groups[a][i], groups[b][j] = groups[b][j], groups[a][i]
			}
			for c, g := range groups {
				line := lines[c]
				if mixed {
					line = lines[(c+1)%len(lines)] + "x"
				}
				for len(g) < pupilsPerClass && len(movers) > 0 && rng.IntN(2) == 0 {
					g = append(g, movers[len(movers)-1])
					movers = movers[:len(movers)-1]
				}
				cur = append(cur, yearroll.Class{
					ID: fmt.Sprintf("%d%s-%d", level+1, line, 2026), Institution: inst,
					Level: fmt.Sprint(level + 1), Line: line, Pupils: g,
				})
			}
		}
		for c := range 4 { // new 0th grade
			var g []string
			for range pupilsPerClass {
				g = append(g, newPupil())
			}
			cur = append(cur, yearroll.Class{
				ID: fmt.Sprintf("0%s-2026", lines[c]), Institution: inst, Level: "0", Line: lines[c], Pupils: g,
			})
		}
	}
	return old, cur
}

func TestMunicipalityFixture(t *testing.T) {
	old, cur := municipality(50, 25, 0.2, 1)
	if len(old) != 2000 {
		t.Fatalf("generated %d old classes, want 2000", len(old))
	}
	r := yearroll.Roll(old, cur, yearroll.Options{})
	checkInvariants(t, old, cur, r)
	rules := map[yearroll.Rule]int{}
	for _, m := range r.Matches {
		rules[m.Rule]++
	}
	// Every class of levels 0–8 continues, except in re-split levels that
	// gained a class (and whose extra class cannot reach 70 %).
	if rules[yearroll.WholeLevel] < 1000 || rules[yearroll.Overlap] < 150 {
		t.Errorf("matches by rule = %v; the fixture should exercise both rules", rules)
	}
	t.Logf("%d old, %d new classes; matches by rule %v; %d new, %d retired", len(old), len(cur), rules, len(r.New), len(r.Retired))
}

func benchmarkRoll(b *testing.B, resplit float64, opt yearroll.Options) {
	old, cur := municipality(50, 25, resplit, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		yearroll.Roll(old, cur, opt)
	}
	b.ReportMetric(float64(len(old)), "old-classes")
}

// BenchmarkRoll is the target: 2,000 classes × 25 pupils, 20 % of
// the levels re-split.
func BenchmarkRoll(b *testing.B) { benchmarkRoll(b, 0.2, yearroll.Options{}) }

// BenchmarkRollAllResplit re-splits every level, so every level goes
// through the overlap rule and the assignment solver.
func BenchmarkRollAllResplit(b *testing.B) {
	benchmarkRoll(b, 1, yearroll.Options{Threshold: 0.3, Basis: yearroll.Both})
}

// BenchmarkRollDenseLevel is an adversarial case, not a realistic one: one
// level of 100 old and 100 new classes drawn from the same 400 pupils with a
// 5 % threshold, so nearly every pair is a candidate and the solver works on
// one 200-class component.
func BenchmarkRollDenseLevel(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	mk := func(level string) []yearroll.Class {
		var cs []yearroll.Class
		for i := range 100 {
			c := yearroll.Class{ID: fmt.Sprintf("%s-%03d", level, i), Institution: "S", Level: level, Line: fmt.Sprint(i % 7)}
			for range 25 {
				c.Pupils = append(c.Pupils, fmt.Sprint(rng.IntN(400)))
			}
			cs = append(cs, c)
		}
		return cs
	}
	old, cur := mk("4"), mk("5")
	opt := yearroll.Options{Threshold: 0.05}
	b.ReportAllocs()
	for b.Loop() {
		yearroll.Roll(old, cur, opt)
	}
}

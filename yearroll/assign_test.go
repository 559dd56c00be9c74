package yearroll

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// bruteAssign enumerates every one-to-one pairing and returns the best by
// total gain, the first found among equals: rows in order, columns in order
// before "unmatched" — the canonical pairing assign promises.
func bruteAssign(n, m int, w func(i, j int) (gain, bool)) []int {
	var best []int
	var bestGain gain
	choice := make([]int, n)
	used := make([]bool, m)
	var rec func(i int, g gain)
	rec = func(i int, g gain) {
		if i == n {
			if best == nil || bestGain.less(g) {
				best, bestGain = slices.Clone(choice), g
			}
			return
		}
		for j := range m {
			if x, ok := w(i, j); ok && !used[j] {
				used[j], choice[i] = true, j
				rec(i+1, g.add(x))
				used[j] = false
			}
		}
		choice[i] = -1
		rec(i+1, g)
	}
	rec(0, gain{})
	return best
}

func TestAssignAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for it := range 20000 {
		n, m := rng.IntN(6), rng.IntN(6)
		// Few distinct values, so that ties between optimal pairings are
		// common and the canonical choice is exercised.
		ws := make([]gain, n*m)
		ok := make([]bool, n*m)
		for k := range ws {
			ok[k] = rng.IntN(3) > 0
			ws[k] = gain{0, int64(1 + rng.IntN(2)), 1, int64(rng.IntN(2)), -int64(rng.IntN(2))}
		}
		w := func(i, j int) (gain, bool) { return ws[i*m+j], ok[i*m+j] }
		want := bruteAssign(n, m, w)
		got := assign(n, m, w)
		if !slices.Equal(want, got) {
			t.Fatalf("iteration %d (%dx%d): assign = %v, brute force = %v\nweights=%v\nallowed=%v", it, n, m, got, want, ws, ok)
		}
	}
}

func TestAssignEmpty(t *testing.T) {
	if got := assign(2, 0, nil); !slices.Equal(got, []int{-1, -1}) {
		t.Errorf("assign(2, 0) = %v, want [-1 -1]", got)
	}
	if got := assign(0, 3, nil); len(got) != 0 {
		t.Errorf("assign(0, 3) = %v, want []", got)
	}
}

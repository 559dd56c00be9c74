package yearroll

// This file holds the exact assignment solver: a maximum-weight one-to-one
// matching in a bipartite graph whose weights are vectors compared
// lexicographically, followed by a canonical choice among all optimal
// matchings.
//
// Weights are vectors rather than one number so that the tie-break order
// (pupils kept, then number of pairs, then same line, then smaller classes)
// is exact and cannot overflow: the Hungarian algorithm only adds, subtracts
// and compares weights, which is sound in any totally ordered abelian group,
// and Z^k ordered lexicographically is one.

// gain is a lexicographically ordered weight vector. Component 0 counts
// forbidden pairs (cost side only); the others are the objectives in
// decreasing priority.
type gain [5]int64

func (a gain) add(b gain) gain {
	for i := range a {
		a[i] += b[i]
	}
	return a
}

func (a gain) sub(b gain) gain {
	for i := range a {
		a[i] -= b[i]
	}
	return a
}

func (a gain) neg() gain {
	for i := range a {
		a[i] = -a[i]
	}
	return a
}

func (a gain) less(b gain) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// forbidden is the cost of a pair that is not a candidate. One forbidden pair
// costs more than any combination of allowed pairs, and an assignment
// without forbidden pairs always exists (everybody unmatched), so the optimum
// never uses one.
var forbidden = gain{1}

// assign returns, for rows 0..n-1, the column in 0..m-1 each is paired with,
// or -1. w(i, j) reports the gain of pairing row i with column j and whether
// the pair is allowed at all; allowed gains should be positive (a pair with a
// non-positive gain is never better than leaving both unmatched).
//
// Among all pairings of maximum total gain it returns the canonical one:
// rows are taken in index order, and each takes the lowest-indexed column it
// can have in some optimal pairing that agrees with the rows before it,
// being unmatched counting as worse than any column. Rows and columns are
// expected in the caller's canonical (ID) order, which makes the result
// independent of input order.
//
// It runs in O((n+m)^3).
func assign(n, m int, w func(i, j int) (gain, bool)) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	if n == 0 || m == 0 {
		return out
	}
	// Square problem: rows are n real rows then m dummy rows ("this column
	// stays unmatched"); columns are m real columns then n dummy columns
	// ("this row stays unmatched"). Minimise cost = -gain.
	N := n + m
	cost := make([]gain, N*N)
	allowed := make([]bool, N*N)
	for i := range N {
		for j := range N {
			k := i*N + j
			allowed[k] = true
			if i < n && j < m {
				g, ok := w(i, j)
				if ok {
					cost[k] = g.neg()
				} else {
					cost[k] = forbidden
					allowed[k] = false
				}
			}
		}
	}
	u, v, p := hungarian(N, cost)

	// Tight graph: allowed pairs with zero reduced cost under the optimal
	// dual. By complementary slackness the optimal pairings are exactly the
	// perfect matchings of this graph.
	tight := make([]bool, N*N)
	for i := range N {
		for j := range N {
			k := i*N + j
			tight[k] = allowed[k] && cost[k] == u[i+1].add(v[j+1])
		}
	}
	col := make([]int, N) // row -> column
	own := make([]int, N) // column -> row
	for j := 1; j <= N; j++ {
		own[j-1] = p[j] - 1
		col[p[j]-1] = j - 1
	}

	// Canonical choice: fix real rows one by one. Row i can take column j in
	// some perfect matching of the unfixed part iff j is its current column
	// or the row owning j can reach i along alternating edges (then the
	// cycle i -> j -> own[j] -> ... -> i can be swapped).
	fixedRow := make([]bool, N)
	fixedCol := make([]bool, N)
	next := make([]int, N)
	seen := make([]bool, N)
	queue := make([]int, 0, N)
	for i := range n {
		clear(seen)
		seen[i] = true
		queue = append(queue[:0], i)
		for q := 0; q < len(queue); q++ {
			x := queue[q]
			c := col[x]
			for r := range N {
				if !seen[r] && !fixedRow[r] && tight[r*N+c] {
					seen[r] = true
					next[r] = x
					queue = append(queue, r)
				}
			}
		}
		best := col[i]
		for j := range N {
			if !fixedCol[j] && tight[i*N+j] && seen[own[j]] {
				best = j
				break
			}
		}
		if best != col[i] {
			for cur := own[best]; cur != i; {
				nx := next[cur]
				c := col[nx]
				col[cur] = c
				own[c] = cur
				cur = nx
			}
			col[i] = best
			own[best] = i
		}
		fixedRow[i] = true
		fixedCol[col[i]] = true
	}
	for i := range n {
		if j := col[i]; j < m && allowed[i*N+j] {
			out[i] = j
		}
	}
	return out
}

// hungarian solves the square min-cost assignment problem for an N×N cost
// matrix (row-major) with the shortest augmenting path method of Kuhn and
// Munkres (O(N^3)). It returns the dual potentials u (rows) and v (columns)
// and p, where p[j] is the row matched to column j; all are 1-based with
// index 0 as the algorithm's sentinel. On return cost(i,j) ≥ u[i]+v[j] for
// every pair, with equality on matched pairs.
func hungarian(N int, cost []gain) (u, v []gain, p []int) {
	u = make([]gain, N+1)
	v = make([]gain, N+1)
	p = make([]int, N+1)
	way := make([]int, N+1)
	minv := make([]gain, N+1)
	used := make([]bool, N+1)
	set := make([]bool, N+1) // minv[j] holds a value (else +infinity)
	for i := 1; i <= N; i++ {
		p[0] = i
		j0 := 0
		clear(used)
		clear(set)
		for {
			used[j0] = true
			i0 := p[j0]
			var delta gain
			haveDelta := false
			j1 := 0
			for j := 1; j <= N; j++ {
				if used[j] {
					continue
				}
				cur := cost[(i0-1)*N+j-1].sub(u[i0]).sub(v[j])
				if !set[j] || cur.less(minv[j]) {
					minv[j] = cur
					set[j] = true
					way[j] = j0
				}
				if !haveDelta || minv[j].less(delta) {
					delta = minv[j]
					haveDelta = true
					j1 = j
				}
			}
			for j := 0; j <= N; j++ {
				if used[j] {
					u[p[j]] = u[p[j]].add(delta)
					v[j] = v[j].sub(delta)
				} else {
					minv[j] = minv[j].sub(delta)
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	return u, v, p
}

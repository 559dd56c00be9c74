package naming

import "testing"

func TestPermVisitsEveryIndexOnce(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 4, 5, 7, 16, 17, 100, 1000, 4097, 10000, 46656} {
		for _, key := range [][2]uint64{{0, 0}, {1, 2}, {0xdeadbeef, 42}} {
			p := newPerm(n, key[0], key[1])
			seen := make([]bool, n)
			for i := range n {
				v := p.at(i)
				if v >= n {
					t.Fatalf("n=%d key=%v: at(%d) = %d out of range", n, key, i, v)
				}
				if seen[v] {
					t.Fatalf("n=%d key=%v: at(%d) = %d visited twice", n, key, i, v)
				}
				seen[v] = true
			}
		}
	}
}

func TestPermDependsOnKey(t *testing.T) {
	const n = 10000
	a, b := newPerm(n, 1, 2), newPerm(n, 3, 4)
	same := 0
	for i := range uint64(100) {
		if a.at(i) == b.at(i) {
			same++
		}
	}
	if same > 5 {
		t.Errorf("two keys agree on %d of the first 100 positions", same)
	}
	// The order is not the identity either.
	fixed := 0
	for i := range uint64(100) {
		if a.at(i) == i {
			fixed++
		}
	}
	if fixed > 5 {
		t.Errorf("permutation fixes %d of the first 100 positions", fixed)
	}
}

func TestPermLargeDomain(t *testing.T) {
	// The largest spaces (Random(12): 26*36^11) stay in range.
	n := uint64(26)
	for range 11 {
		n *= 36
	}
	p := newPerm(n, 7, 9)
	for i := range uint64(1000) {
		if v := p.at(i); v >= n {
			t.Fatalf("at(%d) = %d >= %d", i, v, n)
		}
	}
}

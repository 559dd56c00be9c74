package naming

import "math/bits"

// perm is a keyed pseudo-random permutation of [0, n): a four-round Feistel
// network over the smallest even-bit domain 4^m >= n, with cycle walking to
// stay inside [0, n). Walking 0, 1, ..., n-1 through it visits every index
// of a username standard's number space exactly once, in an order that
// depends only on the key — so the whole space is reachable and a seeded
// generator is reproducible.
type perm struct {
	n    uint64
	half uint      // bits per Feistel half
	mask uint64    // (1<<half)-1
	keys [4]uint64 // round keys
}

// newPerm returns the permutation of [0, n) for the 128-bit key k0, k1.
func newPerm(n, k0, k1 uint64) perm {
	p := perm{n: n}
	if n > 1 {
		b := uint(bits.Len64(n - 1)) // bits needed for n-1
		p.half = (b + 1) / 2
		p.mask = 1<<p.half - 1
	}
	s := k0 ^ mix(k1)
	for i := range p.keys {
		s += 0x9E3779B97F4A7C15
		p.keys[i] = mix(s)
	}
	return p
}

// at returns the i-th element of the permutation, for i < n.
func (p *perm) at(i uint64) uint64 {
	if p.n <= 1 {
		return 0
	}
	x := i
	for {
		x = p.enc(x)
		if x < p.n {
			return x
		}
	}
}

func (p *perm) enc(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for _, k := range p.keys {
		l, r = r, l^(mix(r^k)&p.mask)
	}
	return l<<p.half | r
}

// mix is the splitmix64 finaliser: a fast, well-distributed 64-bit hash.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

package diff

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
)

// keyIndex finds objects of one slice by Key without a hash map: it holds
// the indices of the objects with distinct keys (the first object of each
// key), sorted either by key (when the input already was: a projection's
// output and many readers' are) or by (hash of the key, key). Both orders
// allow a merge join of the desired and actual objects and a binary
// search for single keys; neither needs a million-entry map.
type keyIndex struct {
	objs []Object
	ord  []int32  // by key: indices into objs, one per distinct key
	ent  []uint64 // by hash: hash entries, one per distinct key
}

// len returns the number of distinct keys.
func (x *keyIndex) len() int { return len(x.ord) + len(x.ent) }

// at returns the index into objs of the p-th key.
func (x *keyIndex) at(p int) int32 {
	if x.ent != nil {
		return entryIndex(x.ent[p])
	}
	return x.ord[p]
}

// keySeed seeds the key hashes. The hash order is internal: nothing Compute
// returns depends on it.
var keySeed = maphash.MakeSeed()

// hashKey returns the 32-bit hash the hash order uses. Keys that share it
// are ordered by key, so collisions cost comparisons, never correctness.
func hashKey(k string) uint32 { return uint32(maphash.String(keySeed, k) >> 32) }

// hashEntry packs the hash of an object's key (high half) and the object's
// index (low half), so that entries sort by hash, then index, as integers.
func hashEntry(key string, i int32) uint64 { return uint64(hashKey(key))<<32 | uint64(uint32(i)) }

func entryHash(e uint64) uint32 { return uint32(e >> 32) }
func entryIndex(e uint64) int32 { return int32(uint32(e)) }

// buildSorted indexes the objects objs[i] for i in cand (ascending indices
// with non-empty keys), which must be sorted by key; neighbours may share
// a key only if adjacentDups is set. For every object whose key an earlier
// (lower index) object already has, dup is called with the index of that
// first object and its own. It reuses cand's array.
func (x *keyIndex) buildSorted(objs []Object, cand []int32, adjacentDups bool, dup func(first, later int32)) {
	x.objs, x.ent = objs, nil
	if !adjacentDups {
		x.ord = cand
		return
	}
	ord := cand[:0]
	last := ""
	for _, i := range cand {
		k := objs[i].Key
		if len(ord) > 0 && k == last {
			dup(ord[len(ord)-1], i)
			continue
		}
		ord = append(ord, i)
		last = k
	}
	x.ord = ord
}

// buildHashed indexes the objects of the entries (hashEntry of each object
// with a non-empty key, in index order), reporting duplicates like
// buildSorted. It reuses the entries' array or buf.
func (x *keyIndex) buildHashed(objs []Object, entries []uint64, buf *[]uint64, dup func(first, later int32)) {
	x.objs, x.ord = objs, nil
	e := sortEntries(entries, objs, buf)
	n := 0
	for _, v := range e {
		if n > 0 && entryHash(e[n-1]) == entryHash(v) && objs[entryIndex(e[n-1])].Key == objs[entryIndex(v)].Key {
			dup(entryIndex(e[n-1]), entryIndex(v))
			continue
		}
		e[n] = v
		n++
	}
	x.ent = e[:n]
	if x.ent == nil {
		x.ent = []uint64{} // by hash, though empty
	}
}

// find returns the index of the first object with the key.
func (x *keyIndex) find(key string) (int, bool) {
	lo, hi := 0, x.len()
	if x.ent == nil {
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if x.objs[x.ord[m]].Key < key {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo < len(x.ord) && x.objs[x.ord[lo]].Key == key {
			return int(x.ord[lo]), true
		}
		return 0, false
	}
	h := hashKey(key)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if hm := entryHash(x.ent[m]); hm < h || hm == h && x.objs[entryIndex(x.ent[m])].Key < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(x.ent) && entryHash(x.ent[lo]) == h && x.objs[entryIndex(x.ent[lo])].Key == key {
		return int(entryIndex(x.ent[lo])), true
	}
	return 0, false
}

// join calls match for every key both indices hold, with the index of its
// object in each. Both must be sorted the same way.
//
// In hash order, a hash that occurs once on each side is matched without
// comparing the keys (verified false): equal keys have equal hashes, so
// if the keys differ, neither has a partner. The caller compares such
// pairs afterwards in its own order, which visits the objects far more
// locally than hash order does.
func join(d, a *keyIndex, match func(di, ai int32, verified bool)) {
	p, q := 0, 0
	nd, na := d.len(), a.len()
	for p < nd && q < na {
		var r int
		if d.ent != nil {
			r = cmp.Compare(entryHash(d.ent[p]), entryHash(a.ent[q]))
			if r == 0 && !d.sharedHash(p) && !a.sharedHash(q) {
				match(entryIndex(d.ent[p]), entryIndex(a.ent[q]), false)
				p++
				q++
				continue
			}
		}
		di, ai := d.at(p), a.at(q)
		if r == 0 {
			r = strings.Compare(d.objs[di].Key, a.objs[ai].Key)
		}
		switch {
		case r < 0:
			p++
		case r > 0:
			q++
		default:
			match(di, ai, true)
			p++
			q++
		}
	}
}

// sharedHash reports whether another key of the index (by hash) has the
// hash of the key at position p.
func (x *keyIndex) sharedHash(p int) bool {
	h := entryHash(x.ent[p])
	return p > 0 && entryHash(x.ent[p-1]) == h || p+1 < len(x.ent) && entryHash(x.ent[p+1]) == h
}

// radixBits is the digit width of sortEntries' radix passes; three passes
// cover the 32 bits of the hash.
const radixBits = 11

// sortEntries sorts hash entries (which come in index order) by hash, key
// and index, and returns them, in e's array or buf's (buf then holds the
// other, so it can serve the next sort). Large inputs are
// radix-sorted by hash (a stable sort, so equal hashes keep index order),
// then the few runs of equal hashes are sorted by key.
func sortEntries(e []uint64, objs []Object, buf *[]uint64) []uint64 {
	byKey := func(a, b uint64) int {
		if r := strings.Compare(objs[entryIndex(a)].Key, objs[entryIndex(b)].Key); r != 0 {
			return r
		}
		return cmp.Compare(entryIndex(a), entryIndex(b))
	}
	if len(e) < 1<<12 {
		slices.SortFunc(e, func(a, b uint64) int {
			if r := cmp.Compare(entryHash(a), entryHash(b)); r != 0 {
				return r
			}
			return byKey(a, b)
		})
		return e
	}
	const buckets = 1 << radixBits
	if cap(*buf) < len(e) {
		*buf = make([]uint64, len(e))
	}
	src, dst := e, (*buf)[:len(e)]
	var count [buckets]int
	for shift := uint(32); shift < 64; shift += radixBits {
		clear(count[:])
		for _, v := range src {
			count[v>>shift&(buckets-1)]++
		}
		sum := 0
		for b, c := range count {
			count[b] = sum
			sum += c
		}
		for _, v := range src {
			b := v >> shift & (buckets - 1)
			dst[count[b]] = v
			count[b]++
		}
		src, dst = dst, src
	}
	*buf = dst // the array not returned is free for the next sort
	for lo := 0; lo < len(src); {
		h, hi := entryHash(src[lo]), lo+1
		for hi < len(src) && entryHash(src[hi]) == h {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(src[lo:hi], byKey)
		}
		lo = hi
	}
	return src
}

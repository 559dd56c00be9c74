package diff

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

// TestKeyIndex checks both orders of the key index (by key for sorted
// input, by hash otherwise; the latter by comparison below 4,096 keys and
// by radix sort above) against a map: first object of each key, the
// duplicates reported, lookups of present and absent keys, and the join.
func TestKeyIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		sorted bool
	}{
		{"empty", 0, false},
		{"small sorted", 50, true},
		{"small unsorted", 50, false},
		{"large sorted", 20_000, true},
		{"large unsorted", 20_000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(tc.n)))
			objs := make([]Object, tc.n)
			for i := range objs {
				// About one key in ten occurs twice or more.
				objs[i].Key = fmt.Sprintf("user/%d", rng.IntN(tc.n*9/10+1))
			}
			if tc.sorted {
				slices.SortStableFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
			}
			first := map[string]int{}
			var wantDups [][2]int32
			adjacent := false
			for i, o := range objs {
				if j, ok := first[o.Key]; ok {
					wantDups = append(wantDups, [2]int32{int32(j), int32(i)})
					adjacent = adjacent || objs[i-1].Key == o.Key
					continue
				}
				first[o.Key] = i
			}
			cand := make([]int32, len(objs))
			for i := range cand {
				cand[i] = int32(i)
			}
			var x keyIndex
			var dups [][2]int32
			build(&x, objs, cand, !tc.sorted, adjacent, func(f, l int32) { dups = append(dups, [2]int32{f, l}) })
			slices.SortFunc(dups, func(a, b [2]int32) int { return int(a[1] - b[1]) })
			if diff := gocmp.Diff(wantDups, dups); diff != "" {
				t.Errorf("duplicates (-want +got):\n%s", diff)
			}
			if x.len() != len(first) {
				t.Errorf("index holds %d keys, want %d", x.len(), len(first))
			}
			if (x.ent != nil) == tc.sorted {
				t.Errorf("index by hash: %v, want %v", x.ent != nil, !tc.sorted)
			}
			for k, want := range first {
				if got, ok := x.find(k); !ok || got != want {
					t.Errorf("find(%q) = %d, %v; want %d", k, got, ok, want)
				}
			}
			for _, k := range []string{"", "user/", "user/-1", "zzz", "user/99999999"} {
				if got, ok := x.find(k); ok {
					t.Errorf("find(%q) = %d, want absent", k, got)
				}
			}
			// Join with a second index over every other key.
			other := make([]Object, 0, len(first))
			for k := range first {
				if len(k)%2 == 0 {
					other = append(other, Object{Key: k})
				}
			}
			if tc.sorted {
				slices.SortFunc(other, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
			}
			ocand := make([]int32, len(other))
			for i := range ocand {
				ocand[i] = int32(i)
			}
			var y keyIndex
			build(&y, other, ocand, !tc.sorted, false, func(f, l int32) { t.Errorf("unexpected duplicate %d, %d", f, l) })
			got := map[string][2]int32{}
			join(&x, &y, func(d, a int32, verified bool) {
				if objs[d].Key != other[a].Key {
					// Only an unverified pair may differ (a hash
					// collision, which Compute then drops).
					if verified {
						t.Errorf("join matched %q with %q", objs[d].Key, other[a].Key)
					}
					return
				}
				got[objs[d].Key] = [2]int32{d, a}
			})
			if len(got) != len(other) {
				t.Errorf("join matched %d keys, want %d", len(got), len(other))
			}
			for _, o := range other {
				if m, ok := got[o.Key]; !ok || int(m[0]) != first[o.Key] {
					t.Errorf("join of %q = %v, want desired %d", o.Key, m, first[o.Key])
				}
			}
		})
	}
}

// build indexes objs[i] for i in cand by key or by hash.
func build(x *keyIndex, objs []Object, cand []int32, byHash, adjacentDups bool, dup func(first, later int32)) {
	if !byHash {
		x.buildSorted(objs, cand, adjacentDups, dup)
		return
	}
	var buf []uint64
	x.buildHashed(objs, hashEntries(objs, cand, len(cand)), &buf, dup)
}

// TestComputeInputOrder checks that a plan does not depend on whether its
// input is sorted by key (merge of the inputs as they are) or not (hash
// order, radix-sorted at this size), including duplicate-key problems.
func TestComputeInputOrder(t *testing.T) {
	desired, actual := benchState(6_000)
	opt := Options{Now: testNow, Quarantine: "ou/disabled", Retired: "ou/retired"}
	byKey := func(a, b Object) int { return strings.Compare(a.Key, b.Key) }
	sd, sa := slices.Clone(desired), slices.Clone(actual)
	slices.SortStableFunc(sd, byKey)
	slices.SortStableFunc(sa, byKey)
	want, err := Compute(desired, actual, opt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compute(sd, sa, opt)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("sorted input gives another plan (-unsorted +sorted):\n%s", diff)
	}
	if len(want.Changes) < 100 {
		t.Errorf("only %d changes; the fixture should drift", len(want.Changes))
	}
	// One side sorted, or sorted for a while (hashing starts mid-way).
	half := func(objs []Object) []Object {
		h := slices.Clone(objs)
		slices.SortStableFunc(h[:len(h)/2], byKey)
		return h
	}
	for name, in := range map[string][2][]Object{
		"desired sorted":   {sd, actual},
		"actual sorted":    {desired, sa},
		"desired half":     {half(desired), sa},
		"actual half":      {sd, half(actual)},
		"both half sorted": {half(desired), half(actual)},
	} {
		got, err := Compute(in[0], in[1], opt)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("%s: another plan (-unsorted +got):\n%s", name, diff)
		}
	}
	// More desired than actual objects, and fewer, so that the sides'
	// scratch arrays differ in size.
	for name, in := range map[string][2][]Object{
		"more desired": {append(slices.Clone(desired), ctr("ou/extra", "extra", "")), actual},
		"more actual":  {desired, append(slices.Clone(actual), managed(ctr("ou/extra", "extra", ""))...)},
	} {
		want, err := Compute(in[0], in[1], opt)
		if err != nil {
			t.Fatal(err)
		}
		sd, sa := slices.Clone(in[0]), slices.Clone(in[1])
		slices.SortStableFunc(sd, byKey)
		slices.SortStableFunc(sa, byKey)
		got, err := Compute(sd, sa, opt)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("%s: sorted input gives another plan (-unsorted +sorted):\n%s", name, diff)
		}
	}

	// Duplicate keys on both sides, sorted and not: the same problems.
	dupD := append(slices.Clone(desired), desired[100], desired[5000])
	dupA := append(slices.Clone(actual), actual[7])
	dupA[len(dupA)-1].ID = "second"
	problems := func(d, a []Object) []string {
		_, err := Compute(d, a, opt)
		ve, ok := err.(*ValidationError)
		if !ok {
			t.Fatalf("err = %v, want a *ValidationError", err)
		}
		var out []string
		for _, p := range ve.Problems {
			out = append(out, p.String())
		}
		return out
	}
	unsorted := problems(dupD, dupA)
	wantProblems := []string{
		fmt.Sprintf("desired %s %q key: is not unique", desired[100].Kind, desired[100].Key),
		fmt.Sprintf("desired %s %q key: is not unique", desired[5000].Kind, desired[5000].Key),
		fmt.Sprintf("actual %s %q key: is carried by two managed objects (ids %q and %q)", actual[7].Kind, actual[7].Key, actual[7].ID, "second"),
	}
	if diff := gocmp.Diff(wantProblems, unsorted); diff != "" {
		t.Errorf("problems, unsorted input (-want +got):\n%s", diff)
	}
	// Sorted, the problems come in the order of the sorted input.
	slices.SortStableFunc(dupD, byKey)
	slices.SortStableFunc(dupA, byKey)
	sorted := problems(dupD, dupA)
	slices.Sort(sorted)
	slices.Sort(wantProblems)
	if diff := gocmp.Diff(wantProblems, sorted); diff != "" {
		t.Errorf("problems, sorted input (-want +got):\n%s", diff)
	}
}

func TestIsSecretAttr(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "PASSWORD": true, "userPassword": true, "userpassword": true,
		"unicodePwd": true, "UnicodePWD": true, "secret": true, "Secret": true,
		"paſſword": true, // folds to "password", as strings.EqualFold has it
		"username": false, "givenName": false, "familyName": false, "institutions": false,
		"passwort": false, "secrets": false, "": false, "pwd": false, "sekret": false,
	} {
		if got := isSecretAttr(name); got != want {
			t.Errorf("isSecretAttr(%q) = %v, want %v", name, got, want)
		}
	}
	// The plain definition: one of the lengths, then EqualFold with each.
	plain := func(name string) bool {
		switch len(name) {
		case 6, 8, 10, 12:
			for _, s := range secretAttrs {
				if strings.EqualFold(name, s) {
					return true
				}
			}
		}
		return false
	}
	// Every secret with each letter in either case or, for s and k, a
	// rune that folds to it; and mutations of them.
	variants := func(s string) []string {
		out := []string{""}
		for _, r := range s {
			alts := []string{strings.ToLower(string(r)), strings.ToUpper(string(r))}
			switch r | 0x20 {
			case 's':
				alts = append(alts, "\u017f") // long s
			case 'k':
				alts = append(alts, "\u212a") // Kelvin sign
			}
			var next []string
			for _, p := range out {
				for _, a := range alts {
					next = append(next, p+a)
				}
			}
			if len(next) > 4096 {
				next = next[:4096]
			}
			out = next
		}
		return out
	}
	n := 0
	for _, s := range append(secretAttrs[:], "username", "givenName", "institutions", "sekret") {
		for _, v := range variants(s) {
			for _, name := range []string{v, v[1:], "x" + v[1:], v + "x"} {
				if got, want := isSecretAttr(name), plain(name); got != want {
					t.Errorf("isSecretAttr(%q) = %v, want %v", name, got, want)
				}
				n++
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d names tried", n)
	}
}

// TestJoinCollisions checks the merge join in hash order where keys share
// a hash: pairs of single hashes come unverified, runs of a shared hash
// are matched by key.
func TestJoinCollisions(t *testing.T) {
	index := func(keys []string, hashes []uint32) *keyIndex {
		x := &keyIndex{}
		for i, k := range keys {
			x.objs = append(x.objs, Object{Key: k})
			x.ent = append(x.ent, uint64(hashes[i])<<32|uint64(i))
		}
		return x
	}
	d := index([]string{"a", "b", "c", "d", "e"}, []uint32{1, 2, 2, 3, 5})
	a := index([]string{"x", "c", "d", "b", "e"}, []uint32{1, 2, 3, 4, 6})
	type pair struct {
		d, a     string
		verified bool
	}
	var got []pair
	join(d, a, func(di, ai int32, verified bool) {
		got = append(got, pair{d.objs[di].Key, a.objs[ai].Key, verified})
	})
	want := []pair{{"a", "x", false}, {"c", "c", true}, {"d", "d", false}}
	if diff := gocmp.Diff(want, got, gocmp.AllowUnexported(pair{})); diff != "" {
		t.Errorf("join (-want +got):\n%s", diff)
	}
}

// TestSortEntries checks the radix sort of hash entries where hashes agree
// in some of the digits it sorts by and where they are equal (collisions):
// entries end up sorted by hash, key and index.
func TestSortEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 10_000
	objs := make([]Object, n)
	e := make([]uint64, n)
	for i := range e {
		objs[i].Key = fmt.Sprintf("k%d", rng.IntN(n/4))
		// Few distinct high digits, and low digits of which many repeat.
		h := uint32(rng.IntN(64))<<26 | uint32(rng.IntN(16))
		e[i] = uint64(h)<<32 | uint64(i)
	}
	want := slices.Clone(e)
	slices.SortFunc(want, func(a, b uint64) int {
		if r := cmp.Compare(entryHash(a), entryHash(b)); r != 0 {
			return r
		}
		if r := strings.Compare(objs[entryIndex(a)].Key, objs[entryIndex(b)].Key); r != 0 {
			return r
		}
		return cmp.Compare(entryIndex(a), entryIndex(b))
	})
	var buf []uint64
	if got := sortEntries(e, objs, &buf); !slices.Equal(want, got) {
		t.Error("sortEntries does not sort by hash, key and index")
	}
}

// TestComputeParts checks that comparing the desired objects in several
// concurrent ranges gives the plan (and, for bad input, the problems) of
// one pass.
func TestComputeParts(t *testing.T) {
	defer func(f func(int) int) { diffParts = f }(diffParts)
	desired, actual := benchState(3_000)
	opt := Options{Now: testNow, Quarantine: "ou/disabled", Retired: "ou/retired"}
	// Bad input found only while diffing: a secret attribute and a
	// dangling member, in different ranges.
	bad := slices.Clone(desired)
	for _, i := range []int{len(bad) / 5, len(bad) * 4 / 5} {
		bad[i] = bad[i].Clone()
		bad[i].Attrs.Set("Password", "x")
		bad[i].Members = append(bad[i].Members, "user/none")
	}
	run := func(parts int) (*Plan, string) {
		diffParts = func(int) int { return parts }
		p, err := Compute(desired, actual, opt)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Compute(bad, actual, opt)
		if err == nil {
			t.Fatal("bad input accepted")
		}
		return p, err.Error()
	}
	want, wantErr := run(1)
	if !strings.Contains(wantErr, "4 problems") {
		t.Errorf("one pass: %v, want 4 problems", wantErr)
	}
	for _, parts := range []int{2, 3, 8} {
		got, gotErr := run(parts)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("%d parts: plan (-one pass +parts):\n%s", parts, diff)
		}
		if diff := gocmp.Diff(wantErr, gotErr); diff != "" {
			t.Errorf("%d parts: problems (-one pass +parts):\n%s", parts, diff)
		}
	}
}

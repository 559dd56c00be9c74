package ad

import (
	"strconv"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// TestUSNFilters: the filters cover exactly [from, to] by equality when
// the gap is small, each one parses as an LDAP filter and stays below
// usnChunk terms; a larger gap is one open range.
func TestUSNFilters(t *testing.T) {
	for _, c := range []struct{ from, to int64 }{{5, 4}, {7, 7}, {10, 11}, {1, 250}, {1, 251}, {1000, 1000 + usnTerms - 1}, {1000, 1000 + usnTerms}} {
		fs := usnFilters(c.from, c.to)
		n := c.to - c.from + 1
		switch {
		case n <= 0:
			if len(fs) != 0 {
				t.Errorf("[%d,%d]: %q, want none", c.from, c.to, fs)
			}
			continue
		case n > usnTerms:
			if want := "(uSNChanged>=" + strconv.FormatInt(c.from, 10) + ")"; len(fs) != 1 || fs[0] != want {
				t.Errorf("[%d,%d]: %q, want %s", c.from, c.to, fs, want)
			}
			continue
		}
		seen := map[int64]int{}
		for _, f := range fs {
			if _, err := ldap.CompileFilter(f); err != nil {
				t.Fatalf("[%d,%d]: %s: %v", c.from, c.to, f, err)
			}
			terms := strings.Split(f, "(uSNChanged=")[1:]
			if len(terms) > usnChunk {
				t.Errorf("[%d,%d]: %d terms in one filter", c.from, c.to, len(terms))
			}
			for _, term := range terms {
				v, err := strconv.ParseInt(strings.TrimRight(term, ")"), 10, 64)
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				seen[v]++
			}
		}
		if int64(len(seen)) != n {
			t.Errorf("[%d,%d]: %d numbers, want %d", c.from, c.to, len(seen), n)
		}
		for v, k := range seen {
			if v < c.from || v > c.to || k != 1 {
				t.Errorf("[%d,%d]: %d looked up %d times", c.from, c.to, v, k)
			}
		}
	}
}

package yearroll_test

import (
	"io"
	"strconv"
	"testing"

	"github.com/orgsync/orgsync/yearroll"
)

// decodeClasses turns fuzz bytes into two class lists. Each class uses four
// bytes (side and institution, ID, level, line) and then a pupil count and
// that many pupil bytes; odd is a free-form text used as one of the levels
// and lines.
func decodeClasses(data []byte, odd string) (old, cur []yearroll.Class) {
	levels := []string{"0", "1", "2", "3", "9", "10", "11", "DT", "", " 4 ", "-1", "+2", "99999999999999999999", odd}
	lines := []string{"A", "a", "B", "", " ", "Æ", odd}
	for len(data) >= 5 {
		h, id, lv, ln, np := data[0], data[1], data[2], data[3], int(data[4]%40)
		data = data[5:]
		c := yearroll.Class{
			Institution: strconv.Itoa(int(h>>1) % 3),
			ID:          strconv.Itoa(int(id % 24)),
			Level:       levels[int(lv)%len(levels)],
			Line:        lines[int(ln)%len(lines)],
		}
		for i := 0; i < np && len(data) > 0; i++ {
			p := strconv.Itoa(int(data[0] % 64))
			if data[0] > 250 {
				p = ""
			}
			c.Pupils = append(c.Pupils, p)
			data = data[1:]
		}
		if h&1 == 0 {
			old = append(old, c)
		} else {
			cur = append(cur, c)
		}
	}
	return old, cur
}

func FuzzRoll(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 3, 1, 2, 3, 1, 3, 0, 3, 1, 2, 3, 1, 4, 3, 1, 2, 3}, "DT", 0.7, 0)
	f.Add([]byte{1, 5, 3, 2, 2, 9, 9, 0, 6, 3, 2, 2, 9, 9}, "\xff", 0.5, 1)
	f.Add([]byte{}, "", -1.0, 7)
	f.Fuzz(func(t *testing.T, data []byte, odd string, threshold float64, basis int) {
		old, cur := decodeClasses(data, odd)
		r := yearroll.Roll(old, cur, yearroll.Options{Threshold: threshold, Basis: yearroll.Basis(basis)})
		checkInvariants(t, old, cur, r)
		if err := r.Explain(io.Discard); err != nil {
			t.Fatalf("Explain: %v", err)
		}
		_ = r.Lineage()
	})
}

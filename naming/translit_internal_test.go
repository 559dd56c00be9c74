package naming

import "testing"

// TestLatinFoldTable checks the precomputed folds against the decomposition
// path they replace, in the same word context ("x" before and after).
func TestLatinFoldTable(t *testing.T) {
	n := 0
	for _, rg := range [][2]rune{{foldLo1, foldHi1}, {foldLo2, foldHi2}} {
		for r := rg[0]; r < rg[1]; r++ {
			f, ok := latinFold(r)
			if !ok {
				continue
			}
			n++
			var w spaceWriter
			w.b.WriteByte('x')
			slowFold(&w, r, 'x', 'x')
			if got := w.b.String()[1:]; got != f {
				t.Errorf("%U %q: table %q, decomposition %q", r, r, f, got)
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d table entries", n)
	}
	for r, want := range map[rune]string{'é': "e", 'ü': "u", 'ñ': "n", 'ễ': "e", 'Ǆ': "DZ", '×': ""} {
		if got, ok := latinFold(r); !ok || got != want {
			t.Errorf("latinFold(%q) = %q, %v; want %q", r, got, ok, want)
		}
	}
	if _, ok := latinFold('ǿ'); ok {
		t.Error("ǿ folds through ø and needs the context path")
	}
}

package yearroll_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/yearroll"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// explainFixture touches every rule and reason.
func explainFixture() (old, cur []yearroll.Class) {
	const S, T = "280001", "280002"
	old = []yearroll.Class{
		class(S, "0a", "0", "a", pupils("k", 1, 20)),
		class(S, "2A", "2", "A", pupils("a", 1, 20)),
		class(S, "2B", "2", "B", pupils("b", 1, 20)),
		class(S, "2C", "2", "C", pupils("c", 1, 20)),
		class(S, "4X", "4", "X", pupils("x", 1, 30)),
		class(S, "5A", "5", "A"),
		class(S, "9A", "9", "A", pupils("n", 1, 20)),
		class(S, "10A", "10", "A", pupils("t", 1, 20)),
		class(S, "DT", "DT", "", pupils("d", 1, 8)),
		class(T, "2A", "2", "A", pupils("u", 1, 24)),
		class(T, "2B", "2", "B", pupils("v", 1, 24)),
		class(T, "7A", "7", "A", pupils("w", 1, 20)),
	}
	cur = []yearroll.Class{
		class(S, "0A", "0", "A", pupils("z", 1, 20)),
		class(S, "1a", "1", "A", pupils("k", 1, 20)),
		class(S, "3A", "3", "A", pupils("a", 1, 10), pupils("b", 1, 10)),
		class(S, "3B", "3", "B", pupils("a", 11, 20), pupils("b", 11, 20)),
		class(S, "5X", "5", "X", pupils("x", 1, 15)),
		class(S, "5Y", "5", "Y", pupils("x", 16, 30)),
		class(S, "6A", "6", "A", pupils("q", 1, 20)),
		class(S, "10A", "10", "A", pupils("n", 1, 20)),
		class(S, "DT", "DT", "", pupils("d", 1, 8)),
		class(S, "3C", "3", "C"),
		class(T, "3K", "3", "K", pupils("u", 1, 20), pupils("v", 1, 4)),
		class(T, "3L", "3", "L", pupils("v", 5, 16), pupils("u", 21, 24), pupils("r", 1, 4)),
		class(T, "3M", "3", "M", pupils("v", 17, 24), pupils("r", 5, 20)),
		class(T, "8A", "8", "A", pupils("w", 1, 20)),
	}
	// A municipality with STIL group ids: classes are shown by name and id,
	// and a daycare group that keeps its id is the same group.
	const D = "280003"
	old = append(old,
		named("0A", class(D, "G0000004", "0", "A", pupils("g", 1, 20))),
		named("0B", class(D, "G0000005", "0", "B", pupils("h", 1, 20))),
		named("Bjørnegruppen", class(D, "G0000009", "DT", "", pupils("i", 1, 12))),
	)
	cur = append(cur,
		named("1A", class(D, "G0000053", "1", "A", pupils("g", 1, 20))),
		named("1X", class(D, "G0000054", "1", "X", pupils("h", 1, 10), pupils("j", 1, 10))),
		named("Bjørnegruppen", class(D, "G0000009", "DT", "", pupils("i", 1, 10))),
	)
	return old, cur
}

// named gives a class a name other than its id.
func named(name string, c yearroll.Class) yearroll.Class {
	c.Name = name
	return c
}

func TestExplainGolden(t *testing.T) {
	old, cur := explainFixture()
	r := yearroll.Roll(old, cur, yearroll.Options{})
	checkInvariants(t, old, cur, r)
	var b bytes.Buffer
	if err := r.Explain(&b); err != nil {
		t.Fatalf("Explain: %v", err)
	}
	path := filepath.Join("testdata", "explain.golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("Explain output (-golden +got):\n%s", diff)
	}
}

type failWriter struct{}

var errDisk = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }

func TestExplainWriteError(t *testing.T) {
	old, cur := explainFixture()
	err := yearroll.Roll(old, cur, yearroll.Options{}).Explain(failWriter{})
	if !errors.Is(err, errDisk) {
		t.Errorf("Explain to a failing writer = %v, want %v", err, errDisk)
	}
}

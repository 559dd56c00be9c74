package problem_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/orgsync/orgsync/internal/problem"
)

type note string

func (n note) String() string { return "note " + string(n) }

type recErr struct{ n int }

func (e *recErr) Error() string { return fmt.Sprintf("record %d is bad", e.n) }
func (e *recErr) Unwrap() error { return errRecord }

var (
	errRecord = errors.New("bad record")
	errInput  = errors.New("bad input")
)

type check struct{}

func (check) Op() string      { return "check" }
func (check) Sentinel() error { return nil }

type read struct{}

func (read) Op() string      { return "read" }
func (read) Sentinel() error { return errInput }

type anon struct{}

func (anon) Op() string      { return "" }
func (anon) Sentinel() error { return nil }

func TestList(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"one", &problem.List[note, check]{Problems: []note{"a"}}, "check: 1 problem\n\tnote a"},
		{"two", &problem.List[note, check]{Problems: []note{"a", "b"}}, "check: 2 problems\n\tnote a\n\tnote b"},
		{"no op", &problem.List[note, anon]{Problems: []note{"a"}}, "1 problem\n\tnote a"},
		{"errors", &problem.List[*recErr, read]{Problems: []*recErr{{1}, {2}}}, "read: 2 problems\n\trecord 1 is bad\n\trecord 2 is bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: Error() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestListMatches(t *testing.T) {
	err := problem.Of[read]([]*recErr{{1}, {2}})
	if !errors.Is(err, errInput) || !errors.Is(err, errRecord) {
		t.Errorf("errors.Is: sentinel %v, problem sentinel %v", errors.Is(err, errInput), errors.Is(err, errRecord))
	}
	var re *recErr
	if !errors.As(err, &re) || re.n != 1 {
		t.Errorf("errors.As found %v, want record 1", re)
	}
	var l *problem.List[*recErr, read]
	if !errors.As(err, &l) || len(l.Problems) != 2 {
		t.Errorf("errors.As(*List) = %v", l)
	}
	if err := problem.Of[read, note](nil); err != nil {
		t.Errorf("Of with no problems = %v, want nil", err)
	}
	if errors.Is(&problem.List[note, check]{Problems: []note{"a"}}, errInput) {
		t.Error("a list without a sentinel matches one")
	}
}

// TestZeroValueIsComplete: a list built without its constructor still names
// its operation and matches its sentinel.
func TestZeroValueIsComplete(t *testing.T) {
	var l problem.List[note, read]
	if !errors.Is(&l, errInput) || l.Error() != "read: 0 problems" {
		t.Errorf("zero list: Is %v, Error %q", errors.Is(&l, errInput), l.Error())
	}
}

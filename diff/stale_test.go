package diff

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stalePlan is a plan over every kind of precondition: an update, a
// create, member changes of a group the plan touches nowhere else, an
// adoption and a disable.
func stalePlan(t *testing.T) (*Plan, []Object) {
	t.Helper()
	actual := managed(
		usr("user/1", "Ann", "", "title", "teacher"),
		usr("user/2", "Bo", ""),
		grp("group/g", "G", "", "user/2"),
	)
	foreign := usr("", "Eve", "", "username", "eve")
	foreign.ID = "id-eve"
	actual = append(actual, foreign)
	desired := []Object{
		usr("user/1", "Ann", "", "title", "head"),
		grp("group/g", "G", "", "user/1"),
		usr("user/3", "Cy", ""),
		usr("user/4", "Eve", "", "username", "eve"),
	}
	p, err := Compute(desired, actual, Options{Now: testNow, AdoptBy: []string{"username"}})
	if err != nil {
		t.Fatal(err)
	}
	// A saved plan is read back from JSON.
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	saved, err := ReadPlanJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return saved, actual
}

func TestCheckCurrent(t *testing.T) {
	tests := []struct {
		name   string
		change func([]Object) []Object
		want   []string
	}{
		{"unchanged", func(a []Object) []Object { return a }, nil},
		{"attribute changed by hand", func(a []Object) []Object {
			a[0].Attrs.Set("title", "principal")
			return a
		}, []string{`user user/1: changed: attr "title"`}},
		{"renamed and an attribute added", func(a []Object) []Object {
			a[0].Name = "Anne"
			a[0].Attrs.Set("email", "a@x")
			return a
		}, []string{`user user/1: changed: name, attr "email"`}},
		{"object to update gone", func(a []Object) []Object { return a[1:] }, []string{"user user/1: is gone"}},
		{"object to create exists", func(a []Object) []Object {
			return append(a, managed(usr("user/3", "Cy", ""))...)
		}, []string{"user user/3: exists now, the plan creates it"}},
		{"member added by hand", func(a []Object) []Object {
			a[2].Members = []string{"user/1", "user/2"}
			return a
		}, []string{"group group/g: has member user/1 now, the plan adds it"}},
		{"member removed by hand", func(a []Object) []Object {
			a[2].Members = nil
			return a
		}, []string{"group group/g: no longer has member user/2, the plan removes it"}},
		{"object to adopt changed", func(a []Object) []Object {
			a[3].Name = "Eva"
			return a
		}, []string{"user user/4: the object to adopt changed: name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, actual := stalePlan(t)
			now := make([]Object, len(actual))
			for i, o := range actual {
				now[i] = o.Clone()
			}
			err := p.CheckCurrent(tt.change(now))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckCurrent: %v", err)
				}
				return
			}
			var se *StaleError
			if !errors.As(err, &se) || !errors.Is(err, ErrStalePlan) {
				t.Fatalf("err = %v, want *StaleError", err)
			}
			if d := cmp.Diff(tt.want, se.Problems); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

// TestCheckUsesTotals: a saved plan is checked against the managed objects
// it was computed from, without the actual state.
func TestCheckUsesTotals(t *testing.T) {
	var actual []Object
	for i := range 10 {
		o := usr("user/"+string(rune('a'+i)), "u", "")
		o.Institution = "A"
		actual = append(actual, o)
	}
	actual = managed(actual...)
	p, err := Compute(actual[:7], actual, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := Totals{Kinds: map[Kind]int{User: 10}, Institutions: map[string]int{"A": 10}}
	if d := cmp.Diff(want, p.Totals); d != "" {
		t.Errorf("totals (-want +got):\n%s", d)
	}
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	saved, err := ReadPlanJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var te *ThresholdError
	if err := saved.Check(DefaultThresholds()); !errors.As(err, &te) {
		t.Fatalf("Check = %v, want a breach", err)
	}
	if b := te.Breaches[0]; b.Count != 3 || b.Total != 10 {
		t.Errorf("breach %+v, want 3 of 10", b)
	}
	if err := saved.Check(Thresholds{Disable: map[Kind]Limit{User: {Percent: 50}}}); err != nil {
		t.Errorf("Check within limits: %v", err)
	}
}

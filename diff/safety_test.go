package diff

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLimitExceeded(t *testing.T) {
	tests := []struct {
		name     string
		lim      Limit
		n, total int
		want     bool
	}{
		{"zero limit never", Limit{}, 1000, 1000, false},
		{"count equal is fine", Limit{Count: 50}, 50, 10000, false},
		{"count over", Limit{Count: 50}, 51, 10000, true},
		{"percent equal is fine", Limit{Percent: 10}, 10, 100, false},
		{"percent over", Limit{Percent: 10}, 11, 100, true},
		{"either bites", Limit{Percent: 10, Count: 50}, 51, 100000, true},
		{"nothing to do", Limit{Percent: 10, Count: 50}, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.lim.exceeded(tc.n, tc.total); got != tc.want {
				t.Errorf("exceeded(%d, %d) = %v, want %v", tc.n, tc.total, got, tc.want)
			}
		})
	}
}

func TestCheckPerInstitutionAndDeletes(t *testing.T) {
	var actual []Object
	for i := range 40 {
		u := usr(fmt.Sprintf("user/a%02d", i), "u", "")
		u.Institution = "A"
		actual = append(actual, u)
		u = usr(fmt.Sprintf("user/b%02d", i), "u", "")
		u.Institution = "B"
		if i < 5 {
			u.Disabled = true
			u.Attrs = AttrsFrom(map[string]string{AttrDisabledDate: "2026-01-01"})
		}
		actual = append(actual, u)
	}
	actual = managed(actual...)
	// Institution A loses 8 of 40 users; B's 5 long-disabled users are
	// deleted; nothing else.
	var desired []Object
	for _, a := range actual {
		if a.Key >= "user/a08" && a.Key < "user/b" || a.Key >= "user/b05" {
			d := a.Clone()
			d.Managed, d.ID = false, ""
			desired = append(desired, d)
		}
	}
	p, err := Compute(desired, actual, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	th := Thresholds{
		Disable:        map[Kind]Limit{User: {Percent: 50}},
		Delete:         map[Kind]Limit{User: {Count: 4}},
		PerInstitution: Limit{Percent: 15},
	}
	err = p.Check(th)
	var te *ThresholdError
	if !errors.As(err, &te) || !errors.Is(err, ErrThreshold) {
		t.Fatalf("err = %v", err)
	}
	var got []string
	for _, b := range te.Breaches {
		got = append(got, fmt.Sprintf("%s %s %s %d/%d", b.Action, b.Kind, b.Institution, b.Count, b.Total))
	}
	want := []string{
		"delete user  5/80",
		"no-op  A 8/40",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("breaches (-want +got):\n%s", diff)
	}
	if err := p.Check(Thresholds{}); err != nil {
		t.Errorf("no thresholds: %v", err)
	}
}

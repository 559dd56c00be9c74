package provision_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestStateHoldsNoCPR: the previous snapshot kept for the year roll is
// stored without CPR numbers.
func TestStateHoldsNoCPR(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	var cprs []string
	for _, p := range s.Persons {
		if p.CPR != "" {
			cprs = append(cprs, p.CPR)
		}
	}
	if len(cprs) == 0 {
		t.Fatal("the synthetic snapshot has no CPR numbers to look for")
	}
	j := job(t, s, memdir.New(), true)
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(j.Config.State)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cprs {
		if strings.Contains(string(b), c) {
			t.Fatalf("state file holds CPR %s…", c[:6])
		}
	}
	n := 0
	for _, p := range s.Persons {
		if p.CPR != "" {
			n++
		}
	}
	if n != len(cprs) {
		t.Errorf("the caller's snapshot lost CPR numbers: %d of %d left", n, len(cprs))
	}
}

// TestEndedSchoolYearWarns: a snapshot whose school year has ended gets a
// loud warning in the output.
func TestEndedSchoolYearWarns(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	first, ok := orgmodel.ParseSchoolYear(s.SchoolYear)
	if !ok {
		t.Fatalf("school year %q", s.SchoolYear)
	}
	for _, tc := range []struct {
		now  time.Time
		warn bool
	}{
		{time.Date(first+1, time.June, 30, 12, 0, 0, 0, time.UTC), false},
		{time.Date(first+1, time.August, 2, 12, 0, 0, 0, time.UTC), true},
	} {
		j := job(t, s, memdir.New(), false)
		j.Now = tc.now
		var out strings.Builder
		j.Out = &out
		if _, err := j.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "WARNING: the snapshot is for school year "+s.SchoolYear+", which ended"); got != tc.warn {
			t.Errorf("at %s: warning %v, want %v:\n%.300s", tc.now.Format(time.DateOnly), got, tc.warn, out.String())
		}
	}
}

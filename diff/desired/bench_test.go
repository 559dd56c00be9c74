package desired_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// BenchmarkPlan measures one planning run as a municipality's nightly sync
// does it: project the snapshot into desired objects and diff them against
// an actual state that drifted by 1 % (renamed users, edited attributes,
// removed members, missing objects). Generating the snapshot, assigning
// usernames and making the actual state are outside the timer.
//
//	go test -run '^$' -bench Plan -benchmem -benchtime 5x ./diff/desired/
func BenchmarkPlan(b *testing.B) {
	for _, size := range []struct {
		name string
		cfg  synth.Config
	}{{"persons=60k", synth.Medium}, {"persons=1M", synth.National}} {
		b.Run(size.name, func(b *testing.B) {
			s := synth.Generate(size.cfg)
			now := synth.ReferenceTime(s.SchoolYear)
			// UNI-Login's 4 letters + 4 digits has 10,000 names per
			// letter prefix: too few for a national population, so the
			// benchmark uses one more digit.
			std, err := naming.ParseStandard("bench", "{name:4}{n:5}")
			if err != nil {
				b.Fatal(err)
			}
			gen, err := naming.NewGenerator(std, naming.NewReserved(), naming.Options{Rand: rand.NewChaCha8([32]byte{7})})
			if err != nil {
				b.Fatal(err)
			}
			names, err := desired.AssignUsernames(context.Background(), s, now, nil, gen)
			if err != nil {
				b.Fatal(err)
			}
			proj, err := desired.DefaultConfig().Compile()
			if err != nil {
				b.Fatal(err)
			}
			in := desired.Input{At: now, Usernames: names}
			want, err := proj.Build(s, in)
			if err != nil {
				b.Fatal(err)
			}
			actual := drift(want, 0.01)
			opts := diff.Options{Now: now, Quarantine: desired.KeyDisabled, Retired: desired.KeyRetired}
			b.ReportAllocs()
			b.ResetTimer()
			var changes int
			for b.Loop() {
				objs, err := proj.Build(s, in)
				if err != nil {
					b.Fatal(err)
				}
				plan, err := diff.Compute(objs, actual, opts)
				if err != nil {
					b.Fatal(err)
				}
				changes = len(plan.Changes)
			}
			b.StopTimer()
			b.ReportMetric(float64(len(want)), "objects")
			b.ReportMetric(float64(changes), "changes")
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
			}
		})
	}
}

// drift returns the desired objects as a target would read them back, with
// a share of them changed the way directories drift.
func drift(want []diff.Object, share float64) []diff.Object {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]diff.Object, 0, len(want))
	for _, o := range want {
		o = o.Clone()
		o.Managed, o.ID = true, o.Key
		if r.Float64() < share {
			switch r.IntN(4) {
			case 0:
				o.Name += " (edited)"
			case 1:
				if o.Attrs == nil {
					o.Attrs = map[string]string{}
				}
				o.Attrs["displayName"] = fmt.Sprintf("drift %d", r.IntN(1000))
			case 2:
				if len(o.Members) > 0 {
					o.Members = o.Members[1:]
				}
			case 3:
				if o.Kind == diff.User {
					continue // missing: the plan creates it again
				}
			}
		}
		out = append(out, o)
	}
	return out
}

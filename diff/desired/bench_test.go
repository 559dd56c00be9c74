package desired_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

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
//	go test -run '^$' -bench Plan -benchmem -benchtime 3x -timeout 30m ./diff/desired/
//
// Besides time and allocations it reports, per run, the CPU time of the
// whole process (cpu-ms/op: user + system, so garbage collection on other
// cores counts; steadier than wall time on a shared machine), the heap the
// fixture holds before the loop (the snapshot and the actual objects), the
// highest heap seen during the loop (sampled every millisecond, garbage not
// yet collected included), the highest live heap a collection found during
// the loop (what planning really needs; with the default GOGC=100 the heap
// may grow to about twice that before the next collection, and GOMEMLIMIT
// caps it) and the process's peak resident set since it started.
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
			objects := len(want)
			want = nil // the loop builds its own; keep only what a sync holds
			opts := diff.Options{Now: now, Quarantine: desired.KeyDisabled, Retired: desired.KeyRetired}

			runtime.GC()
			fixture := heapBytes()
			cpu0 := cpuTime()
			peak := watchHeap()
			b.ReportAllocs()
			b.ResetTimer()
			var changes, runs int
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
				runs++
			}
			b.StopTimer()
			peakHeap, peakLive := peak()
			cpu := cpuTime() - cpu0
			runtime.KeepAlive(actual)
			b.ReportMetric(float64(objects), "objects")
			b.ReportMetric(float64(changes), "changes")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(runs), "cpu-ms/op")
			b.ReportMetric(float64(fixture)/(1<<20), "fixture-heap-MB")
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peakLive)/(1<<20), "peak-live-MB")
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
			}
		})
	}
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapBytes returns the bytes of heap memory occupied by objects, live or
// not yet swept.
func heapBytes() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// watchHeap samples the heap every millisecond until the returned function
// is called, which returns the highest heap (heapBytes) and the highest
// live heap (as of the last collection) seen.
func watchHeap() (stop func() (heap, live uint64)) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak, peakLive uint64
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			peakLive = max(peakLive, sample[1].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		return peak, peakLive
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
				o.Attrs.Set("displayName", fmt.Sprintf("drift %d", r.IntN(1000)))
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

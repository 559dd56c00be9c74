package entra_test

import (
	"context"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// costRun applies the first sync of a generated municipality and returns
// the number of changes and the HTTP requests the apply took (reads
// excluded).
func costRun(t testing.TB, sc synth.Config, batchSize int) (changes, requests int) {
	t.Helper()
	m := newMunicipality(t, sc)
	tn := newTenant(t, graphfake.Options{Seed: 20, YoungGroupAttempts: 1}, func(c *entra.Config) { c.BatchSize = batchSize })
	want := tn.c.Prepare(m.build(t))
	p, _ := plan(t, tn.c, want, m.at)
	tn.srv.ResetCounts()
	if _, err := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 64, Sleep: noSleep}); err != nil {
		t.Fatal(err)
	}
	requests = tn.srv.Counts().Requests
	converged(t, tn.c, want, m.at)
	return len(p.Changes), requests
}

// TestBatchingCost: JSON batching cuts the HTTP requests of a first sync
// at least 15-fold against one request per change.
func TestBatchingCost(t *testing.T) {
	n, batched := costRun(t, synth.Tiny, 20)
	n1, single := costRun(t, synth.Tiny, 1)
	if n != n1 {
		t.Fatalf("plans differ: %d and %d changes", n, n1)
	}
	per := func(r int) float64 { return float64(r) * 1000 / float64(n) }
	ratio := float64(single) / float64(batched)
	t.Logf("%d changes: batched %d requests (%.0f per 1,000 changes), one per request %d (%.0f per 1,000): %.1fx fewer",
		n, batched, per(batched), single, per(single), ratio)
	if ratio < 15 {
		t.Errorf("batching saves only %.1fx requests, want at least 15x", ratio)
	}
}

// BenchmarkApplyFirstSync measures the first sync of a small municipality
// through the fake, batched and unbatched, and reports the HTTP requests
// per 1,000 changes.
func BenchmarkApplyFirstSync(b *testing.B) {
	for _, size := range []struct {
		name string
		cfg  synth.Config
	}{{"tiny", synth.Tiny}, {"small", synth.Small}} {
		for _, bs := range []struct {
			name string
			size int
		}{{"batch20", 20}, {"single", 1}} {
			b.Run(size.name+"/"+bs.name, func(b *testing.B) {
				var changes, requests int
				for b.Loop() {
					c, r := costRun(b, size.cfg, bs.size)
					changes += c
					requests += r
				}
				b.ReportMetric(float64(changes)/float64(b.N), "changes/op")
				b.ReportMetric(float64(requests)*1000/float64(changes), "requests/1000changes")
			})
		}
	}
}

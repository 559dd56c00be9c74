package snapstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// BenchmarkMinimiserFiles minimises a file store of 13 snapshots of
// 5,000 persons (synth.Small), 12 of them due: read, strip, rewrite. Each
// iteration starts from a fresh copy of the store.
func BenchmarkMinimiserFiles(b *testing.B) {
	ctx := context.Background()
	s := synth.Generate(synth.Small)
	t0 := time.Date(2024, 1, 10, 6, 0, 0, 0, time.UTC)
	for b.Loop() {
		b.StopTimer()
		store, err := snapstore.OpenFiles(filepath.Join(b.TempDir(), "snaps"))
		if err != nil {
			b.Fatal(err)
		}
		for i := range 13 {
			if _, err := store.Save(ctx, s, t0.AddDate(0, i, 0)); err != nil {
				b.Fatal(err)
			}
		}
		m := &snapstore.Minimiser{Store: store}
		b.StartTimer()
		res, err := m.Minimise(ctx, t0.AddDate(0, 12+13, 0))
		if err != nil || res.Snapshots != 12 {
			b.Fatalf("%+v, %v", res, err)
		}
	}
}

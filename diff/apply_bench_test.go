package diff

import (
	"context"
	"fmt"
	"io"
	"testing"
)

type nopApplier struct{}

func (nopApplier) Apply(context.Context, Change) error { return nil }

// benchApply applies a plan of n user creates (with memberships) to a
// target that does nothing, with or without the write-ahead JSON-lines
// audit, to show what Apply and its audit cost per change.
func benchApply(b *testing.B, n int, audit bool) {
	desired := []Object{ctr("a", "a", "")}
	var members []string
	for i := range n {
		k := fmt.Sprintf("user/%d", i)
		desired = append(desired, usr(k, k, "a", "username", fmt.Sprintf("u%d", i), "givenName", "Given", "familyName", "Family"))
		members = append(members, k)
	}
	desired = append(desired, grp("g", "g", "a", members...))
	p, err := Compute(desired, nil, Options{Now: testNow})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		opt := ApplyOptions{Concurrency: 16}
		if audit {
			opt.Auditor = NewJSONLAuditor(io.Discard)
		}
		if _, err := Apply(context.Background(), nopApplier{}, p, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(p.Changes)), "ns/change")
}

func BenchmarkApply10k(b *testing.B)        { benchApply(b, 10_000, false) }
func BenchmarkApply10kAudited(b *testing.B) { benchApply(b, 10_000, true) }

package ad_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// BenchmarkDeltaRun compares a delta run with a full run over the 20,000
// managed users BenchmarkRead seeds (under OU=bench-read, kept): in each
// iteration 10 of them are changed by hand (employeeNumber), then one
// Client reads with ReadDelta and another with Read, and both plan
// against the state before the changes (10 updates). It reports the
// read and run (read + plan) times of both and their ratios; the goal is
// a delta run in at most a twentieth of a full run. The delta's plan is
// checked to equal the full run's.
func BenchmarkDeltaRun(b *testing.B) {
	s := samba(b)
	base := "OU=bench-read,OU=orgsync-tests," + s.base
	cfg := s.config(base)
	ctx := context.Background()
	delta, full := s.clientAt(b, cfg), s.clientAt(b, cfg)
	desired, err := delta.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if len(desired) < benchRead {
		b.Skipf("%d entries under %s; run BenchmarkRead first to seed %d", len(desired), base, benchRead)
	}
	// The first delta after a full read also asks whether the account
	// sees tombstones (slow on a domain with many): reported apart, the
	// loop measures the delta runs between two full runs.
	start := time.Now()
	if _, err := delta.ReadDelta(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("first delta read after a full read (with the tombstone question): %v", time.Since(start))
	conn := s.conn(b)
	defer conn.Close()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	opts := diff.Options{Now: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
	var dRead, dRun, fRead, fRun time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		for i := range 10 {
			dn := fmt.Sprintf("CN=Seed %06d,%s", (n*37+i*1999)%benchRead, base)
			m := ldap.NewModifyRequest(dn, nil)
			m.Replace("employeeNumber", []string{fmt.Sprintf("bench-%s-%d-%d", run, n, i)})
			if err := conn.Modify(m); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start = time.Now()
		got, err := delta.ReadDelta(ctx)
		if err != nil {
			b.Fatal(err)
		}
		dRead += time.Since(start)
		pd, err := diff.Compute(desired, got, opts)
		if err != nil {
			b.Fatal(err)
		}
		dRun += time.Since(start)
		if !ad.LastReadWasDelta(delta) {
			b.Fatal("ReadDelta read everything")
		}
		b.StopTimer()
		start = time.Now()
		all, err := full.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		fRead += time.Since(start)
		pf, err := diff.Compute(desired, all, opts)
		if err != nil {
			b.Fatal(err)
		}
		fRun += time.Since(start)
		if len(pd.Changes) != len(pf.Changes) || len(pd.Changes) < 10 {
			b.Fatalf("delta plan %d changes, full plan %d", len(pd.Changes), len(pf.Changes))
		}
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(n) }
	b.ReportMetric(per(dRead), "delta-read-s")
	b.ReportMetric(per(fRead), "full-read-s")
	b.ReportMetric(per(dRun), "delta-run-s")
	b.ReportMetric(per(fRun), "full-run-s")
	b.ReportMetric(fRun.Seconds()/dRun.Seconds(), "run-ratio")
	b.ReportMetric(fRead.Seconds()/dRead.Seconds(), "read-ratio")
}

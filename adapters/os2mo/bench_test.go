package os2mo_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/os2mo"
	"github.com/orgsync/orgsync/adapters/os2mo/os2mofake"
	"github.com/orgsync/orgsync/orgmodel"
)

// BenchmarkRead reads 10,000 employees (2,000 with a second, future-dated
// engagement), 1,500 units, their managers and AD IT users from the fake
// over HTTP with the default page size, and reports the GraphQL requests
// per read, the process's CPU time per read and its peak heap in MB (both
// with the fake included: client and server share the process).
//
//	go test ./adapters/os2mo/ -run '^$' -bench Read -benchtime 3x -benchmem
func BenchmarkRead(b *testing.B) {
	fake := os2mofake.New("orgsync", "s3cret")
	fake.Now = func() time.Time { return testNow }
	ad := fake.Synthetic(10_000, 1_500, testNow)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := os2mo.New(os2mo.Config{URL: srv.URL, TokenURL: srv.URL + os2mofake.TokenPath, ClientID: "orgsync", ClientSecret: "s3cret"})
	if err != nil {
		b.Fatal(err)
	}
	m := os2mo.Mapping{Institution: kommune, ADSystem: ad,
		Hierarchies: map[string]orgmodel.Hierarchy{"med": orgmodel.MED}}
	var peak uint64
	var requests int
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Read(context.Background(), os2mo.Window{From: testNow}, m)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Snapshot.Persons) != 10_000 || len(res.Snapshot.Units) != 1_500 || len(res.Snapshot.Affiliations) != 12_000 {
			b.Fatalf("read %d persons, %d units, %d affiliations", len(res.Snapshot.Persons), len(res.Snapshot.Units), len(res.Snapshot.Affiliations))
		}
		requests = res.Requests
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapSys)
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

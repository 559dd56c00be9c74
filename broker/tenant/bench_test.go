package tenant_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/broker/tenant"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// countingStore counts a store's operations and bytes (the store load);
// a Swap counts as a put.
type countingStore struct {
	broker.Store
	gets, puts, lists, getBytes, putBytes atomic.Int64
}

func (c *countingStore) Get(ctx context.Context, k string) ([]byte, error) {
	v, err := c.Store.Get(ctx, k)
	c.gets.Add(1)
	c.getBytes.Add(int64(len(v)))
	return v, err
}

func (c *countingStore) Put(ctx context.Context, k string, v []byte) error {
	c.puts.Add(1)
	c.putBytes.Add(int64(len(v)))
	return c.Store.Put(ctx, k, v)
}

func (c *countingStore) Swap(ctx context.Context, k string, old, v []byte) error {
	c.puts.Add(1)
	c.putBytes.Add(int64(len(v)))
	return c.Store.(broker.Swapper).Swap(ctx, k, old, v)
}

func (c *countingStore) List(ctx context.Context, p string) ([]string, error) {
	c.lists.Add(1)
	return c.Store.List(ctx, p)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set (VmHWM), in MB.
func peakRSS() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkService10x5k is one broker service carrying 10 synthetic
// municipalities of about 5,000 persons each, one memdir client each with
// a 1-minute delta interval, over an hour of simulated cycles (injected
// clock): every minute each municipality's source changes 5 persons'
// family names (a new snapshot) and every client runs. It reports CPU
// and wall time per simulated hour and per delta run, heap after the
// hour, peak RSS and the store load per cycle. The first sync (before
// the hour) is reported apart.
//
//	go test ./broker/tenant -run '^$' -bench Service10x5k -benchtime 1x
func BenchmarkService10x5k(b *testing.B) {
	const munis, cycles = 10, 60
	ctx := context.Background()
	for range b.N {
		store := &countingStore{Store: &broker.MemoryStore{}}
		snaps := make([]*orgmodel.Snapshot, munis)
		clk := &clock{}
		var ms []tenant.Municipality
		for i := range munis {
			snaps[i] = synth.Generate(synth.Config{Seed: int64(i + 1), Persons: 5_000})
			cfg := provision.Defaults()
			cfg.Usernames.Seed = 1
			ms = append(ms, tenant.Municipality{ID: fmt.Sprintf("k%02d", i), Auth: api.Tokens{},
				Clients: []broker.Client{{Name: "dir", Target: memdir.New(), Config: cfg, Delta: time.Minute, FullSyncHour: -1}}})
		}
		clk.t = synth.ReferenceTime(snaps[0].SchoolYear)
		s, err := tenant.New(ctx, tenant.Options{Store: store, Clock: clk.Now, Log: quiet}, ms...)
		if err != nil {
			b.Fatal(err)
		}
		for i, id := range s.IDs() {
			br, _ := s.Broker(id)
			if err := br.SetSnapshot(ctx, snaps[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		cpu0, t0 := cpuTime(), time.Now()
		s.Tick(ctx) // the first sync
		firstCPU, firstWall := cpuTime()-cpu0, time.Since(t0)
		for _, id := range s.IDs() {
			br, _ := s.Broker(id)
			if st, _ := br.Status("dir"); st.Error != "" || st.Last.Applied == 0 {
				b.Fatalf("%s first sync: %+v", id, st.Last)
			}
		}
		gets, puts, getB, putB := store.gets.Load(), store.puts.Load(), store.getBytes.Load(), store.putBytes.Load()
		cpu0, t0 = cpuTime(), time.Now()
		var heapMax uint64
		applied := 0
		for c := range cycles {
			clk.mu.Lock()
			clk.t = clk.t.Add(time.Minute)
			clk.mu.Unlock()
			for i, id := range s.IDs() {
				next := *snaps[i]
				next.Persons = slices.Clone(snaps[i].Persons)
				for j := range 5 {
					p := &next.Persons[(c*5+j*997)%len(next.Persons)]
					p.FamilyName = fmt.Sprintf("Navn%d", c)
				}
				snaps[i] = &next
				br, _ := s.Broker(id)
				if err := br.SetSnapshot(ctx, &next); err != nil {
					b.Fatal(err)
				}
			}
			s.Tick(ctx)
			for _, id := range s.IDs() {
				br, _ := s.Broker(id)
				st, _ := br.Status("dir")
				if st.Error != "" || !st.LastAttempt.Equal(clk.Now()) {
					b.Fatalf("cycle %d, %s: %+v", c, id, st)
				}
				applied += st.Last.Applied
			}
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			heapMax = max(heapMax, m.HeapInuse)
		}
		hourCPU, hourWall := cpuTime()-cpu0, time.Since(t0)
		runs := float64(munis * cycles)
		b.ReportMetric(firstCPU.Seconds(), "first-sync-cpu-s")
		b.ReportMetric(firstWall.Seconds(), "first-sync-wall-s")
		b.ReportMetric(hourCPU.Seconds(), "hour-cpu-s")
		b.ReportMetric(hourWall.Seconds(), "hour-wall-s")
		b.ReportMetric(float64(hourCPU.Milliseconds())/runs, "cpu-ms/delta-run")
		b.ReportMetric(float64(applied)/runs, "changes/delta-run")
		b.ReportMetric(float64(heapMax)/(1<<20), "max-heap-inuse-MB")
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
		b.ReportMetric(float64(store.gets.Load()-gets)/cycles, "store-gets/cycle")
		b.ReportMetric(float64(store.puts.Load()-puts)/cycles, "store-puts/cycle")
		b.ReportMetric(float64(store.getBytes.Load()-getB)/cycles/(1<<20), "store-get-MB/cycle")
		b.ReportMetric(float64(store.putBytes.Load()-putB)/cycles/(1<<20), "store-put-MB/cycle")
	}
}

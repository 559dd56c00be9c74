package mariadb

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), newDB(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLeases: a lease is exclusive until it expires by the injected
// clock; a new holder gets a larger token; the old holder's renewal then
// fails; a released lease is free at once.
func TestLeases(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	clk := &clock{t: time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)}
	a, b := s.NewLeases("a", time.Minute), s.NewLeases("b", time.Minute)
	a.Clock, b.Clock = clk.Now, clk.Now

	la, ok, err := a.Acquire(ctx, "ad")
	if err != nil || !ok || la.Token != 1 {
		t.Fatalf("a.Acquire = %+v, %v, %v; want token 1", la, ok, err)
	}
	if got, ok, _ := b.Acquire(ctx, "ad"); ok || got.Holder != "a" {
		t.Fatalf("b.Acquire while a holds it = %+v, %v", got, ok)
	}
	if _, ok, _ := b.Acquire(ctx, "google"); !ok {
		t.Fatal("b cannot take another client")
	}
	clk.Add(50 * time.Second)
	if la2, ok, _ := a.Acquire(ctx, "ad"); !ok || la2.Token != 1 || !la2.Expires.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("a renews = %+v, %v", la2, ok)
	}
	clk.Add(59 * time.Second)
	if _, ok, _ := b.Acquire(ctx, "ad"); ok {
		t.Fatal("b took a's renewed lease before it expired")
	}
	clk.Add(time.Second) // a's lease expires now
	lb, ok, err := b.Acquire(ctx, "ad")
	if err != nil || !ok || lb.Token != 2 {
		t.Fatalf("b.Acquire after expiry = %+v, %v, %v; want token 2", lb, ok, err)
	}
	if _, err := a.renew(ctx, la); !errors.Is(err, errLost) {
		t.Errorf("a's renewal after b took over = %v, want lost", err)
	}
	if err := a.Release(ctx, la); err != nil { // not a's any more: no effect
		t.Fatal(err)
	}
	if _, ok, _ := a.Acquire(ctx, "ad"); ok {
		t.Fatal("a's stale Release freed b's lease")
	}
	if err := b.Release(ctx, lb); err != nil {
		t.Fatal(err)
	}
	if la3, ok, _ := a.Acquire(ctx, "ad"); !ok || la3.Token != 3 {
		t.Fatalf("a.Acquire after release = %+v, %v; want token 3", la3, ok)
	}
	all, err := a.List(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("List = %+v, %v", all, err)
	}
}

// TestLeasesConcurrent: many instances racing for one free lease: exactly
// one gets it.
func TestLeasesConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	var mu sync.Mutex
	var winners []string
	var wg sync.WaitGroup
	for _, h := range []string{"a", "b", "c", "d", "e", "f"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := s.NewLeases(h, time.Minute).Acquire(ctx, "ad")
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				winners = append(winners, h)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("winners = %q, want exactly one", winners)
	}
}

// TestHoldLost: a run's context is cancelled when its lease is taken
// over meanwhile.
func TestHoldLost(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	clk := &clock{t: time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)}
	a, b := s.NewLeases("a", time.Minute), s.NewLeases("b", time.Minute)
	a.Clock, b.Clock = clk.Now, clk.Now
	a.Renew = time.Millisecond
	a.Log = slog.New(slog.DiscardHandler)
	// b's clock is two minutes ahead: to b, a's lease has expired (as if
	// a's renewals had stalled), so b takes it.
	b.Clock = func() time.Time { return clk.Now().Add(2 * time.Minute) }
	held, done, err := a.Hold(ctx, "ad")
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if _, _, err := b.Hold(ctx, "ad"); err != nil {
		t.Fatalf("b.Hold after expiry: %v", err)
	}
	<-held.Done() // a's next renewal finds the lease lost
	if _, _, err := a.Hold(ctx, "ad"); !errors.Is(err, broker.ErrLeased) {
		t.Errorf("a.Hold while b holds it = %v, want ErrLeased", err)
	}
}

// TestTwoBrokers: two broker instances on one database; the first to
// tick holds the client and applies it, the other skips it; when the
// first stops renewing (it died), the other takes the client over after
// the TTL and finds nothing left to do. The status is shared: both
// instances read the same.
func TestTwoBrokers(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	snap := synth.Generate(synth.Tiny)
	clk := &clock{t: synth.ReferenceTime(snap.SchoolYear)}
	dir := memdir.New() // the one directory both instances keep in step
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	quiet := slog.New(slog.DiscardHandler)
	var mu sync.Mutex
	runs := map[string][]*broker.RunReport{} // by instance
	newInstance := func(holder string) *broker.Broker {
		l := s.NewLeases(holder, time.Minute)
		l.Clock = clk.Now
		onRun := func(_ string, rep *broker.RunReport) {
			mu.Lock()
			defer mu.Unlock()
			runs[holder] = append(runs[holder], rep)
		}
		b, err := broker.New(ctx, broker.Options{Store: s, Clock: clk.Now, Log: quiet, Leases: l, OnRun: onRun},
			broker.Client{Name: "ad", Target: dir, Config: cfg, Delta: 10 * time.Second, FullSyncHour: -1})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := newInstance("a")
	if err := a.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	b := newInstance("b")
	a.Tick(ctx)
	b.Tick(ctx)
	sa, _ := a.Status("ad")
	sb, _ := b.Status("ad")
	if sa.Last == nil || sa.Last.Applied == 0 || sa.Error != "" {
		t.Fatalf("a's run: %+v", sa.Last)
	}
	if len(runs["b"]) != 0 {
		t.Fatalf("b ran a client a holds: %+v", runs["b"])
	}
	if !sb.LastAttempt.Equal(sa.LastAttempt) || sb.Last == nil || sb.Last.Applied != sa.Last.Applied {
		t.Errorf("b reads the status %+v, a %+v: want the same", sb, sa)
	}
	if _, err := b.Run(ctx, "ad"); !errors.Is(err, broker.ErrLeased) {
		t.Errorf("b.Run = %v, want ErrLeased", err)
	}
	objects := dir.Len()
	// a dies: nobody renews; b takes over once the lease expired.
	clk.Add(59 * time.Second)
	b.Tick(ctx)
	if len(runs["b"]) != 0 {
		t.Fatal("b took the lease before it expired")
	}
	clk.Add(time.Second)
	b.Tick(ctx)
	sb, _ = b.Status("ad")
	if len(runs["b"]) != 1 || sb.Last == nil || sb.Error != "" || sb.Last.Planned != 0 || !sb.Last.At.Equal(clk.Now()) {
		t.Fatalf("b after taking over: %+v (want one run with nothing to do)", sb.Last)
	}
	if dir.Len() != objects {
		t.Errorf("objects %d after take-over, %d before", dir.Len(), objects)
	}
}

// TestReleaseClaim: a lease given up (a clean shutdown) is free for
// another instance at once; releasing a lease another holds changes
// nothing.
func TestReleaseClaim(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	a, b := s.NewLeases("a", time.Hour), s.NewLeases("b", time.Hour)
	if _, ok, err := a.Acquire(ctx, "ad"); err != nil || !ok {
		t.Fatalf("a.Acquire = %v, %v", ok, err)
	}
	if err := b.ReleaseClaim(ctx, "ad"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.Acquire(ctx, "ad"); ok {
		t.Fatal("b's release freed a's lease")
	}
	if err := a.ReleaseClaim(ctx, "ad"); err != nil {
		t.Fatal(err)
	}
	l, ok, err := b.Acquire(ctx, "ad")
	if err != nil || !ok || l.Holder != "b" || l.Token != 2 {
		t.Fatalf("b.Acquire after a's release = %+v, %v, %v; want b's with token 2", l, ok, err)
	}
}

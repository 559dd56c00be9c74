package broker_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// switchLeaser holds every lease while other is false; with other set,
// another instance holds them all.
type switchLeaser struct{ other atomic.Bool }

func (l *switchLeaser) Hold(ctx context.Context, client string) (context.Context, func(), error) {
	if l.other.Load() {
		return nil, nil, broker.ErrLeased
	}
	return ctx, func() {}, nil
}

// TestLeasedClient: while another instance holds a client's lease, Tick
// skips it, Run refuses it and Approve decides nothing (the item stays
// pending); once the lease is this instance's, the approval applies.
func TestLeasedClient(t *testing.T) {
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	clk := &clock{t: synth.ReferenceTime(snap.SchoolYear)}
	l := &switchLeaser{}
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	b, err := broker.New(ctx, broker.Options{Clock: clk.Now, Log: quiet, Leases: l},
		broker.Client{Name: "a", Target: memdir.New(), Config: cfg, Delta: time.Minute, FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	b.Tick(ctx)
	inst := snap.Institutions[0].Number
	if err := b.SetSnapshot(ctx, without(snap, func(a orgmodel.Affiliation) bool { return snap.AffiliationInstitution(a) == inst })); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	b.Tick(ctx)
	st, _ := b.Status("a")
	id := st.Last.Approval
	if id == "" {
		t.Fatalf("no approval: %+v", st.Last)
	}

	l.other.Store(true)
	clk.Add(time.Hour)
	b.Tick(ctx)
	if st2, _ := b.Status("a"); !st2.LastAttempt.Equal(st.LastAttempt) {
		t.Error("Tick ran a client another instance holds")
	}
	if _, err := b.Run(ctx, "a"); !errors.Is(err, broker.ErrLeased) {
		t.Errorf("Run = %v, want ErrLeased", err)
	}
	if err := b.Approve(ctx, id, "admin"); !errors.Is(err, broker.ErrLeased) {
		t.Errorf("Approve = %v, want ErrLeased", err)
	}
	if a, _ := b.Approval(id); a.Status != "pending" {
		t.Errorf("approval %s after a leased Approve, want pending", a.Status)
	}

	l.other.Store(false)
	if err := b.Approve(ctx, id, "admin"); err != nil {
		t.Fatal(err)
	}
	if a, _ := b.Approval(id); a.Status != "applied" {
		t.Errorf("approval %s, want applied", a.Status)
	}
}

// releasingLeaser holds every lease and records the claims released.
type releasingLeaser struct {
	mu       sync.Mutex
	released []string
}

func (l *releasingLeaser) Hold(ctx context.Context, client string) (context.Context, func(), error) {
	return ctx, func() {}, nil
}

func (l *releasingLeaser) ReleaseClaim(_ context.Context, client string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.released = append(l.released, client)
	return nil
}

// TestLoopReleasesClaims: when Loop stops (a clean shutdown), it gives up
// every client's lease, so that a standby takes over at once.
func TestLoopReleasesClaims(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	l := &releasingLeaser{}
	cfg := provision.Defaults()
	b, err := broker.New(ctx, broker.Options{Log: quiet, Leases: l},
		broker.Client{Name: "a", Target: memdir.New(), Config: cfg, FullSyncHour: -1},
		broker.Client{Name: "b", Target: memdir.New(), Config: cfg, FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); b.Loop(ctx, time.Hour, time.Second) }()
	time.Sleep(10 * time.Millisecond)
	l.mu.Lock()
	if len(l.released) != 0 {
		t.Errorf("released while running: %q", l.released)
	}
	l.mu.Unlock()
	cancel()
	<-done
	if !slices.Equal(l.released, []string{"a", "b"}) {
		t.Errorf("released %q at shutdown, want [a b]", l.released)
	}
}

package broker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// extras is the state of the run history and the plans made ahead
// (history.go, planahead.go). Its zero value is ready to use.
type extras struct {
	histMu sync.Mutex // one history write at a time

	mu     sync.Mutex
	plans  map[string]planned // per client: the latest plan made ahead or by DryRun
	queued map[string]bool    // per client: a plan ahead is queued or in flight
	again  map[string]bool    // per client: plan again when the one in flight is done
	active int                // plans ahead queued or in flight
	idle   *sync.Cond         // signalled when active drops to 0
	seq    uint64             // orders the plans by when their fingerprint was taken
}

// planned is a plan with the fingerprint of the broker's state it was
// made from.
type planned struct {
	pd  *Pending
	key string
	seq uint64
}

// planKey fingerprints what a client's plan depends on besides its
// target: the source snapshot, the client's last run and pause, the
// locks, the keep-alive list (and which entries have expired), the
// primary overrides and the client's approvals. A plan made ahead is
// reused only while its fingerprint holds.
func (b *Broker) planKey(name string) string {
	st, err := b.Status(name)
	if err != nil {
		return ""
	}
	now := b.opt.Clock()
	var k strings.Builder
	fmt.Fprintf(&k, "snap=%p attempt=%d paused=%t", b.Snapshot(), st.LastAttempt.UnixNano(), st.Paused)
	for _, l := range b.Locks() {
		fmt.Fprintf(&k, " lock=%s", l.Institution)
	}
	for _, ka := range b.KeepAlives() {
		fmt.Fprintf(&k, " keep=%s/%d/%t", ka.PersonID, ka.Until.UnixNano(), now.Before(ka.Until))
	}
	for _, p := range b.Primaries() {
		fmt.Fprintf(&k, " primary=%s/%s", p.PersonID, p.Institution)
	}
	for _, a := range b.Approvals() {
		if a.Client == name {
			fmt.Fprintf(&k, " approval=%s/%s", a.ID, a.Status)
		}
	}
	return k.String()
}

// Planned returns the client's plan made ahead (Options.PlanAhead) or by
// the last DryRun, when nothing it depends on in the broker changed since
// (a change made to the target directly is seen by the next plan).
// Pending.At says when it was made.
func (b *Broker) Planned(name string) (*Pending, bool) {
	key := b.planKey(name)
	b.x.mu.Lock()
	p, ok := b.x.plans[name]
	b.x.mu.Unlock()
	if !ok || key == "" || p.key != key {
		return nil, false
	}
	return p.pd, true
}

// DryRun plans a client now without applying anything, also a paused one,
// reading the whole target (as Pending), and keeps the plan as the
// client's planned one (Planned).
func (b *Broker) DryRun(ctx context.Context, name string) (*Pending, error) {
	if _, ok := b.clients[name]; !ok {
		return nil, fmt.Errorf("client %q: %w", name, ErrUnknown)
	}
	return b.planNow(ctx, name)
}

// planNow plans a client and keeps the plan with the fingerprint of the
// state it was made from.
// A plan whose fingerprint was taken before the kept one's never replaces
// it (two plans of a client may finish in either order).
func (b *Broker) planNow(ctx context.Context, name string) (*Pending, error) {
	b.x.mu.Lock()
	b.x.seq++
	seq := b.x.seq
	b.x.mu.Unlock()
	key := b.planKey(name)
	pd, err := b.Pending(ctx, name)
	if err != nil {
		return nil, err
	}
	b.x.mu.Lock()
	if b.x.plans == nil {
		b.x.plans = map[string]planned{}
	}
	if old, ok := b.x.plans[name]; !ok || old.seq < seq {
		b.x.plans[name] = planned{pd: pd, key: key, seq: seq}
	}
	b.x.mu.Unlock()
	return pd, nil
}

// planAhead plans the clients in the background when Options.PlanAhead is
// set (after a snapshot, a run, a pause or resume, a release, an approval), so that the
// pending view reads a plan made ahead (Planned). A client whose plan is
// in flight is planned once more after it; requests meanwhile are
// coalesced. It never blocks.
func (b *Broker) planAhead(names ...string) {
	if !b.opt.PlanAhead {
		return
	}
	x := &b.x
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.queued == nil {
		x.queued, x.again = map[string]bool{}, map[string]bool{}
	}
	for _, n := range names {
		if b.clients[n] == nil {
			continue
		}
		if x.queued[n] {
			x.again[n] = true
			continue
		}
		x.queued[n] = true
		x.active++
		go b.planLoop(n)
	}
}

func (b *Broker) planLoop(name string) {
	x := &b.x
	for {
		// A plan ahead is never cancelled: it only reads the target, and a
		// process that ends meanwhile simply drops it.
		if _, err := b.planNow(context.Background(), name); err != nil {
			b.opt.Log.Debug("plan ahead", "client", name, "err", err)
		}
		x.mu.Lock()
		if !x.again[name] {
			delete(x.queued, name)
			x.active--
			if x.active == 0 && x.idle != nil {
				x.idle.Broadcast()
			}
			x.mu.Unlock()
			return
		}
		delete(x.again, name)
		x.mu.Unlock()
	}
}

// WaitPlans returns when no plan ahead is queued or in flight (tests, and
// a graceful shutdown), or when ctx is done.
func (b *Broker) WaitPlans(ctx context.Context) error {
	x := &b.x
	stop := context.AfterFunc(ctx, func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.idle != nil {
			x.idle.Broadcast()
		}
	})
	defer stop()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.idle == nil {
		x.idle = sync.NewCond(&x.mu)
	}
	for x.active > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		x.idle.Wait()
	}
	return nil
}

// planAheadAll plans every client ahead.
func (b *Broker) planAheadAll() { b.planAhead(slices.Clone(b.names)...) }

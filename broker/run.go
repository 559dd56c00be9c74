package broker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

// Approval is a plan a safety threshold refused, waiting for a decision.
// Approving it applies exactly this plan once (as a saved plan: nothing
// is applied when the target changed since it was made), never a later
// one.
type Approval struct {
	ID     string    `json:"id"`
	Client string    `json:"client"`
	At     time.Time `json:"at"`
	// Reason is the threshold's refusal.
	Reason  string       `json:"reason"`
	Summary diff.Summary `json:"summary"`
	// Status is "pending", "applied", "failed", "stale" (the target
	// changed: nothing applied), "superseded" (a later run refused a
	// different plan), "rejected", or "deciding" while it is applied (an
	// item left "deciding" by a crash is never applied again: the audit
	// log shows how far it got, and the next run plans the rest).
	Status    string    `json:"status"`
	DecidedBy string    `json:"decidedBy,omitempty"`
	DecidedAt time.Time `json:"decidedAt,omitzero"`
	Error     string    `json:"error,omitempty"`
	// Saved is the plan and the state it was made with.
	Saved *provision.SavedPlan `json:"saved"`
}

// Pending is what a client would do now.
type Pending struct {
	Client string `json:"client"`
	// At is when the plan was made.
	At   time.Time  `json:"at"`
	Plan *diff.Plan `json:"plan"`
	// YearRoll explains the year roll this plan includes, and Locks the
	// institutions held back (each with the roll done on release).
	YearRoll string `json:"yearRoll,omitempty"`
	Locks    []Lock `json:"locks,omitempty"`
	// Refused is the safety threshold's refusal, if it would refuse.
	Refused string `json:"refused,omitempty"`
}

func (b *Broker) job(ctx context.Context, c *client, now time.Time) (*provision.Job, error) {
	snap, err := b.effective(ctx, now)
	if err != nil {
		return nil, err
	}
	primary, err := b.primaryMap(ctx)
	if err != nil {
		return nil, err
	}
	// Each run gets its own copy: validating a snapshot rebuilds its
	// index, and clients run at once. The data is shared, not changed.
	cp := *snap
	return &provision.Job{Config: c.Config, Snapshot: &cp, Target: c.Target, State: b.stateOf(c.Name),
		Now: now, Clock: b.opt.Clock, Log: b.opt.Log.With("client", c.Name), Taken: c.Taken, Primary: primary}, nil
}

// Pending plans a client without applying anything (also for a paused
// client).
func (b *Broker) Pending(ctx context.Context, name string) (*Pending, error) {
	c, ok := b.clients[name]
	if !ok {
		return nil, fmt.Errorf("client %q: %w", name, ErrUnknown)
	}
	c.run.Lock()
	defer c.run.Unlock()
	j, err := b.job(ctx, c, b.opt.Clock())
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	j.Out = &out
	res, err := j.Run(ctx)
	p := &Pending{Client: name, At: j.Now, Locks: b.Locks()}
	if res != nil {
		p.Plan = res.Plan
		if res.Roll != nil {
			var buf bytes.Buffer
			_ = res.Roll.Explain(&buf)
			p.YearRoll = buf.String()
		}
	}
	if errors.Is(err, diff.ErrThreshold) {
		p.Refused = err.Error()
		err = nil
	}
	return p, err
}

// Due reports whether a client's next run is due at now: it is not
// paused, and its delta interval has passed or its nightly full sync is
// due.
func (b *Broker) due(ctx context.Context, name string, now time.Time) (run, full bool) {
	st, err := b.status(ctx, name)
	if err != nil {
		b.opt.Log.Warn("client status", "client", name, "err", err)
		return false, false
	}
	c := b.clients[name]
	if st.Paused {
		return false, false
	}
	if c.FullSyncHour >= 0 && c.FullSyncHour < 24 {
		y, m, d := now.Date()
		slot := time.Date(y, m, d, c.FullSyncHour, 0, 0, 0, now.Location())
		if !now.Before(slot) && st.LastFull.Before(slot) {
			return true, true
		}
	}
	return st.LastAttempt.IsZero() || !now.Before(st.LastAttempt.Add(c.Delta)), false
}

// Tick runs every client that is due (see Client.Delta and
// Client.FullSyncHour), at once, and returns when they are done. A
// scheduler calls it periodically (Loop); tests call it with a driven
// clock.
//
// With Options.Leases, Tick first takes or renews the lease of every
// client, due or not, and runs only those this instance holds: a client
// another instance holds is skipped, and one whose holder died is taken
// over once its lease expired.
func (b *Broker) Tick(ctx context.Context) {
	now := b.opt.Clock()
	var wg sync.WaitGroup
	for _, n := range b.names {
		held, done, err := b.hold(ctx, n)
		if err != nil {
			if !errors.Is(err, ErrLeased) {
				b.opt.Log.Warn("lease", "client", n, "err", err)
			}
			continue
		}
		run, full := b.due(ctx, n, now)
		if !run {
			done()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer done()
			_, _ = b.runRecorded(held, n, full)
		}()
	}
	wg.Wait()
}

// hold takes the client's lease when the broker has a Leaser.
func (b *Broker) hold(ctx context.Context, name string) (context.Context, func(), error) {
	if b.opt.Leases == nil {
		return ctx, func() {}, nil
	}
	return b.opt.Leases.Hold(ctx, name)
}

// Loop calls Tick every interval until ctx is done, then returns when the
// runs in flight have finished. Runs are not cancelled with ctx: a run in
// flight goes on for up to grace after ctx is done, and is then stopped
// at its next change (diff.Apply checks its context between changes), so
// the change in flight finishes and the state and the audit log are
// saved. With a ClaimReleaser (Options.Leases), the leases are then given
// up, so that another instance takes the clients over at once.
func (b *Broker) Loop(ctx context.Context, every, grace time.Duration) {
	TickLoop(ctx, every, grace, b.Tick, b.releaseClaims)
}

// TickLoop is the scheduling loop of Broker.Loop for any ticker (a
// tenant.Service carries several brokers): tick is called every interval
// with a context that outlives ctx by up to grace, so that the runs in
// flight finish their change in flight; when ctx is done and the last tick
// has returned, release is called (nil: nothing to give up).
func TickLoop(ctx context.Context, every, grace time.Duration, tick, release func(context.Context)) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-runCtx.Done():
		}
	})
	defer stop()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		tick(runCtx)
		select {
		case <-ctx.Done():
			if release != nil {
				release(context.WithoutCancel(ctx))
			}
			return
		case <-t.C:
		}
	}
}

// releaseClaims gives up this instance's leases (ClaimReleaser) when the
// runs have finished.
func (b *Broker) releaseClaims(ctx context.Context) {
	r, ok := b.opt.Leases.(ClaimReleaser)
	if !ok {
		return
	}
	for _, n := range b.names {
		if err := r.ReleaseClaim(ctx, n); err != nil {
			b.opt.Log.Warn("lease: release at shutdown", "client", n, "err", err)
		}
	}
}

// Run runs a client now (unless it is paused) and returns its report.
func (b *Broker) Run(ctx context.Context, name string) (*RunReport, error) {
	if _, ok := b.clients[name]; !ok {
		return nil, fmt.Errorf("client %q: %w", name, ErrUnknown)
	}
	st, err := b.status(ctx, name)
	if err != nil {
		return nil, err
	}
	if st.Paused {
		return nil, fmt.Errorf("client %q: %w", name, ErrPaused)
	}
	held, done, err := b.hold(ctx, name)
	if err != nil {
		return nil, err
	}
	defer done()
	return b.runRecorded(held, name, false)
}

func (b *Broker) run(ctx context.Context, name string, full bool) (*RunReport, error) {
	c := b.clients[name]
	c.run.Lock()
	defer c.run.Unlock()
	now := b.opt.Clock()
	rep := &RunReport{At: now, Full: full}
	j, err := b.job(ctx, c, now)
	var res *provision.Outcome
	if err == nil {
		j.Apply = true
		// A delta run reads only what changed where the target can
		// (provision.DeltaReader); the nightly full run reads everything,
		// which also renews what the next delta reads from.
		j.Delta = !full
		res, err = j.Run(ctx)
	}
	rep.Duration = b.opt.Clock().Sub(now)
	if res != nil && res.Plan != nil {
		rep.Summary = res.Plan.Summary()
		rep.Planned = rep.Summary.Total
	}
	if res != nil && res.Report != nil {
		rep.Applied, rep.Failed, rep.Blocked = res.Report.Applied, res.Report.Failed, res.Report.Blocked
	}
	defer b.flush()
	// The state is saved even when the run was cancelled (lease lost,
	// shutdown): what was applied must be on record.
	sctx := context.WithoutCancel(ctx)
	switch {
	case errors.Is(err, diff.ErrThreshold) && res != nil && res.Plan != nil:
		rep.Refused = true
		rep.Error = err.Error()
		id, aerr := b.refused(sctx, name, now, res, err)
		if aerr != nil {
			rep.Error += "; " + aerr.Error()
		}
		rep.Approval = id
	case err != nil:
		rep.Error = err.Error()
		b.mu.Lock()
		b.notify(Event{Kind: "failed", Client: name, At: now, Text: err.Error()})
		b.mu.Unlock()
	}
	_, serr := update(sctx, b, keyStatus(name), func(st *Status, _ bool) (op, error) {
		st.LastAttempt = now
		if full {
			st.LastFull = now
		}
		if err == nil {
			st.LastSuccess = now
		}
		st.Error = rep.Error
		st.Last = rep
		return opPut, nil
	})
	if serr != nil && err == nil {
		err = serr
	}
	if b.opt.OnRun != nil {
		b.opt.OnRun(name, rep)
	}
	return rep, err
}

// refused turns a refused plan into an approval item, or returns the
// pending item that holds the same plan; the client's other pending
// items are superseded.
func (b *Broker) refused(ctx context.Context, name string, now time.Time, res *provision.Outcome, why error) (string, error) {
	raw, _ := json.Marshal(res.Plan.Changes)
	keys, items, _, err := listJSON[Approval](ctx, b.opt.Store, "approval/")
	if err != nil {
		return "", err
	}
	for i, a := range items {
		if a.Client != name || a.Status != "pending" {
			continue
		}
		saved, _, _, err := getJSON[provision.SavedPlan](ctx, b.opt.Store, keyApprovalPlan(a.ID))
		if err != nil {
			return "", err
		}
		if old, _ := json.Marshal(saved.Plan.Changes); saved.Plan != nil && bytes.Equal(old, raw) {
			return a.ID, nil
		}
		if _, err := update(ctx, b, keys[i], func(x *Approval, found bool) (op, error) {
			if !found || x.Status != "pending" {
				return opKeep, nil
			}
			x.Status, x.DecidedAt = "superseded", now
			return opPut, nil
		}); err != nil {
			return "", err
		}
	}
	n, err := update(ctx, b, keyApprovalNext, func(n *int, _ bool) (op, error) { *n++; return opPut, nil })
	if err != nil {
		return "", err
	}
	a := &Approval{ID: strconv.Itoa(n), Client: name, At: now, Reason: why.Error(),
		Summary: res.Plan.Summary(), Status: "pending"}
	if err := b.putJSON(ctx, keyApprovalPlan(a.ID), &provision.SavedPlan{Plan: res.Plan, State: res.State}); err != nil {
		return "", err
	}
	if made, err := b.create(ctx, keyApproval(a.ID), a); err != nil {
		return "", err
	} else if !made {
		return "", fmt.Errorf("approval %s: %w: the number was given twice", a.ID, ErrConflict)
	}
	b.mu.Lock()
	b.notify(Event{Kind: "refused", Client: name, At: now,
		Text: fmt.Sprintf("client %s: plan refused (%v); approval %s awaits a decision", name, why, a.ID)})
	b.mu.Unlock()
	return a.ID, nil
}

// Approvals returns the approval items, oldest first, without their
// plans (see Approval).
func (b *Broker) Approvals() []Approval {
	_, out, _, err := listJSON[Approval](context.Background(), b.opt.Store, "approval/")
	if err != nil {
		b.opt.Log.Error("broker: approvals", "err", err)
	}
	slices.SortStableFunc(out, func(x, y Approval) int { return approvalNumber(x.ID) - approvalNumber(y.ID) })
	return out
}

// Approval returns one approval item with its plan.
func (b *Broker) Approval(id string) (Approval, error) {
	return b.approval(context.Background(), id)
}

func (b *Broker) approval(ctx context.Context, id string) (Approval, error) {
	a, _, found, err := getJSON[Approval](ctx, b.opt.Store, keyApproval(id))
	if err != nil {
		return Approval{}, err
	}
	if !found {
		return Approval{}, fmt.Errorf("approval %q: %w", id, ErrUnknown)
	}
	saved, _, found, err := getJSON[provision.SavedPlan](ctx, b.opt.Store, keyApprovalPlan(id))
	if err != nil {
		return Approval{}, err
	}
	if found {
		a.Saved = &saved
	}
	return a, nil
}

// Reject decides an approval item without applying it.
func (b *Broker) Reject(ctx context.Context, id, by string) error {
	return b.decide(ctx, id, by, func(*Approval) (string, error) { return "rejected", nil })
}

// Approve applies exactly the approval item's plan, once: the item is
// decided before anything is applied, and the plan is applied as a saved
// plan, so nothing is applied when the target changed since it was made
// (status "stale", diff.ErrStalePlan). With Options.Leases the client's
// lease is taken first: while another instance holds it, nothing is
// decided (ErrLeased) and the item stays pending.
func (b *Broker) Approve(ctx context.Context, id, by string) error {
	item, err := b.Approval(id)
	if err != nil {
		return err
	}
	if b.clients[item.Client] != nil {
		held, done, err := b.hold(ctx, item.Client)
		if err != nil {
			return err
		}
		defer done()
		ctx = held
	}
	defer b.planAhead(item.Client) // once the item is decided
	return b.decide(ctx, id, by, func(a *Approval) (string, error) {
		c := b.clients[a.Client]
		if c == nil {
			return "failed", fmt.Errorf("client %q: %w", a.Client, ErrUnknown)
		}
		c.run.Lock()
		defer c.run.Unlock()
		j := &provision.Job{Config: c.Config, Target: c.Target, State: b.stateOf(c.Name), Now: a.Saved.Plan.Now,
			Apply: true, Override: true, Saved: a.Saved, Clock: b.opt.Clock, Log: b.opt.Log.With("client", c.Name, "approval", a.ID)}
		j.Config.Actor = by
		start := b.opt.Clock()
		res, err := j.Run(ctx)
		defer func() { b.recordRun(ctx, approvalRecord(a, by, start, b.opt.Clock(), res, err)) }()
		switch {
		case errors.Is(err, diff.ErrStalePlan):
			return "stale", err
		case err != nil:
			return "failed", err
		}
		b.mu.Lock()
		b.notify(Event{Kind: "applied", Client: a.Client, At: b.opt.Clock(), Text: fmt.Sprintf("approval %s applied, approved by %s", a.ID, by)})
		b.mu.Unlock()
		return "applied", nil
	})
}

func (b *Broker) decide(ctx context.Context, id, by string, do func(*Approval) (string, error)) error {
	defer b.flush()
	b.applyMu.Lock()
	defer b.applyMu.Unlock()
	// Decided before anything is applied, by a swap of the item's
	// record: of two instances deciding at once one wins, and a crash
	// during the apply never applies the item a second time.
	_, err := update(ctx, b, keyApproval(id), func(a *Approval, found bool) (op, error) {
		switch {
		case !found:
			return opKeep, fmt.Errorf("approval %q: %w", id, ErrUnknown)
		case a.Status != "pending":
			return opKeep, fmt.Errorf("approval %s is %s: %w", id, a.Status, ErrNotPending)
		}
		a.Status, a.DecidedBy, a.DecidedAt = "deciding", by, b.opt.Clock()
		return opPut, nil
	})
	if err != nil {
		return err
	}
	item, err := b.approval(ctx, id)
	var status string
	if err == nil {
		status, err = do(&item)
	} else {
		status = "failed"
	}
	_, serr := update(context.WithoutCancel(ctx), b, keyApproval(id), func(a *Approval, _ bool) (op, error) {
		a.Status = status
		if err != nil {
			a.Error = err.Error()
		}
		return opPut, nil
	})
	if serr != nil && err == nil {
		err = serr
	}
	return err
}

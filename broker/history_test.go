package broker_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// newFixtureOpts is newFixture with the broker's options edited.
func newFixtureOpts(t *testing.T, edit func(*broker.Options), names ...string) *fixture {
	t.Helper()
	snap := synth.Generate(synth.Tiny)
	f := &fixture{clk: &clock{t: synth.ReferenceTime(snap.SchoolYear)}, dirs: map[string]*memdir.Dir{}, snap: snap, store: &broker.MemoryStore{}}
	var clients []broker.Client
	for _, n := range names {
		cfg := provision.Defaults()
		cfg.Usernames.Seed = 1
		f.dirs[n] = memdir.New()
		clients = append(clients, broker.Client{Name: n, Target: f.dirs[n], Config: cfg, Delta: 10 * time.Minute, FullSyncHour: -1})
	}
	opt := broker.Options{Store: f.store, Clock: f.clk.Now, Log: quiet}
	edit(&opt)
	b, err := broker.New(context.Background(), opt, clients...)
	if err != nil {
		t.Fatal(err)
	}
	f.b = b
	if err := b.SetSnapshot(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	return f
}

func outcomes(rs []broker.RunRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Outcome)
	}
	return out
}

func TestRunHistory(t *testing.T) {
	ctx := context.Background()
	f := newFixtureOpts(t, func(o *broker.Options) { o.RunHistory = broker.RunHistory{Max: 4} }, "a", "a/b")
	f.b.Tick(ctx) // a's first run: creates everything
	inst := f.snap.Institutions[0].Number
	if err := f.b.SetSnapshot(ctx, without(f.snap, func(a orgmodel.Affiliation) bool { return f.snap.AffiliationInstitution(a) == inst })); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(time.Hour)
	f.b.Tick(ctx) // refused
	id := f.status(t, "a").Last.Approval
	f.clk.Add(time.Minute)
	if err := f.b.Approve(ctx, id, "admin@kommune.dk"); err != nil {
		t.Fatal(err)
	}
	rs, err := f.b.Runs(ctx, "a", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := outcomes(rs), []string{broker.OutcomeApproved, broker.OutcomeRefused, broker.OutcomeOK}; !slices.Equal(got, want) {
		t.Fatalf("outcomes newest first %v, want %v", got, want)
	}
	first, refused, approved := rs[2], rs[1], rs[0]
	if first.Changes(diff.User) == 0 || first.Applied != first.Summary.Total || first.Start.After(first.End) {
		t.Errorf("first run: %d user changes, %d applied of %d", first.Changes(diff.User), first.Applied, first.Summary.Total)
	}
	if refused.Approval != id || refused.Applied != 0 || refused.Summary.Actions[diff.Disable] == 0 || refused.Error == "" {
		t.Errorf("refused run: %+v", refused)
	}
	if approved.Approval != id || approved.By != "admin@kommune.dk" || approved.Applied != refused.Summary.Total ||
		!approved.Start.Equal(f.clk.Now()) {
		t.Errorf("approved run: %+v, want %d applied by admin", approved, refused.Summary.Total)
	}
	if last, _ := f.b.Runs(ctx, "a", 1); len(last) != 1 || last[0].Outcome != broker.OutcomeApproved {
		t.Errorf("Runs(limit 1) = %v", outcomes(last))
	}
	// Kept under keys of their own; "a/b" has its own runs, not a's.
	keys, _ := f.store.List(ctx, "runs/a/")
	var mine int
	for _, k := range keys {
		if !strings.HasPrefix(k, "runs/a/b/") {
			mine++
		}
	}
	if mine != 3 {
		t.Errorf("keys %v: want 3 of client a", keys)
	}
	if rs, _ := f.b.Runs(ctx, "a/b", 0); len(rs) != 2 || rs[0].Client != "a/b" {
		t.Errorf("runs of a/b: %+v", rs)
	}
	// Two runs at the same instant are two records; the oldest beyond
	// Max (4) are dropped.
	for range 2 {
		if rep, _ := f.b.Run(ctx, "a"); rep == nil {
			t.Fatal("no run")
		}
	}
	rs, _ = f.b.Runs(ctx, "a", 0)
	if len(rs) != 4 || !rs[0].Start.Equal(rs[1].Start) || rs[2].Outcome != broker.OutcomeApproved || rs[3].Outcome != broker.OutcomeRefused {
		t.Fatalf("after two more runs (Max 4): %v", outcomes(rs))
	}
	// The runs older than MaxAge (default 90 days) are dropped.
	f.clk.Add(91 * 24 * time.Hour)
	if rep, _ := f.b.Run(ctx, "a"); rep == nil {
		t.Fatal("no run")
	}
	rs, _ = f.b.Runs(ctx, "a", 0)
	if len(rs) != 1 || !rs[0].Start.Equal(f.clk.Now()) {
		t.Errorf("after 91 days: %d runs, want only the new one", len(rs))
	}
	if _, err := f.b.Runs(ctx, "nope", 0); !errors.Is(err, broker.ErrUnknown) {
		t.Errorf("runs of an unknown client: %v", err)
	}
}

func TestRunHistoryOff(t *testing.T) {
	ctx := context.Background()
	f := newFixtureOpts(t, func(o *broker.Options) { o.RunHistory.Max = -1 }, "a")
	f.b.Tick(ctx)
	if keys, _ := f.store.List(ctx, "runs/"); len(keys) != 0 {
		t.Errorf("history off, kept %v", keys)
	}
}

func TestRunHistoryBadRecord(t *testing.T) {
	ctx := context.Background()
	f := newFixtureOpts(t, func(*broker.Options) {}, "a")
	if err := f.store.Put(ctx, "runs/a/20260101T000000.000000000Z-0000", []byte("{")); err != nil {
		t.Fatal(err)
	}
	_, err := f.b.Runs(ctx, "a", 0)
	if !errors.Is(err, provision.ErrInput) || !strings.Contains(err.Error(), "runs/a/20260101T000000.000000000Z-0000") {
		t.Errorf("a broken record: %v, want ErrInput naming its key", err)
	}
}

func TestPlanAhead(t *testing.T) {
	ctx := context.Background()
	f := newFixtureOpts(t, func(o *broker.Options) { o.PlanAhead = true }, "a")
	if err := f.b.WaitPlans(ctx); err != nil {
		t.Fatal(err)
	}
	// Planned ahead after the snapshot: the first sync.
	pd, ok := f.b.Planned("a")
	if !ok || pd.Plan.Empty() || !pd.At.Equal(f.clk.Now()) {
		t.Fatalf("after the snapshot: planned %v", ok)
	}
	if want := f.pending(t, "a"); pd.Plan.Summary().Total != want.Plan.Summary().Total {
		t.Errorf("planned %d changes, pending %d", pd.Plan.Summary().Total, want.Plan.Summary().Total)
	}
	f.clk.Add(time.Minute)
	if _, err := f.b.Run(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	// Stale until planned again after the run.
	if err := f.b.WaitPlans(ctx); err != nil {
		t.Fatal(err)
	}
	pd, ok = f.b.Planned("a")
	if !ok || !pd.Plan.Empty() {
		t.Fatalf("after the run: planned %v", ok)
	}
	// A change in the broker makes the plan stale (a keep-alive entry
	// is not planned ahead); a pause is planned ahead; a dry run plans
	// again.
	if err := f.b.AddKeepAlive(ctx, f.snap.Persons[0].ID, f.clk.Now().Add(time.Hour), "admin", "test"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.b.Planned("a"); ok {
		t.Error("planned after a keep-alive entry: the fingerprint missed it")
	}
	if err := f.b.Pause(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := f.b.WaitPlans(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.b.Planned("a"); !ok {
		t.Error("a paused client is not planned ahead")
	}
	f.clk.Add(time.Minute)
	dr, err := f.b.DryRun(ctx, "a")
	if err != nil || !dr.Plan.Empty() || !dr.At.Equal(f.clk.Now()) {
		t.Fatalf("dry run of a paused client: %v", err)
	}
	if pd, ok := f.b.Planned("a"); !ok || pd != dr {
		t.Error("the dry run is not the planned plan")
	}
	if _, err := f.b.DryRun(ctx, "nope"); !errors.Is(err, broker.ErrUnknown) {
		t.Errorf("dry run of an unknown client: %v", err)
	}
}

func TestDryRunAppliesNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixtureOpts(t, func(*broker.Options) {}, "a")
	pd, err := f.b.DryRun(ctx, "a")
	if err != nil || pd.Plan.Empty() {
		t.Fatalf("dry run: %v", err)
	}
	if n := len(f.dirs["a"].Objects()); n != 0 {
		t.Errorf("a dry run wrote %d objects", n)
	}
	if st := f.status(t, "a"); !st.LastAttempt.IsZero() {
		t.Error("a dry run counted as a run")
	}
	// Without PlanAhead nothing is planned in the background.
	if _, err := f.b.Run(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.b.Planned("a"); ok {
		t.Error("planned ahead without Options.PlanAhead")
	}
}

// TestPlanAheadConcurrent plans ahead while runs, snapshots, pauses and
// dry runs happen at once (run it with -race): nothing deadlocks, and once
// the plans settle each client's planned plan is what Pending plans.
func TestPlanAheadConcurrent(t *testing.T) {
	ctx := context.Background()
	f := newFixtureOpts(t, func(o *broker.Options) { o.PlanAhead = true }, "a", "b", "c")
	smaller := without(f.snap, func(a orgmodel.Affiliation) bool { return a.PersonID == f.snap.Affiliations[0].PersonID })
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(4)
			go func() { defer wg.Done(); f.clk.Add(11 * time.Minute); f.b.Tick(ctx) }()
			go func() {
				defer wg.Done()
				s := f.snap
				if i%2 == 0 {
					s = smaller
				}
				if err := f.b.SetSnapshot(ctx, s); err != nil {
					t.Error(err)
				}
			}()
			go func() { defer wg.Done(); _ = f.b.Pause(ctx, "b"); _ = f.b.Resume(ctx, "b") }()
			go func() { defer wg.Done(); _, _ = f.b.DryRun(ctx, "c") }()
			wg.Wait()
		}
	}()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	select {
	case <-done:
	case <-wctx.Done():
		t.Fatal("deadlock: the runs did not finish")
	}
	if err := f.b.WaitPlans(wctx); err != nil {
		t.Fatal("the plans ahead did not settle:", err)
	}
	for _, n := range []string{"a", "b", "c"} {
		pd, ok := f.b.Planned(n)
		if !ok {
			t.Errorf("%s: no plan made ahead after the last change", n)
			continue
		}
		if want := f.pending(t, n); pd.Plan.Summary().Total != want.Plan.Summary().Total {
			t.Errorf("%s: planned %d changes, Pending %d", n, pd.Plan.Summary().Total, want.Plan.Summary().Total)
		}
	}
}

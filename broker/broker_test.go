package broker_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
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

// clock is a test clock the test moves.
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

var quiet = slog.New(slog.DiscardHandler)

type fixture struct {
	b      *broker.Broker
	clk    *clock
	dirs   map[string]*memdir.Dir
	snap   *orgmodel.Snapshot
	events []broker.Event
	store  broker.Store
}

func newFixture(t *testing.T, names ...string) *fixture {
	t.Helper()
	return newFixtureWith(t, nil, names...)
}

func newFixtureWith(t *testing.T, edit func(*broker.Client), names ...string) *fixture {
	t.Helper()
	snap := synth.Generate(synth.Tiny)
	f := &fixture{clk: &clock{t: synth.ReferenceTime(snap.SchoolYear)}, dirs: map[string]*memdir.Dir{}, snap: snap, store: &broker.MemoryStore{}}
	var clients []broker.Client
	for _, n := range names {
		cfg := provision.Defaults()
		cfg.Usernames.Seed = 1
		f.dirs[n] = memdir.New()
		c := broker.Client{Name: n, Target: f.dirs[n], Config: cfg, Delta: 10 * time.Minute, FullSyncHour: -1}
		if edit != nil {
			edit(&c)
		}
		clients = append(clients, c)
	}
	var mu sync.Mutex
	b, err := broker.New(context.Background(), broker.Options{Store: f.store, Clock: f.clk.Now, Log: quiet,
		Notify: func(e broker.Event) { mu.Lock(); f.events = append(f.events, e); mu.Unlock() }}, clients...)
	if err != nil {
		t.Fatal(err)
	}
	f.b = b
	if err := b.SetSnapshot(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) status(t *testing.T, name string) broker.Status {
	t.Helper()
	st, err := f.b.Status(name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *fixture) pending(t *testing.T, name string) *broker.Pending {
	t.Helper()
	p, err := f.b.Pending(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// without returns s without the persons for which drop is true.
func without(s *orgmodel.Snapshot, drop func(orgmodel.Affiliation) bool) *orgmodel.Snapshot {
	out := *s
	gone := map[string]bool{}
	for _, a := range s.Affiliations {
		if drop(a) {
			gone[a.PersonID] = true
		}
	}
	out.Persons = slices.DeleteFunc(slices.Clone(s.Persons), func(p orgmodel.Person) bool { return gone[p.ID] })
	out.Affiliations = slices.DeleteFunc(slices.Clone(s.Affiliations), func(a orgmodel.Affiliation) bool { return gone[a.PersonID] })
	out.Contacts = slices.DeleteFunc(slices.Clone(s.Contacts), func(c orgmodel.Contact) bool { return gone[c.StudentID] })
	return &out
}

func TestScheduleDeltaInterval(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "a", "b")
	f.b.Tick(ctx)
	for _, n := range []string{"a", "b"} {
		st := f.status(t, n)
		if st.Last == nil || st.Last.Applied == 0 || st.Error != "" || st.LastSuccess.IsZero() {
			t.Fatalf("%s after the first tick: %+v", n, st.Last)
		}
		if f.dirs[n].Len() == 0 {
			t.Fatalf("%s: nothing applied", n)
		}
	}
	first := f.status(t, "a").LastAttempt
	f.clk.Add(5 * time.Minute)
	f.b.Tick(ctx)
	if got := f.status(t, "a").LastAttempt; !got.Equal(first) {
		t.Errorf("ran again before the delta interval: %v", got)
	}
	f.clk.Add(5 * time.Minute)
	f.b.Tick(ctx)
	st := f.status(t, "a")
	if st.LastAttempt.Equal(first) || st.Last.Planned != 0 {
		t.Errorf("second run: attempt %v, planned %d; want a run with nothing to do", st.LastAttempt, st.Last.Planned)
	}
}

func TestFullSyncHour(t *testing.T) {
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	clk := &clock{t: time.Date(2025, 9, 1, 1, 30, 0, 0, time.UTC)}
	cfg := provision.Defaults()
	b, err := broker.New(ctx, broker.Options{Clock: clk.Now, Log: quiet},
		broker.Client{Name: "a", Target: memdir.New(), Config: cfg, Delta: 24 * time.Hour, FullSyncHour: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	b.Tick(ctx) // first run: a delta run
	clk.Add(time.Hour)
	b.Tick(ctx) // 02:30: the nightly full sync, though the delta interval has not passed
	st, _ := b.Status("a")
	if st.Last == nil || !st.Last.Full || !st.LastFull.Equal(clk.Now()) {
		t.Fatalf("no full sync at 02:30: %+v", st)
	}
	clk.Add(time.Hour)
	b.Tick(ctx)
	if st2, _ := b.Status("a"); !st2.LastAttempt.Equal(st.LastAttempt) {
		t.Errorf("a second full sync the same night")
	}
}

func TestPauseResume(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "a", "b")
	f.b.Tick(ctx)
	before := f.dirs["a"].Objects()
	if err := f.b.Pause(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	// A leaver at the first school, then a second change while paused.
	inst := f.snap.Institutions[0].Number
	var left []string
	s2 := without(f.snap, func(a orgmodel.Affiliation) bool {
		if f.snap.AffiliationInstitution(a) == inst && len(left) < 2 && !slices.Contains(left, a.PersonID) {
			left = append(left, a.PersonID)
			return true
		}
		return slices.Contains(left, a.PersonID)
	})
	if err := f.b.SetSnapshot(ctx, s2); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		f.clk.Add(time.Hour)
		f.b.Tick(ctx)
		if st := f.status(t, "b"); i == 0 && st.Last.Summary.Actions[diff.Disable] == 0 {
			t.Errorf("client b did not keep syncing: %v", st.Last.Summary)
		}
	}
	if _, err := f.b.Run(ctx, "a"); !errors.Is(err, broker.ErrPaused) {
		t.Errorf("Run of a paused client: %v, want ErrPaused", err)
	}
	if got := f.dirs["a"].Objects(); len(got) != len(before) || !slices.EqualFunc(got, before, func(x, y diff.Object) bool { return x.Key == y.Key && x.Disabled == y.Disabled }) {
		t.Fatal("the paused client's target changed")
	}
	p := f.pending(t, "a")
	if p.Plan.Summary().Actions[diff.Disable] == 0 {
		t.Fatalf("pending of the paused client: %v; want the leavers' disables", p.Plan.Summary())
	}
	if err := f.b.Resume(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	f.b.Tick(ctx)
	if st := f.status(t, "a"); st.Error != "" || st.Last.Failed != 0 || st.Last.Applied == 0 {
		t.Fatalf("after resume: %+v", st.Last)
	}
	if p := f.pending(t, "a"); !p.Plan.Empty() {
		t.Errorf("not converged after resume: %v", p.Plan.Summary())
	}
}

func TestMassDisableApproval(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "a")
	f.b.Tick(ctx)
	before := f.dirs["a"].Objects()
	// The source lost most of the first school: refused.
	inst := f.snap.Institutions[0].Number
	if err := f.b.SetSnapshot(ctx, without(f.snap, func(a orgmodel.Affiliation) bool { return f.snap.AffiliationInstitution(a) == inst })); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	st := f.status(t, "a")
	if !st.Last.Refused || st.Last.Approval == "" {
		t.Fatalf("mass disable not refused: %+v", st.Last)
	}
	if len(f.dirs["a"].Objects()) != len(before) || !slices.EqualFunc(f.dirs["a"].Objects(), before, func(x, y diff.Object) bool { return x.Disabled == y.Disabled }) {
		t.Fatal("a refused plan changed the target")
	}
	// The same plan again is the same item.
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	if got := f.status(t, "a").Last.Approval; got != st.Last.Approval || len(f.b.Approvals()) != 1 {
		t.Fatalf("second refusal made item %s (%d items), want %s", got, len(f.b.Approvals()), st.Last.Approval)
	}
	id := st.Last.Approval
	a, err := f.b.Approval(id)
	if err != nil || a.Status != "pending" || a.Saved == nil || a.Summary.Actions[diff.Disable] == 0 {
		t.Fatalf("approval item: %+v, %v", a, err)
	}
	if err := f.b.Approve(ctx, id, "admin@kommune.dk"); err != nil {
		t.Fatal(err)
	}
	// Exactly the reviewed plan was applied: nothing is left to do.
	if p := f.pending(t, "a"); !p.Plan.Empty() || p.Refused != "" {
		t.Errorf("after approve: pending %v (refused %q)", p.Plan.Summary(), p.Refused)
	}
	if err := f.b.Approve(ctx, id, "admin@kommune.dk"); !errors.Is(err, broker.ErrNotPending) {
		t.Errorf("second approve = %v, want ErrNotPending", err)
	}
	if a, _ := f.b.Approval(id); a.Status != "applied" || a.DecidedBy != "admin@kommune.dk" {
		t.Errorf("item after approve: %s by %s", a.Status, a.DecidedBy)
	}
	if kinds := eventKinds(f.events); !slices.Contains(kinds, "refused") || !slices.Contains(kinds, "applied") {
		t.Errorf("events %v: want refused and applied", kinds)
	}
}

func TestApprovalStale(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "a")
	f.b.Tick(ctx)
	inst := f.snap.Institutions[0].Number
	if err := f.b.SetSnapshot(ctx, without(f.snap, func(a orgmodel.Affiliation) bool { return f.snap.AffiliationInstitution(a) == inst })); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	id := f.status(t, "a").Last.Approval
	// Someone changes the target after the plan was made: the approval
	// must apply nothing rather than a plan that no longer fits.
	a, _ := f.b.Approval(id)
	var o diff.Object
	for _, c := range a.Saved.Plan.Changes {
		if c.Action == diff.Disable {
			o = *c.Before
			break
		}
	}
	if err := f.dirs["a"].Apply(ctx, diff.Change{Action: diff.Delete, Kind: o.Kind, Key: o.Key, Before: &o}); err != nil {
		t.Fatal(err)
	}
	n := len(f.dirs["a"].Objects())
	if err := f.b.Approve(ctx, id, "admin"); !errors.Is(err, diff.ErrStalePlan) {
		t.Fatalf("approve of a stale plan = %v, want ErrStalePlan", err)
	}
	if a, _ := f.b.Approval(id); a.Status != "stale" {
		t.Errorf("status %q, want stale", a.Status)
	}
	if len(f.dirs["a"].Objects()) != n {
		t.Error("a stale approval changed the target")
	}
}

func eventKinds(es []broker.Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}

// TestApproveAppliesThatPlanNotALaterOne: the source changes again after
// the refusal; approving applies the reviewed plan only, and the later
// change waits for the next run.
func TestApproveAppliesThatPlanNotALaterOne(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "a")
	f.b.Tick(ctx)
	inst := f.snap.Institutions[0].Number
	cut := without(f.snap, func(a orgmodel.Affiliation) bool { return f.snap.AffiliationInstitution(a) == inst })
	if err := f.b.SetSnapshot(ctx, cut); err != nil {
		t.Fatal(err)
	}
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	id := f.status(t, "a").Last.Approval
	// Later: one more person leaves another institution.
	var late string
	for _, a := range cut.Affiliations {
		if cut.AffiliationInstitution(a) != inst {
			late = a.PersonID
			break
		}
	}
	if err := f.b.SetSnapshot(ctx, without(cut, func(a orgmodel.Affiliation) bool { return a.PersonID == late })); err != nil {
		t.Fatal(err)
	}
	if err := f.b.Approve(ctx, id, "admin"); err != nil {
		t.Fatal(err)
	}
	if o, ok := f.dirs["a"].Get("user/" + late); !ok || o.Disabled {
		t.Fatalf("the later leaver %s was disabled by the approval: %+v", late, o)
	}
	p := f.pending(t, "a")
	if s := p.Plan.Summary(); s.Actions[diff.Disable] == 0 {
		t.Errorf("the later change is not pending: %v", s)
	}
	f.clk.Add(time.Hour)
	f.b.Tick(ctx)
	if o, _ := f.dirs["a"].Get("user/" + late); !o.Disabled {
		t.Errorf("the later leaver not disabled by the next run")
	}
}

// deltaCounter is a memdir that offers a delta read and counts which
// read a run used.
type deltaCounter struct {
	*memdir.Dir
	mu          sync.Mutex
	full, delta int
}

func (d *deltaCounter) Read(ctx context.Context) ([]diff.Object, error) {
	d.mu.Lock()
	d.full++
	d.mu.Unlock()
	return d.Dir.Read(ctx)
}

func (d *deltaCounter) ReadDelta(ctx context.Context) ([]diff.Object, error) {
	d.mu.Lock()
	d.delta++
	d.mu.Unlock()
	return d.Dir.Read(ctx)
}

// TestDeltaRunsReadDeltaFullSyncReadsAll: runs on the delta interval read
// by ReadDelta, the nightly full sync by Read.
func TestDeltaRunsReadDeltaFullSyncReadsAll(t *testing.T) {
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	clk := &clock{t: time.Date(2025, 9, 1, 1, 30, 0, 0, time.UTC)}
	target := &deltaCounter{Dir: memdir.New()}
	b, err := broker.New(ctx, broker.Options{Clock: clk.Now, Log: quiet},
		broker.Client{Name: "a", Target: target, Config: provision.Defaults(), Delta: 15 * time.Minute, FullSyncHour: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	b.Tick(ctx) // 01:30, a delta run
	if target.delta != 1 || target.full != 0 {
		t.Fatalf("delta run: %d delta reads, %d full reads; want 1, 0", target.delta, target.full)
	}
	clk.Add(30 * time.Minute)
	b.Tick(ctx) // 02:00: the nightly full sync
	if target.full != 1 || target.delta != 1 {
		t.Fatalf("full sync: %d delta reads, %d full reads; want 1, 1", target.delta, target.full)
	}
}

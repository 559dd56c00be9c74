package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// RunShared runs the broker as two instances on one store: open returns a
// new, empty store for each subtest (a Swapper). "interleaved" gives each
// instance a seeded series of random operations (pause and resume,
// keep-alive entries, primary overrides, runs, ticks, new source
// snapshots), run at the same time as the other's, and then checks that
// both instances see every change either made; "approvals" checks that
// approval items made by both get numbers of their own and that an item
// approved on both at once is applied once.
func RunShared(t *testing.T, open func(t *testing.T) broker.Store) {
	seeds := 4
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("interleaved/seed", seed), func(t *testing.T) { interleaved(t, open(t), uint64(seed)) })
	}
	t.Run("approvals", func(t *testing.T) { approvals(t, open(t)) })
}

// memLeases is a broker.Leaser among the instances of one test: a client
// is held by one instance at a time, from Hold to done.
type memLeases struct {
	mu   sync.Mutex
	held map[string]string
}

type leaseOf struct {
	l      *memLeases
	holder string
}

func (h leaseOf) Hold(ctx context.Context, client string) (context.Context, func(), error) {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	if cur := h.l.held[client]; cur != "" && cur != h.holder {
		return nil, nil, fmt.Errorf("client %s: %w by %s", client, broker.ErrLeased, cur)
	}
	h.l.held[client] = h.holder
	return ctx, func() {
		h.l.mu.Lock()
		defer h.l.mu.Unlock()
		if h.l.held[client] == h.holder {
			delete(h.l.held, client)
		}
	}, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// pair is two broker instances on one store, with the same clients (the
// same directories) and a lease table of their own.
type pair struct {
	inst  [2]*broker.Broker
	clk   *clock
	snap  *orgmodel.Snapshot
	store broker.Store
}

var clientNames = []string{"x", "y", "z"}

func newPair(t *testing.T, store broker.Store) *pair {
	t.Helper()
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	p := &pair{clk: &clock{t: synth.ReferenceTime(snap.SchoolYear)}, snap: snap, store: store}
	var clients []broker.Client
	for _, n := range clientNames {
		cfg := provision.Defaults()
		cfg.Usernames.Seed = 1
		clients = append(clients, broker.Client{Name: n, Target: memdir.New(), Config: cfg, Delta: time.Minute, FullSyncHour: -1})
	}
	leases := &memLeases{held: map[string]string{}}
	quiet := slog.New(slog.DiscardHandler)
	for i, holder := range []string{"a", "b"} {
		b, err := broker.New(ctx, broker.Options{Store: store, Clock: p.clk.Now, Log: quiet, Leases: leaseOf{leases, holder}}, clients...)
		if err != nil {
			t.Fatal(err)
		}
		p.inst[i] = b
	}
	// Instance a sets the source; b, made before, must find it.
	if err := p.inst[0].SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	return p
}

// model is what one instance did to the records it owns.
type model struct {
	paused    bool
	keepAlive map[string]bool
	primary   map[string]string
	err       error
}

// interleaved: instance i owns client clientNames[i]'s pause flag and
// every other person (by index parity) of the first 12 for its keep-alive
// entries and primary overrides; both run and tick every client and set
// new snapshots. Whatever order their operations interleave in, each
// instance's last word on what it owns must be what both see at the end.
func interleaved(t *testing.T, store broker.Store, seed uint64) {
	ctx := context.Background()
	p := newPair(t, store)
	persons := p.snap.Persons[:12]
	// A person's first affiliation's institution (the primary to set).
	instOf := map[string]string{}
	for _, a := range p.snap.Affiliations {
		if _, ok := instOf[a.PersonID]; !ok {
			instOf[a.PersonID] = p.snap.AffiliationInstitution(a)
		}
	}
	variants := make([]*orgmodel.Snapshot, 4)
	for v := range variants {
		s := *p.snap
		s.Persons = slices.Clone(p.snap.Persons)
		s.Persons[20+v].FamilyName = fmt.Sprintf("Variant%d", v)
		variants[v] = &s
	}
	models := [2]*model{}
	var wg sync.WaitGroup
	for i := range 2 {
		m := &model{keepAlive: map[string]bool{}, primary: map[string]string{}}
		models[i] = m
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.err = operate(ctx, p, i, seed, persons, instOf, variants, m)
		}()
	}
	wg.Wait()
	for i, m := range models {
		if m.err != nil {
			t.Fatalf("seed %d, instance %d: %v", seed, i, m.err)
		}
	}
	for _, b := range p.inst {
		for i, m := range models {
			st, err := b.Status(clientNames[i])
			if err != nil {
				t.Fatal(err)
			}
			if st.Paused != m.paused {
				t.Errorf("seed %d: client %s paused = %v, want %v (instance %d's last word)", seed, clientNames[i], st.Paused, m.paused, i)
			}
		}
		wantKeep, wantPrimary := map[string]bool{}, map[string]string{}
		for _, m := range models {
			for id, ok := range m.keepAlive {
				if ok {
					wantKeep[id] = true
				}
			}
			for id, inst := range m.primary {
				if inst != "" {
					wantPrimary[id] = inst
				}
			}
		}
		gotKeep, gotPrimary := map[string]bool{}, map[string]string{}
		for _, k := range b.KeepAlives() {
			gotKeep[k.PersonID] = true
		}
		for _, x := range b.Primaries() {
			gotPrimary[x.PersonID] = x.Institution
		}
		if d := cmp.Diff(wantKeep, gotKeep); d != "" {
			t.Errorf("seed %d: keep-alive list (-want +got):\n%s", seed, d)
		}
		if d := cmp.Diff(wantPrimary, gotPrimary); d != "" {
			t.Errorf("seed %d: primary overrides (-want +got):\n%s", seed, d)
		}
	}
	// Both see the same source, one of those set, kept under one key.
	ja, _ := json.Marshal(p.inst[0].Snapshot())
	jb, _ := json.Marshal(p.inst[1].Snapshot())
	if string(ja) != string(jb) {
		t.Errorf("seed %d: the instances see different sources", seed)
	}
	if keys, err := store.List(ctx, "source/"); err != nil || len(keys) != 1 {
		t.Errorf("seed %d: source keys %q, %v; want one", seed, keys, err)
	}
	// Resumed and run once more by either instance, every client has
	// nothing left to do as the other sees it.
	for i, n := range clientNames {
		b, other := p.inst[i%2], p.inst[(i+1)%2]
		if err := b.Resume(ctx, n); err != nil {
			t.Fatal(err)
		}
		if rep, err := b.Run(ctx, n); err != nil || rep.Error != "" {
			t.Fatalf("seed %d: final run of %s: %v %+v", seed, n, err, rep)
		}
		pend, err := other.Pending(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if !pend.Plan.Empty() {
			t.Errorf("seed %d: client %s after its final run, as the other instance plans it: %s", seed, n, pend.Plan.Summary())
		}
		if st, _ := other.Status(n); st.Last == nil || st.Error != "" || st.Paused {
			t.Errorf("seed %d: client %s status as the other instance reads it: %+v", seed, n, st)
		}
	}
}

// operate is instance i's series of operations.
func operate(ctx context.Context, p *pair, i int, seed uint64, persons []orgmodel.Person, instOf map[string]string, variants []*orgmodel.Snapshot, m *model) error {
	b := p.inst[i]
	rnd := rand.New(rand.NewPCG(seed, uint64(i)))
	var mine []string
	for j, x := range persons {
		if j%2 == i {
			mine = append(mine, x.ID)
		}
	}
	until := p.clk.Now().Add(365 * 24 * time.Hour)
	for step := range 40 {
		person := mine[rnd.IntN(len(mine))]
		var err error
		switch k := rnd.IntN(8); k {
		case 0:
			m.paused = rnd.IntN(2) == 0
			if m.paused {
				err = b.Pause(ctx, clientNames[i])
			} else {
				err = b.Resume(ctx, clientNames[i])
			}
		case 1:
			err = b.AddKeepAlive(ctx, person, until, fmt.Sprint("admin", i), "test")
			m.keepAlive[person] = true
		case 2:
			err = b.RemoveKeepAlive(ctx, person)
			if !m.keepAlive[person] && errors.Is(err, broker.ErrUnknown) {
				err = nil
			}
			m.keepAlive[person] = false
		case 3:
			err = b.SetPrimary(ctx, person, instOf[person], fmt.Sprint("admin", i))
			m.primary[person] = instOf[person]
		case 4:
			err = b.ClearPrimary(ctx, person)
			if m.primary[person] == "" && errors.Is(err, broker.ErrUnknown) {
				err = nil
			}
			m.primary[person] = ""
		case 5:
			var rep *broker.RunReport
			rep, err = b.Run(ctx, clientNames[rnd.IntN(len(clientNames))])
			if errors.Is(err, broker.ErrPaused) || errors.Is(err, broker.ErrLeased) {
				err = nil
			} else if err == nil && rep.Error != "" {
				err = errors.New(rep.Error)
			}
		case 6:
			p.clk.Add(time.Minute)
			b.Tick(ctx)
		case 7:
			v := *variants[rnd.IntN(len(variants))] // each instance validates its own
			err = b.SetSnapshot(ctx, &v)
		}
		if err != nil {
			return fmt.Errorf("step %d: %w", step, err)
		}
	}
	return nil
}

// approvals: after a first sync, the source drops an institution, so
// that every client's plan is refused; instance a runs x and b runs y at
// once: two items with numbers of their own, both seen by both. Both
// approve x's item at once: it is applied once, the other call is told
// it is not pending (or that the client is leased); b rejects y's.
func approvals(t *testing.T, store broker.Store) {
	ctx := context.Background()
	p := newPair(t, store)
	p.inst[0].Tick(ctx)
	for _, n := range clientNames {
		if st, _ := p.inst[1].Status(n); st.LastSuccess.IsZero() {
			t.Fatalf("first sync of %s: %+v", n, st)
		}
	}
	inst := p.snap.Institutions[0].Number
	smaller := *p.snap
	gone := map[string]bool{}
	for _, a := range p.snap.Affiliations {
		if p.snap.AffiliationInstitution(a) == inst {
			gone[a.PersonID] = true
		}
	}
	smaller.Persons = slices.DeleteFunc(slices.Clone(p.snap.Persons), func(x orgmodel.Person) bool { return gone[x.ID] })
	smaller.Affiliations = slices.DeleteFunc(slices.Clone(p.snap.Affiliations), func(a orgmodel.Affiliation) bool { return gone[a.PersonID] })
	smaller.Contacts = slices.DeleteFunc(slices.Clone(p.snap.Contacts), func(c orgmodel.Contact) bool { return gone[c.StudentID] })
	if err := p.inst[1].SetSnapshot(ctx, &smaller); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	reps := make([]*broker.RunReport, 2)
	for i, n := range []string{"x", "y"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := p.inst[i].Run(ctx, n)
			if err != nil && !errors.Is(err, diff.ErrThreshold) {
				t.Error(err)
			}
			reps[i] = rep
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if !reps[0].Refused || !reps[1].Refused || reps[0].Approval == reps[1].Approval {
		t.Fatalf("want two refused runs with approvals of their own: %+v, %+v", reps[0], reps[1])
	}
	for _, b := range p.inst {
		var ids []string
		for _, a := range b.Approvals() {
			ids = append(ids, a.ID)
		}
		if d := cmp.Diff([]string{"1", "2"}, ids); d != "" {
			t.Errorf("approvals (-want +got):\n%s", d)
		}
	}
	idX := reps[0].Approval
	errs := make([]error, 2)
	for i, b := range p.inst {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = b.Approve(ctx, idX, fmt.Sprint("admin", i)) }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, broker.ErrNotPending) || errors.Is(err, broker.ErrLeased):
		default:
			t.Errorf("Approve: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("approved on both instances at once: %d succeeded (%v), want 1", ok, errs)
	}
	for _, b := range p.inst {
		if a, err := b.Approval(idX); err != nil || a.Status != "applied" || a.Saved == nil {
			t.Errorf("approval %s: %s, %v (plan kept: %v), want applied", idX, a.Status, err, a.Saved != nil)
		}
		if err := b.Approve(ctx, idX, "late"); !errors.Is(err, broker.ErrNotPending) {
			t.Errorf("Approve again = %v, want ErrNotPending", err)
		}
	}
	if err := p.inst[1].Reject(ctx, reps[1].Approval, "admin1"); err != nil {
		t.Fatal(err)
	}
	if a, _ := p.inst[0].Approval(reps[1].Approval); a.Status != "rejected" || a.DecidedBy != "admin1" {
		t.Errorf("rejected item as the other instance reads it: %s by %q", a.Status, a.DecidedBy)
	}
	// x's plan was applied: nothing left to do for x.
	pend, err := p.inst[1].Pending(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if !pend.Plan.Empty() || pend.Refused != "" {
		t.Errorf("x after the approval: %s %s", pend.Plan.Summary(), pend.Refused)
	}
}

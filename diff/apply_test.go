package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeApplier records the changes it is given and fails by rule.
type fakeApplier struct {
	mu                  sync.Mutex
	applied             []string
	calls               map[string]int
	fail                func(c Change, call int) error
	running, maxRunning int
	hook                func(c Change)
}

func (f *fakeApplier) Apply(ctx context.Context, c Change) error {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	id := line(c)
	f.calls[id]++
	call := f.calls[id]
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	f.mu.Unlock()
	if f.hook != nil {
		f.hook(c)
	}
	defer func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}()
	if f.fail != nil {
		if err := f.fail(c, call); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.applied = append(f.applied, id)
	f.mu.Unlock()
	return nil
}

func noSleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

// testPlan returns a plan with several stages: 2 container creates, 6 user
// creates, 6 add-members.
func testPlan(t *testing.T) *Plan {
	t.Helper()
	desired := []Object{ctr("a", "a", ""), ctr("b", "b", "a")}
	var members []string
	for i := range 6 {
		k := fmt.Sprintf("user/%d", i)
		desired = append(desired, usr(k, k, "b"))
		members = append(members, k)
	}
	desired = append(desired, grp("g", "g", "a", members...))
	p, err := Compute(desired, nil, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyOrderAndConcurrency(t *testing.T) {
	p := testPlan(t)
	f := &fakeApplier{}
	var progress []Progress
	rep, err := Apply(context.Background(), f, p, ApplyOptions{Concurrency: 3, Progress: func(pr Progress) { progress = append(progress, pr) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Applied != len(p.Changes) || rep.Failed != 0 || rep.Skipped != 0 {
		t.Errorf("report = %d/%d/%d", rep.Applied, rep.Failed, rep.Skipped)
	}
	if f.maxRunning > 3 {
		t.Errorf("max concurrent calls = %d, want <= 3", f.maxRunning)
	}
	// Stage order holds: every change's stage is >= the one before it.
	last := 0
	for _, a := range f.applied {
		var st int
		fmt.Sscan(a, &st)
		if st < last {
			t.Fatalf("stage %d applied after stage %d: %v", st, last, f.applied)
		}
		last = st
	}
	if len(progress) != len(p.Changes) || progress[len(progress)-1].Done != len(p.Changes) {
		t.Errorf("progress calls = %d, last = %+v", len(progress), progress[len(progress)-1])
	}
}

func TestApplyRetriesTemporary(t *testing.T) {
	p := testPlan(t)
	var sleeps []time.Duration
	f := &fakeApplier{fail: func(c Change, call int) error {
		if c.Key == "user/3" && c.Action == Create && call <= 2 {
			return fmt.Errorf("busy: %w", ErrTemporary)
		}
		return nil
	}}
	rep, err := Apply(context.Background(), f, p, ApplyOptions{Backoff: time.Second, Sleep: func(ctx context.Context, d time.Duration) error {
		sleeps = append(sleeps, d)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Change.Key == "user/3" && r.Change.Action == Create && r.Attempts != 3 {
			t.Errorf("attempts = %d, want 3", r.Attempts)
		}
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, sleeps); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}
}

func TestApplyBlocksOnlyDependents(t *testing.T) {
	p := testPlan(t)
	f := &fakeApplier{fail: func(c Change, call int) error {
		if c.Key == "user/2" && c.Action == Create {
			return fmt.Errorf("refused: %w", ErrConstraint)
		}
		if c.Key == "user/4" && c.Action == Create {
			return fmt.Errorf("always busy: %w", ErrTemporary)
		}
		return nil
	}}
	rep, err := Apply(context.Background(), f, p, ApplyOptions{Sleep: noSleep, Retries: 2})
	var ae *ApplyError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *ApplyError", err)
	}
	if !errors.Is(err, ErrConstraint) || !errors.Is(err, ErrTemporary) || errors.Is(err, ErrPersistent) {
		t.Errorf("err does not unwrap to the change errors, or is persistent: %v", err)
	}
	if ae.Blocked != 2 || len(ae.Failed) != 2 {
		t.Errorf("ApplyError failed %d blocked %d, want 2 and 2", len(ae.Failed), ae.Blocked)
	}
	// Only the memberships of the two users that were not created wait.
	if rep.Failed != 2 || rep.Blocked != 2 || rep.Skipped != 0 || rep.Applied != len(p.Changes)-4 {
		t.Errorf("report applied/failed/blocked/skipped = %d/%d/%d/%d", rep.Applied, rep.Failed, rep.Blocked, rep.Skipped)
	}
	for _, r := range rep.Results {
		if r.Change.Key == "user/4" && r.Change.Action == Create && r.Attempts != 3 {
			t.Errorf("user/4 attempts = %d, want 3", r.Attempts)
		}
		if r.Change.Action != AddMember {
			continue
		}
		want := Applied
		if r.Change.Member == "user/2" || r.Change.Member == "user/4" {
			want = Blocked
		}
		if r.Status != want {
			t.Errorf("%s: status %s, want %s", line(r.Change), r.Status, want)
		}
	}
	var buf bytes.Buffer
	if err := rep.Render(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"failed 2, blocked 2", "failed: stage 3 create user user/2",
		"blocked: stage 4 add-member group g member user/2 <- create user user/2 failed: refused: constraint violation"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report render lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestApplyBlockedChain: an OU that cannot be made blocks its child OU,
// the users under both and their memberships, with the whole reason chain;
// everything else is applied.
func TestApplyBlockedChain(t *testing.T) {
	want := []Object{ctr("a", "a", ""), ctr("b", "b", "a"), ctr("c", "c", ""),
		usr("user/1", "u1", "b"), usr("user/2", "u2", "c"), usr("user/3", "u3", "a"),
		grp("g", "g", "c", "user/1", "user/2", "user/3")}
	p, err := Compute(want, nil, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeApplier{fail: func(c Change, _ int) error {
		if c.Key == "a" {
			return fmt.Errorf("ou a: attribute 'ou': %w", ErrConstraint)
		}
		return nil
	}}
	rep, err := Apply(context.Background(), f, p, ApplyOptions{Sleep: noSleep})
	if !errors.Is(err, ErrConstraint) {
		t.Fatalf("err = %v", err)
	}
	got := map[string]string{}
	for _, r := range rep.Results {
		got[describe(&r.Change)] = r.Status.String() + " " + strings.Join(r.Cause, " | ")
	}
	root := "create container a failed: ou a: attribute 'ou': constraint violation"
	wantStatus := map[string]string{
		"create container a":               "failed ",
		"create container b":               "blocked " + root,
		"create container c":               "applied ",
		"create user user/1":               "blocked create container b (blocked) | " + root,
		"create user user/2":               "applied ",
		"create user user/3":               "blocked " + root,
		"create group g":                   "applied ",
		"add-member group g member user/1": "blocked create user user/1 (blocked) | create container b (blocked) | " + root,
		"add-member group g member user/2": "applied ",
		"add-member group g member user/3": "blocked create user user/3 (blocked) | " + root,
	}
	if diff := cmp.Diff(wantStatus, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// TestApplyContainerNotEmpty: a child that could not leave its container
// (moved to quarantine, deleted) keeps the container from being retired or
// deleted; unrelated changes proceed.
func TestApplyContainerNotEmpty(t *testing.T) {
	obj := func(o Object) *Object { o.Managed = true; return &o }
	u1, u2, u3 := obj(usr("user/1", "u1", "a")), obj(usr("user/2", "u2", "b")), obj(usr("user/3", "u3", "c"))
	a, b, c := obj(ctr("a", "a", "")), obj(ctr("b", "b", "")), obj(ctr("c", "c", ""))
	to := func(o *Object, parent string) *Object { x := o.Clone(); x.Parent = parent; return &x }
	p := &Plan{Now: testNow, Changes: []Change{
		{Stage: 1, Action: Move, Kind: User, Key: "user/1", Before: u1, After: to(u1, "q")},
		{Stage: 1, Action: Move, Kind: User, Key: "user/3", Before: u3, After: to(u3, "q")},
		{Stage: 2, Action: Delete, Kind: User, Key: "user/2", Before: u2},
		{Stage: 3, Action: Move, Kind: Container, Key: "a", Before: a, After: to(a, "r")},
		{Stage: 3, Action: Move, Kind: Container, Key: "c", Before: c, After: to(c, "r")},
		{Stage: 4, Action: Delete, Kind: Container, Key: "b", Before: b},
	}}
	f := &fakeApplier{fail: func(c Change, _ int) error {
		if c.Key == "user/1" || c.Key == "user/2" {
			return fmt.Errorf("refused: %w", ErrConstraint)
		}
		return nil
	}}
	rep, _ := Apply(context.Background(), f, p, ApplyOptions{Sleep: noSleep})
	got := map[string]Status{}
	for _, r := range rep.Results {
		got[r.Change.Key] = r.Status
	}
	want := map[string]Status{"user/1": Failed, "user/2": Failed, "user/3": Applied, "a": Blocked, "b": Blocked, "c": Applied}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// TestApplyPersistent: a change failing the same way as in the previous
// run is persistent; one failing differently, or temporarily, is not.
func TestApplyPersistent(t *testing.T) {
	p := testPlan(t)
	fail := func(c Change, _ int) error {
		switch {
		case c.Key == "user/1" && c.Action == Create:
			return fmt.Errorf("create user/1: attribute 'givenName': %w", ErrConstraint)
		case c.Key == "user/3" && c.Action == Create:
			return fmt.Errorf("busy: %w", ErrTemporary)
		}
		return nil
	}
	rep1, err := Apply(context.Background(), &fakeApplier{fail: fail}, p, ApplyOptions{Sleep: noSleep})
	if errors.Is(err, ErrPersistent) || rep1.Persistent != 0 {
		t.Fatalf("first run persistent: %v", err)
	}
	prev := rep1.Failures()
	if len(prev) != 2 {
		t.Fatalf("failures %v", prev)
	}
	rep2, err := Apply(context.Background(), &fakeApplier{fail: fail}, p, ApplyOptions{Sleep: noSleep, Previous: prev})
	if !errors.Is(err, ErrPersistent) || rep2.Persistent != 1 {
		t.Fatalf("second run: %v (persistent %d), want one persistent failure", err, rep2.Persistent)
	}
	for _, r := range rep2.Results {
		if r.Persistent != (r.Change.Key == "user/1" && r.Change.Action == Create) {
			t.Errorf("%s persistent = %v", line(r.Change), r.Persistent)
		}
	}
	var buf bytes.Buffer
	rep2.Render(&buf)
	if !strings.Contains(buf.String(), "failed again (persistent): stage 3 create user user/1") {
		t.Errorf("render:\n%s", buf.String())
	}
	// A different error on the same change is not persistent.
	prev[0].Err = "something else"
	prev[1].Err = "something else"
	if _, err := Apply(context.Background(), &fakeApplier{fail: fail}, p, ApplyOptions{Sleep: noSleep, Previous: prev}); errors.Is(err, ErrPersistent) {
		t.Errorf("different error counted as persistent: %v", err)
	}
}

func TestApplyCancel(t *testing.T) {
	p := testPlan(t)
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeApplier{}
	f.hook = func(c Change) {
		if c.Key == "b" {
			cancel()
		}
	}
	rep, err := Apply(ctx, f, p, ApplyOptions{Concurrency: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if rep.Applied != 2 || rep.Skipped != len(p.Changes)-2 {
		t.Errorf("applied %d skipped %d", rep.Applied, rep.Skipped)
	}
}

func TestApplyThresholdRefusesBeforeTouching(t *testing.T) {
	var actual []Object
	for i := range 100 {
		actual = append(actual, usr(fmt.Sprintf("user/%03d", i), "u", ""))
	}
	actual = managed(actual...)
	p, err := Compute(actual[:80], actual, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	th := DefaultThresholds()
	f := &fakeApplier{}
	var log bytes.Buffer
	aud := NewJSONLAuditor(&log)
	rep, err := Apply(context.Background(), f, p, ApplyOptions{Thresholds: &th, Auditor: aud, Actor: "test"})
	var te *ThresholdError
	if !errors.As(err, &te) || !errors.Is(err, ErrThreshold) {
		t.Fatalf("err = %v, want *ThresholdError", err)
	}
	if len(f.applied) != 0 || rep.Applied != 0 || rep.Skipped != len(p.Changes) {
		t.Errorf("applied %v", f.applied)
	}
	want := Breach{Action: Disable, Kind: User, Count: 20, Total: 100, Limit: Limit{Percent: 10, Count: 50},
		Sample: []string{"user/080", "user/081", "user/082", "user/083", "user/084", "user/085", "user/086", "user/087", "user/088", "user/089"}}
	if diff := cmp.Diff([]Breach{want}, te.Breaches); diff != "" {
		t.Errorf("breaches (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "the plan would disable 20 of 100 user objects (20.0 %), over the limit 10 % or 50; e.g. user/080") {
		t.Errorf("message: %v", err)
	}
	if !strings.Contains(log.String(), "plan refused") {
		t.Errorf("refusal not audited: %s", log.String())
	}
	// Without thresholds (an override) it applies.
	rep, err = Apply(context.Background(), f, p, ApplyOptions{})
	if err != nil || rep.Applied != len(p.Changes) {
		t.Fatalf("override: %v, applied %d", err, rep.Applied)
	}
}

func TestApplyDryRun(t *testing.T) {
	p := testPlan(t)
	f := &fakeApplier{}
	rep, err := Apply(context.Background(), f, p, ApplyOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.applied) != 0 || rep.Skipped != len(p.Changes) || rep.Results[0].Status != DryRun {
		t.Errorf("dry run touched the target or reported wrongly: %v %+v", f.applied, rep.Results[0])
	}
	var buf bytes.Buffer
	if err := rep.Render(&buf); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("dry run: %d changes would have been applied", len(p.Changes)); !strings.Contains(buf.String(), want) || strings.Contains(buf.String(), "not attempted") {
		t.Errorf("render = %q, want %q", buf.String(), want)
	}
}

func TestReportJSON(t *testing.T) {
	r := Result{Change: Change{Action: Delete, Kind: User, Key: "user/1", Stage: 3}, Status: Failed, Err: errors.New("boom"), Attempts: 2}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"change":{"action":"delete","kind":"user","key":"user/1","stage":3},"status":"failed","attempts":2,"error":"boom"}`
	if string(b) != want {
		t.Errorf("json = %s\nwant   %s", b, want)
	}
}

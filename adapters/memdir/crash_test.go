package memdir_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
)

// errCrash stands for the process being killed: nothing after it happens.
var errCrash = errors.New("killed")

// crashing kills the "process" at its limit-th change: that change lands
// in the directory or not (as a kill before or after the directory
// answered), and from then on no change is carried out and no audit
// record is written, as after kill -9.
type crashing struct {
	dir     *memdir.Dir
	mu      sync.Mutex
	n       int
	limit   int
	land    bool
	crashed bool
}

func (c *crashing) Apply(ctx context.Context, ch diff.Change) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed {
		return errCrash
	}
	c.n++
	if c.n < c.limit {
		return c.dir.Apply(ctx, ch)
	}
	c.crashed = true
	if c.land {
		_ = c.dir.Apply(ctx, ch)
	}
	return errCrash
}

type crashAuditor struct {
	t *crashing
	a diff.Auditor
}

func (a *crashAuditor) Record(ctx context.Context, r diff.AuditRecord) error {
	a.t.mu.Lock()
	defer a.t.mu.Unlock()
	if a.t.crashed {
		return errCrash
	}
	return a.a.Record(ctx, r)
}

// crashDesired is a small school: OUs two deep, users, groups.
func crashDesired() []diff.Object {
	objs := []diff.Object{{Kind: diff.Container, Key: "ou/a", Name: "A"}}
	var members []string
	for c := range 3 {
		ou := fmt.Sprintf("ou/a/%d", c)
		objs = append(objs, diff.Object{Kind: diff.Container, Key: ou, Name: fmt.Sprint(c), Parent: "ou/a"})
		for u := range 6 {
			k := fmt.Sprintf("user/%d-%d", c, u)
			objs = append(objs, diff.Object{Kind: diff.User, Key: k, Name: k, Parent: ou,
				Attrs: diff.AttrsFrom(map[string]string{"username": fmt.Sprintf("u%d%d", c, u)})})
			members = append(members, k)
		}
		objs = append(objs, diff.Object{Kind: diff.Group, Key: "group/" + ou, Name: "g" + fmt.Sprint(c), Parent: ou, Members: members[len(members)-6:]})
	}
	objs = append(objs, diff.Object{Kind: diff.Group, Key: "group/all", Name: "all", Parent: "ou/a", Members: members})
	return objs
}

// TestCrashMidApplyAudit kills a run at a random change (many seeds), runs
// again, and checks the write-ahead audit: the log verifies, no intent is
// left open, every object in the directory has a create intent with an
// outcome that says it was applied, and a third plan is empty.
func TestCrashMidApplyAudit(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	want := crashDesired()
	seeds := 200
	if testing.Short() {
		seeds = 30
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 13))
		d := memdir.New()
		var log bytes.Buffer
		plan, err := diff.Compute(want, nil, diff.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		tgt := &crashing{dir: d, limit: 1 + rng.IntN(len(plan.Changes)), land: rng.IntN(2) == 0}
		aud := &crashAuditor{t: tgt, a: diff.NewJSONLAuditor(&log)}
		clock := now
		tick := func() time.Time { clock = clock.Add(time.Millisecond); return clock }
		_, _ = diff.Apply(ctx, tgt, plan, diff.ApplyOptions{Auditor: aud, Clock: tick, Concurrency: 1 + rng.IntN(4), Retries: -1})

		// The re-run: resume the log, read, plan, apply (reconciling first).
		a2, err := diff.ResumeJSONLAuditor(bytes.NewReader(log.Bytes()), &log)
		if err != nil {
			t.Fatalf("seed %d: resume: %v", seed, err)
		}
		actual, _ := d.Read(ctx)
		plan2, err := diff.Compute(want, actual, diff.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := diff.Apply(ctx, d, plan2, diff.ApplyOptions{Auditor: a2, Clock: tick, Open: a2.Open(), Actual: actual}); err != nil {
			t.Fatalf("seed %d: re-run: %v", seed, err)
		}
		if err := diff.VerifyAuditLog(bytes.NewReader(log.Bytes())); err != nil {
			t.Fatalf("seed %d: verify: %v", seed, err)
		}
		if open, _ := diff.OpenIntents(bytes.NewReader(log.Bytes())); len(open) != 0 {
			t.Errorf("seed %d: %d intents left open", seed, len(open))
		}
		created := createdKeys(t, log.Bytes())
		for _, o := range d.Objects() {
			if !created[o.Key] {
				t.Errorf("seed %d (crash at change %d, landed %v): %s exists without a complete create record", seed, tgt.limit, tgt.land, o.Key)
			}
		}
		actual, _ = d.Read(ctx)
		if p, _ := diff.Compute(want, actual, diff.Options{Now: now}); !p.Empty() {
			t.Errorf("seed %d: third plan not empty: %s", seed, p.Summary())
		}
	}
}

// createdKeys returns the keys with a create intent whose outcome (normal
// or reconciled) says it was applied.
func createdKeys(t *testing.T, log []byte) map[string]bool {
	t.Helper()
	intents := map[string]string{} // op -> key of create intents
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		var r diff.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Action != diff.Create {
			continue
		}
		switch r.Phase {
		case diff.PhaseIntent:
			intents[r.Op] = r.Key
		case diff.PhaseOutcome:
			if r.Err == "" && intents[r.Op] == r.Key {
				out[r.Key] = true
			}
		}
	}
	return out
}

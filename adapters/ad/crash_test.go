package ad_test

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

	"github.com/orgsync/orgsync/diff"
)

var errKilled = errors.New("killed")

// killing stands for the process being killed at its limit-th change:
// that change reaches AD or not, and afterwards nothing reaches AD or the
// audit log.
type killing struct {
	tgt     diff.Applier
	mu      sync.Mutex
	n       int
	limit   int
	land    bool
	crashed bool
}

func (k *killing) Apply(ctx context.Context, ch diff.Change) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.crashed {
		return errKilled
	}
	k.n++
	if k.n < k.limit {
		return k.tgt.Apply(ctx, ch)
	}
	k.crashed = true
	if k.land {
		_ = k.tgt.Apply(ctx, ch)
	}
	return errKilled
}

type killingAuditor struct {
	k *killing
	a diff.Auditor
}

func (a *killingAuditor) Record(ctx context.Context, r diff.AuditRecord) error {
	a.k.mu.Lock()
	defer a.k.mu.Unlock()
	if a.k.crashed {
		return errKilled
	}
	return a.a.Record(ctx, r)
}

// TestCrashMidApplyAuditSamba kills an apply against Samba at a random
// change (several seeds), runs again with a new client, and checks the
// write-ahead audit: the log verifies, no intent is left open, and every
// object in AD has a create intent whose outcome says it was applied.
func TestCrashMidApplyAuditSamba(t *testing.T) {
	s := samba(t)
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	ctx := context.Background()
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 13))
			base := s.testOU(t, "crash")
			cfg := s.config(base)
			c := s.clientAt(t, cfg)
			var want []diff.Object
			want = append(want, ou("ou/a", "A", ""))
			var members []string
			for i := range 2 {
				cls := fmt.Sprintf("ou/a/%d", i)
				want = append(want, ou(cls, fmt.Sprint(i), "ou/a"))
				for u := range 5 {
					k := fmt.Sprintf("user/%d-%d", i, u)
					want = append(want, user(k, cls, fmt.Sprintf("c%d%d%d%s", seed, i, u, suffix(t)[:6]), "Kim", fmt.Sprintf("Nr%d", u)))
					members = append(members, k)
				}
			}
			g := group("group/all", "Alle", "ou/a")
			g.Members = members
			want = append(want, g)

			plan, err := diff.Compute(want, read(t, c), diff.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			k := &killing{tgt: c, limit: 1 + rng.IntN(len(plan.Changes)), land: rng.IntN(2) == 0}
			var log bytes.Buffer
			_, _ = diff.Apply(ctx, k, plan, diff.ApplyOptions{Auditor: &killingAuditor{k: k, a: diff.NewJSONLAuditor(&log)},
				Concurrency: 1 + rng.IntN(4), Retries: -1, Clock: time.Now})

			c2 := s.clientAt(t, cfg) // the restarted process
			a2, err := diff.ResumeJSONLAuditor(bytes.NewReader(log.Bytes()), &log)
			if err != nil {
				t.Fatal(err)
			}
			actual := read(t, c2)
			plan2, err := diff.Compute(want, actual, diff.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := diff.Apply(ctx, c2, plan2, diff.ApplyOptions{Auditor: a2, Open: a2.Open(), Actual: actual, Clock: time.Now}); err != nil {
				t.Fatalf("re-run (crash at %d, landed %v): %v", k.limit, k.land, err)
			}
			if err := diff.VerifyAuditLog(bytes.NewReader(log.Bytes())); err != nil {
				t.Fatal(err)
			}
			if open, _ := diff.OpenIntents(bytes.NewReader(log.Bytes())); len(open) != 0 {
				t.Errorf("%d intents left open", len(open))
			}
			created := map[string]bool{}
			intents := map[string]string{}
			sc := bufio.NewScanner(bytes.NewReader(log.Bytes()))
			for sc.Scan() {
				var r diff.AuditRecord
				if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
					t.Fatal(err)
				}
				if r.Action == diff.Create && r.Phase == diff.PhaseIntent {
					intents[r.Op] = r.Key
				}
				if r.Action == diff.Create && r.Phase == diff.PhaseOutcome && r.Err == "" && intents[r.Op] == r.Key {
					created[r.Key] = true
				}
			}
			for _, o := range read(t, c2) {
				if o.Managed && !created[o.Key] {
					t.Errorf("crash at change %d (landed %v): %s is in AD without a complete create record", k.limit, k.land, o.Key)
				}
			}
			if p, _ := diff.Compute(want, read(t, c2), diff.Options{Now: now}); !p.Empty() {
				t.Errorf("third plan: %s", p.Summary())
			}
		})
	}
}

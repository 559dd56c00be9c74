package entra_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// creates counts the Create changes of a plan by kind.
func creates(p *diff.Plan) map[diff.Kind]int {
	n := map[diff.Kind]int{}
	for _, ch := range p.Changes {
		if ch.Action == diff.Create {
			n[ch.Kind]++
		}
	}
	return n
}

// noDuplicates fails the test when an object exists more than once in the
// fake, or when the number of objects differs from the creates planned.
func noDuplicates(t *testing.T, srv *graphfake.Server, want map[diff.Kind]int) {
	t.Helper()
	for kind, typ := range map[diff.Kind]string{diff.User: "user", diff.Group: "group", diff.Container: "administrativeUnit"} {
		objs := objectsByKey(t, srv, typ)
		for key, os := range objs {
			if len(os) != 1 {
				t.Errorf("%s %s exists %d times", kind, key, len(os))
			}
		}
		if len(objs) != want[kind] {
			t.Errorf("%d %s objects, want %d", len(objs), kind, want[kind])
		}
	}
}

// TestReadFiltersAsAnAdvancedQuery: Graph serves a filter on companyName
// only with ConsistencyLevel: eventual and $count=true; Read sends both
// and finds a marked user (without them the fake, like Graph, answers 400
// Request_UnsupportedQuery and nothing is read).
func TestReadFiltersAsAnAdvancedQuery(t *testing.T) {
	tn := newTenant(t, graphfake.Options{Seed: 30, PageSize: 2}, func(c *entra.Config) { c.TeamKinds = nil })
	for i, k := range []string{"user/a", "user/b", "user/c"} {
		tn.srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": k, "mailNickname": "u" + k[5:],
			"userPrincipalName": "u" + k[5:] + "@" + testDomain, "companyName": testMark, ext("orgsyncKey"): k})
		_ = i
	}
	objs, err := tn.c.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	n := 0
	for _, o := range objs {
		if o.Kind == diff.User && o.Managed {
			n++
		}
	}
	if n != 3 {
		t.Errorf("read %d managed users over pages of 2, want 3", n)
	}
}

// TestFirstSyncUnderReplicationLag: every new object is missed by its
// first three look-ups and references (404, 400 "… do not exist"), as
// right after a create in Graph. The adapter waits for replication where
// it refers to new objects, and the first sync lands and converges.
func TestFirstSyncUnderReplicationLag(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 31, PageSize: 40, YoungGroupAttempts: 1, Lag: 3}, nil)
	want := tn.c.Prepare(m.build(t))
	p := apply(t, tn.c, want, m.at)
	converged(t, tn.c, want, m.at)
	noDuplicates(t, tn.srv, creates(p))
	if tn.srv.Counts().LagMisses == 0 {
		t.Error("no look-up missed a new object: the lag did not bite")
	}
}

// TestReorderedAndFailedBatches: answers come in reverse order and a share
// of batches is throttled as a whole — the envelope failed with 424 and a
// Retry-After, or one item 429 with Retry-After and the others 424 without
// one. Every change still lands once, and every re-send waits the
// Retry-After the batch carried: a 424 item waits as long as its
// envelope's longest Retry-After, never just the short backoff.
func TestReorderedAndFailedBatches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults graphfake.Faults
	}{
		{"envelope 424", graphfake.Faults{BatchFailedDependency: 0.3}},
		{"items 429 and 424", graphfake.Faults{BatchThrottledItems: 0.3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMunicipality(t, synth.Tiny)
			tn := newTenant(t, graphfake.Options{Seed: 32, PageSize: 40, YoungGroupAttempts: 1, ReorderBatch: true, RetryAfter: 7, Faults: tc.faults},
				func(c *entra.Config) { c.MaxAttempts = 30; c.TeamKinds = nil })
			var mu sync.Mutex
			waits := map[time.Duration]int{}
			tn.c.SetSleep(func(ctx context.Context, d time.Duration) error {
				mu.Lock()
				waits[d]++
				mu.Unlock()
				return ctx.Err()
			})
			want := tn.c.Prepare(m.build(t))
			p, _ := plan(t, tn.c, want, m.at)
			if _, err := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 64, Sleep: noSleep}); err != nil {
				t.Fatalf("apply: %v", err)
			}
			tn.srv.SetFaults(graphfake.Faults{})
			converged(t, tn.c, want, m.at)
			noDuplicates(t, tn.srv, creates(p))
			if waits[7*time.Second] == 0 || len(waits) != 1 {
				t.Errorf("waits %v, want only the batch's Retry-After of 7 s", waits)
			}
		})
	}
}

// TestLostAnswersUnderLagMakeNoDuplicates: writes whose answers are lost
// while new objects are still replicating. A look-up right after a lost
// create misses the new group, and security groups take any nickname, so
// re-sending at once would make a second group; the adapter looks again
// until replication has had its time.
func TestLostAnswersUnderLagMakeNoDuplicates(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 33, PageSize: 40, YoungGroupAttempts: 1, Lag: 2,
		Faults: graphfake.Faults{LostResponse: 0.15, ItemLostResponse: 0.15}}, func(c *entra.Config) { c.MaxAttempts = 30 })
	want := tn.c.Prepare(m.build(t))
	p, _ := plan(t, tn.c, want, m.at)
	if _, err := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 64, Sleep: noSleep, Retries: 5}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	tn.srv.SetFaults(graphfake.Faults{})
	converged(t, tn.c, want, m.at)
	noDuplicates(t, tn.srv, creates(p))
}

// TestBadUsernameFailsOnlyThatPerson: a username Graph would refuse (a
// letter outside A-Z) fails that person's create with an error naming the
// person and the field, before any request; the other users of the stage
// are created.
func TestBadUsernameFailsOnlyThatPerson(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 34, PageSize: 40, YoungGroupAttempts: 1}, nil)
	want := tn.c.Prepare(m.build(t))
	var bad string
	for i := range want {
		if want[i].Kind == diff.User {
			bad = want[i].Key
			want[i].Attrs = want[i].Attrs.Clone()
			want[i].Attrs.Set("username", "søren")
			break
		}
	}
	p, _ := plan(t, tn.c, want, m.at)
	tn.srv.ResetCounts()
	_, err := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 64, Sleep: noSleep})
	var ae *diff.ApplyError
	if !errors.As(err, &ae) || len(ae.Failed) != 1 {
		t.Fatalf("apply: %v, want one failed change", err)
	}
	f := ae.Failed[0]
	if f.Change.Key != bad || !errors.Is(f.Err, diff.ErrConstraint) || !strings.Contains(f.Err.Error(), "username") || !strings.Contains(f.Err.Error(), bad) {
		t.Errorf("failure %s: %v; want %s, ErrConstraint, naming the field username", f.Change.Key, f.Err, bad)
	}
	users := creates(p)[diff.User]
	c := tn.srv.Counts()
	if got := c.Writes["POST /users"]; got != users-1 {
		t.Errorf("%d users created, want the other %d", got, users-1)
	}
	if sent := c.ItemsByRoute["POST /users"] + c.ByRoute["POST /users"]; sent != users-1 {
		t.Errorf("%d user creations sent, want %d: the bad one must not be sent", sent, users-1)
	}
}

// realismSeeds are the fake's seeds for TestFirstSyncConvergesWithRealism:
// 35, or the comma-separated list in ORGSYNC_REALISM_SEEDS (each seed a
// different draw of faults, for a range of figures).
func realismSeeds(t *testing.T) []uint64 {
	env := os.Getenv("ORGSYNC_REALISM_SEEDS")
	if env == "" {
		return []uint64{35}
	}
	var seeds []uint64
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			t.Fatalf("ORGSYNC_REALISM_SEEDS: %q is not a seed: %v", f, err)
		}
		seeds = append(seeds, n)
	}
	return seeds
}

// realism is every awkward behaviour of the fake at once: replication lag
// (each new object missed by its first look-up or reference), reordered
// batch answers, 30 % of requests and of batch items throttled, 5 % of
// envelopes failed with 424 and, with lost, 5 % of writes (alone and in
// batches) taking effect with their answer lost.
func realism(seed uint64, lost bool) graphfake.Options {
	o := graphfake.Options{Seed: seed, PageSize: 100, YoungGroupAttempts: 1, Lag: 1, ReorderBatch: true,
		Faults: graphfake.Faults{Throttle: 0.30, ItemThrottle: 0.30, BatchFailedDependency: 0.05}}
	if lost {
		o.Faults.LostResponse, o.Faults.ItemLostResponse = 0.05, 0.05
	}
	return o
}

// TestFirstSyncConvergesWithRealism: the first sync of a small
// municipality lands with the realism switches on — lag and throttling,
// then lost answers too; the next plan is empty and no object exists
// twice. It reports the HTTP requests per 1,000 changes, also without
// faults and with lost answers only, for comparison (docs/BENCHMARKS.md);
// ORGSYNC_REALISM_SEEDS runs it for several seeds. diff.Apply runs 400 changes
// at once with a batch window of 10 ms, so that re-sent requests find
// company in their batches.
func TestFirstSyncConvergesWithRealism(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole small municipality, three times")
	}
	m := newMunicipality(t, synth.Small)
	type variant struct {
		name string
		opts graphfake.Options
	}
	var variants []variant
	for _, seed := range realismSeeds(t) {
		variants = append(variants,
			variant{fmt.Sprintf("plain/seed=%d", seed), graphfake.Options{Seed: seed, PageSize: 100, YoungGroupAttempts: 1}},
			variant{fmt.Sprintf("lag+throttling/seed=%d", seed), realism(seed, false)},
			variant{fmt.Sprintf("lost-only/seed=%d", seed), graphfake.Options{Seed: seed, PageSize: 100, YoungGroupAttempts: 1,
				Faults: graphfake.Faults{LostResponse: 0.05, ItemLostResponse: 0.05}}},
			variant{fmt.Sprintf("lag+throttling+lost/seed=%d", seed), realism(seed, true)})
	}
	for _, tc := range variants {
		t.Run(tc.name, func(t *testing.T) {
			tn := newTenant(t, tc.opts, func(c *entra.Config) { c.MaxAttempts = 40; c.BatchWindow = 10 * time.Millisecond })
			want := tn.c.Prepare(m.build(t))
			p, _ := plan(t, tn.c, want, m.at)
			tn.srv.ResetCounts()
			if _, err := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 400, Sleep: noSleep, Retries: 5}); err != nil {
				t.Fatalf("apply: %v", err)
			}
			c := tn.srv.Counts()
			converged(t, tn.c, want, m.at)
			tn.srv.SetFaults(graphfake.Faults{})
			converged(t, tn.c, want, m.at)
			noDuplicates(t, tn.srv, creates(p))
			t.Logf("%d changes: %d HTTP requests (%.1f per 1,000 changes), %d batch items, %d look-ups missed by lag",
				len(p.Changes), c.Requests, float64(c.Requests)*1000/float64(len(p.Changes)), c.BatchItems, c.LagMisses)
			t.Logf("batch items by route %v; requests by route %v; envelopes by size %v", c.ItemsByRoute, c.ByRoute, c.Envelopes)
		})
	}
}

// TestReadWaitsForReplicatingGroup: a group created moments ago shows in
// the list of groups, but reading its members by id still answers 404
// while it replicates. Read waits for it instead of failing, and returns
// the group with its member.
func TestReadWaitsForReplicatingGroup(t *testing.T) {
	tn := newTenant(t, graphfake.Options{Seed: 41, PageSize: 40, Lag: 2}, func(c *entra.Config) { c.TeamKinds = nil })
	tn.c.SetSleep(noSleep)
	uid := tn.srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "a", "mailNickname": "ua",
		"userPrincipalName": "ua@" + testDomain, "companyName": testMark, ext("orgsyncKey"): "user/a"})
	hc := tn.srv.Client()
	body := `{"displayName":"7A","mailNickname":"7a","mailEnabled":false,"securityEnabled":true,"groupTypes":[],` +
		`"` + ext("orgsyncKey") + `":"group/7a","members@odata.bind":["` + tn.srv.BaseURL() + `/directoryObjects/` + uid + `"]}`
	resp, err := hc.Post(tn.srv.BaseURL()+"/groups", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create group: %d", resp.StatusCode)
	}
	tn.srv.ResetCounts()
	objs, err := tn.c.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if tn.srv.Counts().LagMisses != 2 {
		t.Errorf("%d look-ups missed the group, want 2: the lag did not bite", tn.srv.Counts().LagMisses)
	}
	for _, o := range objs {
		if o.Key == "group/7a" {
			if len(o.Members) != 1 || o.Members[0] != "user/a" {
				t.Errorf("group members %v, want [user/a]", o.Members)
			}
			return
		}
	}
	t.Error("group/7a not read")
}

// TestGroupsCreatedInTheirUnit: with the Groups Administrator role scoped
// on the administrative units, each group of an institution is created
// inside its unit in one request, with no separate link; without the role
// (NoUnitRole) Graph refuses that, and the adapter creates and links the
// groups in two requests instead. Both converge with the groups in their
// units.
func TestGroupsCreatedInTheirUnit(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	for _, noRole := range []bool{false, true} {
		t.Run(map[bool]string{false: "role on the units", true: "no role"}[noRole], func(t *testing.T) {
			tn := newTenant(t, graphfake.Options{Seed: 42, PageSize: 40, YoungGroupAttempts: 1, NoUnitRole: noRole},
				func(c *entra.Config) { c.AdministrativeUnits = true })
			want := tn.c.Prepare(m.build(t))
			inUnit := 0
			for _, o := range want {
				if o.Kind == diff.Group && o.Parent != "" {
					inUnit++
				}
			}
			if inUnit == 0 {
				t.Fatal("no group belongs to an administrative unit: the test proves nothing")
			}
			p, _ := plan(t, tn.c, want, m.at)
			tn.srv.ResetCounts()
			if _, err := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 64, Sleep: noSleep}); err != nil {
				t.Fatalf("apply: %v", err)
			}
			c := tn.srv.Counts()
			converged(t, tn.c, want, m.at)
			created := c.Writes["POST /directory/administrativeUnits/{id}/members"]
			links := c.Writes["POST /directory/administrativeUnits/{id}/members/$ref"]
			users := 0
			for _, o := range want {
				if o.Kind == diff.User && o.Parent != "" {
					users++
				}
			}
			if !noRole && (created != inUnit || links != users) {
				t.Errorf("%d groups created in their unit, %d links; want %d and %d (the users' only)", created, links, inUnit, users)
			}
			if noRole && (created != 0 || links != users+inUnit) {
				t.Errorf("%d groups created in their unit, %d links; want 0 and %d", created, links, users+inUnit)
			}
		})
	}
}

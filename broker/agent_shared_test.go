package broker_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestAgentsSharedStore: two broker instances on one store (a standby and
// the active one) issue plans to the same agent client at once. Every
// number is handed out once, the numbers run without a gap, and a report
// of any but the last issued plan is refused as stale on either instance.
func TestAgentsSharedStore(t *testing.T) {
	ctx := context.Background()
	store := slowAgentStore{&broker.MemoryStore{}}
	var ags [2]*broker.Agents
	for i := range ags {
		b, err := broker.New(ctx, broker.Options{Store: store, Log: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := b.SetSnapshot(ctx, synth.Generate(synth.Tiny)); err != nil {
				t.Fatal(err)
			}
		}
		if ags[i], err = broker.NewAgents(b, broker.AgentClient{Name: "site", FullSyncHour: -1}); err != nil {
			t.Fatal(err)
		}
	}
	const each = 25
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for i := range ags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				pl, err := ags[i].Issue(ctx, "site", "")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[pl.Seq]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for n := int64(1); n <= 2*each; n++ {
		if seen[n] != 1 {
			t.Errorf("plan %d issued %d times, want once", n, seen[n])
		}
	}
	if len(seen) != 2*each {
		t.Errorf("%d distinct numbers, want %d", len(seen), 2*each)
	}
	last := int64(2 * each)
	for i, ag := range ags {
		if err := ag.Start(ctx, "site", last-1); !errors.Is(err, broker.ErrStale) {
			t.Errorf("instance %d: start of plan %d: %v, want ErrStale", i, last-1, err)
		}
	}
	if err := ags[1].Start(ctx, "site", last); err != nil {
		t.Fatalf("start of the last plan on the other instance: %v", err)
	}
	if err := ags[0].Report(ctx, "site", last, &broker.RunReport{}); err != nil {
		t.Fatalf("report of the last plan: %v", err)
	}
	st, err := ags[1].Status(ctx, "site")
	if err != nil || st.Seq != last || st.Started != last || st.Reported != last {
		t.Errorf("status on the other instance: %+v, %v; want seq, started and reported %d", st, err, last)
	}
}

// slowAgentStore widens the window between reading an agent record and
// writing it back, as a database round trip does, so that a lost update
// between two instances shows.
type slowAgentStore struct{ *broker.MemoryStore }

func (s slowAgentStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.MemoryStore.Get(ctx, key)
	if strings.HasPrefix(key, "agent/") {
		time.Sleep(time.Millisecond)
	}
	return v, err
}

package broker_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func TestHeadCountsPersisted(t *testing.T) {
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	inst := snap.Institutions[0].Number
	var pupil string
	for _, a := range snap.Affiliations {
		if snap.AffiliationInstitution(a) == inst {
			pupil = a.PersonID
			break
		}
	}
	smaller := without(snap, func(a orgmodel.Affiliation) bool { return a.PersonID == pupil })
	full := broker.HeadCount(snap)[inst]
	if full == 0 || broker.HeadCount(smaller)[inst] != full-1 {
		t.Fatalf("head counts %d and %d", full, broker.HeadCount(smaller)[inst])
	}
	store, err := broker.OpenFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: synth.ReferenceTime(snap.SchoolYear)}
	h := &broker.HeadCounts{Store: store, Max: 3, Clock: clk.Now, Log: quiet}
	for _, s := range []*orgmodel.Snapshot{snap, snap, smaller, snap} { // two at one instant
		h.Accepted(nil, s)
		if s == smaller {
			clk.Add(time.Hour)
		}
	}
	want := []int{full, full - 1, full}
	if got := h.Series(inst); !slices.Equal(got, want) {
		t.Fatalf("series %v, want %v (the last 3)", got, want)
	}
	keys, _ := store.List(ctx, "headcounts/")
	if len(keys) != 3 {
		t.Errorf("keys %v, want 3", keys)
	}
	// A broker started again reads the trend back.
	again := &broker.HeadCounts{Store: store, Max: 3}
	if err := again.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got := again.Series(inst); !slices.Equal(got, want) {
		t.Errorf("loaded series %v, want %v", got, want)
	}
	// A smaller Max loads the newest only.
	two := &broker.HeadCounts{Store: store, Max: 2}
	if err := two.Load(ctx); err != nil || !slices.Equal(two.Series(inst), want[1:]) {
		t.Errorf("Max 2: %v, %v", two.Series(inst), err)
	}
	if err := store.Put(ctx, "headcounts/20990101T000000.000000000Z-0000", []byte("{")); err != nil {
		t.Fatal(err)
	}
	if err := again.Load(ctx); err == nil || !strings.Contains(err.Error(), "headcounts/20990101T000000.000000000Z-0000") {
		t.Errorf("a broken record: %v, want an error naming its key", err)
	}
	var none *broker.HeadCounts
	if none.Series(inst) != nil {
		t.Error("a nil HeadCounts has a series")
	}
	mem := &broker.HeadCounts{}
	mem.Accepted(nil, snap)
	mem.Accepted(nil, nil)
	if err := mem.Load(ctx); err != nil || len(mem.Series(inst)) != 1 {
		t.Errorf("in memory: %v %v", mem.Series(inst), err)
	}
}

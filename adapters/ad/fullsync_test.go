package ad_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// world drives the whole pipeline (synthetic municipality → desired
// objects → plan → apply) against one test OU.
type world struct {
	t         *testing.T
	s         server
	c         *ad.Client
	base      string
	proj      *desired.Projection
	now       time.Time
	prefix    string
	usernames map[string]string
}

func newWorld(t *testing.T, name string) *world {
	s := samba(t)
	c, base := s.client(t, name)
	proj, err := desired.DefaultConfig().Compile()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return &world{t: t, s: s, c: c, base: base, proj: proj, now: synth.ReferenceTime(synth.DefaultSchoolYear),
		prefix: "t" + hex.EncodeToString(b), usernames: map[string]string{}}
}

// mini is a municipality small enough for Samba to take it in seconds:
// one school, one daycare and the administration.
var mini = synth.Config{Seed: 1, Persons: 60, Schools: 1, Daycares: 1, FUs: -1}

// snapshot generates the mini municipality afresh, so that each scenario
// can change it freely.
func snapshot() *orgmodel.Snapshot {
	snap := synth.Generate(mini)
	snap.Index()
	return snap
}

// desired builds the desired objects; usernames are unique per test run
// (sAMAccountName is unique in the whole domain).
func (w *world) desired(snap *orgmodel.Snapshot) []diff.Object {
	w.t.Helper()
	for _, p := range snap.Persons {
		if _, ok := w.usernames[p.ID]; !ok {
			w.usernames[p.ID] = fmt.Sprintf("%s%05d", w.prefix, len(w.usernames))
		}
	}
	objs, err := w.proj.Build(snap, desired.Input{At: w.now, Usernames: w.usernames})
	if err != nil {
		w.t.Fatalf("Build: %v", err)
	}
	return w.c.Prepare(objs)
}

func (w *world) options() diff.Options {
	return diff.Options{Now: w.now, Quarantine: desired.KeyDisabled, Retired: desired.KeyRetired}
}

// plan reads AD and plans the snapshot.
func (w *world) plan(snap *orgmodel.Snapshot) (*diff.Plan, []diff.Object) {
	w.t.Helper()
	actual := read(w.t, w.c)
	p, err := diff.Compute(w.desired(snap), actual, w.options())
	if err != nil {
		w.t.Fatalf("Compute: %v", err)
	}
	return p, actual
}

// sync plans and applies the snapshot with the default thresholds
// overridden (the first sync creates everything).
func (w *world) sync(snap *orgmodel.Snapshot) *diff.Plan {
	w.t.Helper()
	p, _ := w.plan(snap)
	rep, err := diff.Apply(context.Background(), w.c, p, diff.ApplyOptions{Concurrency: 4, Backoff: 10 * time.Millisecond})
	if err != nil {
		w.t.Fatalf("Apply: %v\n%s", err, firstFailures(rep))
	}
	return p
}

func firstFailures(rep *diff.Report) string {
	if rep == nil {
		return ""
	}
	var b strings.Builder
	n := 0
	for _, r := range rep.Results {
		if r.Err != nil && n < 5 {
			fmt.Fprintf(&b, "  %s %s: %v\n", r.Change.Action, r.Change.Key, r.Err)
			n++
		}
	}
	return b.String()
}

// assertConverged plans again and wants no change.
func (w *world) assertConverged(snap *orgmodel.Snapshot, when string) {
	w.t.Helper()
	p, _ := w.plan(snap)
	if !p.Empty() {
		var b strings.Builder
		_ = p.Render(&b)
		out := b.String()
		if len(out) > 3000 {
			out = out[:3000] + "…"
		}
		w.t.Fatalf("%s: plan not empty:\n%s", when, out)
	}
}

// guid returns the objectGUID of the object with the given Key.
func (w *world) guid(key string) string {
	w.t.Helper()
	e := w.s.entry(w.t, w.base, "(adminDescription=orgsync:"+key+")", "objectGUID")
	if e == nil {
		w.t.Fatalf("no object with key %s", key)
	}
	return hex.EncodeToString(e.GetRawAttributeValue("objectGUID"))
}

// TestFullSync syncs a generated municipality into AD and walks it
// through a second run, a leaver, a returner, a year-roll class rename and
// a refused plan.
func TestFullSync(t *testing.T) {
	w := newWorld(t, "fullsync")
	snap := snapshot()
	first := w.sync(snap)
	sum := first.Summary()
	t.Logf("first sync: %s", sum)
	want := w.desired(snap)
	got := byKey(read(t, w.c))
	if len(got) != len(want) {
		t.Errorf("read %d managed objects, desired %d", len(got), len(want))
	}
	w.assertConverged(snap, "second run")

	// Pick a pupil with a single affiliation in a class.
	var leaver orgmodel.Affiliation
	for _, a := range snap.Affiliations {
		if a.Kind() == orgmodel.Student && a.MainGroupID != "" && len(snap.AffiliationsOf(a.PersonID, w.now)) == 1 {
			leaver = a
			break
		}
	}
	if leaver.PersonID == "" {
		t.Fatal("no pupil to leave")
	}
	key := desired.UserKey(leaver.PersonID)
	home := got[key].Parent
	guid := w.guid(key)

	t.Run("leaver is disabled and moved to the dated OU", func(t *testing.T) {
		left := snapshot()
		left.Affiliations = slices.DeleteFunc(left.Affiliations, func(a orgmodel.Affiliation) bool { return a.PersonID == leaver.PersonID })
		left.Index()
		p := w.sync(left)
		if s := p.Summary(); s.String() == "" {
			t.Fatal("empty summary")
		}
		u := byKey(read(t, w.c))[key]
		date := w.now.Format(diff.DateLayout)
		if !u.Disabled || u.Parent != desired.KeyDisabled+"/"+date || u.Attrs.Get(attr.DisabledDate) != date {
			t.Fatalf("leaver: %+v", u)
		}
		e := w.s.entry(t, w.base, "(adminDescription=orgsync:"+key+")", "userAccountControl")
		if !strings.HasPrefix(e.DN, "CN=") || !strings.Contains(e.DN, ",OU="+date+",OU=Deaktiverede brugere,"+w.base) ||
			e.GetAttributeValue("userAccountControl") != "514" {
			t.Errorf("leaver in AD: %s uac %s", e.DN, e.GetAttributeValue("userAccountControl"))
		}
		w.assertConverged(left, "after leaver")
	})

	t.Run("returner is enabled and moved back", func(t *testing.T) {
		w.sync(snapshot())
		u := byKey(read(t, w.c))[key]
		if u.Disabled || u.Parent != home || u.Attrs.Get(attr.DisabledDate) != "" {
			t.Fatalf("returner: %+v (home %s)", u, home)
		}
		if w.guid(key) != guid {
			t.Error("returner has a new objectGUID")
		}
		w.assertConverged(snapshot(), "after returner")
	})

	t.Run("year roll renames a class, same objectGUID", func(t *testing.T) {
		rolled := snapshot()
		var class orgmodel.Group
		for i, g := range rolled.Groups {
			if g.Type == orgmodel.Hovedgruppe && g.Institution == leaver.Institution && g.ID == leaver.MainGroupID {
				class = g
				rolled.Groups[i].Name = g.Name + " (ny)"
			}
		}
		rolled.Index()
		classKey := desired.ClassKey(class.Key())
		before := w.guid(classKey)
		p := w.sync(rolled)
		renames := 0
		for _, ch := range p.Changes {
			if ch.Action == diff.Rename {
				renames++
			}
			if ch.Action == diff.Create || ch.Action == diff.Delete {
				t.Errorf("year roll planned %s %s", ch.Action, ch.Key)
			}
		}
		if renames == 0 {
			t.Fatal("no rename planned")
		}
		if got := byKey(read(t, w.c))[classKey].Name; got != class.Name+" (ny)" {
			t.Errorf("class OU name = %q", got)
		}
		if w.guid(classKey) != before {
			t.Error("class OU got a new objectGUID")
		}
		w.assertConverged(rolled, "after year roll")
		w.sync(snapshot()) // back, for the next step
	})

	t.Run("threshold refusal leaves AD untouched", func(t *testing.T) {
		gone := snapshot()
		school := gone.Institutions[0].Number
		for _, in := range gone.Institutions {
			if in.Type == orgmodel.School {
				school = in.Number
				break
			}
		}
		gone.Affiliations = slices.DeleteFunc(gone.Affiliations, func(a orgmodel.Affiliation) bool { return a.Institution == school })
		gone.Index()
		p, actual := w.plan(gone)
		th := diff.DefaultThresholds()
		rep, err := diff.Apply(context.Background(), w.c, p, diff.ApplyOptions{Thresholds: &th})
		if !errors.Is(err, diff.ErrThreshold) {
			t.Fatalf("Apply: %v, want ErrThreshold", err)
		}
		if rep.Applied != 0 {
			t.Errorf("applied %d changes", rep.Applied)
		}
		if d := cmp.Diff(actual, read(t, w.c)); d != "" {
			t.Errorf("AD changed after a refused plan (-before +after):\n%s", d)
		}
	})
}

// TestCrashMidApply cancels an apply part-way (as a crash would stop it)
// and checks that planning and applying again converges without
// duplicates.
func TestCrashMidApply(t *testing.T) {
	w := newWorld(t, "crash")
	snap := snapshot()
	p, _ := w.plan(snap)
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	stopAt := int64(len(p.Changes) * 2 / 5)
	rep, err := diff.Apply(ctx, w.c, p, diff.ApplyOptions{Concurrency: 4, Progress: func(diff.Progress) {
		if n.Add(1) == stopAt {
			cancel()
		}
	}})
	cancel()
	if err == nil {
		t.Fatal("apply was not interrupted")
	}
	t.Logf("interrupted after %d of %d changes (%d applied)", stopAt, len(p.Changes), rep.Applied)

	w.sync(snap)
	w.assertConverged(snap, "after re-run")
	// no duplicates: every username once, every key once
	objs := read(t, w.c)
	seen := map[string]bool{}
	for _, o := range objs {
		id := o.Key
		if o.Kind == diff.User {
			id = o.Attrs.Get("username")
		}
		if seen[id] {
			t.Errorf("duplicate %s", id)
		}
		seen[id] = true
	}
}

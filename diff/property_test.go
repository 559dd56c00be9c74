package diff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomStates returns a random desired state and a random actual state
// that overlaps it with drift: renamed, moved, edited, missing, extra,
// disabled and retired objects, dated quarantine containers and
// unmanaged objects.
func randomStates(rng *rand.Rand) (desired, actual []Object) {
	var ctrs []string
	desired = append(desired, ctr("ou/disabled", "disabled", ""))
	for i := range 1 + rng.IntN(8) {
		k := fmt.Sprintf("ou/c%d", i)
		p := ""
		if len(ctrs) > 0 && rng.IntN(3) > 0 {
			p = ctrs[rng.IntN(len(ctrs))]
		}
		desired = append(desired, ctr(k, k, p))
		ctrs = append(ctrs, k)
	}
	pick := func() string { return ctrs[rng.IntN(len(ctrs))] }
	var users []string
	for i := range rng.IntN(20) {
		k := fmt.Sprintf("user/%d", i)
		desired = append(desired, usr(k, k, pick(), "username", fmt.Sprintf("u%d", i), "email", fmt.Sprintf("u%d@x", i), AttrGlobalRole, "student"))
		users = append(users, k)
	}
	for i := range rng.IntN(4) {
		var m []string
		for _, u := range users {
			if rng.IntN(2) == 0 {
				m = append(m, u)
			}
		}
		desired = append(desired, grp(fmt.Sprintf("group/%d", i), "g", pick(), m...))
	}
	// Actual: desired objects with drift.
	for _, d := range desired {
		if rng.IntN(8) == 0 {
			continue // missing
		}
		a := d.Clone()
		a.Managed, a.ID = true, "id:"+d.Key
		switch rng.IntN(10) {
		case 0:
			a.Name += "x"
		case 1:
			a.Parent = pick()
			if a.Parent == a.Key {
				a.Parent = ""
			}
		case 2:
			setAttr(&a, "email", "old")
		case 3:
			a.Disabled = a.Kind == User
			setAttr(&a, AttrDisabledDate, "2026-10-01")
		case 4:
			if len(a.Members) > 0 {
				a.Members = a.Members[1:]
			}
		}
		actual = append(actual, a)
	}
	// Extra managed objects: users, groups and containers, some disabled
	// long ago, some in quarantine.
	for i := range rng.IntN(8) {
		parent := pick()
		var o Object
		switch rng.IntN(3) {
		case 0:
			o = usr(fmt.Sprintf("user/x%d", i), "x", parent, AttrGlobalRole, "employee")
		case 1:
			o = grp(fmt.Sprintf("group/x%d", i), "x", parent)
		default:
			o = ctr(fmt.Sprintf("ou/x%d", i), "x", parent)
			ctrs = append(ctrs, o.Key)
		}
		o.Managed, o.ID = true, "id:"+o.Key
		if rng.IntN(3) == 0 {
			o.Disabled = o.Kind == User
			setAttr(&o, AttrDisabledDate, []string{"2026-01-01", "2026-11-20", "bad"}[rng.IntN(3)])
		}
		actual = append(actual, o)
	}
	actual = append(actual, Object{Kind: User, Name: "foreign", ID: "f1", Attrs: AttrsFrom(map[string]string{"username": "u1"})})
	// Break cycles the random actual parents may have made.
	byKey := map[string]*Object{}
	for i := range actual {
		byKey[actual[i].Key] = &actual[i]
	}
	for i := range actual {
		seen := map[string]bool{}
		for p := actual[i].Parent; p != ""; {
			if seen[p] || p == actual[i].Key {
				actual[i].Parent = ""
				break
			}
			seen[p] = true
			if byKey[p] == nil {
				break
			}
			p = byKey[p].Parent
		}
	}
	return desired, actual
}

// TestPlanInvariants checks the stage rules on many random plans: every
// plan validates (no key twice in a stage), parents are created before
// their children and before anything moves into them, members are added
// after the group and member exist and after removals, disables come
// before quarantine moves, children leave a container before it is
// retired, and deletes come last.
func TestPlanInvariants(t *testing.T) {
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 99))
		desired, actual := randomStates(rng)
		opt := Options{Now: testNow, Quarantine: "ou/disabled", Retired: "ou/retired", GroupRetention: 30, AdoptBy: []string{"username"}}
		if rng.IntN(4) == 0 {
			opt.Quarantine, opt.Retired = "", ""
		}
		var wantD, wantA []Object
		sample := seed%8 == 0 // the comparisons are slow; a sample suffices
		if sample {
			wantD, wantA = cloneAll(desired), cloneAll(actual)
		}
		p, err := Compute(desired, actual, opt)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if sample {
			if diff := cmp.Diff(wantD, desired); diff != "" {
				t.Fatalf("seed %d: Compute changed its desired input (-before +after):\n%s", seed, diff)
			}
			if diff := cmp.Diff(wantA, actual); diff != "" {
				t.Fatalf("seed %d: Compute changed its actual input (-before +after):\n%s", seed, diff)
			}
			if p2, _ := Compute(desired, actual, opt); !cmp.Equal(p, p2) {
				t.Fatalf("seed %d: Compute is not deterministic:\n%s", seed, cmp.Diff(p, p2))
			}
		}
		if probs := invariants(p, actual); len(probs) > 0 {
			var b strings.Builder
			_ = p.Render(&b)
			t.Fatalf("seed %d:\n\t%s\nplan:\n%s", seed, strings.Join(probs, "\n\t"), b.String())
		}
	}
}

func cloneAll(objs []Object) []Object {
	out := make([]Object, len(objs))
	for i, o := range objs {
		out[i] = o.Clone()
	}
	return out
}

func invariants(p *Plan, actual []Object) []string {
	var probs []string
	if err := p.Validate(); err != nil {
		probs = append(probs, err.Error())
	}
	created := map[string]int{} // key -> stage of its create or adopt
	stageOf := map[string]map[Action]int{}
	for _, c := range p.Changes {
		if c.Action == Create || c.Action == Adopt {
			created[c.Key] = c.Stage
		}
		if stageOf[c.Key] == nil {
			stageOf[c.Key] = map[Action]int{}
		}
		if c.Action != AddMember && c.Action != RemoveMember {
			stageOf[c.Key][c.Action] = c.Stage
		}
	}
	maxStage := 0
	if n := len(p.Changes); n > 0 {
		maxStage = p.Changes[n-1].Stage
	}
	lastRemove := map[string]int{}
	for _, c := range p.Changes {
		if c.Action == RemoveMember {
			lastRemove[c.Key] = max(lastRemove[c.Key], c.Stage)
		}
	}
	for _, c := range p.Changes {
		at := fmt.Sprintf("stage %d %s %s", c.Stage, c.Action, c.Key)
		if (c.Action == Create || c.Action == Move) && c.After != nil {
			if s, ok := created[c.After.Parent]; ok && s >= c.Stage {
				probs = append(probs, at+": parent created in stage "+fmt.Sprint(s))
			}
		}
		if c.Action == AddMember {
			for _, k := range []string{c.Key, c.Member} {
				if s, ok := created[k]; ok && s >= c.Stage {
					probs = append(probs, at+": "+k+" created in stage "+fmt.Sprint(s))
				}
			}
			if s, ok := lastRemove[c.Key]; ok && s >= c.Stage {
				probs = append(probs, at+": member removal in stage "+fmt.Sprint(s))
			}
		}
		if c.Action == Move && c.Before != nil && c.After != nil && c.After.Parent != "" &&
			(strings.HasPrefix(c.After.Parent, "ou/disabled/") || strings.HasPrefix(c.After.Parent, "ou/retired/")) {
			if s, ok := stageOf[c.Key][Disable]; ok && s >= c.Stage {
				probs = append(probs, at+": disabled in stage "+fmt.Sprint(s))
			}
			if c.Kind == Container {
				// Every other change moving something out of this
				// container comes first.
				for _, o := range p.Changes {
					if o.Action == Move && o.Before != nil && o.Before.Parent == c.Key && o.Stage >= c.Stage {
						probs = append(probs, at+": "+o.Key+" leaves it in stage "+fmt.Sprint(o.Stage))
					}
				}
			}
		}
		if c.Action == Delete && c.Stage != maxStage {
			probs = append(probs, at+": delete is not in the last stage")
		}
		if c.Action == Delete || c.Action == Disable {
			for _, a := range actual {
				if a.Key == c.Key && !a.Managed {
					probs = append(probs, at+": touches an unmanaged object")
				}
			}
			if c.Kind == Container && c.Action == Delete {
				probs = append(probs, at+": a container is deleted")
			}
		}
	}
	// Unmanaged objects only ever appear in Adopt changes.
	for _, c := range p.Changes {
		if c.Before != nil && !c.Before.Managed && c.Action != Adopt {
			probs = append(probs, fmt.Sprintf("stage %d %s %s: before is unmanaged", c.Stage, c.Action, c.Key))
		}
	}
	slices.Sort(probs)
	return slices.Compact(probs)
}

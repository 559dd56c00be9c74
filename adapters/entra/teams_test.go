package entra_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/yearroll"
)

// TestTeamsLifecycleAtYearRoll: at a new school year matched class Teams
// are renamed (same id) and never archived, unmatched ones are archived
// (read-only) and deleted only after the group retention, judged by the
// injected clock of the plan; Teams carry their institution's owners, and
// class Teams are made from the education class template.
func TestTeamsLifecycleAtYearRoll(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 12}, nil)
	schoolOwner := tn.srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Skoleleder",
		"userPrincipalName": "leder@" + testDomain, "mailNickname": "leder"})
	first := m.build(t)
	var inst string
	for _, o := range first {
		if o.Kind == diff.Group && o.Attrs.Get(attr.CatalogueKind) == "class-all" {
			inst = o.Attrs.Get(attr.Institution)
			break
		}
	}
	cfg := baseConfig()
	cfg.TeamOwners = []string{tn.owner}
	cfg.InstitutionTeamOwners = map[string][]string{inst: {schoolOwner}}
	cfg.ArchiveTeams = true
	cfg.ClassTemplateKinds = []string{"class-all"}
	c, err := entra.NewWithHTTP(context.Background(), tn.srv.BaseURL(), tn.srv.Client(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetBackoff(time.Millisecond)
	const retention = 30
	run := func(want []diff.Object, now time.Time) *diff.Plan {
		t.Helper()
		actual, err := c.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		p, err := diff.Compute(want, actual, diff.Options{Now: now, Retention: map[string]int{"student": 30}, GroupRetention: retention})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := diff.Apply(context.Background(), c, p, diff.ApplyOptions{Concurrency: 64, Sleep: noSleep}); err != nil {
			t.Fatalf("apply: %v", err)
		}
		return p
	}
	run(c.Prepare(first), m.at)
	before := byKey(readAll(t, c))
	for _, g := range tn.srv.Objects("group") {
		if g.Props["isArchived"] == true {
			t.Fatalf("a team is archived after the first sync: %s", g.Str("displayName"))
		}
	}
	owned := 0
	for _, o := range first {
		if o.Kind == diff.Group && o.Attrs.Get(attr.CatalogueKind) == "class-all" && o.Attrs.Get(attr.Institution) == inst {
			g, _ := tn.srv.Get(before[o.Key].ID)
			if g.Str("teamTemplate") != "educationClass" {
				t.Errorf("class team %s made from template %q, want educationClass", o.Name, g.Str("teamTemplate"))
			}
			if !slices.Contains(g.Owners, schoolOwner) || !slices.Contains(g.Owners, tn.owner) {
				t.Errorf("class team %s: owners %v, want the service account and the school's owner", o.Name, g.Owners)
			}
			owned++
		}
	}
	for _, o := range first {
		if o.Kind == diff.Group && o.Attrs.Get(attr.CatalogueKind) == "inst-employees" {
			if g, _ := tn.srv.Get(before[o.Key].ID); g.Str("teamTemplate") != "" {
				t.Errorf("staff team %s made from template %q, want the standard one", o.Name, g.Str("teamTemplate"))
			}
		}
	}
	if owned == 0 {
		t.Fatal("no class team of the institution")
	}

	// the year roll
	cur := synth.NextYear(m.snap, 2)
	curAt := synth.ReferenceTime(cur.SchoolYear)
	oc, nc := yearroll.FromSnapshotsAt(m.snap, m.at, cur, curAt)
	roll := yearroll.Roll(oc, nc, yearroll.Options{})
	proj, err := m.cfg.Compile()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := proj.Build(cur, desired.Input{At: curAt, Usernames: assignMore(t, cur, curAt, m.names), ClassIDs: desired.CarryClassIDs(nil, roll.Lineage())})
	if err != nil {
		t.Fatal(err)
	}
	want := c.Prepare(objs)
	p := run(want, curAt)
	var retired, renamed []string
	for _, ch := range p.Changes {
		switch {
		case ch.Kind == diff.Group && ch.Action == diff.Disable && before[ch.Key].Attrs.Get(attr.CatalogueKind) == "class-all":
			retired = append(retired, ch.Key)
		case ch.Kind == diff.Group && ch.Action == diff.Rename:
			renamed = append(renamed, ch.Key)
		}
	}
	if len(retired) == 0 || len(renamed) == 0 {
		t.Fatalf("year roll: %d class teams retired, %d groups renamed; want both", len(retired), len(renamed))
	}
	for _, k := range renamed {
		g, ok := tn.srv.Get(before[k].ID)
		if !ok || g.Props["isArchived"] == true {
			t.Errorf("renamed group %s: exists %v, archived %v; want kept and active", k, ok, g.Props["isArchived"])
		}
	}
	archived := func() int {
		n := 0
		for _, k := range retired {
			if g, ok := tn.srv.Get(before[k].ID); ok && g.Props["isArchived"] == true {
				n++
			}
		}
		return n
	}
	if n := archived(); n != len(retired) {
		t.Fatalf("%d of %d retired class teams archived", n, len(retired))
	}

	// within the retention nothing is deleted; after it the archived
	// teams go
	p = run(want, curAt.AddDate(0, 0, retention-1))
	if slices.ContainsFunc(p.Changes, func(ch diff.Change) bool { return ch.Action == diff.Delete && ch.Kind == diff.Group }) {
		t.Error("a group deleted within the retention")
	}
	if n := archived(); n != len(retired) {
		t.Errorf("%d of %d archived teams left within the retention", n, len(retired))
	}
	run(want, curAt.AddDate(0, 0, retention+1))
	for _, k := range retired {
		if _, ok := tn.srv.Get(before[k].ID); ok {
			t.Errorf("retired class team %s still exists after the retention", k)
		}
	}
	for _, k := range renamed {
		if _, ok := tn.srv.Get(before[k].ID); !ok {
			t.Errorf("renamed group %s deleted", k)
		}
	}
}

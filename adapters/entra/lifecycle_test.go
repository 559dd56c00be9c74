package entra_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/yearroll"
)

// without returns a copy of the snapshot in which a person has no
// affiliations (a leaver).
func without(s *orgmodel.Snapshot, personID string) *orgmodel.Snapshot {
	n := &orgmodel.Snapshot{SchoolYear: s.SchoolYear, Institutions: s.Institutions, Units: s.Units,
		Persons: s.Persons, Groups: s.Groups}
	for _, a := range s.Affiliations {
		if a.PersonID != personID {
			n.Affiliations = append(n.Affiliations, a)
		}
	}
	return n
}

func TestLeaverDisabledAndReturner(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 4}, nil)
	want := tn.c.Prepare(m.build(t))
	apply(t, tn.c, want, m.at)

	// the leaver: a pupil with a UNI-ID
	var leaver diff.Object
	for _, o := range want {
		if o.Kind == diff.User && o.Attrs.Get("globalRole") == "student" {
			leaver = o
			break
		}
	}
	id, _ := tn.c.ID(leaver.Key)
	orig := m.snap
	m.snap = without(orig, desired.PersonID(leaver.Key))
	gone := tn.c.Prepare(m.build(t))
	p := apply(t, tn.c, gone, m.at)
	if !slices.ContainsFunc(p.Changes, func(c diff.Change) bool { return c.Action == diff.Disable && c.Key == leaver.Key }) {
		t.Fatalf("leaver %s not disabled", leaver.Key)
	}
	u, ok := tn.srv.Get(id)
	if !ok {
		t.Fatal("the leaver's account was deleted, want disabled")
	}
	if u.Props["accountEnabled"] != false || u.Str(ext("disabledDate")) != m.at.Format(diff.DateLayout) {
		t.Errorf("leaver: accountEnabled %v, disabledDate %q; want false and %s", u.Props["accountEnabled"], u.Str(ext("disabledDate")), m.at.Format(diff.DateLayout))
	}
	converged(t, tn.c, gone, m.at)

	// the returner gets the same account back
	m.snap = orig
	p = apply(t, tn.c, want, m.at)
	if !slices.ContainsFunc(p.Changes, func(c diff.Change) bool { return c.Action == diff.Enable && c.Key == leaver.Key }) {
		t.Fatalf("returner %s not enabled", leaver.Key)
	}
	u, _ = tn.srv.Get(id)
	if u.Props["accountEnabled"] != true || u.Str(ext("disabledDate")) != "" {
		t.Errorf("returner: accountEnabled %v, disabledDate %q; want true and none", u.Props["accountEnabled"], u.Str(ext("disabledDate")))
	}
	converged(t, tn.c, want, m.at)

	// after the retention a disabled pupil is deleted
	m.snap = without(orig, desired.PersonID(leaver.Key))
	apply(t, tn.c, gone, m.at)
	later := m.at.AddDate(0, 0, 31)
	p = apply(t, tn.c, gone, later)
	if !slices.ContainsFunc(p.Changes, func(c diff.Change) bool { return c.Action == diff.Delete && c.Key == leaver.Key }) {
		t.Fatalf("leaver %s not deleted after the retention", leaver.Key)
	}
	if _, ok := tn.srv.Get(id); ok {
		t.Error("the leaver's account still exists after the retention")
	}
}

func TestYearRollRenamesKeepObjectIDs(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 5}, nil)
	apply(t, tn.c, tn.c.Prepare(m.build(t)), m.at)
	before := byKey(readAll(t, tn.c))

	old, oldAt := m.snap, m.at
	cur := synth.NextYear(old, 2)
	curAt := synth.ReferenceTime(cur.SchoolYear)
	oc, nc := yearroll.FromSnapshotsAt(old, oldAt, cur, curAt)
	roll := yearroll.Roll(oc, nc, yearroll.Options{})
	if len(roll.Matches) == 0 {
		t.Fatal("the year roll matched no class")
	}
	names := m.names
	m2 := &municipality{snap: cur, at: curAt, cfg: m.cfg}
	m2.names = assignMore(t, cur, curAt, names)
	proj, err := m2.cfg.Compile()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := proj.Build(cur, desired.Input{At: curAt, Usernames: m2.names, ClassIDs: desired.CarryClassIDs(nil, roll.Lineage())})
	if err != nil {
		t.Fatal(err)
	}
	want := tn.c.Prepare(objs)
	p := apply(t, tn.c, want, curAt)
	converged(t, tn.c, want, curAt)
	after := byKey(readAll(t, tn.c))

	renamed := 0
	for _, c := range p.Changes {
		if c.Action != diff.Rename || c.Kind != diff.Group {
			continue
		}
		renamed++
		if before[c.Key].ID != after[c.Key].ID {
			t.Errorf("renamed group %s changed id %s -> %s", c.Key, before[c.Key].ID, after[c.Key].ID)
		}
		g, _ := tn.srv.Get(after[c.Key].ID)
		if g.Str("displayName") != c.After.Name {
			t.Errorf("group %s: displayName %q, want %q", c.Key, g.Str("displayName"), c.After.Name)
		}
	}
	if renamed == 0 {
		t.Fatal("the year roll renamed no group")
	}
	for _, c := range p.Changes {
		if c.Action == diff.Create && c.Kind == diff.Group && strings.Contains(c.Key, "/class/") {
			for _, mt := range roll.Matches {
				if strings.Contains(c.Key, orgmodel.GroupKey(mt.Institution, mt.New)) {
					t.Errorf("matched class %s is created anew as %s", mt.New, c.Key)
				}
			}
		}
	}
}

func readAll(t testing.TB, tgt diff.Target) []diff.Object {
	t.Helper()
	objs, err := tgt.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestUnmarkedObjectsNeverTouched(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 6}, nil)
	want := tn.c.Prepare(m.build(t))
	// a hand-made user who holds the username of a desired user, another
	// with our companyName but no key, and a hand-made group
	var victim diff.Object
	for _, o := range want {
		if o.Kind == diff.User {
			victim = o
			break
		}
	}
	squatter := tn.srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Hand made",
		"userPrincipalName": victim.Attrs.Get("username") + "@" + testDomain, "mailNickname": "x", "companyName": "IT"})
	lookalike := tn.srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Look-alike",
		"userPrincipalName": "lookalike@" + testDomain, "mailNickname": "lookalike", "companyName": testMark})
	group := tn.srv.Seed("group", map[string]any{"displayName": "Lærerværelset", "mailEnabled": false,
		"securityEnabled": true, "mailNickname": "laerer", "groupTypes": []any{}})
	seeded := map[string]graphfake.Object{}
	for _, id := range []string{squatter, lookalike, group} {
		seeded[id], _ = tn.srv.Get(id)
	}

	p, actual := plan(t, tn.c, want, m.at)
	for _, o := range actual {
		if !o.Managed {
			t.Errorf("read returned unmanaged %s %q with adoption off", o.Kind, o.Name)
		}
	}
	_, err := diff.Apply(context.Background(), tn.c, p, diff.ApplyOptions{Concurrency: 64, Sleep: noSleep})
	if !errors.Is(err, diff.ErrExists) {
		t.Fatalf("apply: err = %v, want ErrExists for %s whose username is taken", err, victim.Key)
	}
	// let the rest of the plan through and run again: still refused
	rest := slices.DeleteFunc(slices.Clone(want), func(o diff.Object) bool { return o.Key == victim.Key })
	for i := range rest {
		rest[i].Members = slices.DeleteFunc(rest[i].Members, func(k string) bool { return k == victim.Key })
	}
	apply(t, tn.c, rest, m.at)
	apply(t, tn.c, rest[:len(rest)/2], m.at.AddDate(1, 0, 0)) // disable and delete half

	// an Update aimed at an unmanaged object is refused
	sq := diff.Object{Kind: diff.User, ID: squatter, Name: "Hand made"}
	err = tn.c.Apply(context.Background(), diff.Change{Action: diff.Update, Kind: diff.User, Key: "user/x", Before: &sq,
		Attrs: []diff.AttrChange{{Name: "givenName", After: "Owned"}}})
	if !errors.Is(err, diff.ErrUnmanaged) {
		t.Errorf("update of an unmanaged user: err = %v, want ErrUnmanaged", err)
	}
	for id, was := range seeded {
		now, ok := tn.srv.Get(id)
		if !ok {
			t.Errorf("unmarked %s %q was deleted", was.Type, was.Str("displayName"))
			continue
		}
		if !reflect.DeepEqual(was, now) {
			t.Errorf("unmarked %s changed:\n\tbefore %v\n\tafter  %v", was.Type, was, now)
		}
	}
}

func TestCPRNeverWrittenUnlessConfigured(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	m.cfg.IncludeCPR = true
	objs := m.build(t)
	if !slices.ContainsFunc(objs, func(o diff.Object) bool { return o.Attrs.Get("cpr") != "" }) {
		t.Fatal("the desired state carries no CPR; the test tests nothing")
	}
	for _, write := range []bool{false, true} {
		tn := newTenant(t, graphfake.Options{Seed: 7}, func(c *entra.Config) { c.WriteCPR = write })
		want := tn.c.Prepare(objs)
		apply(t, tn.c, want, m.at)
		converged(t, tn.c, want, m.at)
		// a hand-written change with a CPR is not written either
		var u diff.Object
		for _, o := range want {
			if o.Kind == diff.User {
				u = o
				break
			}
		}
		if err := tn.c.Apply(context.Background(), diff.Change{Action: diff.Update, Kind: diff.User, Key: u.Key,
			Attrs: []diff.AttrChange{{Name: "cpr", After: "0101011234"}}}); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, o := range tn.srv.Objects("user") {
			for k := range o.Props {
				if strings.HasSuffix(k, "_cpr") {
					n++
				}
			}
		}
		switch {
		case !write && n > 0:
			t.Errorf("writeCPR off: %d users carry a CPR", n)
		case write && n == 0:
			t.Error("writeCPR on: no user carries the CPR")
		}
	}
}

func TestHideStudentsFromAddressLists(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 8}, func(c *entra.Config) { c.HideStudents = true })
	want := tn.c.Prepare(m.build(t))
	apply(t, tn.c, want, m.at)
	users := objectsByKey(t, tn.srv, "user")
	for _, o := range want {
		if o.Kind != diff.User {
			continue
		}
		got := users[o.Key][0].Props["showInAddressList"]
		if wantShow := o.Attrs.Get("globalRole") != "student"; got != wantShow {
			t.Errorf("%s (%s): showInAddressList %v, want %v", o.Key, o.Attrs.Get("globalRole"), got, wantShow)
		}
	}
}

func TestRouterSendsEachInstitutionToItsTenant(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	objs := m.build(t)
	var schools []string
	for _, in := range m.snap.Institutions {
		if in.Type == orgmodel.School {
			schools = append(schools, in.Number)
		}
	}
	slices.Sort(schools)
	a := newTenant(t, graphfake.Options{Seed: 9}, nil)
	b := newTenant(t, graphfake.Options{Seed: 10}, nil)
	r, err := entra.NewRouter(map[string]diff.Target{"a": a.c, "b": b.c}, map[string]string{schools[0]: "a"}, "b")
	if err != nil {
		t.Fatal(err)
	}
	want := r.Prepare(objs)
	apply(t, r, want, m.at)
	converged(t, r, want, m.at)

	ua, ub := objectsByKey(t, a.srv, "user"), objectsByKey(t, b.srv, "user")
	nA := 0
	for _, o := range want {
		if o.Kind != diff.User {
			continue
		}
		inA, inB := len(ua[o.Key]) > 0, len(ub[o.Key]) > 0
		switch {
		case inA && inB:
			t.Errorf("user %s is in both tenants", o.Key)
		case o.Institution == schools[0] && !inA:
			t.Errorf("user %s of %s is not in tenant a", o.Key, schools[0])
		case o.Institution != schools[0] && !inB:
			t.Errorf("user %s of %s is not in tenant b", o.Key, o.Institution)
		}
		if inA {
			nA++
		}
	}
	if nA == 0 {
		t.Fatal("tenant a got no users")
	}
	// municipality-wide groups stay in the default tenant
	for key := range objectsByKey(t, a.srv, "group") {
		if !strings.Contains(key, schools[0]) {
			t.Errorf("group %s of another institution is in tenant a", key)
		}
	}
	if _, err := entra.NewRouter(map[string]diff.Target{"a": a.c}, map[string]string{"1": "zz"}, "nope"); !errors.Is(err, entra.ErrConfig) {
		t.Errorf("router with unknown tenants: err = %v, want ErrConfig", err)
	}
}

func TestDeltaReadMatchesFullRead(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 11, PageSize: 30}, func(c *entra.Config) { c.Delta = true })
	cfgFull := tn.c.Config()
	cfgFull.Delta = false
	full, err := entra.NewWithHTTP(context.Background(), tn.srv.BaseURL(), tn.srv.Client(), cfgFull)
	if err != nil {
		t.Fatal(err)
	}
	want := tn.c.Prepare(m.build(t))
	apply(t, tn.c, want, m.at)
	converged(t, tn.c, want, m.at)

	same := func(when string) {
		t.Helper()
		d, f := readAll(t, tn.c), readAll(t, full)
		if !reflect.DeepEqual(byKey(d), byKey(f)) {
			t.Fatalf("%s: delta read differs from the full read", when)
		}
	}
	same("after the sync")
	tn.srv.ResetCounts()
	readAll(t, tn.c)
	if n := tn.srv.Counts().ByRoute["GET /users/delta()"] + tn.srv.Counts().ByRoute["GET /users/delta"]; n != 1 {
		t.Errorf("an incremental read with nothing changed took %d user delta pages, want 1", n)
	}

	// drift made by an administrator shows up in the next delta read
	users := objectsByKey(t, tn.srv, "user")
	var key string
	for k := range users {
		key = k
		break
	}
	tn.srv.Update(users[key][0].ID, map[string]any{"givenName": "Ændret"})
	// a member deleted by hand; never the user whose name was changed
	// (map order picks both, so they could otherwise be the same user)
	var victim string
	for _, g := range objectsByKey(t, tn.srv, "group") {
		for _, m := range g[0].Members {
			if m != users[key][0].ID {
				victim = m
				break
			}
		}
		if victim != "" {
			break
		}
	}
	if victim == "" {
		t.Fatal("no group member to delete")
	}
	tn.srv.Delete(victim)
	same("after drift")
	got := byKey(readAll(t, tn.c))
	if got[key].Attrs.Get("givenName") != "Ændret" {
		t.Errorf("delta read missed the changed givenName: %q", got[key].Attrs.Get("givenName"))
	}
	apply(t, tn.c, want, m.at)
	converged(t, tn.c, want, m.at)

	// an expired delta link falls back to a full read
	tn.srv.ExpireDeltaTokens()
	same("after the delta links expired")
	converged(t, tn.c, want, m.at)
}

func TestSchemaExtensionMode(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 12}, func(c *entra.Config) {
		c.Extensions = entra.SchemaExtension
		c.SchemaExtensionID = "extk3j4h5g6_orgsync"
	})
	want := tn.c.Prepare(m.build(t))
	apply(t, tn.c, want, m.at)
	converged(t, tn.c, want, m.at)
	n := 0
	for _, o := range tn.srv.Objects("user") {
		if e, ok := o.Props["extk3j4h5g6_orgsync"].(map[string]any); ok && e["orgsyncKey"] != nil && e["globalRole"] != nil {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no user carries the schema extension")
	}
	for _, o := range tn.srv.Objects("user") {
		for k := range o.Props {
			if strings.HasPrefix(k, "extension_") {
				t.Fatalf("schema mode wrote directory extension %s", k)
			}
		}
	}
}

func TestConfigReportsEveryProblem(t *testing.T) {
	cfg := entra.Config{Domain: "not a domain", AppID: "x", TeamKinds: []string{"class-all"}, BatchSize: 30, UniIDProperty: "fax"}
	_, err := entra.NewWithHTTP(context.Background(), "http://127.0.0.1:1/v1.0", nil, cfg)
	if !errors.Is(err, entra.ErrConfig) {
		t.Fatalf("err = %v, want ErrConfig", err)
	}
	for _, field := range []string{"domain", "mark", "appId", "teamOwners", "batchSize", "uniIdProperty"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s: %v", field, err)
		}
	}
}

func TestExtensionProperties(t *testing.T) {
	cfg := baseConfig()
	got := cfg.ExtensionProperties()
	if !slices.Contains(got, ext("orgsyncKey")) || !slices.Contains(got, ext("globalRole")) || slices.Contains(got, ext("cpr")) {
		t.Errorf("extension properties %v", got)
	}
	cfg.WriteCPR = true
	if !slices.Contains(cfg.ExtensionProperties(), ext("cpr")) {
		t.Error("writeCPR does not add the cpr extension")
	}
}

package desired_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/yearroll"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var at = time.Date(2025, time.September, 15, 12, 0, 0, 0, time.UTC)

// small is a hand-written municipality that exercises the projection's
// rules: a name-protected pupil, a person at two institutions, an excluded
// daycare child, an employee with an excluded role at one school only, a
// leaver and a future starter.
func small() *orgmodel.Snapshot {
	return &orgmodel.Snapshot{
		SchoolYear: "2025-2026",
		Institutions: []orgmodel.Institution{
			{Number: "100000", Name: "Synthby Kommune", Type: orgmodel.Municipality},
			{Number: "200001", Name: "Åbyskolen", Abbreviation: "ÅBY", Type: orgmodel.School},
			{Number: "400001", Name: "Børnehuset Ø", Abbreviation: "BHØ", Type: orgmodel.Daycare},
		},
		Groups: []orgmodel.Group{
			{ID: "g1", Institution: "200001", Name: "3A", Type: orgmodel.Hovedgruppe, Level: "3", Line: "A", SchoolYear: "2025-2026", StartYear: 2022},
			{ID: "g2", Institution: "200001", Name: "3B", Type: orgmodel.Hovedgruppe, Level: "3", Line: "B", SchoolYear: "2025-2026", StartYear: 2022},
			{ID: "stue", Institution: "400001", Name: "Solstuen", Type: orgmodel.Hovedgruppe, Level: "DT"},
		},
		Persons: []orgmodel.Person{
			{ID: "p1", CPR: "0101150001", GivenName: "Søren", FamilyName: "Ærø-Åkjær"},
			{ID: "p2", CPR: "0202150002", GivenName: "Hemmelig", FamilyName: "Person", Protected: true, AliasGivenName: "Anna", AliasFamilyName: "Alias"},
			{ID: "p3", CPR: "0303800003", GivenName: "Anne-Mette", FamilyName: "Østergård"},
			{ID: "p4", CPR: "0404210004", GivenName: "Lille", FamilyName: "Barn"},
			{ID: "p5", CPR: "0505700005", GivenName: "Bjørn", FamilyName: "Ågesen", Username: "bjag"},
			{ID: "p6", CPR: "0606900006", GivenName: "Gone", FamilyName: "Teacher"},
			{ID: "p7", CPR: "0707900007", GivenName: "Future", FamilyName: "Teacher"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "p1", Institution: "200001", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "3", MainGroupID: "g1"},
			{PersonID: "p2", Institution: "200001", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "3", MainGroupID: "g2"},
			{PersonID: "p3", Institution: "200001", Roles: []orgmodel.Role{orgmodel.Laerer}, GroupIDs: []string{"g1"}, Title: "Lærer"},
			{PersonID: "p3", Institution: "400001", Roles: []orgmodel.Role{orgmodel.Paedagog}},
			{PersonID: "p4", Institution: "400001", Roles: []orgmodel.Role{orgmodel.Barn}, MainGroupID: "stue"},
			{PersonID: "p5", Institution: "100000", Roles: []orgmodel.Role{orgmodel.TAP}},
			{PersonID: "p6", Institution: "200001", Roles: []orgmodel.Role{orgmodel.Laerer}, Valid: orgmodel.Period{To: at.AddDate(0, -1, 0)}},
			{PersonID: "p7", Institution: "200001", Roles: []orgmodel.Role{orgmodel.Laerer}, Valid: orgmodel.Period{From: at.AddDate(0, 1, 0)}},
		},
	}
}

func usernames() map[string]string {
	return map[string]string{"p1": "soer0001", "p2": "anna0001", "p3": "anne0001", "p6": "gone0001", "p7": "futu0001"}
}

func build(t *testing.T, cfg desired.Config, s *orgmodel.Snapshot, in desired.Input) []diff.Object {
	t.Helper()
	p, err := cfg.Compile()
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	objs, err := p.Build(s, in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return objs
}

func byKey(objs []diff.Object) map[string]diff.Object {
	m := make(map[string]diff.Object, len(objs))
	for _, o := range objs {
		m[o.Key] = o
	}
	return m
}

func TestBuildGolden(t *testing.T) {
	for _, layout := range []desired.Layout{desired.InstitutionsFirst, desired.InstitutionsLast, desired.InstitutionsOnly, desired.Flat} {
		t.Run(string(layout), func(t *testing.T) {
			cfg := desired.DefaultConfig()
			cfg.Layout = layout
			objs := build(t, cfg, small(), desired.Input{At: at, Usernames: usernames()})
			got, err := json.MarshalIndent(objs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", string(layout)+".golden.json")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), strings.TrimSpace(string(got))); diff != "" {
				t.Errorf("Build mismatch (-want +got); run with -update if intended:\n%s", diff)
			}
		})
	}
}

func TestBuildRules(t *testing.T) {
	objs := byKey(build(t, desired.DefaultConfig(), small(), desired.Input{At: at, Usernames: usernames()}))
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"protected person gets alias names", func(t *testing.T) {
			u := objs["user/p2"]
			if u.Attrs.Get("givenName") != "Anna" || u.Attrs.Get("familyName") != "Alias" || strings.Contains(u.Name, "Hemmelig") {
				t.Errorf("user/p2 = %+v; want alias names only", u)
			}
		}},
		{"ignoreNameProtection shows real names, usernames unchanged", func(t *testing.T) {
			cfg := desired.DefaultConfig()
			cfg.IgnoreNameProtection = true
			proj, err := cfg.Compile()
			if err != nil {
				t.Fatal(err)
			}
			s := small()
			if n := proj.ProtectedNamesShown(s); n != 1 {
				t.Errorf("ProtectedNamesShown = %d, want 1", n)
			}
			real := byKey(build(t, cfg, s, desired.Input{At: at, Usernames: usernames()}))["user/p2"]
			if real.Attrs.Get("givenName") != "Hemmelig" || real.Attrs.Get("familyName") != "Person" {
				t.Errorf("user/p2 = %+v; want the real names", real)
			}
			if real.Attrs.Get("username") != objs["user/p2"].Attrs.Get("username") {
				t.Errorf("username changed with ignoreNameProtection: %q, was %q", real.Attrs.Get("username"), objs["user/p2"].Attrs.Get("username"))
			}
			def, _ := desired.DefaultConfig().Compile()
			if n := def.ProtectedNamesShown(s); n != 0 {
				t.Errorf("default ProtectedNamesShown = %d, want 0", n)
			}
		}},
		{"excluded daycare child gets no account", func(t *testing.T) {
			if _, ok := objs["user/p4"]; ok {
				t.Error("user/p4 (Barn) exists; Barn is excluded by default")
			}
		}},
		{"leaver and future starter get no account", func(t *testing.T) {
			for _, k := range []string{"user/p6", "user/p7"} {
				if _, ok := objs[k]; ok {
					t.Errorf("%s exists; its affiliation is not valid at %v", k, at)
				}
			}
		}},
		{"pupil lives in the class OU", func(t *testing.T) {
			if got, want := objs["user/p1"].Parent, "ou/class/200001/g1"; got != want {
				t.Errorf("user/p1 parent = %q, want %q", got, want)
			}
		}},
		{"person at two institutions lives in the primary one and lists both", func(t *testing.T) {
			u := objs["user/p3"]
			if u.Parent != "ou/inst/200001/employees" || u.Attrs.Get("institutions") != "200001,400001" || u.Attrs.Get("roles") != "Lærer,Pædagog" {
				t.Errorf("user/p3 = parent %q attrs %v", u.Parent, u.Attrs)
			}
		}},
		{"source-reserved username is used", func(t *testing.T) {
			if got := objs["user/p5"].Attrs.Get("username"); got != "bjag" {
				t.Errorf("user/p5 username = %q, want bjag", got)
			}
		}},
		{"CPR is not written unless configured", func(t *testing.T) {
			for k, o := range objs {
				if o.Attrs.Has("cpr") {
					t.Errorf("%s carries a cpr attribute", k)
				}
			}
		}},
		{"display name is {first} {last} ({username})", func(t *testing.T) {
			if got, want := objs["user/p1"].Name, "Søren Ærø-Åkjær (soer0001)"; got != want {
				t.Errorf("user/p1 name = %q, want %q", got, want)
			}
		}},
		{"class group holds pupils and the class teacher", func(t *testing.T) {
			g := objs["group/class/200001/g1/all"]
			if diff := cmp.Diff([]string{"user/p1", "user/p3"}, g.Members); diff != "" {
				t.Errorf("class members (-want +got):\n%s", diff)
			}
		}},
		{"every parent exists and every member is a user", func(t *testing.T) {
			for k, o := range objs {
				if o.Parent != "" {
					if _, ok := objs[o.Parent]; !ok {
						t.Errorf("%s: parent %q does not exist", k, o.Parent)
					}
				}
				for _, m := range o.Members {
					if objs[m].Kind != diff.User {
						t.Errorf("%s: member %q is not a user", k, m)
					}
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.check)
	}
}

func TestIncludeCPR(t *testing.T) {
	cfg := desired.DefaultConfig()
	cfg.IncludeCPR = true
	objs := byKey(build(t, cfg, small(), desired.Input{At: at, Usernames: usernames()}))
	if got := objs["user/p1"].Attrs.Get("cpr"); got != "0101150001" {
		t.Errorf("cpr = %q, want 0101150001", got)
	}
}

func TestExcludedRoleAtOneInstitution(t *testing.T) {
	cfg := desired.DefaultConfig()
	cfg.ExcludedRolesAt = map[string][]orgmodel.Role{"200001": {orgmodel.Laerer}}
	objs := byKey(build(t, cfg, small(), desired.Input{At: at, Usernames: usernames()}))
	u, ok := objs["user/p3"]
	if !ok {
		t.Fatal("user/p3 is gone; only one of their two affiliations is excluded")
	}
	if u.Parent != "ou/inst/400001/employees" || u.Attrs.Get("institutions") != "400001" {
		t.Errorf("user/p3 = parent %q institutions %q; want the daycare only", u.Parent, u.Attrs.Get("institutions"))
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	cfg := desired.DefaultConfig()
	cfg.Layout = "sideways"
	cfg.Institution = "{NO_SUCH_PLACEHOLDER}"
	cfg.Groups[orgmodel.CatalogueKind("bogus")] = desired.ClassName{Name: "x"}
	cfg.ExcludedRoles = []orgmodel.Role{"Pirat"}
	_, err := cfg.Compile()
	if !errors.Is(err, desired.ErrConfig) {
		t.Fatalf("Compile error = %v, want ErrConfig", err)
	}
	for _, want := range []string{"sideways", "NO_SUCH_PLACEHOLDER", "bogus", "Pirat"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	t.Run("missing username names the person", func(t *testing.T) {
		p, _ := desired.DefaultConfig().Compile()
		_, err := p.Build(small(), desired.Input{At: at})
		if !errors.Is(err, desired.ErrBuild) || !strings.Contains(err.Error(), "person p1: field username") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("invalid snapshot is refused", func(t *testing.T) {
		s := small()
		s.Persons[0].CPR = "3213990000"
		p, _ := desired.DefaultConfig().Compile()
		_, err := p.Build(s, desired.Input{At: at, Usernames: usernames()})
		if !errors.Is(err, orgmodel.ErrInvalid) {
			t.Errorf("err = %v, want orgmodel.ErrInvalid", err)
		}
	})
	t.Run("two groups with one name in one container", func(t *testing.T) {
		cfg := desired.DefaultConfig()
		cfg.Groups[orgmodel.ClassStudents] = desired.ClassName{Name: "{INSTITUTION_ABBREVIATION} elever"}
		p, _ := cfg.Compile()
		_, err := p.Build(small(), desired.Input{At: at, Usernames: usernames()})
		if !errors.Is(err, desired.ErrBuild) || !strings.Contains(err.Error(), "same container") {
			t.Errorf("err = %v, want a name clash", err)
		}
	})
}

func TestBuildIsDeterministic(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	now := synth.ReferenceTime(s.SchoolYear)
	names := assign(t, s, now, nil)
	a := build(t, desired.DefaultConfig(), s, desired.Input{At: now, Usernames: names})
	b := build(t, desired.DefaultConfig(), synth.Generate(synth.Tiny), desired.Input{At: now, Usernames: names})
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two builds differ (-first +second):\n%s", diff)
	}
}

func assign(t testing.TB, s *orgmodel.Snapshot, now time.Time, existing map[string]string) map[string]string {
	t.Helper()
	gen, err := naming.NewGenerator(naming.UNILogin(), naming.NewReserved(), naming.Options{Rand: rand.NewChaCha8([32]byte{1})})
	if err != nil {
		t.Fatal(err)
	}
	names, err := desired.AssignUsernames(context.Background(), s, now, existing, gen)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestAssignUsernamesKeepsExisting(t *testing.T) {
	s := small()
	existing := map[string]string{"p1": "keepme"}
	names := assign(t, s, at, existing)
	if names["p1"] != "keepme" {
		t.Errorf("p1 = %q; an existing username never changes", names["p1"])
	}
	if names["p5"] != "bjag" {
		t.Errorf("p5 = %q; the source-reserved username wins", names["p5"])
	}
	seen := map[string]string{}
	for id, n := range names {
		if other, dup := seen[n]; dup {
			t.Errorf("%s and %s share username %q", id, other, n)
		}
		seen[n] = id
	}
	if _, ok := names["p6"]; ok {
		t.Error("p6 has left and needs no new username")
	}
}

// TestYearRollKeepsClassObjects is the integration of the year roll with
// the projection: after CarryClassIDs, a matched class keeps its object
// keys, so the plan renames it instead of deleting and creating it.
func TestYearRollKeepsClassObjects(t *testing.T) {
	old := synth.Generate(synth.Tiny)
	oldAt := synth.ReferenceTime(old.SchoolYear)
	cur := synth.NextYear(old, 2)
	curAt := synth.ReferenceTime(cur.SchoolYear)
	oc, nc := yearroll.FromSnapshotsAt(old, oldAt, cur, curAt)
	roll := yearroll.Roll(oc, nc, yearroll.Options{})
	if len(roll.Matches) == 0 {
		t.Fatal("the year roll matched no class")
	}
	ids := desired.CarryClassIDs(nil, roll.Lineage())
	names := assign(t, old, oldAt, nil)
	names = assign(t, cur, curAt, names)
	before := byKey(build(t, desired.DefaultConfig(), old, desired.Input{At: oldAt, Usernames: names}))
	after := byKey(build(t, desired.DefaultConfig(), cur, desired.Input{At: curAt, Usernames: names, ClassIDs: ids}))
	plan, err := diff.Compute(values(after), managed(values(before)), diff.Options{Now: curAt, Quarantine: desired.KeyDisabled, Retired: desired.KeyRetired})
	if err != nil {
		t.Fatal(err)
	}
	renamed := map[string]bool{}
	for _, c := range plan.Changes {
		if c.Action == diff.Rename {
			renamed[c.Key] = true
		}
	}
	for _, m := range roll.Matches {
		oldKey := desired.ClassKey(orgmodel.GroupKey(m.Institution, m.Old))
		o, ok := after[oldKey]
		if !ok {
			t.Errorf("class %s -> %s: the new class does not keep the key %s", m.Old, m.New, oldKey)
			continue
		}
		if before[oldKey].Name != o.Name && !renamed[oldKey] {
			t.Errorf("class %s: name %q -> %q but no rename planned", oldKey, before[oldKey].Name, o.Name)
		}
	}
	for _, c := range plan.Changes {
		if c.Kind == diff.Container && strings.HasPrefix(c.Key, "ou/class/") && c.Action == diff.Create {
			for _, m := range roll.Matches {
				if c.Key == desired.ClassKey(orgmodel.GroupKey(m.Institution, m.New)) {
					t.Errorf("matched class %s is created anew as %s", m.New, c.Key)
				}
			}
		}
	}
}

func values(m map[string]diff.Object) []diff.Object {
	out := make([]diff.Object, 0, len(m))
	for _, o := range m {
		out = append(out, o)
	}
	return out
}

func managed(objs []diff.Object) []diff.Object {
	for i := range objs {
		objs[i].Managed = true
		objs[i].ID = objs[i].Key
	}
	return objs
}

func TestCarryClassIDs(t *testing.T) {
	prev := map[string]string{"s/new2024": "s/orig2023"}
	got := desired.CarryClassIDs(prev, map[string]string{"s/new2025": "s/new2024", "s/x": "s/y"})
	want := map[string]string{"s/new2024": "s/orig2023", "s/new2025": "s/orig2023", "s/x": "s/y"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CarryClassIDs (-want +got):\n%s", diff)
	}
}

// TestAssignUsernamesSummarisesErrors: a standard exhausted for thousands
// of persons yields a readable error that still matches ErrExhausted.
func TestAssignUsernamesSummarisesErrors(t *testing.T) {
	s := &orgmodel.Snapshot{Institutions: []orgmodel.Institution{{Number: "1", Name: "S", Type: orgmodel.School}}}
	for i := range 200 {
		id := fmt.Sprintf("p%03d", i)
		s.Persons = append(s.Persons, orgmodel.Person{ID: id, GivenName: "Anna", FamilyName: "Berg"})
		s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: id, Institution: "1", Roles: []orgmodel.Role{orgmodel.TAP}})
	}
	std, err := naming.ParseStandard("tiny", "{name:4}{n:1}")
	if err != nil {
		t.Fatal(err)
	}
	gen, _ := naming.NewGenerator(std, naming.NewReserved(), naming.Options{})
	names, err := desired.AssignUsernames(context.Background(), s, at, nil, gen)
	if !errors.Is(err, naming.ErrExhausted) {
		t.Fatalf("err = %v, want ErrExhausted", err)
	}
	if n := strings.Count(err.Error(), "\n"); n > 25 {
		t.Errorf("error has %d lines; want a summary", n)
	}
	if !strings.Contains(err.Error(), "more") || len(names) == 0 {
		t.Errorf("err = %v; names = %d", err, len(names))
	}
}

// TestClassIDsNeverCollide: carried class identities never give two
// objects one key, whatever the source holds: two new classes carried to
// one old class, and a new class carried to a class that is still in the
// source (old and new classes side by side around the change of year).
func TestClassIDsNeverCollide(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	at := synth.ReferenceTime(s.SchoolYear)
	var classes []string
	for _, g := range s.Groups {
		if g.Type == orgmodel.Hovedgruppe && g.Valid.Contains(at) {
			classes = append(classes, g.Key())
		}
	}
	if len(classes) < 4 {
		t.Fatalf("only %d classes", len(classes))
	}
	ids := map[string]string{
		classes[0]: "gone/old-class", // two classes carried to one identity
		classes[1]: "gone/old-class",
		classes[2]: classes[3], // carried to a class still in the source
	}
	names := assign(t, s, at, nil)
	objs := build(t, desired.DefaultConfig(), s, desired.Input{At: at, Usernames: names, ClassIDs: ids})
	keys := map[string]bool{}
	for _, o := range objs {
		keys[o.Key] = true
	}
	for _, want := range []string{
		desired.ClassKey("gone/old-class"), // the first class (by key) takes it
		desired.ClassKey(classes[1]),       // the second keeps its own
		desired.ClassKey(classes[2]),       // so does the class carried to a present one
		desired.ClassKey(classes[3]),
	} {
		if !keys[want] {
			t.Errorf("no object %s", want)
		}
	}
}

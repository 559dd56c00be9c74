package diff

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// samplePlan is a plan with every action.
func samplePlan(t *testing.T) *Plan {
	t.Helper()
	school := ctr("ou/inst/280017", "Næsby Skole", "ou/type/SCHOOL")
	typ := ctr("ou/type/SCHOOL", "Skoler", "")
	staff := ctr("ou/inst/280017/employees", "Ansatte", "ou/inst/280017")
	pupils := ctr("ou/inst/280017/students", "Elever", "ou/inst/280017")
	anna := usr("user/p1", "Anna Sørensen", "ou/inst/280017/students", "username", "anso0001", "givenName", "Anna", "familyName", "Sørensen", "email", "anso0001@skole.dk", "cpr", "0101101234", AttrGlobalRole, "student")
	bo := usr("user/p2", "Bo Åberg-Nielsen", "ou/inst/280017/employees", "username", "boab", "title", "Lærer", AttrGlobalRole, "employee")
	cai := usr("user/p3", "Cai Ø", "ou/inst/280017/employees", "username", "caio", AttrGlobalRole, "employee")
	dan := usr("user/p4", "Dan Mørk", "ou/inst/280017/students", "username", "damo", AttrGlobalRole, "student")
	eva := usr("user/p5", "Eva Lund", "ou/inst/280017/students", "username", "evlu", AttrGlobalRole, "student")
	class := grp("group/280017/4a", "4A", "ou/inst/280017", "user/p1", "user/p4")
	staffGrp := grp("group/280017/staff", "Personale", "ou/inst/280017", "user/p2", "user/p3")
	oldGrp := grp("group/280017/old", "Gammel", "ou/inst/280017")
	for _, o := range []*Object{&school, &staff, &pupils, &anna, &bo, &cai, &dan, &eva, &class, &staffGrp, &oldGrp} {
		o.Institution = "280017"
	}
	desired := []Object{typ, school, staff, pupils,
		with(anna, func(o *Object) { o.Attrs.Set("cpr", "0101101235"); o.Attrs.Set("email", "anna@skole.dk") }),
		with(bo, func(o *Object) { o.Name = "Bo Åberg"; o.Attrs.Set("title", "") }),
		cai, dan,
		usr("user/p6", "Frida Ålund", "ou/inst/280017/students", "username", "fral", AttrGlobalRole, "student"),
		grp("group/280017/4a", "4A", "ou/inst/280017", "user/p1", "user/p6"),
		staffGrp,
		ctr("ou/inst/280017/students/5b", "5B", "ou/inst/280017/students"),
	}
	desired[len(desired)-4].Institution = "280017"
	actual := managed(typ, school, staff, pupils, anna, bo, dan, class, staffGrp, oldGrp,
		ctr("ou/disabled", "Deaktiverede", ""),
		with(cai, func(o *Object) {
			o.Disabled = true
			o.Parent = "ou/disabled/2026-10-01"
			o.Attrs.Set(AttrDisabledDate, "2026-10-01")
		}),
		ctr("ou/disabled/2026-10-01", "2026-10-01", "ou/disabled"),
		with(eva, func(o *Object) {
			o.Disabled = true
			o.Parent = "ou/disabled/2026-08-01"
			o.Attrs.Set(AttrDisabledDate, "2026-08-01")
		}),
		ctr("ou/disabled/2026-08-01", "2026-08-01", "ou/disabled"),
		with(dan, func(o *Object) { o.Key = "user/p7"; o.Name = "Gorm Ravn"; o.Attrs.Set("username", "gora") }),
	)
	// Dan moves class: his old place is ou/inst/280017 directly.
	actual[6].Parent = "ou/inst/280017"
	// An unmanaged account matched by username, and one left alone.
	actual = append(actual,
		Object{Kind: User, Name: "Frida Å.", ID: "CN=Frida,OU=Manual", Parent: "ou/inst/280017/students", Attrs: AttrsFrom(map[string]string{"username": "fral"})},
		Object{Kind: User, Name: "Administrator", ID: "CN=Administrator", Attrs: AttrsFrom(map[string]string{"username": "admin"})},
	)
	p, err := Compute(desired, actual, Options{Now: testNow, Quarantine: "ou/disabled", Retired: "ou/retired",
		Retention: map[string]int{"student": 90}, AdoptBy: []string{"username"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRenderGolden(t *testing.T) {
	p := samplePlan(t)
	var buf bytes.Buffer
	if err := p.Render(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.txt", buf.Bytes())
	if strings.Contains(buf.String(), "0101101234") || strings.Contains(buf.String(), "0101101235") {
		t.Error("rendered plan shows a CPR number")
	}
	for _, a := range []Action{Adopt, Create, Update, Rename, Move, Enable, AddMember, RemoveMember, Disable, Delete} {
		if p.Summary().Actions[a] == 0 {
			t.Errorf("sample plan has no %s", a)
		}
	}
}

func TestJSONGoldenRoundTrip(t *testing.T) {
	p := samplePlan(t)
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.json", buf.Bytes())
	got, err := ReadPlanJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestReadPlanJSONInvalid(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"syntax", `{"changes": [`, "unexpected EOF"},
		{"unknown field", `{"chonges": []}`, "unknown field"},
		{"unknown action", `{"changes": [{"action": "explode", "kind": "user", "key": "k"}]}`, "unknown action"},
		{"create without after", `{"changes": [{"action": "create", "kind": "user", "key": "k", "stage": 1}]}`, "after is missing"},
		{"member without member", `{"changes": [{"action": "add-member", "kind": "group", "key": "g", "stage": 1}]}`, "member is empty"},
		{"stage decreases", `{"changes": [{"action": "delete", "kind": "user", "key": "a", "stage": 2}, {"action": "delete", "kind": "user", "key": "b", "stage": 1}]}`, "stage decreases"},
		{"same key twice", `{"changes": [{"action": "delete", "kind": "user", "key": "a", "stage": 1}, {"action": "delete", "kind": "user", "key": "a", "stage": 1}]}`, "also has a delete"},
		{"no key", `{"changes": [{"action": "delete", "kind": "user", "stage": 1}]}`, "key is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadPlanJSON(strings.NewReader(tc.json))
			if !errors.Is(err, ErrInvalidPlan) {
				t.Fatalf("err = %v, want ErrInvalidPlan", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestSummaryString(t *testing.T) {
	p := samplePlan(t)
	s := p.Summary()
	if s.Total != len(p.Changes) {
		t.Errorf("total = %d, want %d", s.Total, len(p.Changes))
	}
	if got := (&Plan{}).Summary().String(); got != "no changes" {
		t.Errorf("empty summary = %q", got)
	}
	if !(&Plan{}).Empty() || p.Empty() {
		t.Error("Empty is wrong")
	}
}

func FuzzReadPlanJSON(f *testing.F) {
	f.Add([]byte(`{"now":"2026-11-22T03:00:00Z","changes":[{"action":"create","kind":"user","key":"u","after":{"kind":"user","key":"u","name":"n"},"stage":1}]}`))
	f.Add([]byte(`{"changes":[{"action":"add-member","kind":"group","key":"g","member":"u","stage":1}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadPlanJSON(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrInvalidPlan) {
				t.Fatalf("error does not match ErrInvalidPlan: %v", err)
			}
			return
		}
		// A plan that reads back renders and writes without error.
		var buf bytes.Buffer
		if err := p.Render(&buf); err != nil {
			t.Fatal(err)
		}
		if err := p.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
	})
}

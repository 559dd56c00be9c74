package ad_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// TestReadDeltaMatchesRead is the recorded check on Samba: after each
// step (changes by orgsync and by hand), ReadDelta on a Client that has
// read before returns the objects a full Read on a fresh Client returns,
// and the plans computed from both are identical.
func TestReadDeltaMatchesRead(t *testing.T) {
	s := samba(t)
	cfg := s.config(s.testOU(t, "delta"))
	deltaSteps(t, s, cfg, true)
}

// deltaSteps runs the steps of TestReadDeltaMatchesRead with cfg: orgsync
// changes through a Client bound as cfg says, changes by hand as the
// administrator. served says whether ReadDelta is expected to serve the
// delta from the changes alone where it can (false: it must read
// everything every time, as for an account that sees no tombstone).
func deltaSteps(t *testing.T, s server, cfg ad.Config, served bool) {
	t.Helper()
	base := cfg.Base
	cfg.NewPassword = func(string) (string, error) { return "Start-Kode-2024!x", nil }
	c := s.clientAt(t, cfg)
	ctx := context.Background()
	sfx := suffix(t)
	want := []diff.Object{
		ou("ou/inst/1", "Skole 1", ""), ou("ou/inst/1/employees", "medarbejdere", "ou/inst/1"),
		ou("ou/inst/2", "Skole 2", ""),
	}
	for i, n := range []string{"a", "b", "c", "d"} {
		want = append(want, user("user/"+n, "ou/inst/1/employees", "dl"+n+sfx, "Person", strings.ToUpper(n),
			"institutions", "1", "uniId", "u"+n+sfx, "startYear", "20"+string(rune('1'+i))+"0"))
	}
	g := group("group/1/staff", "DL staff "+sfx, "ou/inst/1")
	g.Members = []string{"user/a", "user/b"}
	want = append(want, g)
	opts := diff.Options{Now: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
	sync := func() {
		t.Helper()
		p, err := diff.Compute(want, read(t, c), opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := diff.Apply(ctx, c, p, diff.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sync()
	read(t, c) // the delta starts here
	idx := func(key string) int {
		return slices.IndexFunc(want, func(o diff.Object) bool { return o.Key == key })
	}
	byHand := func(f func(conn *ldap.Conn) error) func() {
		return func() {
			t.Helper()
			conn := s.conn(t)
			defer conn.Close()
			if err := f(conn); err != nil {
				t.Fatal(err)
			}
		}
	}
	dnOf := func(key string) string {
		e := s.entry(t, base, "(adminDescription=orgsync:"+key+")")
		if e == nil {
			t.Fatalf("%s not found", key)
		}
		return e.DN
	}
	steps := []struct {
		name  string
		do    func()
		delta bool // served from the changes alone
	}{
		{"nothing changed", func() {}, true},
		{"attribute updated", func() { setAttr(want[idx("user/a")].Attrs, "uniId", "new"+sfx); sync() }, true},
		{"user disabled", func() { want[idx("user/b")].Disabled = true; sync() }, true},
		{"user moved by orgsync", func() { want[idx("user/a")].Parent = "ou/inst/2"; sync() }, true},
		{"member added and removed", func() {
			want[idx(g.Key)].Members = []string{"user/a", "user/c"}
			sync()
		}, true},
		{"user leaves", func() {
			want = slices.DeleteFunc(want, func(o diff.Object) bool { return o.Key == "user/b" })
			sync()
		}, true},
		{"user created", func() {
			want = append(want, user("user/e", "ou/inst/1/employees", "dle"+sfx, "Person", "E", "institutions", "1"))
			sync()
		}, true},
		{"user renamed by hand", byHand(func(conn *ldap.Conn) error {
			return conn.ModifyDN(ldap.NewModifyDNRequest(dnOf("user/c"), "CN=Renamed "+sfx, true, ""))
		}), true},
		{"attribute changed by hand", byHand(func(conn *ldap.Conn) error {
			m := ldap.NewModifyRequest(dnOf("user/d"), nil)
			m.Replace("employeeNumber", []string{"hand" + sfx})
			return conn.Modify(m)
		}), true},
		{"user deleted by hand", byHand(func(conn *ldap.Conn) error {
			return conn.Del(ldap.NewDelRequest(dnOf("user/d"), nil))
		}), true},
		{"mark removed by hand", byHand(func(conn *ldap.Conn) error {
			m := ldap.NewModifyRequest(dnOf("user/e"), nil)
			m.Delete("adminDescription", nil)
			return conn.Modify(m)
		}), true},
		{"managed OU renamed by hand: full read", byHand(func(conn *ldap.Conn) error {
			return conn.ModifyDN(ldap.NewModifyDNRequest(dnOf("ou/inst/2"), "OU=Skole 2b", true, ""))
		}), false},
		{"after the full read", func() {}, true},
	}
	ignore := cmpopts.IgnoreFields(diff.Object{}, "ID")
	fresh := s.clientAt(t, cfg) // reads everything, every time
	for _, st := range steps {
		st.do()
		got, err := c.ReadDelta(ctx)
		if err != nil {
			t.Fatalf("%s: ReadDelta: %v", st.name, err)
		}
		switch {
		case served && ad.LastReadWasDelta(c) != st.delta:
			t.Errorf("%s: served by the delta = %v, want %v", st.name, !st.delta, st.delta)
		case !served && ad.LastReadWasDelta(c):
			t.Errorf("%s: served by the delta, want a full read", st.name)
		}
		full := read(t, fresh)
		if d := cmp.Diff(byKey(full), byKey(got), ignore); d != "" {
			t.Errorf("%s: ReadDelta differs from Read (-full +delta):\n%s", st.name, d)
		}
		pd, err := diff.Compute(want, got, opts)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := diff.Compute(want, full, opts)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(pf, pd); d != "" {
			t.Errorf("%s: plan of the delta differs from the plan of a full read (-full +delta):\n%s", st.name, d)
		}
		t.Logf("%s: %d objects, %d changes planned, delta %v (USNs looked up by equality: %d, -1: range search)", st.name, len(got), len(pd.Changes), ad.LastReadWasDelta(c), ad.DeltaLookups(c))
	}
}

// setAttr sets an attribute a already has, in place.
func setAttr(a diff.Attrs, name, value string) {
	for i := range a {
		if a[i].Name == name {
			a[i].Value = value
		}
	}
}

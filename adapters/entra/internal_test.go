package entra

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/diff"
)

// FuzzMailNickname: a group's mail nickname is valid for Graph (ASCII
// letters, digits, '.', '-', '_', at most 64 characters), stable, and the
// key itself when that is already valid.
func FuzzMailNickname(f *testing.F) {
	for _, k := range []string{"group/class/280017/4A/all", "group/inst/280017/level/0", "group/ø æ å", "group/" + string(make([]byte, 80))} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		n := mailNickname(key)
		if n == "" || len(n) > 64 {
			t.Fatalf("mailNickname(%q) = %q: empty or longer than 64", key, n)
		}
		for _, r := range n {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_'
			if !ok {
				t.Fatalf("mailNickname(%q) = %q: invalid character %q", key, n, r)
			}
		}
		if mailNickname(key) != n {
			t.Fatal("not stable")
		}
	})
}

// FuzzParseRetryAfter: never negative, never panics.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "3", "1.5", "-2", "Wed, 21 Oct 2015 07:28:00 GMT", "", "soon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s); d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %v", s, d)
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "2": 2 * time.Second, "0.5": 500 * time.Millisecond, "x": 0} {
		if got := parseRetryAfter(in); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestMergeDelta(t *testing.T) {
	users := map[string]map[string]any{"1": {"id": "1", "givenName": "A", "surname": "B"}, "2": {"id": "2"}}
	members := map[string]map[string]bool{"g": {"1": true, "2": true}}
	mergeDelta(users, map[string]any{"id": "1", "givenName": "C", "surname": nil}, nil)
	mergeDelta(users, map[string]any{"id": "2", "@removed": map[string]any{"reason": "changed"}}, nil)
	groups := map[string]map[string]any{"g": {"id": "g"}}
	mergeDelta(groups, map[string]any{"id": "g", "members@delta": []any{
		map[string]any{"id": "2", "@removed": map[string]any{"reason": "deleted"}}, map[string]any{"id": "3"}}}, members)
	want := map[string]map[string]any{"1": {"id": "1", "givenName": "C"}}
	if d := cmp.Diff(want, users); d != "" {
		t.Errorf("users (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]map[string]bool{"g": {"1": true, "3": true}}, members); d != "" {
		t.Errorf("members (-want +got):\n%s", d)
	}
}

func TestPrepare(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Domain, cfg.Mark, cfg.AppID, cfg.TeamKinds = "skole.test", "orgsync", "0f0e0d0c-0b0a-4908-8706-050403020100", nil
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	cl := &Client{cfg: cfg}
	in := []diff.Object{
		{Kind: diff.Container, Key: "ou/inst/280017", Name: "Skolen"},
		{Kind: diff.Container, Key: "ou/inst/280017/students", Name: "elever", Parent: "ou/inst/280017"},
		{Kind: diff.Container, Key: "ou/disabled", Name: "Deaktiverede"},
		{Kind: diff.User, Key: "user/1", Name: "A B (ab)", Parent: "ou/inst/280017/students",
			Attrs: diff.AttrsFrom(map[string]string{"username": "ab", "cpr": "0101011234", "uniId": "u1", "globalRole": "student", "shoeSize": "42"})},
		{Kind: diff.Group, Key: "group/x", Name: "X", Parent: "ou/groups", Attrs: diff.AttrsFrom(map[string]string{"catalogueKind": "class-all", "email": "x@y"})},
	}
	got := cl.Prepare(in)
	want := []diff.Object{
		{Kind: diff.Container, Key: "ou/inst/280017", Name: "Skolen"},
		{Kind: diff.User, Key: "user/1", Name: "A B (ab)", Parent: "ou/inst/280017",
			Attrs: diff.AttrsFrom(map[string]string{"username": "ab", "uniId": "u1", "globalRole": "student"})},
		{Kind: diff.Group, Key: "group/x", Name: "X", Attrs: diff.AttrsFrom(map[string]string{"catalogueKind": "class-all"})},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Prepare (-want +got):\n%s", d)
	}
	if in[3].Attrs.Get("cpr") == "" {
		t.Error("Prepare modified its input")
	}
}

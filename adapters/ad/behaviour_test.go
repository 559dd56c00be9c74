package ad_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// TestHandMove: a user moved by hand into an OU of another of their own
// institutions stays there; moved into a stranger's OU or an OU orgsync
// does not manage, the plan moves them back.
func TestHandMove(t *testing.T) {
	s := samba(t)
	c, base := s.client(t, "handmove")
	objs := []diff.Object{
		ou("ou/inst/1", "Skole 1", ""), ou("ou/inst/1/employees", "medarbejdere", "ou/inst/1"),
		ou("ou/inst/2", "Skole 2", ""), ou("ou/inst/2/employees", "medarbejdere", "ou/inst/2"),
		ou("ou/inst/3", "Skole 3", ""),
	}
	u := user("user/t1", "ou/inst/1/employees", "hm"+suffix(t), "Tove", "Lund", "institutions", "1,2")
	objs = append(objs, u)
	for _, o := range objs {
		apply(t, c, create(o))
	}
	opts := diff.Options{Now: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
	planFor := func() *diff.Plan {
		t.Helper()
		p, err := diff.Compute(objs, read(t, c), opts)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	handMove := func(toDN string) {
		t.Helper()
		conn := s.conn(t)
		defer conn.Close()
		e := s.entry(t, base, "(adminDescription=orgsync:user/t1)")
		rdn, _, _ := strings.Cut(e.DN, ",OU=")
		if err := conn.ModifyDN(ldap.NewModifyDNRequest(e.DN, rdn, true, toDN)); err != nil {
			t.Fatal(err)
		}
	}
	if p := planFor(); !p.Empty() {
		t.Fatalf("plan after create not empty: %+v", p.Changes)
	}

	handMove("OU=medarbejdere,OU=Skole 2," + base)
	if p := planFor(); !p.Empty() {
		t.Errorf("user in another of their own institutions: plan %+v, want none", p.Changes)
	}
	for _, away := range []string{"OU=Skole 3," + base, base} {
		handMove(away)
		p := planFor()
		if len(p.Changes) != 1 || p.Changes[0].Action != diff.Move || p.Changes[0].After.Parent != "ou/inst/1/employees" {
			t.Fatalf("user moved to %s: plan %+v, want one move back", away, p.Changes)
		}
		if _, err := diff.Apply(context.Background(), c, p, diff.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		if p := planFor(); !p.Empty() {
			t.Errorf("after moving back from %s: plan %+v", away, p.Changes)
		}
	}
}

func suffix(t *testing.T) string {
	return strings.ToLower(strings.ReplaceAll(time.Now().Format("150405.000"), ".", ""))
}

// TestHooks runs the configured commands with username, name and role and
// the user as JSON; a failing or hanging hook is reported and the change
// still succeeds.
func TestHooks(t *testing.T) {
	s := samba(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "hook.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s|%s|%s|%s\\n' \"$1\" \"$2\" \"$3\" \"$4\" >> \""+dir+"/calls\"\ncat > \""+dir+"/stdin-$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := s.config(s.testOU(t, "hooks"))
	var mu sync.Mutex
	var failures []ad.HookError
	cfg.Hooks = ad.Hooks{
		Create:  &ad.Hook{Command: []string{script, "create"}, JSON: true},
		Disable: &ad.Hook{Command: []string{"/bin/sh", "-c", "echo broken >&2; exit 3", "sh"}},
		Update:  &ad.Hook{Command: []string{"/bin/sh", "-c", "sleep 10", "sh"}, Timeout: 100 * time.Millisecond},
		OnError: func(e ad.HookError) {
			mu.Lock()
			defer mu.Unlock()
			failures = append(failures, e)
		},
	}
	c := s.clientAt(t, cfg)
	name := "hk" + suffix(t)
	u := user("user/h1", "", name, "Hans", "Krog", "globalRole", "employee")
	apply(t, c, create(u))
	u.Managed = true
	dis := u.Clone()
	dis.Disabled = true
	apply(t, c,
		diff.Change{Action: diff.Disable, Kind: diff.User, Key: u.Key, Before: &u, After: &dis},
		diff.Change{Action: diff.Update, Kind: diff.User, Key: u.Key, Before: &dis, After: &dis,
			Attrs: []diff.AttrChange{{Name: "givenName", Before: "Hans", After: "Hans"}}})

	calls, err := os.ReadFile(filepath.Join(dir, "calls"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "create|" + name + "|Hans Krog (" + name + ")|employee\n"; string(calls) != want {
		t.Errorf("hook arguments %q, want %q", calls, want)
	}
	var got diff.Object
	b, _ := os.ReadFile(filepath.Join(dir, "stdin-create"))
	if err := json.Unmarshal(b, &got); err != nil || got.Key != u.Key || got.Attrs.Get("username") != name {
		t.Errorf("hook stdin: %s (%v)", b, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failures) != 2 {
		t.Fatalf("hook failures: %v", failures)
	}
	events := map[string]ad.HookError{}
	for _, f := range failures {
		events[f.Event] = f
	}
	if f := events["disable"]; f.Key != u.Key || f.Output != "broken" {
		t.Errorf("disable hook failure: %+v", f)
	}
	if f := events["update"]; !strings.Contains(f.Error(), "timed out") {
		t.Errorf("update hook failure: %v", f)
	}
}

// TestConnections covers certificate verification, StartTLS, a dropped
// connection and context cancellation.
func TestConnections(t *testing.T) {
	s := samba(t)
	ctx := context.Background()
	base := s.testOU(t, "conn")

	t.Run("unknown CA is refused", func(t *testing.T) {
		cfg := s.config(base)
		cfg.CAFile = ""
		if _, err := ad.Dial(ctx, cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("Dial with system roots: %v, want a certificate error", err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		cfg := s.config(base)
		cfg.Password = "wrong"
		if _, err := ad.Dial(ctx, cfg); err == nil || !ldap.IsErrorWithCode(errors.Unwrap(err), ldap.LDAPResultInvalidCredentials) && !strings.Contains(err.Error(), "Invalid Credentials") {
			t.Errorf("Dial with a wrong password: %v", err)
		}
	})
	t.Run("StartTLS", func(t *testing.T) {
		cfg := s.config(s.testOU(t, "starttls"))
		cfg.URL = strings.Replace(strings.Replace(s.url, "ldaps://", "ldap://", 1), ":636", ":389", 1)
		cfg.StartTLS = true
		c := s.clientAt(t, cfg)
		apply(t, c, create(user("user/st", "", "st"+suffix(t), "Stine", "Tang")))
		if _, ok := byKey(read(t, c))["user/st"]; !ok {
			t.Error("user created over StartTLS not read back")
		}
	})
	t.Run("plain LDAP is refused", func(t *testing.T) {
		cfg := s.config(base)
		cfg.URL = "ldap://127.0.0.1:389"
		if _, err := ad.Dial(ctx, cfg); err == nil || !strings.Contains(err.Error(), "StartTLS") {
			t.Errorf("Dial plain: %v", err)
		}
	})
	t.Run("dropped connections are redialled", func(t *testing.T) {
		cfg := s.config(s.testOU(t, "drop"))
		cfg.PoolSize = 2
		c := s.clientAt(t, cfg)
		apply(t, c, create(ou("ou/d1", "d1", "")))
		ad.DropConnections(c)
		apply(t, c, create(ou("ou/d2", "d2", "")))
		ad.DropConnections(c)
		if got := byKey(read(t, c)); len(got) != 2 {
			t.Errorf("read after drop: %v", got)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		c := s.clientAt(t, s.config(base))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := c.Apply(cctx, create(ou("ou/never", "never", ""))); !errors.Is(err, context.Canceled) {
			t.Errorf("Apply with a cancelled context: %v", err)
		}
		if _, err := c.Read(cctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Read with a cancelled context: %v", err)
		}
		if e := s.entry(t, base, "(ou=never)"); e != nil {
			t.Error("cancelled create happened")
		}
	})
}

// TestReadPaged: Read follows the paged-results cookie across many small
// pages and returns the same objects, members resolved, as one page.
func TestReadPaged(t *testing.T) {
	s := samba(t)
	c, base := s.client(t, "paged")
	g := group("group/all", "Alle", "ou/p")
	apply(t, c, create(ou("ou/p", "p", "")), create(g))
	for i := range 5 {
		u := user("user/p"+string(rune('a'+i)), "ou/p", "pg"+string(rune('a'+i))+suffix(t), "Side", "Nummer")
		apply(t, c, create(u), diff.Change{Action: diff.AddMember, Kind: diff.Group, Key: g.Key, Member: u.Key})
	}
	want := read(t, c)
	cfg := s.config(base)
	cfg.PageSize = 2
	small := s.clientAt(t, cfg)
	got := read(t, small)
	sortObjects := func(o []diff.Object) {
		slices.SortFunc(o, func(a, b diff.Object) int { return strings.Compare(a.Key, b.Key) })
	}
	sortObjects(want)
	sortObjects(got)
	if len(want) != 7 || len(byKey(want)["group/all"].Members) != 5 {
		t.Fatalf("one-page read: %d objects, group %+v", len(want), byKey(want)["group/all"])
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("read with page size 2 (-one page +small pages):\n%s", d)
	}
}

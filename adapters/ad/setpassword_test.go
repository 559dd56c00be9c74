package ad_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
)

// TestSetPassword: a password set by SetPassword (not to be changed)
// binds at once; one the domain policy refuses is ErrConstraint and the
// old password still binds; an unknown key is ErrNotFound.
func TestSetPassword(t *testing.T) {
	s := samba(t)
	cfg := s.config(s.testOU(t, "setpw"))
	const first = "Start-Kode-2024!x"
	cfg.NewPassword = func(string) (string, error) { return first, nil }
	c := s.clientAt(t, cfg)
	ctx := context.Background()
	school := ou("ou/inst/101", "Byskolen (101)", "")
	u := user("user/pw1", "ou/inst/101", "pwel0001", "Pia", "Elev", "roles", "Elev", "globalRole", "student", "institutions", "101")
	apply(t, c, create(school), create(u))

	const next = "Ny-Kode-2026!abc"
	if err := c.SetPassword(ctx, u.Key, next, false); err != nil {
		t.Fatal(err)
	}
	conn := s.conn(t)
	if err := conn.Bind("pwel0001@skole.test", next); err != nil {
		t.Errorf("bind with the new password: %v", err)
	}
	if err := c.SetPassword(ctx, u.Key, "abc", false); !errors.Is(err, diff.ErrConstraint) {
		t.Errorf("a password the policy refuses: %v, want ErrConstraint", err)
	}
	if err := conn.Bind("pwel0001@skole.test", next); err != nil {
		t.Errorf("after a refused change the password changed: %v", err)
	}
	conn.Close()
	if err := c.SetPassword(ctx, "user/nobody", next, false); !errors.Is(err, diff.ErrNotFound) {
		t.Errorf("unknown key: %v, want ErrNotFound", err)
	}
	if err := c.SetPassword(ctx, school.Key, next, false); !errors.Is(err, diff.ErrConstraint) {
		t.Errorf("an OU: %v, want ErrConstraint", err)
	}
}

// TestFirstGraderPasswordPSO: a first-grader's simple password (six
// lower-case letters) is refused under the domain policy and accepted once
// a fine-grained password policy (PSO) applies to a group the pupil is in
// (docs/PASSWORDS.md); the test then binds with it. The PSO is the test's
// own (random name) and is removed at the end.
func TestFirstGraderPasswordPSO(t *testing.T) {
	s := samba(t)
	base := s.testOU(t, "pso")
	cfg := s.config(base)
	cfg.NewPassword = func(string) (string, error) { return "Start-Kode-2024!x", nil }
	c := s.clientAt(t, cfg)
	ctx := context.Background()
	school := ou("ou/inst/101", "Byskolen (101)", "")
	u := user("user/pso1", "ou/inst/101", "psel"+ouTag(base), "Ida", "Elev", "roles", "Elev", "globalRole", "student", "institutions", "101")
	g := group("group/101/pw-grade-0-2", "pw-grade-0-2 "+ouTag(base), "ou/inst/101")
	apply(t, c, create(school), create(u), create(g),
		diff.Change{Action: diff.AddMember, Kind: diff.Group, Key: g.Key, Member: u.Key})
	const simple = "solsik"
	if err := c.SetPassword(ctx, u.Key, simple, false); !errors.Is(err, diff.ErrConstraint) {
		t.Fatalf("a six-letter password without a PSO: %v, want ErrConstraint", err)
	}
	ge := s.entry(t, base, "(&(objectClass=group)(cn=pw-grade-0-2*))", "cn")
	if ge == nil {
		t.Fatal("group not found")
	}
	conn := s.conn(t)
	defer conn.Close()
	pso := "CN=orgsync-test-pso-" + ouTag(base) + ",CN=Password Settings Container,CN=System," + s.base
	add := ldap.NewAddRequest(pso, nil)
	for k, v := range map[string]string{
		"objectClass": "msDS-PasswordSettings", "msDS-PasswordSettingsPrecedence": "10",
		"msDS-PasswordReversibleEncryptionEnabled": "FALSE", "msDS-PasswordHistoryLength": "0",
		"msDS-PasswordComplexityEnabled": "FALSE", "msDS-MinimumPasswordLength": "6",
		"msDS-MinimumPasswordAge": "0", "msDS-MaximumPasswordAge": "-37108517437440",
		"msDS-LockoutThreshold": "0", "msDS-LockoutObservationWindow": "-18000000000",
		"msDS-LockoutDuration": "-18000000000", "msDS-PSOAppliesTo": ge.DN,
	} {
		add.Attribute(k, []string{v})
	}
	if err := conn.Add(add); err != nil {
		t.Fatalf("create the PSO: %v", err)
	}
	t.Cleanup(func() {
		c := s.conn(t)
		defer c.Close()
		if err := c.Del(ldap.NewDelRequest(pso, nil)); err != nil {
			t.Errorf("delete the PSO: %v", err)
		}
	})
	if err := c.SetPassword(ctx, u.Key, simple, false); err != nil {
		t.Fatalf("a six-letter password under the PSO: %v", err)
	}
	if err := conn.Bind("psel"+ouTag(base)+"@skole.test", simple); err != nil {
		t.Errorf("bind as the first-grader: %v", err)
	}
}

// ouTag is the random part of a test OU's name.
func ouTag(base string) string {
	rdn, _, _ := strings.Cut(base, ",")
	i := strings.LastIndex(rdn, "-")
	return rdn[i+1:]
}

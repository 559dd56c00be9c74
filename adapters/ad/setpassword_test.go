package ad_test

import (
	"context"
	"errors"
	"testing"

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

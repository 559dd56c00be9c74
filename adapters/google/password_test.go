package google_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"abcdefgh":               true,
		"abc defg!":              true,
		"abcdefg":                false,
		strings.Repeat("a", 100): true,
		strings.Repeat("a", 101): false,
		"abcdefgæ":               false,
		"abcdefg\x01":            false,
		"Sommer2026!":            true,
		"":                       false,
	} {
		err := google.CheckPassword(pw)
		if (err == nil) != ok || err != nil && !errors.Is(err, google.ErrPasswordPolicy) {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", pw, err, ok)
		}
		if err != nil && pw != "" && strings.Contains(err.Error(), pw) {
			t.Errorf("the error repeats the password: %v", err)
		}
	}
}

// TestSetPassword: a pupil's new password reaches Google (users.update),
// found by key both from the last sync and by a search after a restart;
// a password Google refuses is refused before any request; an unknown
// key is diff.ErrNotFound.
func TestSetPassword(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, googlefake.Options{Seed: 5})
	f.AddOrgUnit("/Skole", "")
	gcfg := google.Config{Domain: "skole.test", Root: "/Skole"}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsLast, gcfg)
	c := newClient(t, f, gcfg)
	m.sync(t, c, m.desired(t))
	var email, key string
	for _, u := range f.Users() {
		if k, _ := u.CustomSchemas[c.Config().Mark]["key"].(string); k != "" {
			email, key = u.PrimaryEmail, k
			break
		}
	}
	if key == "" {
		t.Fatal("no managed user after the sync")
	}
	if err := c.SetPassword(ctx, key, "Forår-2026", false); !errors.Is(err, diff.ErrConstraint) || !errors.Is(err, google.ErrPasswordPolicy) {
		t.Errorf("non-ASCII password: %v", err)
	}
	if err := c.SetPassword(ctx, key, "kort", false); !errors.Is(err, diff.ErrConstraint) {
		t.Errorf("short password: %v", err)
	}
	f.ResetStats()
	if err := c.SetPassword(ctx, key, "Sommer-2026", false); err != nil {
		t.Fatal(err)
	}
	if !f.PasswordIs(email, "Sommer-2026") {
		t.Error("the password did not reach Google")
	}
	if u, _ := f.User(email); u.ChangePasswordAtNextLogin {
		t.Error("the pupil must change it at the next sign-in, though mustChange was false")
	}
	// A fresh client (after a restart) finds the user by a key search.
	c2 := newClient(t, f, gcfg)
	if err := c2.SetPassword(ctx, key, "Vinter-2027x", true); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.User(email); !f.PasswordIs(email, "Vinter-2027x") || !u.ChangePasswordAtNextLogin {
		t.Errorf("after a restart: password set %v, must change %v", f.PasswordIs(email, "Vinter-2027x"), u.ChangePasswordAtNextLogin)
	}
	if err := c2.SetPassword(ctx, "user:nobody", "Sommer-2026", false); !errors.Is(err, diff.ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
	if err := c2.SetPassword(ctx, "user:o'brien", "Sommer-2026", false); !errors.Is(err, diff.ErrNotFound) {
		t.Errorf("a key that cannot be searched: %v", err)
	}
}

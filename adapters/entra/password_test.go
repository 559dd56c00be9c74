package entra_test

import (
	"context"
	"errors"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
)

// TestSetPassword: a pupil's new password reaches Entra ID (graphfake
// enforces Entra's policy and the permission), found by key after a
// restart; a weak password and a hybrid tenant are refused before any
// request.
func TestSetPassword(t *testing.T) {
	ctx := context.Background()
	tn := newTenant(t, graphfake.Options{Seed: 3}, func(c *entra.Config) { c.TeamKinds = nil; c.AdministrativeUnits = false })
	pupil := diff.Object{Kind: diff.User, Key: "user/p1", Name: "Ida (ida1)", Attrs: diff.Attrs{
		{Name: "familyName", Value: "Elev"}, {Name: "givenName", Value: "Ida"}, {Name: "username", Value: "ida1"}}}
	if err := tn.c.Apply(ctx, diff.Change{Action: diff.Create, Kind: diff.User, Key: pupil.Key, After: &pupil}); err != nil {
		t.Fatal(err)
	}
	objs, err := tn.c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, o := range objs {
		if o.Key == pupil.Key {
			id = o.ID
		}
	}
	if id == "" {
		t.Fatal("the pupil was not created")
	}
	for _, weak := range []string{"kort1A", "sommerfugle", "Sommerfugl-æ1"} {
		if err := tn.c.SetPassword(ctx, pupil.Key, weak, false); !errors.Is(err, diff.ErrConstraint) || !errors.Is(err, entra.ErrPasswordPolicy) {
			t.Errorf("%q: %v", weak, err)
		}
		if tn.srv.PasswordIs(id, weak) {
			t.Errorf("%q reached Entra", weak)
		}
	}
	if tn.c.CheckPassword("sommerfugle") == nil || tn.c.CheckPassword("Sommer-2026") != nil {
		t.Error("Client.CheckPassword differs from the policy")
	}
	if err := tn.c.SetPassword(ctx, pupil.Key, "Sommer-2026", false); err != nil {
		t.Fatal(err)
	}
	if !tn.srv.PasswordIs(id, "Sommer-2026") {
		t.Error("the password did not reach Entra")
	}
	// A fresh client finds the pupil by key.
	c2, err := entra.NewWithHTTP(ctx, tn.srv.BaseURL(), tn.srv.Client(), tn.c.Config())
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.SetPassword(ctx, pupil.Key, "Vinter-2027!", true); err != nil || !tn.srv.PasswordIs(id, "Vinter-2027!") {
		t.Errorf("after a restart: %v", err)
	}
	if err := c2.SetPassword(ctx, "user/nobody", "Vinter-2027!", true); !errors.Is(err, diff.ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
	// Hybrid: never written to Entra.
	cfg := tn.c.Config()
	cfg.OnPremisesSync = true
	c3, err := entra.NewWithHTTP(ctx, tn.srv.BaseURL(), tn.srv.Client(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !c3.PasswordsFromAD() || tn.c.PasswordsFromAD() {
		t.Error("PasswordsFromAD does not follow OnPremisesSync")
	}
	if err := c3.SetPassword(ctx, pupil.Key, "Forår-ikke-1A", false); !errors.Is(err, entra.ErrPasswordPolicy) {
		t.Errorf("hybrid, weak: %v", err)
	}
	if err := c3.SetPassword(ctx, pupil.Key, "Efteraar-2027", false); !errors.Is(err, entra.ErrSynced) || tn.srv.PasswordIs(id, "Efteraar-2027") {
		t.Errorf("hybrid: %v", err)
	}
}

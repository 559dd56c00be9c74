package graphfake_test

import (
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra/graphfake"
)

// TestPasswordPolicy: the fake refuses, at creation and by PATCH, the
// passwords Entra's policy for cloud accounts refuses, and keeps the
// stored password when it does.
func TestPasswordPolicy(t *testing.T) {
	s := graphfake.New(graphfake.Options{Domains: []string{"skole.test"}})
	defer s.Close()
	st, _, body := call(t, s, "POST", "/users", newUser(1))
	if st != 201 {
		t.Fatalf("create: %d %v", st, body)
	}
	id := body["id"].(string)
	if !s.PasswordIs(id, "Secret-123") || s.PasswordIs(id, "secret-123") {
		t.Fatal("PasswordIs does not tell the password given at creation")
	}
	for pw, ok := range map[string]bool{
		"Sommer-2026":                     true,  // four kinds
		"sommer2026!":                     true,  // three kinds
		"Sommer2026":                      true,  // three kinds
		"sommer2026":                      false, // two kinds
		"SOMMER-2026":                     true,
		"Ab1!":                            false, // too short
		"Ab1!" + strings.Repeat("x", 253): false, // 257 characters
		"Ab1!" + strings.Repeat("x", 252): true,  // 256
		"Sommerfugl-æ1":                   false, // not in Entra's alphabet
		"Tab\there12":                     false,
		"Has space 1":                     true,
		`Q"uote'd(1);<>`:                  true,
	} {
		st, _, body := call(t, s, "PATCH", "/users/"+id, map[string]any{"passwordProfile": map[string]any{"password": pw, "forceChangePasswordNextSignIn": false}})
		if got := st == 204; got != ok {
			t.Errorf("PATCH password %q: %d %v, want ok=%v", pw, st, body, ok)
		}
		if !ok && (errCode(body) != "Request_BadRequest" || !strings.Contains(body["error"].(map[string]any)["message"].(string), "complexity")) {
			t.Errorf("refusal of %q: %v", pw, body)
		}
		if s.PasswordIs(id, pw) != ok {
			t.Errorf("PasswordIs(%q) = %v after the PATCH, want %v", pw, !ok, ok)
		}
	}
	weak := newUser(2)
	weak["passwordProfile"] = map[string]any{"password": "abcdefgh"}
	if st, _, body := call(t, s, "POST", "/users", weak); st != 400 || errCode(body) != "Request_BadRequest" {
		t.Errorf("create with a weak password: %d %v", st, body)
	}
	// DisableStrongPassword (seeded: the fake takes no passwordPolicies
	// writes) drops the three-kinds rule, not the length.
	lax := s.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Bo", "mailNickname": "bo",
		"userPrincipalName": "bo@skole.test", "passwordPolicies": "DisableStrongPassword"})
	if st, _, body := call(t, s, "PATCH", "/users/"+lax, map[string]any{"passwordProfile": map[string]any{"password": "abcdefgh"}}); st != 204 {
		t.Errorf("two kinds with DisableStrongPassword: %d %v", st, body)
	}
	if st, _, _ := call(t, s, "PATCH", "/users/"+lax, map[string]any{"passwordProfile": map[string]any{"password": "abc"}}); st != 400 {
		t.Errorf("3 characters with DisableStrongPassword: %d", st)
	}
}

// TestPasswordPermission: a PATCH of the password profile alone needs
// User-PasswordProfile.ReadWrite.All (or User.ReadWrite.All); the
// password permission does not allow other writes.
func TestPasswordPermission(t *testing.T) {
	s := graphfake.New(graphfake.Options{Domains: []string{"skole.test"}, Permissions: []string{"User.Read.All", "User-PasswordProfile.ReadWrite.All"}})
	defer s.Close()
	id := s.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Ann", "mailNickname": "ann", "userPrincipalName": "ann@skole.test"})
	pw := map[string]any{"passwordProfile": map[string]any{"password": "Sommer-2026", "forceChangePasswordNextSignIn": false}}
	if st, _, body := call(t, s, "PATCH", "/users/"+id, pw); st != 204 || !s.PasswordIs(id, "Sommer-2026") {
		t.Fatalf("password with User-PasswordProfile.ReadWrite.All: %d %v", st, body)
	}
	if st, _, body := call(t, s, "PATCH", "/users/"+id, map[string]any{"displayName": "Anna"}); st != 403 || errCode(body) != "Authorization_RequestDenied" {
		t.Errorf("displayName with the password permission only: %d %v", st, body)
	}
	mixed := map[string]any{"displayName": "Anna", "passwordProfile": map[string]any{"password": "Vinter-2027"}}
	if st, _, _ := call(t, s, "PATCH", "/users/"+id, mixed); st != 403 || s.PasswordIs(id, "Vinter-2027") {
		t.Errorf("password and displayName with the password permission only: %d", st)
	}
	if got := s.UsedPermissions(); len(got) != 1 || got[0] != "User-PasswordProfile.ReadWrite.All" {
		t.Errorf("used permissions %v", got)
	}
	ro := graphfake.New(graphfake.Options{Domains: []string{"skole.test"}, Permissions: []string{"User.Read.All"}})
	defer ro.Close()
	id = ro.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Ann", "mailNickname": "ann", "userPrincipalName": "ann@skole.test"})
	if st, _, _ := call(t, ro, "PATCH", "/users/"+id, pw); st != 403 || ro.PasswordIs(id, "Sommer-2026") {
		t.Errorf("password with User.Read.All only: %d", st)
	}
}

// TestSyncedPasswordRefused: a user synced from on-premises AD gets its
// password from there; Graph refuses to set it.
func TestSyncedPasswordRefused(t *testing.T) {
	s := graphfake.New(graphfake.Options{Domains: []string{"skole.test"}})
	defer s.Close()
	id := s.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Ann", "mailNickname": "ann",
		"userPrincipalName": "ann@skole.test", "onPremisesSyncEnabled": true})
	st, _, body := call(t, s, "PATCH", "/users/"+id, map[string]any{"passwordProfile": map[string]any{"password": "Sommer-2026"}})
	if st != 400 || s.PasswordIs(id, "Sommer-2026") {
		t.Errorf("synced user's password: %d %v", st, body)
	}
}

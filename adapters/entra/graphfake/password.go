package graphfake

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Passwords. The fake enforces Entra ID's password policy for cloud
// accounts (Microsoft Learn, "Password policies and account restrictions
// in Microsoft Entra ID") on every passwordProfile.password it is given,
// at creation and by PATCH:
//   - 8 to 256 characters;
//   - only A–Z, a–z, 0–9, the space and @ # $ % ^ & * - _ ! + = [ ] { } | \ : ' , . ? / ` ~ " ( ) ; < >
//     (no other Unicode character);
//   - three of the four kinds lower case, upper case, digit, symbol, unless
//     the user's passwordPolicies holds "DisableStrongPassword".
//
// A password outside it is 400 Request_BadRequest with Graph's complexity
// message. A synced user's password (onPremisesSyncEnabled) is refused as
// every sync-owned property is (onprem.go): it is set in the on-premises
// AD. With Options.Permissions, a PATCH of a user that writes only
// passwordProfile (and passwordPolicies) needs User-PasswordProfile.ReadWrite.All
// or User.ReadWrite.All, the permissions the "Update user" page names for
// the password profile; the directory role Graph also wants of the
// application (User Administrator) is not modelled. PasswordIs lets a test
// check the password last set; the fake never returns it.

// passwordPerms are the permissions any one of which allows a PATCH of a
// user's passwordProfile.
var passwordPerms = []string{"User-PasswordProfile.ReadWrite.All", "User.ReadWrite.All"}

const complexityMessage = "The specified password does not comply with password complexity requirements. Please provide a different password."

const passwordSymbols = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> "

// passwordProblem returns why Entra would refuse pw for a user with the
// passwordPolicies policies, or "".
func passwordProblem(pw, policies string) string {
	n := utf8.RuneCountInString(pw)
	if n < 8 || n > 256 {
		return "length"
	}
	var lower, upper, digit, symbol int
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		case strings.ContainsRune(passwordSymbols, r):
			symbol = 1
		default:
			return "character"
		}
	}
	if lower+upper+digit+symbol < 3 && !strings.Contains(policies, "DisableStrongPassword") {
		return "complexity"
	}
	return ""
}

// checkPassword applies the policy to a create or PATCH body m of a user
// whose stored properties are props (nil at creation); it returns the
// password given ("" for none) or Graph's refusal.
func checkPassword(props, m map[string]any) (string, *result) {
	pp, _ := m["passwordProfile"].(map[string]any)
	pw := str(pp["password"])
	if pw == "" {
		return "", nil
	}
	policies := str(props["passwordPolicies"])
	if v, ok := m["passwordPolicies"]; ok {
		policies = str(v)
	}
	if passwordProblem(pw, policies) != "" {
		r := fail(http.StatusBadRequest, "Request_BadRequest", complexityMessage)
		return "", &r
	}
	return pw, nil
}

// rememberPassword keeps the password last set for a user (PasswordIs).
// Caller holds s.mu.
func (s *Server) rememberPassword(id, pw string) {
	if pw == "" {
		return
	}
	if s.pwds == nil {
		s.pwds = map[string]string{}
	}
	s.pwds[id] = pw
}

// passwordOnly reports whether a request is a PATCH of a user that writes
// only its password profile.
func passwordOnly(method, path string, body []byte) bool {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 0 && segs[0] == "v1.0" {
		segs = segs[1:]
	}
	if method != http.MethodPatch || len(segs) != 2 || segs[0] != "users" {
		return false
	}
	m, err := jsonBody(body)
	if err != nil || m["passwordProfile"] == nil {
		return false
	}
	for k := range m {
		if k != "passwordProfile" && k != "passwordPolicies" {
			return false
		}
	}
	return true
}

// authorizeRequest is authorize with the password profile's own
// permission. Caller holds s.mu.
func (s *Server) authorizeRequest(method, path string, body []byte) *result {
	if s.opts.Permissions != nil && passwordOnly(method, path, body) {
		return s.grant(method, path, passwordPerms)
	}
	return s.authorize(method, path)
}

// PasswordIs reports whether pw is the password last set for the user with
// id (at creation or by PATCH), compared in constant time.
func (s *Server) PasswordIs(id, pw string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	got, ok := s.pwds[id]
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(pw)) == 1
}

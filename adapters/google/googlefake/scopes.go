package googlefake

import (
	"slices"
	"strings"
)

// OAuth scopes (Options.Scopes). When set, the fake acts as if the access
// token carried exactly these scopes (the scopes the service account was
// granted by domain-wide delegation) and refuses a method none of them
// allows with 403 insufficientPermissions "Request had insufficient
// authentication scopes.", as Google does. The scopes per method are those
// of the "Authorization scopes" sections of the API references (Admin SDK
// Directory API, Enterprise License Manager API, Drive API v3): a read is
// allowed by the scope or its .readonly variant, group members by
// admin.directory.group.member or admin.directory.group. UsedScopes
// reports which granted scopes were needed, so that a test can flag an
// extra one.

// ScopePrefix starts every scope.
const ScopePrefix = "https://www.googleapis.com/auth/"

// scopesFor returns the scopes (without ScopePrefix), any one of which
// allows the method id, in order of preference (the narrowest first).
func scopesFor(id string, write bool) []string {
	var base []string
	switch {
	case strings.HasPrefix(id, "directory.users."):
		base = []string{"admin.directory.user"}
	case strings.HasPrefix(id, "directory.orgunits."):
		base = []string{"admin.directory.orgunit"}
	case strings.HasPrefix(id, "directory.schemas."):
		base = []string{"admin.directory.userschema"}
	case strings.HasPrefix(id, "directory.members."):
		base = []string{"admin.directory.group.member", "admin.directory.group"}
	case strings.HasPrefix(id, "directory.groups."):
		base = []string{"admin.directory.group"}
	case strings.HasPrefix(id, "licensing."):
		return []string{"apps.licensing"}
	case strings.HasPrefix(id, "drive."):
		return []string{"drive"}
	default:
		return []string{"(unknown method " + id + ")"}
	}
	if write {
		return base
	}
	var out []string
	for _, b := range base {
		out = append(out, b+".readonly", b)
	}
	return out
}

// authorizeScope checks a method against Options.Scopes; nil allows it.
// Caller holds f.mu.
func (f *Fake) authorizeScope(id string, write bool) *apiError {
	if f.opts.Scopes == nil {
		return nil
	}
	need := scopesFor(id, write)
	for _, s := range need {
		if slices.Contains(f.opts.Scopes, ScopePrefix+s) {
			if f.usedScopes == nil {
				f.usedScopes = map[string]bool{}
			}
			f.usedScopes[ScopePrefix+s] = true
			return nil
		}
	}
	f.deniedScopes = append(f.deniedScopes, id+" needs one of "+strings.Join(need, ", "))
	return errf(403, "insufficientPermissions", "Request had insufficient authentication scopes.")
}

// UsedScopes returns the granted scopes some request needed, sorted.
func (f *Fake) UsedScopes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.usedScopes))
	for s := range f.usedScopes {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// DeniedScopes lists the methods refused for want of a scope.
func (f *Fake) DeniedScopes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.deniedScopes)
}

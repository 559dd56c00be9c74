package graphfake

import (
	"net/http"
	"slices"
	"strings"
)

// Application permissions (Options.Permissions). When set, the fake acts
// as if the access token carried exactly these application permissions
// ("roles" claim) and refuses a request none of them allows with 403
// Authorization_RequestDenied "Insufficient privileges to complete the
// operation.", as Graph does. Each request is checked on its own (batch
// items too). The permissions per operation are those of the "Permissions"
// tables of the operations' pages in the Graph v1.0 reference (e.g. "Update
// user": User.ReadWrite.All; "Add members": GroupMember.ReadWrite.All or
// Group.ReadWrite.All; "Create administrativeUnit":
// AdministrativeUnit.ReadWrite.All); Directory.ReadWrite.All, which allows
// all of them, is deliberately not accepted, so a test cannot pass with it.
// UsedPermissions reports which granted permissions were needed, so that
// a test can flag an extra one.

// allowedBy returns the permissions any one of which allows the request.
func allowedBy(method, path string) []string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 0 && segs[0] == "v1.0" {
		segs = segs[1:]
	}
	if len(segs) == 0 {
		return nil
	}
	read := method == http.MethodGet
	switch {
	case segs[0] == "$batch":
		return nil // the items are checked
	case segs[0] == "users":
		if read {
			return []string{"User.Read.All", "User.ReadWrite.All"}
		}
		return []string{"User.ReadWrite.All"}
	case segs[0] == "groups":
		if len(segs) >= 3 && (segs[2] == "members" || segs[2] == "owners") && !read {
			return []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All"}
		}
		if len(segs) >= 3 && segs[2] == "team" && !read {
			return []string{"Group.ReadWrite.All"}
		}
		if read {
			return []string{"Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All"}
		}
		return []string{"Group.ReadWrite.All"}
	case segs[0] == "directory" && len(segs) == 4 && segs[1] == "administrativeUnits" && segs[3] == "members" && method == http.MethodPost:
		// "Add a member", creating a new group in the unit: Group.Create
		// or Group.ReadWrite.All, each with AdministrativeUnit.Read.All
		// (unitRead)
		return []string{"Group.Create", "Group.ReadWrite.All"}
	case segs[0] == "directory" && len(segs) > 1 && segs[1] == "administrativeUnits":
		if read {
			return []string{"AdministrativeUnit.Read.All", "AdministrativeUnit.ReadWrite.All"}
		}
		return []string{"AdministrativeUnit.ReadWrite.All"}
	}
	return []string{"(unknown operation)"}
}

// unitRead is what creating a group in an administrative unit needs
// beside a group permission: to read the unit.
var unitRead = []string{"AdministrativeUnit.Read.All", "AdministrativeUnit.ReadWrite.All"}

// authorize checks one request against Options.Permissions; nil allows
// it. Caller holds s.mu.
func (s *Server) authorize(method, path string) *result {
	if s.opts.Permissions == nil {
		return nil
	}
	return s.grant(method, path, allowedBy(method, path))
}

// grant allows the request when Options.Permissions holds one of need
// (nil: no permission needed); it records the one used or the refusal.
// Caller holds s.mu.
func (s *Server) grant(method, path string, need []string) *result {
	if need == nil {
		return nil
	}
	if slices.Contains(need, "Group.Create") {
		if r := s.authorizeAny(method, path, unitRead); r != nil {
			return r
		}
	}
	return s.authorizeAny(method, path, need)
}

// authorizeAny allows a request when one of need is granted. Caller
// holds s.mu.
func (s *Server) authorizeAny(method, path string, need []string) *result {
	for _, p := range need {
		if slices.Contains(s.opts.Permissions, p) {
			if s.usedPerms == nil {
				s.usedPerms = map[string]bool{}
			}
			s.usedPerms[p] = true
			return nil
		}
	}
	s.denied = append(s.denied, method+" "+routeOf(path)+" needs one of "+strings.Join(need, ", "))
	r := fail(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	return &r
}

// UsedPermissions returns the granted permissions some request needed,
// sorted. A granted permission missing here is more than the run needed.
func (s *Server) UsedPermissions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.usedPerms))
	for p := range s.usedPerms {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Denied lists the requests refused for want of a permission, with the
// permissions that would have allowed each.
func (s *Server) Denied() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.denied)
}

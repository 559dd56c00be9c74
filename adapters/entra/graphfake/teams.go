package graphfake

import "net/http"

// teamsRoute handles POST /teams/{id}/archive and /teams/{id}/unarchive
// ("Archive team" and "Unarchive team", Graph v1.0): an archived team is
// read-only for its members. Both answer 202 Accepted with a Location
// header, since the real operation is asynchronous; the fake completes it
// at once. A group without a team is 404. The state shows in GET
// /groups/{id}/team (isArchived) and in the group's stored property
// isArchived. Caller holds s.mu.
func (s *Server) teamsRoute(method string, segs []string) result {
	if len(segs) != 2 || method != http.MethodPost || (segs[1] != "archive" && segs[1] != "unarchive") {
		return fail(http.StatusBadRequest, "BadRequest", "Unsupported request "+method+" /teams")
	}
	o := s.lookup("group", unescape(segs[0]))
	if o == nil || !teamOf(o) {
		return fail(http.StatusNotFound, "NotFound", "No team found with Group Id "+segs[0])
	}
	o.props["isArchived"] = segs[1] == "archive"
	return result{status: http.StatusAccepted, hdr: map[string]string{"Location": "/teams('" + o.id + "')/operations('" + segs[1] + "-" + o.id + "')"}}
}

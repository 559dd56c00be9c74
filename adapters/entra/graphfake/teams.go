package graphfake

import (
	"net/http"
	"strings"
)

// teamsRoute handles POST /teams (a team from a group, with a template)
// and POST /teams/{id}/archive and /teams/{id}/unarchive. Caller holds
// s.mu.
func (s *Server) teamsRoute(method string, segs []string, body []byte) result {
	if len(segs) == 0 && method == http.MethodPost {
		return s.createTeam(body)
	}
	if len(segs) != 2 || method != http.MethodPost || (segs[1] != "archive" && segs[1] != "unarchive") {
		return fail(http.StatusBadRequest, "BadRequest", "Unsupported request "+method+" /teams")
	}
	return s.archive(segs[0], segs[1] == "archive")
}

// archive handles "Archive team" and "Unarchive team" (Graph v1.0): an
// archived team is read-only for its members. Both answer 202 Accepted
// with a Location header, since the real operation is asynchronous; the
// fake completes it at once. A group without a team is 404. The state
// shows in GET /groups/{id}/team (isArchived) and in the group's stored
// property isArchived.
func (s *Server) archive(id string, archived bool) result {
	o := s.lookup("group", unescape(id))
	if o == nil || !teamOf(o) {
		return fail(http.StatusNotFound, "NotFound", "No team found with Group Id "+id)
	}
	o.props["isArchived"] = archived
	op := "unarchive"
	if archived {
		op = "archive"
	}
	return result{status: http.StatusAccepted, hdr: map[string]string{"Location": "/teams('" + o.id + "')/operations('" + op + "-" + o.id + "')"}}
}

// templates are the team templates the fake knows.
var templates = map[string]bool{"standard": true, "educationClass": true, "educationStaff": true,
	"educationProfessionalLearningCommunity": true}

// createTeam handles POST /teams with template@odata.bind and
// group@odata.bind ("Create team", example "create a team from a
// group"): the team is made from an existing Microsoft 365 group under
// the same rules as PUT /groups/{id}/team (a young group answers 404),
// and the answer is 202 Accepted with a Location, the operation being
// asynchronous. The template's name is stored in the group's property
// teamTemplate for tests; an unknown template is 400.
func (s *Server) createTeam(body []byte) result {
	m, err := jsonBody(body)
	if err != nil {
		return fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
	}
	tpl := str(m["template@odata.bind"])
	name := ""
	if i, j := strings.Index(tpl, "teamsTemplates('"), strings.LastIndex(tpl, "')"); i >= 0 && j > i {
		name = tpl[i+len("teamsTemplates('") : j]
	}
	if !templates[name] {
		return fail(http.StatusBadRequest, "BadRequest", "Invalid template '"+tpl+"'.")
	}
	id := refID(str(m["group@odata.bind"]))
	o := s.lookup("group", id)
	if o == nil {
		return notFound(id)
	}
	r := s.team(o, http.MethodPut)
	if r.status >= 400 {
		return r
	}
	o.props["teamTemplate"] = name
	return result{status: http.StatusAccepted, hdr: map[string]string{"Location": "/teams('" + o.id + "')/operations('create-" + o.id + "')"}}
}

package graphfake_test

import (
	"testing"

	"github.com/orgsync/orgsync/adapters/entra/graphfake"
)

// TestArchiveTeam: archive and unarchive answer 202 with a Location and
// show in GET /groups/{id}/team; a group without a team is 404.
func TestArchiveTeam(t *testing.T) {
	s := graphfake.New(graphfake.Options{})
	defer s.Close()
	plain := s.Seed("group", map[string]any{"displayName": "plain", "mailNickname": "plain", "securityEnabled": true, "mailEnabled": false})
	team := s.Seed("group", map[string]any{"displayName": "7A", "mailNickname": "c7a", "securityEnabled": false, "mailEnabled": true,
		"groupTypes": []any{"Unified"}, "resourceProvisioningOptions": []any{"Team"}})
	if st, _, body := call(t, s, "POST", "/teams/"+plain+"/archive", map[string]any{}); st != 404 {
		t.Errorf("archive of a group without a team: %d %v, want 404", st, body)
	}
	st, hdr, body := call(t, s, "POST", "/teams/"+team+"/archive", map[string]any{"shouldSetSpoSiteReadOnlyForMembers": true})
	if st != 202 || hdr.Get("Location") == "" {
		t.Fatalf("archive: %d %v, Location %q", st, body, hdr.Get("Location"))
	}
	if _, _, body := call(t, s, "GET", "/groups/"+team+"/team", nil); body["isArchived"] != true {
		t.Errorf("team after archive: %v", body)
	}
	if st, _, _ := call(t, s, "POST", "/teams/"+team+"/unarchive", nil); st != 202 {
		t.Fatalf("unarchive: %d", st)
	}
	if _, _, body := call(t, s, "GET", "/groups/"+team+"/team", nil); body["isArchived"] != false {
		t.Errorf("team after unarchive: %v", body)
	}
}

// TestCreateTeamFromTemplate: POST /teams with the educationClass
// template and a group answers 202 and makes the group a team; an
// unknown template is 400 and a second create 409.
func TestCreateTeamFromTemplate(t *testing.T) {
	s := graphfake.New(graphfake.Options{})
	defer s.Close()
	owner := s.Seed("user", map[string]any{"displayName": "svc", "userPrincipalName": "svc@skole.test", "mailNickname": "svc", "accountEnabled": true})
	st, _, body := call(t, s, "POST", "/groups", map[string]any{"displayName": "7A", "mailNickname": "c7a", "securityEnabled": true,
		"mailEnabled": true, "groupTypes": []any{"Unified"}, "owners@odata.bind": []any{s.BaseURL() + "/users/" + owner}})
	if st != 201 {
		t.Fatalf("create group: %d %v", st, body)
	}
	gid := body["id"].(string)
	req := func(tpl string) map[string]any {
		return map[string]any{"template@odata.bind": "https://graph.microsoft.com/v1.0/teamsTemplates('" + tpl + "')",
			"group@odata.bind": "https://graph.microsoft.com/v1.0/groups('" + gid + "')"}
	}
	if st, _, body := call(t, s, "POST", "/teams", req("nonsense")); st != 400 {
		t.Errorf("unknown template: %d %v", st, body)
	}
	st, hdr, body := call(t, s, "POST", "/teams", req("educationClass"))
	if st != 202 || hdr.Get("Location") == "" {
		t.Fatalf("create team: %d %v", st, body)
	}
	if g, _ := s.Get(gid); g.Str("teamTemplate") != "educationClass" {
		t.Errorf("template %q, want educationClass", g.Str("teamTemplate"))
	}
	if st, _, _ := call(t, s, "POST", "/teams", req("educationClass")); st != 409 {
		t.Errorf("second create: %d, want 409", st)
	}
}

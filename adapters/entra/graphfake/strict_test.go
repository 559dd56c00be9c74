package graphfake_test

import (
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra/graphfake"
)

// TestAdvancedQueryRequired: a filter on companyName (advanced-only for
// eq) is refused without both ConsistencyLevel: eventual and $count=true;
// with both it is served with @odata.count; a directory-extension filter
// works by default; a batch item carries the header in its own headers.
func TestAdvancedQueryRequired(t *testing.T) {
	s := graphfake.New(graphfake.Options{ExtensionProperties: []string{"extension_abc_key"}})
	defer s.Close()
	u := newUser(1)
	u["companyName"], u["extension_abc_key"] = "orgsync", "user/1"
	if st, _, body := call(t, s, "POST", "/users", u); st != 201 {
		t.Fatalf("create: %d %v", st, body)
	}
	filter := "$filter=" + strings.ReplaceAll("companyName eq 'orgsync'", " ", "%20")
	cases := []struct {
		name   string
		url    string
		hdr    []string
		status int
	}{
		{"neither", "/users?" + filter, nil, 400},
		{"header only", "/users?" + filter, []string{"ConsistencyLevel", "eventual"}, 400},
		{"count only", "/users?$count=true&" + filter, nil, 400},
		{"both", "/users?$count=true&" + filter, []string{"ConsistencyLevel", "eventual"}, 200},
		{"extension by default", "/users?$filter=" + strings.ReplaceAll("extension_abc_key eq 'user/1'", " ", "%20"), nil, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, body := call(t, s, "GET", c.url, nil, c.hdr...)
			if st != c.status {
				t.Fatalf("status %d, want %d: %v", st, c.status, body)
			}
			if st == 400 && errCode(body) != "Request_UnsupportedQuery" {
				t.Errorf("code %q, want Request_UnsupportedQuery", errCode(body))
			}
			if c.name == "both" && body["@odata.count"] != float64(1) {
				t.Errorf("@odata.count = %v, want 1", body["@odata.count"])
			}
		})
	}
	_, _, body := call(t, s, "POST", "/$batch", map[string]any{"requests": []map[string]any{
		{"id": "a", "method": "GET", "url": "/users?$count=true&" + filter},
		{"id": "b", "method": "GET", "url": "/users?$count=true&" + filter, "headers": map[string]string{"ConsistencyLevel": "eventual"}},
	}})
	got := map[string]float64{}
	for _, r := range body["responses"].([]any) {
		m := r.(map[string]any)
		got[m["id"].(string)] = m["status"].(float64)
	}
	if got["a"] != 400 || got["b"] != 200 {
		t.Errorf("batch items: %v, want a 400 and b 200", got)
	}
}

// TestReplicationLag: with Lag 2 a new user is missed by its first two
// look-ups (404) and references (400 "… do not exist"), found by an
// unfiltered list at once, and its userPrincipalName is taken at once.
func TestReplicationLag(t *testing.T) {
	s := graphfake.New(graphfake.Options{Lag: 2})
	defer s.Close()
	g := s.Seed("group", map[string]any{"displayName": "G", "mailNickname": "g", "mailEnabled": false, "securityEnabled": true})
	_, _, body := call(t, s, "POST", "/users", newUser(1))
	id, _ := body["id"].(string)
	if id == "" {
		t.Fatalf("create: %v", body)
	}
	if st, _, body := call(t, s, "GET", "/users/"+id, nil); st != 404 || errCode(body) != "Request_ResourceNotFound" {
		t.Errorf("first read: %d %v, want 404", st, body)
	}
	ref := map[string]any{"@odata.id": s.BaseURL() + "/directoryObjects/" + id}
	st, _, body := call(t, s, "POST", "/groups/"+g+"/members/$ref", ref)
	if msg, _ := body["error"].(map[string]any)["message"].(string); st != 400 || !strings.Contains(msg, "do not exist") {
		t.Errorf("early member add: %d %v, want 400 … do not exist", st, body)
	}
	if st, _, body := call(t, s, "GET", "/users", nil); st != 200 || len(body["value"].([]any)) != 1 {
		t.Errorf("unfiltered list: %d %v, want the new user", st, body)
	}
	if st, _, body := call(t, s, "POST", "/users", newUser(1)); st != 400 || !strings.Contains(body["error"].(map[string]any)["message"].(string), "already exists") {
		t.Errorf("second create with the same UPN: %d %v, want 400 already exists", st, body)
	}
	if st, _, _ := call(t, s, "GET", "/users/"+id, nil); st != 200 {
		t.Errorf("read after the lag: %d, want 200", st)
	}
	if st, _, body := call(t, s, "POST", "/groups/"+g+"/members/$ref", ref); st != 204 {
		t.Errorf("member add after the lag: %d %v", st, body)
	}
	if n := s.Counts().LagMisses; n != 2 {
		t.Errorf("LagMisses = %d, want 2", n)
	}
}

// TestBatchReorderedAndFailedEnvelope: ReorderBatch answers items in
// reverse order; BatchFailedDependency fails the whole envelope with 424
// and Retry-After; BatchThrottledItems answers one item 429 and the rest
// 424; in both cases none of the items runs.
func TestBatchReorderedAndFailedEnvelope(t *testing.T) {
	s := graphfake.New(graphfake.Options{ReorderBatch: true, RetryAfter: 3})
	defer s.Close()
	reqs := []map[string]any{
		{"id": "1", "method": "POST", "url": "/users", "body": newUser(1)},
		{"id": "2", "method": "POST", "url": "/users", "body": newUser(2)},
		{"id": "3", "method": "POST", "url": "/users", "body": newUser(3)},
	}
	_, _, body := call(t, s, "POST", "/$batch", map[string]any{"requests": reqs})
	var ids []string
	for _, r := range body["responses"].([]any) {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	if strings.Join(ids, ",") != "3,2,1" {
		t.Errorf("answer order %v, want 3,2,1", ids)
	}
	s.SetFaults(graphfake.Faults{BatchFailedDependency: 1})
	for i := range reqs {
		reqs[i]["body"] = newUser(10 + i)
	}
	st, hdr, body := call(t, s, "POST", "/$batch", map[string]any{"requests": reqs})
	if st != 424 || hdr.Get("Retry-After") != "3" {
		t.Errorf("envelope: %d Retry-After %q %v, want 424 with Retry-After 3", st, hdr.Get("Retry-After"), body)
	}
	s.SetFaults(graphfake.Faults{BatchThrottledItems: 1})
	_, _, body = call(t, s, "POST", "/$batch", map[string]any{"requests": reqs})
	got := map[float64]int{}
	for _, r := range body["responses"].([]any) {
		m := r.(map[string]any)
		got[m["status"].(float64)]++
		if h, _ := m["headers"].(map[string]any); m["status"].(float64) == 424 && h["Retry-After"] != nil {
			t.Errorf("a 424 item carries its own Retry-After: %v", m)
		}
	}
	if got[429] != 1 || got[424] != 2 {
		t.Errorf("item statuses %v, want one 429 and two 424", got)
	}
	if n := len(s.Objects("user")); n != 3 {
		t.Errorf("%d users, want the 3 of the first batch only", n)
	}
}

// TestValuesRefused: Graph's character set for the userPrincipalName's
// local part, mailNickname's characters and length, and the length limits
// of employeeId and companyName.
func TestValuesRefused(t *testing.T) {
	s := graphfake.New(graphfake.Options{})
	defer s.Close()
	cases := []struct {
		name, prop string
		val        any
		ok         bool
	}{
		{"upn allowed punctuation", "userPrincipalName", "a.b-c_d!e#f^g~h'i@skole.test", true},
		{"upn letter outside ASCII", "userPrincipalName", "søren@skole.test", false},
		{"upn space", "userPrincipalName", "a b@skole.test", false},
		{"nickname 64", "mailNickname", strings.Repeat("n", 64), true},
		{"nickname 65", "mailNickname", strings.Repeat("n", 65), false},
		{"nickname bracket", "mailNickname", "a[b]", false},
		{"employeeId 16", "employeeId", strings.Repeat("1", 16), true},
		{"employeeId 17", "employeeId", strings.Repeat("1", 17), false},
		{"companyName 65", "companyName", strings.Repeat("c", 65), false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := newUser(100 + i)
			u[c.prop] = c.val
			st, _, body := call(t, s, "POST", "/users", u)
			if c.ok != (st == 201) {
				t.Fatalf("status %d %v, want ok=%v", st, body, c.ok)
			}
			if !c.ok && !strings.Contains(body["error"].(map[string]any)["message"].(string), c.prop) {
				t.Errorf("message does not name %s: %v", c.prop, body)
			}
		})
	}
}

// TestCreateGroupInUnit: POST /directory/administrativeUnits/{id}/members
// with a group body creates the group inside the unit in one request; a
// user body, or one without @odata.type, is refused (only groups are
// created there); without the role scoped on the unit (NoUnitRole) it
// answers 403 and creates nothing; with Options.Permissions it needs a
// group permission and the unit's read permission together.
func TestCreateGroupInUnit(t *testing.T) {
	group := map[string]any{"@odata.type": "#microsoft.graph.group", "displayName": "7A", "mailNickname": "7a",
		"mailEnabled": false, "securityEnabled": true, "groupTypes": []string{}}
	newUnit := func(t *testing.T, s *graphfake.Server) string {
		t.Helper()
		st, _, body := call(t, s, "POST", "/directory/administrativeUnits", map[string]any{"displayName": "school"})
		if st != 201 {
			t.Fatalf("create unit: %d %v", st, body)
		}
		return body["id"].(string)
	}
	t.Run("group", func(t *testing.T) {
		s := graphfake.New(graphfake.Options{})
		defer s.Close()
		au := newUnit(t, s)
		st, _, body := call(t, s, "POST", "/directory/administrativeUnits/"+au+"/members", group)
		if st != 201 {
			t.Fatalf("create group in unit: %d %v", st, body)
		}
		id, _ := body["id"].(string)
		g, ok := s.Get(id)
		if !ok || g.Type != "group" || g.Str("displayName") != "7A" {
			t.Fatalf("created %+v, want group 7A", g)
		}
		if u, _ := s.Get(au); len(u.Members) != 1 || u.Members[0] != id {
			t.Errorf("unit members %v, want [%s]", u.Members, id)
		}
	})
	t.Run("not a group", func(t *testing.T) {
		s := graphfake.New(graphfake.Options{})
		defer s.Close()
		au := newUnit(t, s)
		user := newUser(1)
		user["@odata.type"] = "#microsoft.graph.user"
		noType := map[string]any{"displayName": "7A", "mailNickname": "7a", "mailEnabled": false, "securityEnabled": true}
		for name, body := range map[string]map[string]any{"user": user, "no type": noType} {
			if st, _, resp := call(t, s, "POST", "/directory/administrativeUnits/"+au+"/members", body); st != 400 {
				t.Errorf("%s: %d %v, want 400", name, st, resp)
			}
		}
		if n := len(s.Objects("user")) + len(s.Objects("group")); n != 0 {
			t.Errorf("%d objects created, want none", n)
		}
	})
	t.Run("no role on the unit", func(t *testing.T) {
		s := graphfake.New(graphfake.Options{NoUnitRole: true})
		defer s.Close()
		au := newUnit(t, s)
		st, _, body := call(t, s, "POST", "/directory/administrativeUnits/"+au+"/members", group)
		if st != 403 || errCode(body) != "Authorization_RequestDenied" {
			t.Errorf("%d %v, want 403 Authorization_RequestDenied", st, body)
		}
		if n := len(s.Objects("group")); n != 0 {
			t.Errorf("%d groups created, want none", n)
		}
	})
	t.Run("permissions", func(t *testing.T) {
		for _, tc := range []struct {
			granted []string
			status  int
		}{
			{[]string{"AdministrativeUnit.ReadWrite.All", "Group.ReadWrite.All"}, 201},
			{[]string{"AdministrativeUnit.Read.All", "Group.Create"}, 201},
			{[]string{"AdministrativeUnit.ReadWrite.All"}, 403},
			{[]string{"Group.ReadWrite.All"}, 403},
		} {
			s := graphfake.New(graphfake.Options{Permissions: tc.granted})
			au := s.Seed("administrativeUnit", map[string]any{"displayName": "school"})
			if st, _, body := call(t, s, "POST", "/directory/administrativeUnits/"+au+"/members", group); st != tc.status {
				t.Errorf("granted %v: %d %v, want %d", tc.granted, st, body, tc.status)
			}
			s.Close()
		}
	})
}

package graphfake_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra/graphfake"
)

// call sends a request and decodes the JSON answer; hdr are header name
// and value pairs.
func call(t *testing.T, s *graphfake.Server, method, url string, body any, hdr ...string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	if !strings.HasPrefix(url, "http") {
		url = s.BaseURL() + url
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, url, b)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func newUser(n int) map[string]any {
	return map[string]any{
		"accountEnabled": true, "displayName": fmt.Sprintf("User %d", n), "mailNickname": fmt.Sprintf("u%d", n),
		"userPrincipalName": fmt.Sprintf("u%d@skole.test", n),
		"passwordProfile":   map[string]any{"password": "Secret-123", "forceChangePasswordNextSignIn": true},
	}
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestUsersCreateValidateAndPage(t *testing.T) {
	s := graphfake.New(graphfake.Options{Domains: []string{"skole.test"}, PageSize: 3,
		ExtensionProperties: []string{"extension_abc_key"}})
	defer s.Close()
	for i := range 7 {
		u := newUser(i)
		u["extension_abc_key"] = fmt.Sprintf("user/%d", i)
		u["companyName"] = "orgsync"
		if st, _, body := call(t, s, "POST", "/users", u); st != 201 {
			t.Fatalf("create: %d %v", st, body)
		}
	}
	cases := []struct {
		name string
		body map[string]any
		code string
	}{
		{"duplicate upn", newUser(1), "Request_BadRequest"},
		{"foreign domain", map[string]any{"accountEnabled": true, "displayName": "x", "mailNickname": "x", "userPrincipalName": "x@other.test",
			"passwordProfile": map[string]any{"password": "p"}}, "Request_BadRequest"},
		{"no password", map[string]any{"accountEnabled": true, "displayName": "x", "mailNickname": "x", "userPrincipalName": "y@skole.test"}, "Request_BadRequest"},
		{"unregistered extension", func() map[string]any { u := newUser(99); u["extension_abc_nope"] = "x"; return u }(), "Request_BadRequest"},
		{"unknown property", func() map[string]any { u := newUser(98); u["favouriteColour"] = "red"; return u }(), "Request_BadRequest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, body := call(t, s, "POST", "/users", c.body)
			if st != 400 || errCode(body) != c.code {
				t.Errorf("status %d code %q, want 400 %s (%v)", st, errCode(body), c.code, body)
			}
			if msg, _ := body["error"].(map[string]any)["message"].(string); msg == "" {
				t.Error("error without a message")
			}
		})
	}
	// paging with absolute next links, $filter and $select
	url := "/users?$count=true&$filter=" + strings.ReplaceAll("companyName eq 'orgsync'", " ", "%20") + "&$select=id,extension_abc_key"
	var keys []string
	for url != "" {
		st, _, body := call(t, s, "GET", url, nil, "ConsistencyLevel", "eventual")
		if st != 200 {
			t.Fatalf("list: %d %v", st, body)
		}
		for _, v := range body["value"].([]any) {
			keys = append(keys, v.(map[string]any)["extension_abc_key"].(string))
		}
		url, _ = body["@odata.nextLink"].(string)
		if url != "" && !strings.HasPrefix(url, s.URL) {
			t.Fatalf("next link %q is not absolute", url)
		}
	}
	if len(keys) != 7 {
		t.Errorf("paged through %d users, want 7: %v", len(keys), keys)
	}
	// without $select, extensions are not returned
	_, _, body := call(t, s, "GET", "/users/u1@skole.test", nil)
	if _, ok := body["extension_abc_key"]; ok || body["userPrincipalName"] != "u1@skole.test" {
		t.Errorf("default projection: %v", body)
	}
}

func TestBatchItemsDependsOnAndLimits(t *testing.T) {
	s := graphfake.New(graphfake.Options{})
	defer s.Close()
	reqs := []map[string]any{
		{"id": "1", "method": "POST", "url": "/users", "body": newUser(1), "headers": map[string]string{"Content-Type": "application/json"}},
		{"id": "2", "method": "POST", "url": "/users", "body": newUser(1)}, // duplicate
		{"id": "3", "method": "GET", "url": "/users/u1@skole.test", "dependsOn": []string{"2"}},
		{"id": "4", "method": "GET", "url": "/users/u1@skole.test?$select=displayName", "dependsOn": []string{"1"}},
	}
	st, _, body := call(t, s, "POST", "/$batch", map[string]any{"requests": reqs})
	if st != 200 {
		t.Fatalf("batch: %d %v", st, body)
	}
	got := map[string]float64{}
	for _, r := range body["responses"].([]any) {
		m := r.(map[string]any)
		got[m["id"].(string)] = m["status"].(float64)
	}
	want := map[string]float64{"1": 201, "2": 400, "3": 424, "4": 200}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("item %s: status %v, want %v", id, got[id], w)
		}
	}
	var many []map[string]any
	for i := range 21 {
		many = append(many, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/users"})
	}
	if st, _, body := call(t, s, "POST", "/$batch", map[string]any{"requests": many}); st != 400 || errCode(body) == "" {
		t.Errorf("21 requests: %d %v, want 400 with an error code", st, body)
	}
}

func TestItemThrottleInsideOKEnvelope(t *testing.T) {
	s := graphfake.New(graphfake.Options{Faults: graphfake.Faults{ItemThrottle: 1}})
	defer s.Close()
	st, _, body := call(t, s, "POST", "/$batch", map[string]any{"requests": []map[string]any{
		{"id": "a", "method": "POST", "url": "/users", "body": newUser(1)}}})
	if st != 200 {
		t.Fatalf("envelope: %d", st)
	}
	item := body["responses"].([]any)[0].(map[string]any)
	hdr := item["headers"].(map[string]any)
	if item["status"].(float64) != 429 || hdr["Retry-After"] != "0" {
		t.Errorf("item: %v", item)
	}
	if n := len(s.Objects("user")); n != 0 {
		t.Errorf("a throttled item created %d users", n)
	}
}

func TestLostResponseTakesEffect(t *testing.T) {
	s := graphfake.New(graphfake.Options{Faults: graphfake.Faults{ItemLostResponse: 1}})
	defer s.Close()
	_, _, body := call(t, s, "POST", "/$batch", map[string]any{"requests": []map[string]any{
		{"id": "a", "method": "POST", "url": "/users", "body": newUser(1)}}})
	if st := body["responses"].([]any)[0].(map[string]any)["status"].(float64); st != 504 {
		t.Errorf("status %v, want 504", st)
	}
	if n := len(s.Objects("user")); n != 1 {
		t.Errorf("%d users, want the write to have taken effect", n)
	}
}

func TestFaultsAreReproducible(t *testing.T) {
	pattern := func() string {
		s := graphfake.New(graphfake.Options{Seed: 42, Faults: graphfake.Faults{Throttle: 0.3, Unavailable: 0.1}})
		defer s.Close()
		var b strings.Builder
		for i := range 40 {
			st, hdr, _ := call(t, s, "GET", fmt.Sprintf("/users?$top=%d", i%5+1), nil)
			if st == 429 && hdr.Get("Retry-After") != "0" {
				t.Errorf("429 without Retry-After: 0")
			}
			fmt.Fprintf(&b, "%d ", st)
		}
		return b.String()
	}
	a, b := pattern(), pattern()
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "429") || !strings.Contains(a, "200") {
		t.Errorf("fault pattern %s has no mix", a)
	}
}

func TestDroppedConnection(t *testing.T) {
	s := graphfake.New(graphfake.Options{Faults: graphfake.Faults{Drop: 1}})
	defer s.Close()
	resp, err := s.Client().Get(s.BaseURL() + "/users")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a dropped connection answered")
	}
}

func TestGroupsMembersAndTeams(t *testing.T) {
	s := graphfake.New(graphfake.Options{YoungGroupAttempts: 2})
	defer s.Close()
	_, _, u := call(t, s, "POST", "/users", newUser(1))
	_, _, u2 := call(t, s, "POST", "/users", newUser(2))
	uid, uid2 := u["id"].(string), u2["id"].(string)
	ref := func(id string) string { return "https://graph.microsoft.com/v1.0/directoryObjects/" + id }
	st, _, g := call(t, s, "POST", "/groups", map[string]any{"displayName": "7A", "mailNickname": "7a", "mailEnabled": true,
		"securityEnabled": true, "groupTypes": []string{"Unified"}, "owners@odata.bind": []string{ref(uid)}, "members@odata.bind": []string{ref(uid)}})
	if st != 201 {
		t.Fatalf("create group: %d %v", st, g)
	}
	gid := g["id"].(string)
	if st, _, b := call(t, s, "POST", "/groups/"+gid+"/members/$ref", map[string]any{"@odata.id": ref(uid)}); st != 400 || !strings.Contains(fmt.Sprint(b), "already exist") {
		t.Errorf("re-adding a member: %d %v", st, b)
	}
	if st, _, b := call(t, s, "PATCH", "/groups/"+gid, map[string]any{"members@odata.bind": []string{ref(uid2)}}); st != 204 {
		t.Errorf("bulk add: %d %v", st, b)
	}
	if got, _ := s.Get(gid); len(got.Members) != 2 || len(got.Owners) != 1 {
		t.Errorf("members %v owners %v", got.Members, got.Owners)
	}
	for i, want := range []int{404, 404, 201, 409} {
		if st, _, b := call(t, s, "PUT", "/groups/"+gid+"/team", map[string]any{}); st != want {
			t.Errorf("team attempt %d: %d %v, want %d", i+1, st, b, want)
		}
	}
	if st, _, _ := call(t, s, "DELETE", "/groups/"+gid+"/members/"+uid2+"/$ref", nil); st != 204 {
		t.Errorf("remove member: %d", st)
	}
	if st, _, _ := call(t, s, "DELETE", "/groups/"+gid+"/members/"+uid2+"/$ref", nil); st != 404 {
		t.Errorf("remove a non-member: %d, want 404", st)
	}
	_, _, sec := call(t, s, "POST", "/groups", map[string]any{"displayName": "S", "mailNickname": "s", "mailEnabled": true, "securityEnabled": true})
	if errCode(sec) == "" {
		t.Errorf("a mail-enabled security group was created: %v", sec)
	}
}

func TestDeltaRounds(t *testing.T) {
	s := graphfake.New(graphfake.Options{PageSize: 2})
	defer s.Close()
	var ids []string
	for i := range 3 {
		_, _, u := call(t, s, "POST", "/users", newUser(i))
		ids = append(ids, u["id"].(string))
	}
	round := func(url string) ([]map[string]any, string) {
		var items []map[string]any
		for {
			st, _, body := call(t, s, "GET", url, nil)
			if st != 200 {
				t.Fatalf("delta: %d %v", st, body)
			}
			for _, v := range body["value"].([]any) {
				items = append(items, v.(map[string]any))
			}
			if next, ok := body["@odata.nextLink"].(string); ok {
				url = next
				continue
			}
			return items, body["@odata.deltaLink"].(string)
		}
	}
	items, link := round("/users/delta()?$select=displayName,givenName")
	if len(items) != 3 || link == "" {
		t.Fatalf("initial round: %d items, link %q", len(items), link)
	}
	call(t, s, "PATCH", "/users/"+ids[0], map[string]any{"givenName": "Ny"})
	call(t, s, "DELETE", "/users/"+ids[1], nil)
	items, link2 := round(link)
	if len(items) != 2 || items[0]["givenName"] != "Ny" || items[0]["displayName"] != nil {
		t.Errorf("incremental round: %v (want only the changed givenName, and a removal)", items)
	}
	if _, ok := items[1]["@removed"]; !ok {
		t.Errorf("deleted user without @removed: %v", items[1])
	}
	if items, _ := round(link2); len(items) != 0 {
		t.Errorf("nothing changed, got %v", items)
	}
	s.ExpireDeltaTokens()
	st, _, body := call(t, s, "GET", link2, nil)
	if st != 400 || errCode(body) != "syncStateNotFound" {
		t.Errorf("expired token: %d %v", st, body)
	}
}

func TestGzipBody(t *testing.T) {
	s := graphfake.New(graphfake.Options{})
	defer s.Close()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	json.NewEncoder(zw).Encode(newUser(1))
	zw.Close()
	req, _ := http.NewRequest("POST", s.BaseURL()+"/users", &buf)
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Errorf("gzip body: %d", resp.StatusCode)
	}
	if c := s.Counts(); c.Requests != 1 || c.ByRoute["POST /users"] != 1 || c.Writes["POST /users"] != 1 {
		t.Errorf("counts %+v", c)
	}
}

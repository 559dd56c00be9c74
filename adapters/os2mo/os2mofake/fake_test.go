package os2mofake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, srv *httptest.Server, tok, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+GraphQLPath, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, out
}

func token(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	res, err := srv.Client().PostForm(srv.URL+TokenPath, url.Values{"grant_type": {"client_credentials"}, "client_id": {"a"}, "client_secret": {"b"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	if tok.AccessToken == "" {
		t.Fatalf("no token: HTTP %d", res.StatusCode)
	}
	return tok.AccessToken
}

func TestFake(t *testing.T) {
	s := New("a", "b")
	s.Now = func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	s.Put("org_units", Object{UUID: "u1", Validities: []map[string]any{{"user_key": "A", "name": "Past", "validity": Validity("2020-01-01", "2021-01-01")}}})
	s.Put("org_units", Object{UUID: "u2", Validities: []map[string]any{{"user_key": "B", "name": "Now", "validity": Validity("2020-01-01", "")}}})
	s.Put("org_units", Object{UUID: "u3", Validities: []map[string]any{{"user_key": "C", "name": "Future", "validity": Validity("2027-01-01", "")}}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	tok := token(t, srv)

	names := func(out map[string]any) []string {
		var n []string
		for _, o := range out["data"].(map[string]any)["org_units"].(map[string]any)["objects"].([]any) {
			for _, v := range o.(map[string]any)["validities"].([]any) {
				n = append(n, v.(map[string]any)["name"].(string))
			}
		}
		return n
	}
	for _, tc := range []struct{ name, filter, want string }{
		{"absent dates mean now", `{}`, "Now"},
		{"null to_date is open-ended", `{"to_date": null}`, "Now Future"},
		{"null both is everything", `{"from_date": null, "to_date": null}`, "Past Now Future"},
	} {
		q := `{"query":"query Q($f: OrganisationUnitFilter) { org_units(filter: $f) { objects { uuid validities { name } } } }","variables":{"f":` + tc.filter + `}}`
		code, out := post(t, srv, tok, q)
		if got := strings.Join(names(out), " "); code != 200 || got != tc.want {
			t.Errorf("%s: HTTP %d, %q, want %q (%v)", tc.name, code, got, tc.want, out)
		}
	}

	// Paging: two pages of one, then no cursor.
	q := `{"query":"query Q($c: Cursor) { org_units(filter: {from_date: null, to_date: null}, limit: 2, cursor: $c) { page_info { next_cursor } objects { uuid } } }","variables":{"c":%s}}`
	_, out := post(t, srv, tok, strings.Replace(q, "%s", "null", 1))
	next := out["data"].(map[string]any)["org_units"].(map[string]any)["page_info"].(map[string]any)["next_cursor"]
	_, out = post(t, srv, tok, strings.Replace(q, "%s", `"`+next.(string)+`"`, 1))
	page := out["data"].(map[string]any)["org_units"].(map[string]any)
	if page["page_info"].(map[string]any)["next_cursor"] != nil || len(page["objects"].([]any)) != 1 {
		t.Errorf("second page = %v", page)
	}

	// Errors come in GraphQL's format, with locations.
	_, out = post(t, srv, tok, `{"query":"{ org_units { objects { nope } } }"}`)
	errs, _ := out["errors"].([]any)
	if len(errs) != 1 || out["data"] != nil || errs[0].(map[string]any)["locations"] == nil {
		t.Errorf("validation error = %v", out)
	}
	_, out = post(t, srv, tok, strings.Replace(q, "%s", `"bogus"`, 1))
	if errs, _ := out["errors"].([]any); len(errs) != 1 {
		t.Errorf("bad cursor = %v", out)
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(10))
	f.Add("bogus")
	f.Fuzz(func(t *testing.T, c string) {
		if n, ok := decodeCursor(c); ok && (n < 0 || encodeCursor(n) == "") {
			t.Errorf("decodeCursor(%q) = %d", c, n)
		}
	})
}

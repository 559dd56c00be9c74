package claims_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
	"github.com/orgsync/orgsync/rolemodel/claims"
)

var jan1 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func source(t *testing.T) claims.Model {
	t.Helper()
	c := rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "opus"}, {ID: "aula"}},
		Rights: []rolemodel.Right{
			{ID: "opus-anvis", System: "opus", Classification: "Økonomi"},
			{ID: "aula-post", System: "aula", Classification: "Skole"},
		},
		Roles: []rolemodel.Role{
			{ID: "anviser", Classifications: []rolemodel.Classification{"Økonomi"}, Rights: []string{"opus-anvis"}},
			{ID: "personale", Classifications: []rolemodel.Classification{"Skole"}, Rights: []string{"aula-post"}},
		},
		Delegations: []rolemodel.Delegation{{User: "admin", Role: "anviser"}, {User: "admin", Role: "personale"}},
		Assignments: []rolemodel.Assignment{
			{ID: "a1", User: "p1", Roles: []string{"anviser"}, AssignedBy: "admin", Restrictions: []rolemodel.Restriction{{Kind: rolemodel.RestrictUnit, Value: "u1"}, {Kind: rolemodel.RestrictUnit, Value: "u2"}}},
			{ID: "a2", User: "p1", Roles: []string{"personale"}, AssignedBy: "admin", Valid: orgmodel.Period{To: jan1.AddDate(0, 6, 0)}},
		},
	}
	m, err := rolemodel.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	return claims.Model{Model: m}
}

func TestJSON(t *testing.T) {
	h := &claims.Handler{Source: source(t), Now: func() time.Time { return jan1 }}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/claims?user=p1", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"user": "p1", "personId": "p1", "validAt": "2025-01-01T00:00:00Z",
		"systems": []any{
			map[string]any{"system": "aula", "roles": []any{map[string]any{"id": "personale"}}, "rights": []any{map[string]any{"id": "aula-post"}}},
			map[string]any{"system": "opus",
				"roles":  []any{map[string]any{"id": "anviser", "restrictions": []any{"unit=u1", "unit=u2"}}},
				"rights": []any{map[string]any{"id": "opus-anvis", "restrictions": []any{"unit=u1", "unit=u2"}}}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}

func TestSAML(t *testing.T) {
	h := &claims.Handler{Source: source(t), Now: func() time.Time { return jan1 }}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/claims?user=p1&format=saml&at=2025-08-01", nil))
	want := `<saml:AttributeStatement xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <saml:Attribute Name="urn:orgsync:roles:opus" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
    <saml:AttributeValue xsi:type="xs:string">anviser:unit=u1</saml:AttributeValue>
    <saml:AttributeValue xsi:type="xs:string">anviser:unit=u2</saml:AttributeValue>
  </saml:Attribute>
</saml:AttributeStatement>`
	if diff := cmp.Diff(want, rec.Body.String()); diff != "" {
		t.Errorf("SAML at 2025-08-01, after personale ended (-want +got):\n%s", diff)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/samlassertion+xml" {
		t.Errorf("content type %q", ct)
	}
}

func TestHandlerErrors(t *testing.T) {
	h := &claims.Handler{Source: source(t)}
	for url, code := range map[string]int{
		"/claims":                          http.StatusBadRequest,
		"/claims?user=p1&at=soon":          http.StatusBadRequest,
		"/claims?user=p1&format=csv":       http.StatusBadRequest,
		"/claims?user=nobody&at=2025-01-1": http.StatusBadRequest,
		"/claims?user=nobody":              http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		if rec.Code != code {
			t.Errorf("%s: status %d, want %d (%s)", url, rec.Code, code, strings.TrimSpace(rec.Body.String()))
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/claims?user=p1", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", rec.Code)
	}
}

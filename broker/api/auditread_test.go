package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/anomaly"
	"github.com/orgsync/orgsync/broker/api"
)

const (
	privacyToken = "privacy-token"
	schoolTok    = "school-token"
)

// auditLogServer is the test API writing to a real log file, whose review
// role is the privacy officer's.
func auditLogServer(t *testing.T) (*env, *api.Server, string) {
	t.Helper()
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink, err := auditlog.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	lg := auditlog.New(sink, auditlog.Options{ReviewRoles: []string{string(api.PrivacyOfficer)}, Clock: e.clk.Now})
	srv := api.New(api.Server{Broker: e.b, Sources: e.src, Log: quiet, Clock: e.clk.Now, Audit: lg,
		AuditAccess: &api.AuditAccess{Log: lg, Open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) }},
		Auth: api.Tokens{
			adminToken:   {ID: "admin@kommune.dk", Kind: "person", Role: api.MunicipalAdmin},
			privacyToken: {ID: "dpo@kommune.dk", Kind: "person", Role: api.PrivacyOfficer},
			schoolTok:    {ID: "leder@skole.dk", Kind: "person", Role: api.SchoolAdmin, Institutions: []string{e.inst}},
		}})
	return e, srv, path
}

func get(t *testing.T, h http.Handler, path, token string) (int, string, string) {
	t.Helper()
	req := newReq(t, path, "class list")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := serve(h, req)
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
}

// TestAuditRoutes: the privacy officer reads the trail and the anomaly
// report (JSON and CSV); the municipal administrator, not a review role
// here, and a school administrator are refused; every attempt is in the
// log.
func TestAuditRoutes(t *testing.T) {
	e, srv, path := auditLogServer(t)
	persons := "/api/v1/institutions/" + e.inst + "/persons"
	if code, _, body := get(t, srv, persons, adminToken); code != http.StatusOK {
		t.Fatalf("class list: %d %s", code, body)
	}
	for _, tok := range []string{adminToken, schoolTok} {
		for _, p := range []string{"/api/v1/audit/trail", "/api/v1/audit/anomalies"} {
			if code, _, body := get(t, srv, p, tok); code != http.StatusForbidden || strings.Contains(body, "lookup") {
				t.Errorf("%s as %s: %d %s, want 403", p, tok, code, body)
			}
		}
	}
	code, _, body := get(t, srv, "/api/v1/audit/trail?limit=1000", privacyToken)
	if code != http.StatusOK {
		t.Fatalf("trail: %d %s", code, body)
	}
	var trail []map[string]any
	if err := json.Unmarshal([]byte(body), &trail); err != nil {
		t.Fatal(err)
	}
	var lookups, denied, granted int
	for _, r := range trail {
		switch r["type"] {
		case auditlog.TypeLookup:
			lookups++
			if r["actor"] != "admin@kommune.dk" || r["purpose"] != "class list" {
				t.Errorf("look-up %v", r)
			}
		case auditlog.TypeAccess:
			if r["denied"] == true {
				denied++
			} else {
				granted++
			}
		}
	}
	if lookups != 1 || denied != 4 || granted != 1 {
		t.Errorf("trail: %d look-ups, %d refused and %d granted accesses; want 1, 4, 1:\n%s", lookups, denied, granted, body)
	}
	if code, _, body := get(t, srv, "/api/v1/audit/trail?limit=1&actor=admin@kommune.dk", privacyToken); code != http.StatusOK || strings.Count(body, `"seq"`) != 1 {
		t.Errorf("trail of one actor, limit 1: %d %s", code, body)
	}
	for _, bad := range []string{"/api/v1/audit/trail?limit=0", "/api/v1/audit/trail?limit=x", "/api/v1/audit/anomalies?format=pdf", "/api/v1/audit/anomalies?period=2026"} {
		if code, _, body := get(t, srv, bad, privacyToken); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
	code, ctype, body := get(t, srv, "/api/v1/audit/anomalies", privacyToken)
	var rep anomaly.Report
	if code != http.StatusOK || !strings.HasPrefix(ctype, "application/json") || json.Unmarshal([]byte(body), &rep) != nil || rep.Events != 1 || rep.Actors != 1 {
		t.Errorf("report: %d %s %+v\n%s", code, ctype, rep, body)
	}
	code, ctype, body = get(t, srv, "/api/v1/audit/anomalies?format=csv&period="+e.clk.Now().UTC().Format("2006-01"), privacyToken)
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/csv") || !strings.HasPrefix(body, "kind,") {
		t.Errorf("csv report: %d %s %q", code, ctype, body)
	}
	// The file verifies, and holds every access.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// 4 refused, 2 trails, 2 reports; malformed requests are refused
	// before the log is asked.
	if n := bytes.Count(raw, []byte(`"type":"access"`)); n != 8 {
		t.Errorf("%d access records in the file, want 8", n)
	}
	if _, err := auditlog.Verify(bytes.NewReader(raw), auditlog.VerifyOptions{}); err != nil {
		t.Errorf("verify: %v", err)
	}
}

// TestAuditRoutesUnconfigured: without a log the routes answer 404.
func TestAuditRoutesUnconfigured(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/api/v1/audit/trail", "/api/v1/audit/anomalies"} {
		if code, _ := e.do(t, "GET", p, adminToken, "", ""); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
}

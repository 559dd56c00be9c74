package ui

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/audittest"
	"github.com/orgsync/orgsync/broker/api"
)

// uiExempt lists the UI's routes that show no personal data, each with
// the reason.
var uiExempt = map[string]string{
	"GET /ui/{$}":                                     "the home page: links by role, no persons",
	"POST /ui/logout":                                 "ends the session",
	"POST /ui/lang":                                   "sets the language",
	"GET /ui/clients":                                 "client names and run statuses (counts)",
	"POST /ui/clients/{client}/pause":                 "an action: redirects",
	"POST /ui/clients/{client}/resume":                "an action: redirects",
	"POST /ui/clients/{client}/run":                   "an action: redirects",
	"POST /ui/clients/{client}/dry-run":               "an action: redirects to the pending page (recorded there)",
	"GET /ui/clients/{client}/runs":                   "a client's run history: counts and outcomes, for the municipal roles (error texts as on the clients page)",
	"POST /ui/approvals/{id}/approve":                 "an action: redirects",
	"GET /ui/institutions":                            "institutions, head counts and locks, no persons",
	"POST /ui/locks/{institution}/release":            "an action: redirects",
	"POST /ui/primary":                                "an action: redirects; a refused form shows the list again, recorded (TestKeepAliveForms)",
	"POST /ui/primary/clear":                          "an action: redirects; a refused form shows the list again, recorded (TestKeepAliveForms)",
	"POST /ui/keepalive":                              "an action: redirects; a refused form shows the list again, recorded (TestKeepAliveForms)",
	"POST /ui/keepalive/remove":                       "an action: redirects; a refused form shows the list again, recorded (TestKeepAliveForms)",
	"GET /ui/classes":                                 "the index of classes in scope: class names, no persons",
	"POST /ui/classes/{institution}/{group}/password": "sets a password: shows no data beyond the page the teacher came from (recorded there)",
	"GET /ui/audit":                                   "reading the log itself: recorded as an access by auditlog.Log.Authorize (TestAnomalyPage)",
	"POST /ui/children/password":                      "sets a password: shows no data beyond the page the parent came from (recorded there)",
}

// auditEnv is the test UI writing look-ups to mem through AuditRecorder,
// with the search purposes chosen from the log's list.
func auditEnv(t *testing.T, mem *auditlog.Memory) *env {
	e, _ := auditEnvRoles(t, mem, []string{string(api.PrivacyOfficer), string(api.MunicipalAdmin)})
	return e
}

// auditEnvRoles is auditEnv with a real log file (returned) whose review
// roles are review, for the anomaly report.
func auditEnvRoles(t *testing.T, mem *auditlog.Memory, review []string) (*env, string) {
	t.Helper()
	e := newEnv(t)
	access, path := newAuditAccess(t, e.clk.Now, review)
	var demo []DemoUser
	for r, p := range e.users {
		demo = append(demo, DemoUser{Label: string(r), Principal: p})
	}
	var err error
	e.srv, err = New(Server{Broker: e.b, Recorder: AuditRecorder{Log: mem}, Log: quiet, Clock: e.clk.Now, Insecure: true, Demo: demo,
		Purposes: auditlog.DefaultPurposes,
		Audit:    access})
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e, path
}

// TestEveryPageRecordsLookups walks the UI's route table as a municipal
// administrator and as a parent (between them they may open every page):
// every page that shows personal data writes a look-up record to the
// accountability log.
func TestEveryPageRecordsLookups(t *testing.T) {
	mem := &auditlog.Memory{Purposes: append(slices.Clone(auditlog.DefaultPurposes), PagePurposes...)}
	e := auditEnv(t, mem)
	covered := map[string]bool{}
	for _, role := range []api.Role{api.MunicipalAdmin, api.Parent} {
		p := e.users[role]
		br := e.login(t, role)
		u, _ := url.Parse(e.ts.URL + "/ui/")
		cookies := br.c.Jar.Cookies(u)
		var routes []audittest.Route
		exempt := map[string]string{}
		for _, rt := range e.srv.Routes() {
			key := rt.Method + " " + rt.Path
			if !rt.Allow(&p) {
				continue
			}
			covered[key] = true
			path := strings.NewReplacer("{client}", "mem", "{id}", "1", "{institution}", e.inst, "{group}", e.class, "{$}", "").Replace(rt.Path)
			if rt.Path == "/ui/search" {
				path += "?q=" + url.QueryEscape(e.snapName()) + "&purpose=" + url.QueryEscape("support case")
			}
			routes = append(routes, audittest.Route{Method: rt.Method, Pattern: rt.Path, Path: path})
			if why, ok := uiExempt[key]; ok {
				exempt[key] = why
			}
		}
		t.Run(string(role), func(t *testing.T) {
			audittest.CheckRoutes(t, e.srv, routes, exempt, mem, func(r *http.Request) {
				for _, c := range cookies {
					r.AddCookie(c)
				}
			})
		})
	}
	for _, rt := range e.srv.Routes() {
		if key := rt.Method + " " + rt.Path; !covered[key] {
			t.Errorf("%s: not walked (no role of the check may open it)", key)
		}
	}
	for key := range uiExempt {
		if !covered[key] {
			t.Errorf("%s: exempt but not in the route table", key)
		}
	}
}

// TestSearchPurposeFromList: with the log's purpose list, a search with
// another purpose is refused and nothing recorded; a listed one is
// recorded in the log's form.
func TestSearchPurposeFromList(t *testing.T) {
	mem := &auditlog.Memory{}
	e := auditEnv(t, mem)
	per, _ := e.snap.Person(e.child)
	br := e.login(t, api.SchoolAdmin)
	code, body := br.get("/ui/search?q=" + url.QueryEscape(per.GivenName) + "&purpose=" + url.QueryEscape("curiosity"))
	if code != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "<select") {
		t.Fatalf("unlisted purpose: %d", code)
	}
	if n := len(mem.Lookups()); n != 0 {
		t.Fatalf("refused search recorded (%d)", n)
	}
	code, _ = br.get("/ui/search?q=" + url.QueryEscape(per.GivenName) + "&purpose=" + url.QueryEscape("support case"))
	if code != http.StatusOK {
		t.Fatalf("search: %d", code)
	}
	ls := mem.Lookups()
	if len(ls) != 1 {
		t.Fatalf("%d records", len(ls))
	}
	l := ls[0]
	if l.Actor.ID != "leder" || l.Role != string(api.SchoolAdmin) || l.Purpose != "support case" || l.Client != "broker-ui" ||
		!slices.Contains(l.Persons, e.child) || l.Count != len(l.Persons) || l.SourceIP == "" || l.Time.IsZero() {
		t.Errorf("record %+v", l)
	}
	// A page purpose the log does not list: the page is not shown.
	if code, _ := e.login(t, api.MunicipalAdmin).get("/ui/keepalive"); code != http.StatusInternalServerError {
		t.Errorf("keep-alive list with the log refusing its purpose: %d, want 500", code)
	}
}

// snapName is the given name of the test's pupil: a search that finds
// someone.
func (e *env) snapName() string {
	per, _ := e.snap.Person(e.child)
	return per.GivenName
}

// TestAnomalyPage: the privacy officer sees the anomaly report (and its
// CSV); the municipal administrator, not a review role of this log, is
// refused by the log; a teacher by the route; every attempt the log sees
// is recorded in it.
func TestAnomalyPage(t *testing.T) {
	mem := &auditlog.Memory{Purposes: append(slices.Clone(auditlog.DefaultPurposes), PagePurposes...)}
	e, path := auditEnvRoles(t, mem, []string{string(api.PrivacyOfficer)})
	dpo := e.login(t, api.PrivacyOfficer)
	code, body := dpo.get("/ui/audit")
	if code != http.StatusOK || !strings.Contains(body, "<caption>Anomalirapport</caption>") || !strings.Contains(body, `href="/ui/audit"`) {
		t.Fatalf("report page: %d\n%s", code, body)
	}
	if code, body := dpo.get("/ui/audit?format=csv&period=" + e.clk.Now().UTC().Format("2006-01")); code != http.StatusOK || !strings.HasPrefix(body, "kind,actor,") {
		t.Errorf("csv: %d %q", code, body)
	}
	if code, body := dpo.get("/ui/audit?period=november"); code != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) {
		t.Errorf("bad period: %d", code)
	}
	if code, _ := e.login(t, api.MunicipalAdmin).get("/ui/audit"); code != http.StatusForbidden {
		t.Errorf("municipal admin, not a review role: %d, want 403", code)
	}
	if code, _ := e.login(t, api.Teacher).get("/ui/audit"); code != http.StatusForbidden {
		t.Errorf("teacher: %d, want 403", code)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte(`"type":"access"`)); n != 3 {
		t.Errorf("%d access records, want 3 (two reports, one refusal):\n%s", n, raw)
	}
	if !bytes.Contains(raw, []byte(`"actor":"admin","role":"municipal-admin"`)) || !bytes.Contains(raw, []byte(`"denied":true`)) {
		t.Errorf("the refusal is not recorded:\n%s", raw)
	}
}

// newAuditAccess is a log in a file of the test's own (returned) whose
// review roles are review.
func newAuditAccess(t *testing.T, clock func() time.Time, review []string) (*api.AuditAccess, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink, err := auditlog.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	lg := auditlog.New(sink, auditlog.Options{ReviewRoles: review, Clock: clock})
	return &api.AuditAccess{Log: lg, Open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) }}, path
}

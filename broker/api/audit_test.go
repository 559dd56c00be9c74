package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/audittest"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
)

// apiExempt lists the routes that return no personal data, each with the
// reason. audittest.CheckRoutes fails every other route that answers
// without a look-up record, and an exemption that has gone stale.
var apiExempt = map[string]string{
	"GET /healthz":                             "public health check: a status word",
	"GET /readyz":                              "public readiness check: a status word",
	"GET /metrics":                             "public Prometheus metrics: counts per client, no persons",
	"GET /api/v1/openapi.yaml":                 "the API's description",
	"GET /api/v1/me":                           "the caller's own principal",
	"GET /api/v1/clients":                      "client names and run statuses (counts, no persons)",
	"GET /api/v1/clients/{client}":             "one client's run status (counts, no persons)",
	"POST /api/v1/clients/{client}/pause":      "an action: answers a status",
	"POST /api/v1/clients/{client}/resume":     "an action: answers a status",
	"POST /api/v1/clients/{client}/run":        "the run report holds counts and summaries, no persons",
	"GET /api/v1/clients/{client}/runs":        "run records: counts and outcomes, error texts as GET /api/v1/clients/{client} has them",
	"GET /api/v1/approvals":                    "the list is a summary (counts); the plan is read through GET /api/v1/approvals/{id}",
	"POST /api/v1/approvals/{id}/approve":      "an action: answers a status",
	"POST /api/v1/approvals/{id}/reject":       "an action: answers a status",
	"GET /api/v1/locks":                        "institutions and class names, no persons",
	"POST /api/v1/locks/{institution}/release": "an action: answers a status",
	"POST /api/v1/keepalive":                   "an action: answers a status",
	"DELETE /api/v1/keepalive/{person}":        "an action: answers a status",
	"PUT /api/v1/primary/{person}":             "an action: answers a status",
	"DELETE /api/v1/primary/{person}":          "an action: answers a status",
	"POST /api/v1/import":                      "takes records in, answers counts and the records' own problems to the system that sent them",
	"POST /api/v1/guard/{id}/approve":          "an action: answers a status",
	"GET /api/v1/classroom/requests":           "Google Classroom requests: course names and the requesting staff's ids, not the persons looked up",
	"POST /api/v1/classroom/requests":          "an action: answers the queued request",
	"GET /api/v1/audit/trail":                  "reading the log itself: recorded as an access by auditlog.Log.Authorize (TestAuditRoutes)",
	"GET /api/v1/audit/anomalies":              "reading the log itself: recorded as an access by auditlog.Log.Authorize (TestAuditRoutes)",
	"POST /api/v1/agent/{client}/plan":         "the client's desired state handed to its own agent to apply (the processor, as the broker's own runs read it): a transfer, not a look-up; agent principals only",
	"POST /api/v1/agent/{client}/start":        "an agent's action: answers a status",
	"POST /api/v1/agent/{client}/report":       "an agent's action: answers a status",
	"PUT /api/v1/agent/{client}/logs/{id}":     "an agent's upload: answers a status",
	"GET /api/v1/agents":                       "agent statuses: sequence numbers and run counts, no persons",
	"GET /api/v1/agents/{client}":              "an agent's status: sequence numbers and run counts, no persons",
	"POST /api/v1/agents/{client}/logs":        "an action: answers the request's id",
}

// agentLogs is the path of the uploaded log bundle auditServer makes.
var agentLogs string

// auditServer is the test API recording look-ups into mem, with a refused
// plan waiting for approval (so that GET /api/v1/approvals/{id} answers).
func auditServer(t *testing.T, mem *auditlog.Memory) (*env, *api.Server, string) {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.b.Run(ctx, "mem"); err != nil {
		t.Fatal(err)
	}
	inst := e.snap.Institutions[0].Number
	cut := *e.snap
	cut.Affiliations = nil
	for _, a := range e.snap.Affiliations {
		if e.snap.AffiliationInstitution(a) != inst {
			cut.Affiliations = append(cut.Affiliations, a)
		}
	}
	if err := e.b.SetSnapshot(ctx, &cut); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(3600e9)
	_, _ = e.b.Run(ctx, "mem") // refused by the safety threshold: waits for approval
	as := e.b.Approvals()
	if len(as) == 0 {
		t.Fatal("no refused plan to approve")
	}
	if err := e.b.SetSnapshot(ctx, e.snap); err != nil {
		t.Fatal(err)
	}
	// An agent client with an uploaded log bundle, for its download route.
	ag, err := broker.NewAgents(e.b, broker.AgentClient{Name: "site", FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := ag.RequestLogs(ctx, "site", "admin@kommune.dk")
	if err != nil {
		t.Fatal(err)
	}
	if err := ag.PutLogs(ctx, "site", bundle, []byte("PK")); err != nil {
		t.Fatal(err)
	}
	agentLogs = "/agents/site/logs/" + bundle
	srv := api.New(api.Server{Broker: e.b, Sources: e.src, Agents: ag, Log: quiet, Clock: e.clk.Now, Audit: mem, Auth: api.Tokens{
		adminToken: {ID: "admin@kommune.dk", Kind: "person", Role: api.MunicipalAdmin},
	}})
	return e, srv, as[0].ID
}

// TestEveryRouteRecordsLookups walks the router's table: every route that
// returns personal data writes a look-up record.
func TestEveryRouteRecordsLookups(t *testing.T) {
	mem := &auditlog.Memory{}
	e, srv, approval := auditServer(t, mem)
	var routes []audittest.Route
	for _, rt := range srv.Routes() {
		path := fill(rt.Path, e.inst)
		path = strings.ReplaceAll(path, "/approvals/1", "/approvals/"+approval)
		path = strings.ReplaceAll(path, "/agents/mem/logs/1", agentLogs)
		routes = append(routes, audittest.Route{Method: rt.Method, Pattern: rt.Path, Path: path})
	}
	audittest.CheckRoutes(t, srv, routes, apiExempt, mem, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+adminToken)
		r.Header.Set(auditlog.PurposeHeader, "support case")
	})
}

// TestLookupRecord checks what a class list's record holds, and that a
// request without a purpose gets no data.
func TestLookupRecord(t *testing.T) {
	mem := &auditlog.Memory{}
	e, srv, _ := auditServer(t, mem)
	path := "/api/v1/institutions/" + e.inst + "/persons"
	req := newReq(t, path, "")
	rec := serve(srv, req)
	if rec.Code != http.StatusBadRequest || strings.Contains(rec.Body.String(), "givenName") {
		t.Fatalf("without a purpose: %d %s, want 400 and no data", rec.Code, rec.Body)
	}
	if n := len(mem.Lookups()); n != 0 {
		t.Fatalf("%d records without a purpose", n)
	}
	rec = serve(srv, newReq(t, path, "class list"))
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	ls := mem.Lookups()
	if len(ls) != 1 {
		t.Fatalf("%d records, want 1", len(ls))
	}
	l := ls[0]
	want := 0
	for _, a := range e.snap.Affiliations {
		if e.snap.AffiliationInstitution(a) == e.inst {
			want++
		}
	}
	if l.Actor.ID != "admin@kommune.dk" || l.Role != string(api.MunicipalAdmin) || l.Purpose != "class list" ||
		l.Criteria.Institution != e.inst || l.Count != want || len(l.Persons) != want || l.Client != "broker-api" || l.SourceIP == "" {
		t.Errorf("record %+v, want %d persons of %s", l, want, e.inst)
	}
	if _, ok := e.snap.Person(l.Persons[0]); !ok {
		t.Errorf("record names unknown person %q", l.Persons[0])
	}
}

func newReq(t *testing.T, path, purpose string) *http.Request {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if purpose != "" {
		req.Header.Set(auditlog.PurposeHeader, purpose)
	}
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

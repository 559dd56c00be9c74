package audittest_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/audittest"
)

// api is a small router like the broker's: its route table is data.
func api(forget bool) (http.Handler, []audittest.Route) {
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, r *http.Request, query string, c auditlog.Criteria, ids []string) {
		if err := auditlog.Returned(r.Context(), query, c, ids); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, strings.Join(ids, ","))
	}
	mux.HandleFunc("GET /persons", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		serve(w, r, q, auditlog.Criteria{Name: q}, []string{"p1", "p2"})
	})
	mux.HandleFunc("GET /persons/{id}", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, "", auditlog.Criteria{PersonID: r.PathValue("id")}, []string{r.PathValue("id")})
	})
	mux.HandleFunc("GET /classes/{id}/members", func(w http.ResponseWriter, r *http.Request) {
		if forget {
			fmt.Fprintln(w, "p1,p2") // the defect: data without a record
			return
		}
		serve(w, r, "", auditlog.Criteria{Class: r.PathValue("id")}, []string{"p1", "p2"})
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	routes := []audittest.Route{
		{Method: "GET", Pattern: "/persons", Path: "/persons?q=Hansen"},
		{Method: "GET", Pattern: "/persons/{id}", Path: "/persons/p7"},
		{Method: "GET", Pattern: "/classes/{id}/members", Path: "/classes/4A/members"},
		{Method: "GET", Pattern: "/health", Path: "/health"},
	}
	return mux, routes
}

func who(r *http.Request) (auditlog.Actor, string, error) {
	if u := r.Header.Get("X-User"); u != "" {
		return auditlog.Actor{ID: u, Name: "Ulla Test"}, "teacher", nil
	}
	return auditlog.Actor{}, "", errors.New("no user")
}

func prepare(r *http.Request) {
	r.Header.Set("X-User", "u1")
	r.Header.Set(auditlog.PurposeHeader, "class list")
}

var exempt = map[string]string{"GET /health": "returns no personal data"}

func TestRoutesRecordLookups(t *testing.T) {
	mem := &auditlog.Memory{}
	mux, routes := api(false)
	audittest.CheckRoutes(t, auditlog.Middleware(mem, who, "broker-api", mux), routes, exempt, mem, prepare)
}

// TestRoutesCatchForgottenRecord: the helper fails a route that returns
// data without a record, a stale exemption and one without a reason.
func TestRoutesCatchForgottenRecord(t *testing.T) {
	mem := &auditlog.Memory{}
	mux, routes := api(true)
	rec := &recordingTB{TB: t}
	bad := map[string]string{"GET /health": "", "GET /gone": "removed route"}
	audittest.CheckRoutes(rec, auditlog.Middleware(mem, who, "broker-api", mux), routes, bad, mem, prepare)
	got := strings.Join(rec.errs, "\n")
	for _, want := range []string{"GET /classes/{id}/members (/classes/4A/members): returned personal data without a look-up record",
		"GET /health: exempt without a reason", "GET /gone: exempt but not in the route table"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

// TestMiddlewareRecord: the record holds actor, role, IP, purpose, query,
// criteria, persons and client; a request without purpose gets no data.
func TestMiddlewareRecord(t *testing.T) {
	mem := &auditlog.Memory{}
	mux, _ := api(false)
	h := auditlog.Middleware(mem, who, "broker-api", mux)
	rec := &recordingTB{TB: t}
	audittest.CheckRoutes(rec, h, []audittest.Route{{Method: "GET", Pattern: "/persons", Path: "/persons?q=Hansen"}}, nil, mem,
		func(r *http.Request) { r.Header.Set("X-User", "u1") })
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "status 400") {
		t.Errorf("a look-up without purpose must be refused: %q", rec.errs)
	}
	audittest.CheckRoutes(t, h, []audittest.Route{{Method: "GET", Pattern: "/persons", Path: "/persons?q=Hansen"}}, nil, mem, prepare)
	l := mem.Lookups()[0]
	if l.Actor.ID != "u1" || l.Actor.Name != "Ulla Test" || l.Role != "teacher" || l.SourceIP != "192.0.2.1" || l.Purpose != "class list" ||
		l.Query != "Hansen" || l.Criteria.Name != "Hansen" || l.Count != 2 || l.Client != "broker-api" || l.Time.IsZero() {
		t.Errorf("record %+v", l)
	}
}

type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }
func (r *recordingTB) Helper()                   {}

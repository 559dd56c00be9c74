// Package audittest checks that an HTTP API records a look-up for every
// route that returns personal data.
package audittest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orgsync/orgsync/adapters/auditlog"
)

// Route is one route of a router's route table: its method and pattern as
// registered, and a concrete path to request (the pattern with example
// values for its wildcards).
type Route struct {
	Method, Pattern, Path string
}

// CheckRoutes requests every route of routes from h (the router behind
// auditlog.Middleware recording into mem) and fails t for each route that
// answers 2xx without writing a look-up record. Routes that return no
// personal data are listed in exempt, pattern to reason; an exemption
// without a reason, or for a pattern not in routes, fails too, so that the
// list cannot go stale. prepare adds what a request needs (the
// authentication, the purpose header).
func CheckRoutes(t testing.TB, h http.Handler, routes []Route, exempt map[string]string, mem *auditlog.Memory, prepare func(*http.Request)) {
	t.Helper()
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		if why, ok := exempt[key]; ok {
			if why == "" {
				t.Errorf("%s: exempt without a reason", key)
			}
			continue
		}
		mem.Reset()
		req := httptest.NewRequest(rt.Method, rt.Path, nil)
		if prepare != nil {
			prepare(req)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 299 {
			t.Errorf("%s (%s): status %d; the check needs a request that succeeds", key, rt.Path, rec.Code)
			continue
		}
		if len(mem.Lookups()) == 0 {
			t.Errorf("%s (%s): returned personal data without a look-up record (call auditlog.Returned, or exempt the route with a reason)", key, rt.Path)
		}
	}
	for key := range exempt {
		if !seen[key] {
			t.Errorf("%s: exempt but not in the route table", key)
		}
	}
}

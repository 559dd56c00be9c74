package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

var quiet = slog.New(slog.DiscardHandler)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	srv   *api.Server
	b     *broker.Broker
	src   *broker.Sources
	dir   *memdir.Dir
	clk   *clock
	snap  *orgmodel.Snapshot
	ts    *httptest.Server
	inst  string // the school of the school administrator
	other string // another school
}

const (
	adminToken  = "admin-token"
	schoolToken = "school-token"
	importToken = "import-token"
	parentToken = "parent-token"
)

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	e := &env{snap: snap, dir: memdir.New(), clk: &clock{t: synth.ReferenceTime(snap.SchoolYear)}}
	var schools []string
	for _, in := range snap.Institutions {
		if in.Type == orgmodel.School {
			schools = append(schools, in.Number)
		}
	}
	if len(schools) < 2 {
		t.Fatalf("synth.Tiny has %d schools", len(schools))
	}
	e.inst, e.other = schools[0], schools[1]
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	m := api.NewMetrics()
	b, err := broker.New(ctx, broker.Options{Clock: e.clk.Now, Log: quiet, OnRun: m.Observe},
		broker.Client{Name: "mem", Target: e.dir, Config: cfg, Delta: time.Minute, FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	e.b = b
	hs, err := snapstore.OpenFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.src = &broker.Sources{Broker: b, History: &snapstore.History{Store: hs, Logger: quiet}, Log: quiet, OnHold: m.GuardHold}
	if _, err := e.src.SetSTIL(ctx, snap); err != nil {
		t.Fatal(err)
	}
	e.srv = api.New(api.Server{Broker: b, Sources: e.src, Metrics: m, Log: quiet, Clock: e.clk.Now, Auth: api.Tokens{
		adminToken:  {ID: "admin@kommune.dk", Kind: "person", Role: api.MunicipalAdmin},
		schoolToken: {ID: "leder@skole.dk", Kind: "person", Role: api.SchoolAdmin, Institutions: []string{e.inst}},
		importToken: {ID: "hr-system", Kind: "client", Role: api.Importer},
		parentToken: {ID: "parent", Kind: "person", Role: api.Parent, Children: []string{"nobody"}},
	}})
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e
}

func (e *env) do(t *testing.T, method, path, token, ctype, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// fill replaces a route's parameters: {institution} with inst, others
// with a plausible value.
func fill(path, inst string) string {
	r := strings.NewReplacer("{institution}", inst, "{client}", "mem", "{id}", "1", "{person}", "p00000001")
	return r.Replace(path)
}

// schoolAdminMay lists the routes a school administrator may call; each
// one's scope is checked by its own test below.
var schoolAdminMay = map[string]bool{
	"GET /api/v1/openapi.yaml":                       true,
	"GET /api/v1/me":                                 true,
	"GET /api/v1/clients/{client}/pending":           true, // TestScopePending
	"GET /api/v1/locks":                              true, // TestScopeLocks
	"GET /api/v1/keepalive":                          true, // TestScopeKeepAlive
	"POST /api/v1/locks/{institution}/release":       true, // own school only: below
	"GET /api/v1/institutions/{institution}/persons": true, // own school only: below
}

// TestEveryRouteAuthenticated is generated from the router's table: every
// route but the public ones refuses a request without credentials (401)
// and a school administrator asking for another school's data (403 or
// 404).
func TestEveryRouteAuthenticated(t *testing.T) {
	e := newEnv(t)
	public := map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}
	for _, rt := range e.srv.Routes() {
		name := rt.Method + " " + rt.Path
		t.Run(name, func(t *testing.T) {
			if public[name] != rt.Public {
				t.Fatalf("route public=%v, exemption list says %v", rt.Public, public[name])
			}
			path := fill(rt.Path, e.other)
			if rt.Public {
				if code, _ := e.do(t, rt.Method, path, "", "", ""); code != http.StatusOK {
					t.Errorf("public route: %d", code)
				}
				return
			}
			for _, tok := range []string{"", "wrong-token"} {
				if code, _ := e.do(t, rt.Method, path, tok, "", ""); code != http.StatusUnauthorized {
					t.Errorf("token %q: %d, want 401", tok, code)
				}
			}
			if schoolAdminMay[name] && !strings.Contains(rt.Path, "{institution}") {
				return // scoped by the handler; see the scope tests
			}
			code, body := e.do(t, rt.Method, path, schoolToken, "application/json", "{}")
			if code != http.StatusForbidden && code != http.StatusNotFound {
				t.Errorf("school admin of %s asking for %s: %d %s, want 403 or 404", e.inst, e.other, code, body)
			}
		})
	}
}

func TestOpenAPIHasEveryRoute(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	n := 0
	for _, rt := range e.srv.Routes() {
		ops, ok := doc.Paths[rt.Path]
		if _, has := ops[strings.ToLower(rt.Method)]; !ok || !has {
			t.Errorf("openapi.yaml lacks %s %s", rt.Method, rt.Path)
		}
		n++
	}
	ops := 0
	for _, m := range doc.Paths {
		for k := range m {
			if k != "parameters" {
				ops++
			}
		}
	}
	if ops != n {
		t.Errorf("openapi.yaml has %d operations, the router %d", ops, n)
	}
}

func TestScopePersons(t *testing.T) {
	e := newEnv(t)
	code, body := e.do(t, "GET", "/api/v1/institutions/"+e.inst+"/persons", schoolToken, "", "")
	var ps []api.PersonView
	if code != http.StatusOK || json.Unmarshal([]byte(body), &ps) != nil || len(ps) == 0 {
		t.Fatalf("own school: %d %.200s", code, body)
	}
	if strings.Contains(body, "cpr") {
		t.Error("persons carry CPR")
	}
	if code, _ := e.do(t, "GET", "/api/v1/institutions/"+e.other+"/persons", schoolToken, "", ""); code != http.StatusForbidden {
		t.Errorf("other school: %d, want 403", code)
	}
	// A parent sees only its children (here: none).
	if code, body := e.do(t, "GET", "/api/v1/institutions/"+e.inst+"/persons", parentToken, "", ""); code != http.StatusOK || strings.TrimSpace(body) != "[]" {
		t.Errorf("parent: %d %.100s, want []", code, body)
	}
}

func TestScopePending(t *testing.T) {
	e := newEnv(t)
	code, body := e.do(t, "GET", "/api/v1/clients/mem/pending", schoolToken, "", "")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var p broker.Pending
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Plan.Changes) == 0 {
		t.Fatal("the school administrator sees no change of its school")
	}
	for _, c := range p.Plan.Changes {
		if c.Institution() != e.inst {
			t.Fatalf("school admin of %s sees a change of %q: %s", e.inst, c.Institution(), c.Key)
		}
	}
}

func TestScopeLocksAndKeepAlive(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.clk.t = synth.ReferenceTime(synth.NextYear(e.snap, 1).SchoolYear)
	if _, err := e.src.SetSTIL(ctx, synth.NextYear(e.snap, 1)); err != nil {
		t.Fatal(err)
	}
	code, body := e.do(t, "GET", "/api/v1/locks", schoolToken, "", "")
	var ls []broker.Lock
	if code != http.StatusOK || json.Unmarshal([]byte(body), &ls) != nil {
		t.Fatalf("%d %s", code, body)
	}
	for _, l := range ls {
		if l.Institution != e.inst {
			t.Errorf("school admin sees the lock of %s", l.Institution)
		}
	}
	if code, _ := e.do(t, "POST", "/api/v1/locks/"+e.other+"/release", schoolToken, "", ""); code != http.StatusForbidden {
		t.Errorf("release of another school: %d", code)
	}
	if code, body := e.do(t, "POST", "/api/v1/locks/"+e.inst+"/release", schoolToken, "", ""); code != http.StatusOK {
		t.Errorf("release of its own school: %d %s", code, body)
	}
	code, body = e.do(t, "GET", "/api/v1/keepalive", schoolToken, "", "")
	if code != http.StatusOK || strings.TrimSpace(body) != "[]" {
		t.Errorf("keepalive: %d %s", code, body)
	}
}

func TestImportLeaverDisabled(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hr := `{"people":[{"id":"hr-1","kind":"employee","givenName":"Ida","familyName":"Holm","institution":"` + e.inst + `","roles":["Lærer"],"from":"2020-01-01"}]}`
	if code, body := e.do(t, "POST", "/api/v1/import", importToken, "application/json", hr); code != http.StatusOK {
		t.Fatalf("import: %d %s", code, body)
	}
	e.b.Tick(ctx)
	o, ok := e.dir.Get("user/hr-1")
	if !ok || o.Disabled {
		t.Fatalf("imported employee: %+v %v", o, ok)
	}
	// The leaver: the next extract no longer has her (CSV this time).
	csv := "id;kind;givenName;familyName;institution;roles;from\n"
	if code, body := e.do(t, "POST", "/api/v1/import", importToken, "text/csv", csv); code != http.StatusOK {
		t.Fatalf("import csv: %d %s", code, body)
	}
	e.clk.Add(time.Minute) // one delta interval
	e.b.Tick(ctx)          // plus one run
	if o, _ := e.dir.Get("user/hr-1"); !o.Disabled {
		t.Fatalf("the leaver is not disabled: %+v", o)
	}
	// Bad records: every problem reported, nothing taken.
	bad := `{"people":[{"id":"hr-2","kind":"boss","givenName":"","familyName":"X","institution":"` + e.inst + `","roles":["Lærer"],"from":"2020-13-01"}]}`
	code, body := e.do(t, "POST", "/api/v1/import", importToken, "application/json", bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "kind") || !strings.Contains(body, "from") {
		t.Errorf("bad records: %d %s", code, body)
	}
	// The metrics saw the runs.
	code, body = e.do(t, "GET", "/metrics", "", "", "")
	for _, m := range []string{"orgsync_runs_total{client=\"mem\",result=\"ok\"} 2", "orgsync_changes_applied_total", "orgsync_last_success_timestamp_seconds", "orgsync_pending_changes"} {
		if !strings.Contains(body, m) {
			t.Errorf("metrics lack %s", m)
		}
	}
}

// TestGuardHold: a source that loses most of a school is held by the
// head-count guard (listed, counted in the metrics); approving it lets
// the change through.
func TestGuardHold(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cut := *e.snap
	cut.Affiliations = nil
	for _, a := range e.snap.Affiliations {
		if e.snap.AffiliationInstitution(a) != e.inst {
			cut.Affiliations = append(cut.Affiliations, a)
		}
	}
	res, err := e.src.SetSTIL(ctx, &cut)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Held) != 1 || res.Held[0].Institution != e.inst {
		t.Fatalf("held %+v, want %s", res.Held, e.inst)
	}
	code, body := e.do(t, "GET", "/api/v1/guard", adminToken, "", "")
	var ps []snapstore.Proposal
	if code != http.StatusOK || json.Unmarshal([]byte(body), &ps) != nil || len(ps) != 1 {
		t.Fatalf("guard: %d %s", code, body)
	}
	if _, m := e.do(t, "GET", "/metrics", "", "", ""); !strings.Contains(m, "orgsync_guard_holds_total 1") {
		t.Error("guard hold not counted")
	}
	held := func() bool {
		s := e.b.Snapshot()
		for _, a := range s.Affiliations {
			if s.AffiliationInstitution(a) == e.inst {
				return true
			}
		}
		return false
	}
	if !held() {
		t.Fatal("the held school's people are gone from the broker's snapshot")
	}
	if code, body := e.do(t, "POST", "/api/v1/guard/"+ps[0].ID+"/approve", adminToken, "", ""); code != http.StatusOK {
		t.Fatalf("approve: %d %s", code, body)
	}
	if held() {
		t.Error("the approved change did not go through")
	}
}

package tenant_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/broker/storetest"
	"github.com/orgsync/orgsync/broker/tenant"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

var quiet = slog.New(slog.DiscardHandler)

// TestPrefixedSuite: a municipality's part of a store is a Store, and
// another municipality's keys beside it change nothing it sees.
func TestPrefixedSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) broker.Store {
		shared := &broker.MemoryStore{}
		_ = shared.Put(context.Background(), "m/other/held/1", []byte("{}"))
		_ = shared.Put(context.Background(), "m/other/k/1", []byte("{}"))
		return tenant.Prefixed(shared, "m/one/")
	})
}

// TestPrefixedShared: two broker instances on one municipality's part of
// a store lose none of each other's changes.
func TestPrefixedShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) broker.Store {
		shared := &broker.MemoryStore{}
		_ = shared.Put(context.Background(), "m/other/approval/1", []byte("{}"))
		return tenant.Prefixed(shared, "m/one/")
	})
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// service has two municipalities, "a" and "b", each with a client "ad"
// (the same name on purpose), its own snapshot and an administrator.
func service(t *testing.T) (*tenant.Service, *broker.MemoryStore, map[string]*orgmodel.Snapshot) {
	t.Helper()
	ctx := context.Background()
	store := &broker.MemoryStore{}
	snaps := map[string]*orgmodel.Snapshot{
		"a": synth.Generate(synth.Config{Seed: 1, Persons: 30, Schools: 1, Daycares: 1, FUs: -1}),
		"b": synth.Generate(synth.Config{Seed: 2, Persons: 30, Schools: 1, Daycares: 1, FUs: -1}),
	}
	clk := &clock{t: synth.ReferenceTime(snaps["a"].SchoolYear)}
	muni := func(id string) tenant.Municipality {
		cfg := provision.Defaults()
		cfg.Usernames.Seed = 1
		cfg.AuditLog = t.TempDir() + "/audit-" + id + ".jsonl"
		return tenant.Municipality{ID: id, Name: "Kommune " + id,
			Clients: []broker.Client{{Name: "ad", Target: memdir.New(), Config: cfg, Delta: time.Minute, FullSyncHour: -1}},
			Auth: api.Tokens{
				"admin-" + id:   {ID: "admin@" + id, Kind: "person", Role: api.MunicipalAdmin},
				"privacy-" + id: {ID: "dpo@" + id, Kind: "person", Role: api.PrivacyOfficer},
				"import-" + id:  {ID: "hr@" + id, Kind: "client", Role: api.Importer},
			}}
	}
	s, err := tenant.New(ctx, tenant.Options{Store: store, Clock: clk.Now, Log: quiet}, muni("a"), muni("b"))
	if err != nil {
		t.Fatal(err)
	}
	for id, snap := range snaps {
		b, _ := s.Broker(id)
		if err := b.SetSnapshot(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	s.Tick(ctx)
	return s, store, snaps
}

func do(s http.Handler, method, path, token string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(`{"person":"x","until":"2030-01-01T00:00:00Z","institution":"x"}`))
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// exempt are the routes a municipality's API serves without
// authentication; under /m/<id>/ only these answer without credentials
// of the municipality, and they carry no data ("metrics" is not served
// there at all).
var exempt = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// TestIsolation: for every route of the route table, a request for
// municipality b's data (b's real client, institution and person) made
// with any of municipality a's keys is refused, and b's state is
// unchanged; the same request with b's administrator key is not refused
// (the route works, so the refusal is the isolation). Each
// municipality's keys are under its own prefix in the store.
func TestIsolation(t *testing.T) {
	s, store, snaps := service(t)
	ctx := context.Background()
	before := dump(t, store)
	fill := strings.NewReplacer("{client}", "ad", "{id}", "1",
		"{institution}", snaps["b"].Institutions[0].Number, "{person}", snaps["b"].Persons[0].ID)
	b, _ := s.Broker("b")
	apiB, _ := s.Handler("b")
	for _, rt := range apiB.(*api.Server).Routes() {
		name := rt.Method + " " + rt.Path
		path := "/m/b" + fill.Replace(rt.Path)
		if rt.Public {
			if !exempt[name] {
				t.Errorf("%s: public but not an explicit exemption", name)
			}
			if rt.Path == "/metrics" {
				if w := do(s, rt.Method, path, ""); w.Code != http.StatusNotFound {
					t.Errorf("%s under /m/b: %d, want 404", name, w.Code)
				}
			}
			continue
		}
		for _, tok := range []string{"admin-a", "privacy-a", "import-a", ""} {
			if w := do(s, rt.Method, path, tok); w.Code != http.StatusUnauthorized {
				t.Errorf("%s with a's key %q: %d %s, want 401", name, tok, w.Code, w.Body)
			}
		}
	}
	if d := cmp.Diff(before, dump(t, store)); d != "" {
		t.Errorf("a's requests changed the store (-before +after):\n%s", d)
	}
	// The same requests with b's administrator key pass authentication
	// and the role check: the refusals above are the isolation.
	for _, rt := range apiB.(*api.Server).Routes() {
		// The agent routes admit only the client's own agent principal
		// (role agent), never an administrator; a's keys got 401 there
		// above like everywhere.
		if rt.Public || strings.HasPrefix(rt.Path, "/api/v1/agent/") {
			continue
		}
		if w := do(s, rt.Method, "/m/b"+fill.Replace(rt.Path), "admin-b"); w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden {
			t.Errorf("%s %s with b's admin key: %d %s", rt.Method, rt.Path, w.Code, w.Body)
		}
	}
	// b's own administrator is served (the routes work).
	if w := do(s, "GET", "/m/b/api/v1/clients/ad", "admin-b"); w.Code != http.StatusOK {
		t.Errorf("b's admin: %d %s", w.Code, w.Body)
	}
	if w := do(s, "POST", "/m/b/api/v1/clients/ad/pause", "admin-b"); w.Code/100 != 2 {
		t.Errorf("b's admin pause: %d %s", w.Code, w.Body)
	}
	if st, _ := b.Status("ad"); !st.Paused {
		t.Error("b's pause did not reach b's broker")
	}
	if a, _ := s.Broker("a"); func() bool { st, _ := a.Status("ad"); return st.Paused }() {
		t.Error("b's pause paused a's client of the same name")
	}
	keys, _ := store.List(ctx, "")
	for _, k := range keys {
		if !strings.HasPrefix(k, "m/a/") && !strings.HasPrefix(k, "m/b/") {
			t.Errorf("key %q outside a municipality", k)
		}
	}
}

func dump(t *testing.T, s broker.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, _ := s.List(ctx, "")
	out := map[string]string{}
	for _, k := range keys {
		v, _ := s.Get(ctx, k)
		out[k] = string(v)
	}
	return out
}

// TestAddRemove: municipalities come and go by configuration; a removed
// one answers 404 and is not run; added again it finds its data; Purge
// deletes it; clashing configurations are refused.
func TestAddRemove(t *testing.T) {
	s, store, _ := service(t)
	ctx := context.Background()
	if err := s.Remove("b"); err != nil {
		t.Fatal(err)
	}
	if w := do(s, "GET", "/m/b/api/v1/clients", "admin-b"); w.Code != http.StatusNotFound {
		t.Errorf("removed b: %d, want 404", w.Code)
	}
	if d := cmp.Diff([]string{"a"}, s.IDs()); d != "" {
		t.Error(d)
	}
	err := s.Add(ctx, tenant.Municipality{ID: "b", Auth: api.Tokens{"admin-b": {ID: "x", Role: api.MunicipalAdmin}},
		Clients: []broker.Client{{Name: "ad", Target: memdir.New(), Config: provision.Defaults(), FullSyncHour: -1}}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Broker("b")
	if st, _ := b.Status("ad"); st.LastSuccess.IsZero() {
		t.Error("b added again lost its status")
	}
	if err := s.Purge(ctx, "b"); !errors.Is(err, tenant.ErrConfig) {
		t.Errorf("Purge of a served municipality = %v", err)
	}
	_ = s.Remove("b")
	if err := s.Purge(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if keys, _ := store.List(ctx, "m/b/"); len(keys) != 0 {
		t.Errorf("after Purge: %q", keys)
	}
	if keys, _ := store.List(ctx, "m/a/"); len(keys) == 0 {
		t.Error("Purge of b deleted a's data")
	}
	shared := provision.Defaults()
	shared.AuditLog = "/tmp/x/audit.jsonl"
	bad := []tenant.Municipality{
		{ID: "a", Auth: api.Tokens{}},
		{ID: "../x", Auth: api.Tokens{}},
		{ID: "c"},
	}
	for _, m := range bad {
		if err := s.Add(ctx, m); !errors.Is(err, tenant.ErrConfig) {
			t.Errorf("Add(%q) = %v, want ErrConfig", m.ID, err)
		}
	}
	if err := s.Add(ctx, tenant.Municipality{ID: "d", Auth: api.Tokens{}, Clients: []broker.Client{{Name: "x", Target: memdir.New(), Config: shared}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(ctx, tenant.Municipality{ID: "e", Auth: api.Tokens{}, Clients: []broker.Client{{Name: "x", Target: memdir.New(), Config: shared}}}); !errors.Is(err, tenant.ErrConfig) {
		t.Errorf("shared audit log: %v, want ErrConfig", err)
	}
}

// namesLeaser records the lease names asked for and holds them all.
type namesLeaser struct {
	mu    sync.Mutex
	names map[string]bool
}

func (l *namesLeaser) Hold(ctx context.Context, client string) (context.Context, func(), error) {
	l.mu.Lock()
	l.names[client] = true
	l.mu.Unlock()
	return ctx, func() {}, nil
}

// TestLeaseNames: two municipalities' clients of the same name have
// leases of their own.
func TestLeaseNames(t *testing.T) {
	ctx := context.Background()
	l := &namesLeaser{names: map[string]bool{}}
	var ms []tenant.Municipality
	for _, id := range []string{"a", "b"} {
		ms = append(ms, tenant.Municipality{ID: id, Auth: api.Tokens{},
			Clients: []broker.Client{{Name: "ad", Target: memdir.New(), Config: provision.Defaults(), FullSyncHour: -1}}})
	}
	s, err := tenant.New(ctx, tenant.Options{Leases: l, Log: quiet}, ms...)
	if err != nil {
		t.Fatal(err)
	}
	s.Tick(ctx)
	if d := cmp.Diff(map[string]bool{"m/a/ad": true, "m/b/ad": true}, l.names); d != "" {
		t.Errorf("lease names (-want +got):\n%s", d)
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/broker/tenant"
	"github.com/orgsync/orgsync/internal/mariadbtest"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

func TestMunicipalitiesConfigErrors(t *testing.T) {
	muni := func(id, extra string) string {
		return "  - id: " + id + "\n    clients:\n      - {name: ad, type: memdir, path: " + id + ".json}\n" + extra
	}
	base := "state: x\nmunicipalities:\n" + muni("a", "")
	for _, tc := range []struct{ yaml, want string }{
		{base + muni("a", ""), "municipalities[1].id: \"a\" is used twice"},
		{base + muni("../b", ""), "municipalities[1].id"},
		{base + "  - id: b\n", "municipalities[1].clients: at least one client"},
		{base + muni("b", "    tokens:\n      - {id: x, role: boss, tokenEnv: X}\n"), "municipalities[1].tokens[0].role: unknown role \"boss\""},
		{base + "  - id: b\n    clients:\n      - {name: ad, type: ldap, path: b.json}\n", "municipalities[1].clients[0].type: unknown type \"ldap\""},
		{base + "  - id: b\n    clients:\n      - {name: ad, type: memdir, path: a.json}\n", "municipalities[1].clients[0].path: a.json is also municipalities[0].clients[0]'s"},
		{base + "  - id: b\n    clients:\n      - {name: ad, type: memdir, path: b.json, auditLog: x.jsonl}\n      - {name: ad2, type: memdir, path: c.json, auditLog: x.jsonl}\n", "municipalities[1].clients[1].auditLog"},
		{base + muni("b", "    sources:\n      stil: {institutions: [\"1\"], times: [\"05:00\"], folder: f}\n"), "municipalities[1].sources.stil: not supported"},
		{base + muni("b", "    sources:\n      guard: {minShare: 2}\n"), "municipalities[1].sources.guard.minShare"},
		{base + muni("b", "    colour: red\n"), "colour"},
		{base + "clients:\n  - {name: x, type: memdir, path: x.json}\n", "clients: not at the top with municipalities"},
		{base + "tokens:\n  - {id: x, role: importer, tokenEnv: X}\n", "tokens: not at the top"},
		{base + "audit:\n  file: a\n  keyFile: k\n", "audit: not at the top"},
		{base + muni("b", "    audit: {keyFile: k}\n"), "municipalities[1].audit.file: required"},
		{"state: x\nmunicipalities:\n" + muni("a", "    audit: {file: a.jsonl, keyFile: k}\n") + muni("b", "    audit: {file: b.jsonl, keyFile: k}\n"), "municipalities[1].audit.keyFile: k is also municipalities[0].audit.keyFile's"},
	} {
		_, err := parseConfig([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, provision.ErrConfig) {
			t.Errorf("config\n%s\nerror %v, want one naming %q", tc.yaml, err, tc.want)
		}
	}
	fc, err := parseConfig([]byte(base + muni("b", "")))
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Municipalities) != 2 || fc.Municipalities[1].Clients[0].Projection.Layout != provision.Defaults().Projection.Layout {
		t.Errorf("a municipality's client is not defaulted like a top-level one: %+v", fc.Municipalities)
	}
	// One token in two municipalities would open both.
	fc.Municipalities[0].Tokens = []tokenConfig{{ID: "x", Role: "municipal-admin", TokenEnv: "T"}}
	fc.Municipalities[1].Tokens = []tokenConfig{{ID: "y", Role: "municipal-admin", TokenEnv: "T"}}
	_, _, _, err = municipalities(context.Background(), fc, &state{}, slog.New(slog.DiscardHandler), func(string) string { return "the-same-token-for-both" })
	if !errors.Is(err, provision.ErrConfig) || !strings.Contains(err.Error(), "a token is one municipality's") {
		t.Errorf("shared token: %v", err)
	}
}

// service is a running serveMunicipalities.
type service struct {
	url  string
	svc  *tenant.Service
	stop func() error
}

// startService runs the municipalities of yaml (state in dir) and waits
// until it listens.
func startService(t *testing.T, yaml string, env map[string]string) *service {
	t.Helper()
	fc, err := parseConfig([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	fc.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	got := make(chan *tenant.Service, 1)
	serviceStarted = func(s *tenant.Service) { got <- s }
	t.Cleanup(func() { serviceStarted = func(*tenant.Service) {} })
	done := make(chan error, 1)
	go func() {
		done <- serveMunicipalities(ctx, fc, pw, slog.New(slog.DiscardHandler), func(k string) string { return env[k] })
		pw.Close()
	}()
	s := &service{}
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		cancel()
		t.Fatalf("no start line: %v", <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	s.url = strings.Fields(strings.TrimPrefix(sc.Text(), "orgsync broker listening on "))[0]
	s.svc = <-got
	stopped := false
	s.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { _ = s.stop() })
	return s
}

func call(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(`{"person":"x","until":"2030-01-01T00:00:00Z","institution":"x","reason":"x","purpose":"support case"}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// twoMunicipalities writes the configuration of municipalities a and b
// (a memdir client "ad" each, a snapshot file each, an administrator and
// an importer each) into dir, with only the IDs given.
func twoMunicipalities(t *testing.T, dir string, ids ...string) (string, map[string]string, map[string]*orgmodel.Snapshot) {
	t.Helper()
	env := map[string]string{}
	snaps := map[string]*orgmodel.Snapshot{}
	var b strings.Builder
	fmt.Fprintf(&b, "state: %s\ntick: 100ms\ngrace: 5s\nmunicipalities:\n", filepath.Join(dir, "state"))
	for i, id := range ids {
		snaps[id] = synth.Generate(synth.Config{Seed: int64(i + 1), Persons: 40, Schools: 1, Daycares: 1, FUs: -1})
		raw, _ := json.Marshal(snaps[id])
		snapFile := filepath.Join(dir, id+"-snapshot.json")
		if err := os.WriteFile(snapFile, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := demoAuditKey(filepath.Join(dir, id+"-audit.key")); err != nil {
			t.Fatal(err)
		}
		env["ADMIN_"+id] = "admin-token-of-municipality-" + id
		env["IMPORT_"+id] = "import-token-of-municipality-" + id
		fmt.Fprintf(&b, `  - id: %s
    name: Kommune %s
    tokens:
      - {id: admin@%s, kind: person, role: municipal-admin, tokenEnv: ADMIN_%s}
      - {id: hr@%s, role: importer, tokenEnv: IMPORT_%s}
    sources: {snapshot: %s}
    audit: {file: %s, keyFile: %s}
    clients:
      - {name: ad, type: memdir, path: %s, delta: 1m, fullSyncHour: -1, auditLog: %s, usernames: {seed: 1}}
`, id, id, id, id, id, id, snapFile, filepath.Join(dir, id+"-lookups.jsonl"), filepath.Join(dir, id+"-audit.key"),
			filepath.Join(dir, id+"-dir.json"), filepath.Join(dir, id+"-audit.jsonl"))
	}
	return b.String(), env, snaps
}

// waitSynced waits until each municipality's client "ad" has synced.
func waitSynced(t *testing.T, s *service, env map[string]string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
			code, body := call(t, "GET", s.url+"/m/"+id+"/api/v1/clients/ad", env["ADMIN_"+id])
			var c struct{ Status broker.Status }
			if code == http.StatusOK && json.Unmarshal([]byte(body), &c) == nil && !c.Status.LastSuccess.IsZero() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not synced: %d %s", id, code, body)
			}
		}
	}
}

// dumpState is every record of the state folder under prefix.
func dumpState(t *testing.T, dir, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	s, err := broker.OpenFileStore(filepath.Join(dir, "state", "broker"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.List(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range keys {
		v, _ := s.Get(ctx, k)
		out[k] = string(v)
	}
	return out
}

// exemptRoutes are the routes a municipality's API serves without
// authentication: they carry no municipality's data (metrics is not
// served under /m/<id>/ at all).
var exemptRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// TestMunicipalitiesIsolation: two municipalities from one configuration
// in one service. For every route of b's route table, a request for b's
// data (b's client, institution, person) with a's administrator or
// importer token, or none, is refused (401) and changes nothing of b's
// state; the same request with b's administrator token passes the
// authentication and the role check. Public routes are explicit
// exemptions.
func TestMunicipalitiesIsolation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service")
	}
	dir := t.TempDir()
	yaml, env, snaps := twoMunicipalities(t, dir, "a", "b")
	s := startService(t, yaml, env)
	waitSynced(t, s, env, "a", "b")
	h, err := s.svc.Handler("b")
	if err != nil {
		t.Fatal(err)
	}
	routes := h.(*api.Server).Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes", len(routes))
	}
	fill := strings.NewReplacer("{client}", "ad", "{id}", "1",
		"{institution}", snaps["b"].Institutions[0].Number, "{person}", snaps["b"].Persons[0].ID)
	before := dumpState(t, dir, "m/b/")
	checked := 0
	for _, rt := range routes {
		name := rt.Method + " " + rt.Path
		url := s.url + "/m/b" + fill.Replace(rt.Path)
		if rt.Public {
			if !exemptRoutes[name] {
				t.Errorf("%s: public but not an explicit exemption", name)
			}
			if rt.Path == "/metrics" {
				if code, _ := call(t, rt.Method, url, ""); code != http.StatusNotFound {
					t.Errorf("%s under /m/b/: %d, want 404", name, code)
				}
			}
			continue
		}
		for _, tok := range []string{env["ADMIN_a"], env["IMPORT_a"], ""} {
			if code, body := call(t, rt.Method, url, tok); code != http.StatusUnauthorized {
				t.Errorf("%s with a's token %.12q: %d %s, want 401", name, tok, code, body)
			}
		}
		checked++
	}
	if d := cmp.Diff(before, dumpState(t, dir, "m/b/")); d != "" {
		t.Errorf("a's requests changed b's state (-before +after):\n%s", d)
	}
	for _, rt := range routes {
		// The agent routes serve an agent principal only (role agent,
		// naming its client): an administrator is refused there too.
		if rt.Public || strings.HasPrefix(rt.Path, "/api/v1/agent/") {
			continue
		}
		if code, body := call(t, rt.Method, s.url+"/m/b"+fill.Replace(rt.Path), env["ADMIN_b"]); code == http.StatusUnauthorized || code == http.StatusForbidden {
			t.Errorf("%s %s with b's admin token: %d %s", rt.Method, rt.Path, code, body)
		}
	}
	t.Logf("%d routes refused a's tokens for b's data", checked)
	// Each municipality's accountability log has its own look-ups only.
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	la, _ := os.ReadFile(filepath.Join(dir, "a-lookups.jsonl"))
	lb, _ := os.ReadFile(filepath.Join(dir, "b-lookups.jsonl"))
	if strings.Contains(string(la), "admin@b") || !strings.Contains(string(lb), "admin@b") || strings.Contains(string(lb), "admin@a") {
		t.Errorf("look-ups in the wrong log: a's has b's admin %v, b's has b's admin %v, b's has a's admin %v",
			strings.Contains(string(la), "admin@b"), strings.Contains(string(lb), "admin@b"), strings.Contains(string(lb), "admin@a"))
	}
	// Nothing of either is outside its prefix.
	all := dumpState(t, dir, "")
	for k := range all {
		if !strings.HasPrefix(k, "m/a/") && !strings.HasPrefix(k, "m/b/") {
			t.Errorf("record %q outside a municipality", k)
		}
	}
}

// TestMunicipalitiesRemovedFromFile: a municipality left out of the
// configuration at a restart is no longer served or run, and the other
// keeps its state; its own state stays until -purge deletes it, which
// refuses a municipality still configured.
func TestMunicipalitiesRemovedFromFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service")
	}
	dir := t.TempDir()
	yaml, env, _ := twoMunicipalities(t, dir, "a", "b")
	s := startService(t, yaml, env)
	waitSynced(t, s, env, "a", "b")
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	bBefore := dumpState(t, dir, "m/b/")
	if len(bBefore) == 0 {
		t.Fatal("b has no state")
	}
	yamlA, _, _ := twoMunicipalities(t, dir, "a")
	s = startService(t, yamlA, env)
	if code, _ := call(t, "GET", s.url+"/m/b/api/v1/clients", env["ADMIN_b"]); code != http.StatusNotFound {
		t.Errorf("removed b: %d, want 404", code)
	}
	code, body := call(t, "GET", s.url+"/m/a/api/v1/clients/ad", env["ADMIN_a"])
	var c struct{ Status broker.Status }
	if code != http.StatusOK || json.Unmarshal([]byte(body), &c) != nil || c.Status.LastSuccess.IsZero() {
		t.Errorf("a after the restart: %d %s", code, body)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(bBefore, dumpState(t, dir, "m/b/")); d != "" {
		t.Errorf("b's state changed while it was not configured:\n%s", d)
	}
	var out strings.Builder
	if code := run(context.Background(), []string{"-config", writeFile(t, dir, "a.yaml", yamlA), "-purge", "a"}, &out, &out, func(k string) string { return env[k] }); code != 4 {
		t.Errorf("-purge of a configured municipality: exit %d, want 4\n%s", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-config", writeFile(t, dir, "a.yaml", yamlA), "-purge", "b"}, &out, &out, func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("-purge b: exit %d\n%s", code, out.String())
	}
	if left := dumpState(t, dir, "m/b/"); len(left) != 0 {
		t.Errorf("after -purge b: %d records of b left", len(left))
	}
	if len(dumpState(t, dir, "m/a/")) == 0 {
		t.Error("-purge b deleted a's state")
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMunicipalitiesStandby: two instances of one service of two
// municipalities on one MariaDB database (database:), as in production.
// A pause made through the second instance is what the first reads; a's
// token is refused for b on both; the clients' leases carry the
// municipality's prefix, and the instance stopped cleanly gives its
// leases up.
func TestMunicipalitiesStandby(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service")
	}
	db, dsn := mariadbtest.New(t, "orgsync_test_").WithParseTime(t)
	dir := t.TempDir()
	yaml, env, _ := twoMunicipalities(t, dir, "a", "b")
	env["BROKER_DSN"] = dsn
	var s [2]*service
	for i, inst := range []string{"one", "two"} {
		y := strings.Replace(yaml, "municipalities:\n", fmt.Sprintf("database: {dsnEnv: BROKER_DSN, instance: %s, leaseTTL: 3s}\nmunicipalities:\n", inst), 1)
		s[i] = startService(t, y, env)
		if i == 0 {
			waitSynced(t, s[0], env, "a", "b")
		}
	}
	if code, body := call(t, "POST", s[1].url+"/m/b/api/v1/clients/ad/pause", env["ADMIN_b"]); code/100 != 2 {
		t.Fatalf("pause through the second instance: %d %s", code, body)
	}
	code, body := call(t, "GET", s[0].url+"/m/b/api/v1/clients/ad", env["ADMIN_b"])
	var c struct{ Status broker.Status }
	if code != http.StatusOK || json.Unmarshal([]byte(body), &c) != nil || !c.Status.Paused || c.Status.LastSuccess.IsZero() {
		t.Errorf("b's client as the first instance reads it: %d %s (want paused, synced)", code, body)
	}
	code, body = call(t, "GET", s[0].url+"/m/a/api/v1/clients/ad", env["ADMIN_a"])
	if code != http.StatusOK || json.Unmarshal([]byte(body), &c) != nil || c.Status.Paused {
		t.Errorf("a's client of the same name: %d %s (want not paused)", code, body)
	}
	for _, x := range s {
		if code, _ := call(t, "GET", x.url+"/m/b/api/v1/clients", env["ADMIN_a"]); code != http.StatusUnauthorized {
			t.Errorf("a's token for b: %d, want 401", code)
		}
	}
	holders := func() map[string]string {
		rows, err := db.Query("SELECT name, holder FROM broker_leases ORDER BY name")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var n, h string
			if err := rows.Scan(&n, &h); err != nil {
				t.Fatal(err)
			}
			out[n] = h
		}
		return out
	}
	if d := cmp.Diff(map[string]string{"m/a/ad": "one", "m/b/ad": "one"}, holders()); d != "" {
		t.Errorf("leases (-want +got):\n%s", d)
	}
	if err := s[0].stop(); err != nil {
		t.Fatal(err)
	}
	got := holders()
	if got["m/a/ad"] == "one" || got["m/b/ad"] == "one" {
		t.Errorf("leases after the first instance stopped cleanly: %v (want given up)", got)
	}
}

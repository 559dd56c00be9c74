package tenant_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/broker/tenant"
	"github.com/orgsync/orgsync/provision"
)

// TestAuditPerMunicipality: each municipality's look-ups go to its own
// accountability log, its privacy officer reads only that log, and two
// municipalities may not share one.
func TestAuditPerMunicipality(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	access := map[string]*api.AuditAccess{}
	muni := func(id string) tenant.Municipality {
		path := filepath.Join(dir, "access-"+id+".jsonl")
		sink, err := auditlog.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sink.Close() })
		access[id] = &api.AuditAccess{Log: auditlog.New(sink, auditlog.Options{ReviewRoles: []string{string(api.PrivacyOfficer)}}),
			Open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) }}
		cfg := provision.Defaults()
		return tenant.Municipality{ID: id, Audit: access[id],
			Clients: []broker.Client{{Name: "ad", Target: memdir.New(), Config: cfg, FullSyncHour: -1}},
			Auth: api.Tokens{
				"admin-" + id:   {ID: "admin@" + id, Kind: "person", Role: api.MunicipalAdmin},
				"privacy-" + id: {ID: "dpo@" + id, Kind: "person", Role: api.PrivacyOfficer},
			}}
	}
	s, err := tenant.New(ctx, tenant.Options{Log: quiet}, muni("a"), muni("b"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, token, purpose string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Authorization", "Bearer "+token)
		if purpose != "" {
			r.Header.Set(auditlog.PurposeHeader, purpose)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	if w := get("/m/a/api/v1/keepalive", "admin-a", ""); w.Code != http.StatusBadRequest {
		t.Errorf("without a purpose: %d, want 400", w.Code)
	}
	if w := get("/m/a/api/v1/keepalive", "admin-a", "support case"); w.Code != http.StatusOK {
		t.Fatalf("keep-alive list: %d %s", w.Code, w.Body)
	}
	if w := get("/m/b/api/v1/audit/trail", "privacy-a", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("a's privacy officer reading b's log: %d, want 401", w.Code)
	}
	w := get("/m/a/api/v1/audit/trail", "privacy-a", "")
	if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte(`"actor":"admin@a"`)) {
		t.Errorf("a's trail: %d %s", w.Code, w.Body)
	}
	if w := get("/m/b/api/v1/audit/trail", "privacy-b", ""); w.Code != http.StatusOK || bytes.Contains(w.Body.Bytes(), []byte(`"type":"lookup"`)) {
		t.Errorf("b's trail holds a's look-up: %d %s", w.Code, w.Body)
	}
	shared := muni("c")
	shared.Audit = access["a"]
	if err := s.Add(ctx, shared); !errors.Is(err, tenant.ErrConfig) {
		t.Errorf("a shared accountability log: %v, want ErrConfig", err)
	}
}

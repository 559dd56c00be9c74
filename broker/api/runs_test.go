package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/broker"
)

func TestRunsAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for range 3 {
		if _, err := e.b.Run(ctx, "mem"); err != nil {
			t.Fatal(err)
		}
		e.clk.Add(60e9)
	}
	code, body := e.do(t, "GET", "/api/v1/clients/mem/runs?limit=2", adminToken, "", "")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var rs []broker.RunRecord
	if err := json.Unmarshal([]byte(body), &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || !rs[0].Start.After(rs[1].Start) || rs[0].Outcome != broker.OutcomeOK {
		t.Errorf("runs: %+v, want the newest 2, newest first", rs)
	}
	for _, bad := range []string{"0", "x", "1001"} {
		if code, body := e.do(t, "GET", "/api/v1/clients/mem/runs?limit="+bad, adminToken, "", ""); code != http.StatusBadRequest {
			t.Errorf("limit=%s: %d %s, want 400", bad, code, body)
		}
	}
	if code, _ := e.do(t, "GET", "/api/v1/clients/nope/runs", adminToken, "", ""); code != http.StatusNotFound {
		t.Errorf("unknown client: %d", code)
	}
}

func TestDryRunAPI(t *testing.T) {
	mem := &auditlog.Memory{}
	e, srv, _ := auditServer(t, mem)
	before := len(e.dir.Objects())
	req := newReq(t, "/api/v1/clients/mem/dry-run", "support case")
	req.Method = "POST"
	rec := serve(srv, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var pd broker.Pending
	if err := json.Unmarshal(rec.Body.Bytes(), &pd); err != nil {
		t.Fatal(err)
	}
	if pd.Client != "mem" || pd.At.IsZero() || pd.Plan == nil {
		t.Errorf("dry run answered %+v", pd)
	}
	if got, ok := e.b.Planned("mem"); !ok || !got.At.Equal(pd.At) {
		t.Error("the dry run is not the client's planned plan")
	}
	if n := len(e.dir.Objects()); n != before {
		t.Errorf("a dry run changed the target: %d objects, had %d", n, before)
	}
	if n := len(mem.Lookups()); n != 1 {
		t.Errorf("%d look-up records, want 1", n)
	}
	req = newReq(t, "/api/v1/clients/nope/dry-run", "support case")
	req.Method = "POST"
	if rec := serve(srv, req); rec.Code != http.StatusNotFound {
		t.Errorf("unknown client: %d", rec.Code)
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/diff"
)

type recordExec struct{ got []google.ClassroomRequest }

func (r *recordExec) Do(_ context.Context, req google.ClassroomRequest, _ diff.Auditor) error {
	r.got = append(r.got, req)
	return nil
}

// TestClassroomRequestsAPI: a municipal administrator queues a request
// (the requester is the principal, not the body), a malformed one is 400,
// and the list shows it carried out after the queue's Run.
func TestClassroomRequestsAPI(t *testing.T) {
	e := newEnv(t)
	exec := &recordExec{}
	q := broker.NewClassroomQueue(exec, nil, e.clk.Now)
	srv := api.New(api.Server{Broker: e.b, Classroom: q, Log: quiet, Clock: e.clk.Now, Auth: api.Tokens{
		adminToken:  {ID: "admin@kommune.dk", Kind: "person", Role: api.MunicipalAdmin},
		schoolToken: {ID: "leder@skole.dk", Kind: "person", Role: api.SchoolAdmin, Institutions: []string{e.inst}},
	}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	e.ts = ts

	if code, body := e.do(t, "POST", "/api/v1/classroom/requests", adminToken, "application/json", `{"action":"transfer","courseId":"42"}`); code != http.StatusBadRequest {
		t.Errorf("transfer without newOwner: %d %s", code, body)
	}
	if code, _ := e.do(t, "POST", "/api/v1/classroom/requests", schoolToken, "application/json", `{"action":"archive","courseId":"42"}`); code != http.StatusForbidden {
		t.Errorf("school admin: %d, want 403", code)
	}
	code, body := e.do(t, "POST", "/api/v1/classroom/requests", adminToken, "application/json", `{"action":"transfer","courseId":"42","newOwner":"ny@skole.test"}`)
	if code != http.StatusAccepted {
		t.Fatalf("queue: %d %s", code, body)
	}
	if done, failed := q.Run(context.Background()); done != 1 || failed != 0 {
		t.Fatalf("run: %d, %d", done, failed)
	}
	if len(exec.got) != 1 || exec.got[0].RequestedBy != "admin@kommune.dk" || exec.got[0].NewOwner != "ny@skole.test" {
		t.Errorf("carried out: %+v", exec.got)
	}
	code, body = e.do(t, "GET", "/api/v1/classroom/requests", adminToken, "", "")
	var items []broker.ClassroomItem
	if code != http.StatusOK || json.Unmarshal([]byte(body), &items) != nil || len(items) != 1 || items[0].State != broker.ClassroomDone {
		t.Errorf("list: %d %s", code, body)
	}
}

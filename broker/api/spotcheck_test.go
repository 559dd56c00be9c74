package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
)

// The spot check routes read the log itself: like the trail, each
// request is an access record (auditlog.Log.Authorize), not a look-up;
// TestSpotCheckRoutes checks that. They are kept here, beside the routes'
// own test, rather than in audit_test.go's list.
func init() {
	for _, k := range []string{"POST /api/v1/audit/spotchecks", "GET /api/v1/audit/spotchecks", "GET /api/v1/audit/spotchecks/{id}"} {
		apiExempt[k] = "reading the log itself (a spot check's sample of look-up records): recorded as an access by auditlog.Log.Authorize (TestSpotCheckRoutes)"
	}
	apiExempt["POST /api/v1/audit/spotchecks/{id}/reviews"] = "records a supervisor's review: an access and a review record in the log (TestSpotCheckRoutes)"
}

// send makes a request with a JSON body as the token's principal.
func send(t *testing.T, h http.Handler, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req := newReq(t, path, "support case")
	req.Method = method
	if rd != nil {
		req.Body = io.NopCloser(rd)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	rec := serve(h, req)
	return rec.Code, rec.Body.Bytes()
}

// TestSpotCheckRoutes: the privacy officer draws a month's sample — the
// same seed gives the same sample, no seed a random one that is kept —
// lists and reads the spot checks, and records a review, which lands in
// the log and the spot check; nobody reviews their own look-ups; other
// roles are refused and every attempt is an access record.
func TestSpotCheckRoutes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink, err := auditlog.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	lg := auditlog.New(sink, auditlog.Options{ReviewRoles: []string{string(api.PrivacyOfficer)}, Clock: e.clk.Now})
	store := &broker.MemoryStore{}
	srv := api.New(api.Server{Broker: e.b, Sources: e.src, Log: quiet, Clock: e.clk.Now, Audit: lg,
		AuditAccess: &api.AuditAccess{Log: lg, Open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) }, SpotChecks: store},
		Auth: api.Tokens{
			adminToken:   {ID: "admin@kommune.dk", Kind: "person", Role: api.MunicipalAdmin},
			privacyToken: {ID: "dpo@kommune.dk", Kind: "person", Role: api.PrivacyOfficer},
		}})

	// 30 look-ups last month by three actors, one by the privacy officer,
	// and 5 this month.
	now := e.clk.Now()
	lastMonth := time.Date(now.Year(), now.Month(), 1, 9, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	period := lastMonth.Format("2006-01")
	for i := range 36 {
		l := auditlog.Lookup{Time: lastMonth.Add(time.Duration(i) * 7 * time.Hour), Actor: auditlog.Actor{ID: fmt.Sprintf("staff%d@skole.dk", i%3)},
			Role: "teacher", Purpose: "class list", Persons: []string{fmt.Sprintf("p%d", i)}, Count: 1}
		switch {
		case i == 30:
			l.Actor.ID = "dpo@kommune.dk"
		case i > 30:
			l.Time = now.Add(-time.Duration(i) * time.Minute)
		}
		if err := lg.Lookup(ctx, l); err != nil {
			t.Fatal(err)
		}
	}

	draw := func(req api.SpotCheckRequest) api.SpotCheck {
		t.Helper()
		code, body := send(t, srv, "POST", "/api/v1/audit/spotchecks", privacyToken, req)
		var sc api.SpotCheck
		if code != http.StatusCreated || json.Unmarshal(body, &sc) != nil {
			t.Fatalf("draw %+v: %d %s", req, code, body)
		}
		return sc
	}
	seqs := func(sc api.SpotCheck) []int64 {
		var out []int64
		for _, ev := range sc.Sample {
			out = append(out, ev.Seq)
		}
		return out
	}

	// Refused: another role; bad requests.
	if code, body := send(t, srv, "POST", "/api/v1/audit/spotchecks", adminToken, api.SpotCheckRequest{Period: period}); code != http.StatusForbidden {
		t.Errorf("municipal administrator: %d %s, want 403", code, body)
	}
	for _, bad := range []api.SpotCheckRequest{{Period: "2025-13"}, {Period: now.Format("2006-01")}, {Period: period, Size: -1}, {Period: period, Size: 1001}} {
		if code, body := send(t, srv, "POST", "/api/v1/audit/spotchecks", privacyToken, bad); code != http.StatusBadRequest {
			t.Errorf("%+v: %d %s, want 400", bad, code, body)
		}
	}

	a := draw(api.SpotCheckRequest{Period: period, Size: 5, Seed: "stikprøve"})
	if len(a.Sample) != 5 || a.Population != 31 || a.Period != period || a.DrawnBy != "dpo@kommune.dk" || !strings.HasPrefix(a.ID, period+"-") {
		t.Fatalf("spot check %+v", a)
	}
	for _, ev := range a.Sample {
		if ev.Time.Format("2006-01") != period {
			t.Errorf("drawn look-up %d of %v, outside %s", ev.Seq, ev.Time, period)
		}
	}
	if b := draw(api.SpotCheckRequest{Period: period, Size: 5, Seed: "stikprøve"}); b.ID == a.ID || !slices.Equal(seqs(a), seqs(b)) {
		t.Errorf("same seed: %s %v and %s %v, want another spot check with the same sample", a.ID, seqs(a), b.ID, seqs(b))
	}
	if c := draw(api.SpotCheckRequest{Period: period, Size: 5, Seed: "en anden"}); slices.Equal(seqs(a), seqs(c)) {
		t.Errorf("another seed drew the same sample %v", seqs(c))
	}
	all := draw(api.SpotCheckRequest{Period: period, Size: 100})
	if len(all.Seed) != 32 || len(all.Sample) != 31 || all.Size != 100 {
		t.Errorf("random seed %q, %d drawn of size %d; want 32 hex digits and the whole period (31)", all.Seed, len(all.Sample), all.Size)
	}
	if d := draw(api.SpotCheckRequest{Period: period}); d.Size != 25 || len(d.Sample) != 25 {
		t.Errorf("default size: %d, %d drawn", d.Size, len(d.Sample))
	}

	// List and read.
	code, body := send(t, srv, "GET", "/api/v1/audit/spotchecks", privacyToken, nil)
	var list []api.SpotCheck
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list) != 5 || list[0].Sample != nil {
		t.Errorf("list: %d %s", code, body)
	}
	code, body = send(t, srv, "GET", "/api/v1/audit/spotchecks/"+a.ID, privacyToken, nil)
	var got api.SpotCheck
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || !slices.Equal(seqs(got), seqs(a)) || got.Seed != "stikprøve" {
		t.Errorf("read %s: %d %s", a.ID, code, body)
	}
	for _, id := range []string{period + "-000000000000", "x", "..%2F..%2Fbroker"} {
		if code, body := send(t, srv, "GET", "/api/v1/audit/spotchecks/"+id, privacyToken, nil); code != http.StatusNotFound {
			t.Errorf("read %s: %d %s, want 404", id, code, body)
		}
	}
	if code, _ := send(t, srv, "GET", "/api/v1/audit/spotchecks/"+a.ID, adminToken, nil); code != http.StatusForbidden {
		t.Errorf("read as municipal administrator: %d, want 403", code)
	}
	if _, err := store.Get(ctx, "audit/spotcheck/"+a.ID); err != nil {
		t.Errorf("not stored under audit/spotcheck/: %v", err)
	}

	// Reviews.
	review := "/api/v1/audit/spotchecks/" + all.ID + "/reviews"
	for _, bad := range []api.SpotCheckReview{{Outcome: "fine"}, {Outcome: "ok", Records: []int64{999}}} {
		if code, body := send(t, srv, "POST", review, privacyToken, bad); code != http.StatusBadRequest {
			t.Errorf("review %+v: %d %s, want 400", bad, code, body)
		}
	}
	if code, body := send(t, srv, "POST", review, privacyToken, api.SpotCheckReview{Outcome: "ok"}); code != http.StatusConflict {
		t.Errorf("a sample holding the reviewer's own look-up: %d %s, want 409", code, body)
	}
	if code, body := send(t, srv, "POST", review, adminToken, api.SpotCheckReview{Outcome: "ok"}); code != http.StatusForbidden {
		t.Errorf("review as municipal administrator: %d %s, want 403", code, body)
	}
	var others []int64
	for _, ev := range all.Sample {
		if ev.Actor.ID != "dpo@kommune.dk" {
			others = append(others, ev.Seq)
		}
	}
	code, body = send(t, srv, "POST", review, privacyToken, api.SpotCheckReview{Outcome: "justified", Records: others, Note: "class lists at term start"})
	var rv api.SpotCheckReview
	if code != http.StatusCreated || json.Unmarshal(body, &rv) != nil || rv.Reviewer != "dpo@kommune.dk" || len(rv.Records) != 30 {
		t.Fatalf("review: %d %s", code, body)
	}
	code, body = send(t, srv, "GET", "/api/v1/audit/spotchecks/"+all.ID, privacyToken, nil)
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Reviews) != 1 || got.Reviews[0].Outcome != "justified" {
		t.Errorf("spot check after the review: %d %s", code, body)
	}
	if code, body := send(t, srv, "POST", "/api/v1/audit/spotchecks/"+period+"-000000000000/reviews", privacyToken, api.SpotCheckReview{Outcome: "ok"}); code != http.StatusNotFound {
		t.Errorf("review of an unknown spot check: %d %s, want 404", code, body)
	}

	// The log: one review record with the outcome and the records, an
	// access record per attempt, and it verifies.
	if err := lg.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var reviews, granted, denied int
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var r struct {
			Type    string  `json:"type"`
			Outcome string  `json:"outcome"`
			Period  string  `json:"period"`
			Records []int64 `json:"records"`
			Note    string  `json:"note"`
			Denied  bool    `json:"denied"`
			What    string  `json:"what"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		switch r.Type {
		case auditlog.TypeReview:
			reviews++
			if r.Outcome != "justified" || r.Period != period || !slices.Equal(r.Records, others) || !strings.Contains(r.Note, all.ID) {
				t.Errorf("review record %s", line)
			}
		case auditlog.TypeAccess:
			if !strings.HasPrefix(r.What, "spot check") {
				t.Errorf("access record %s", line)
			}
			if r.Denied {
				denied++
			} else {
				granted++
			}
		}
	}
	// Granted (the caller is checked before the request): 4 bad and 5
	// good draws, 1 list, 4 reads (three of unknown ids), 2 bad reviews,
	// the own-look-up review, the review, the read after it and the
	// review of an unknown spot check. Refused: the draw, the read and
	// the review by the municipal administrator.
	if reviews != 1 || granted != 20 || denied != 3 {
		t.Errorf("log: %d reviews, %d granted and %d refused accesses; want 1, 20, 3", reviews, granted, denied)
	}
	if _, err := auditlog.Verify(bytes.NewReader(raw), auditlog.VerifyOptions{}); err != nil {
		t.Errorf("the log does not verify: %v", err)
	}
}

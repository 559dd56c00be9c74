package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/anomaly"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
)

// countingStore counts the Puts of a MemoryStore.
type countingStore struct {
	broker.MemoryStore
	puts int
}

func (s *countingStore) Put(ctx context.Context, key string, v []byte) error {
	s.puts++
	return s.MemoryStore.Put(ctx, key, v)
}

// TestStaffDirectory: a principal's role and scope are learnt, stored
// once while they stay the same, rewritten when they change, and known to
// a new directory over the same store (a restart).
func TestStaffDirectory(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{}
	d := &api.StaffDirectory{Store: store}
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	teacher := &api.Principal{ID: "laerer@skole.dk", Kind: "person", Role: api.Teacher, Institutions: []string{"101"}, Classes: []string{"101/7a"}}
	for range 3 {
		if err := d.Observe(ctx, teacher, now); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*api.Principal{
		{ID: "mor@example.dk", Kind: "person", Role: api.Parent, Children: []string{"child-1"}},
		{ID: "it@kommune.dk", Kind: "person", Role: api.MunicipalAdmin},
	} {
		if err := d.Observe(ctx, p, now); err != nil {
			t.Fatal(err)
		}
	}
	if store.puts != 3 {
		t.Errorf("%d puts for three principals, want 3", store.puts)
	}
	keys, err := store.List(ctx, "audit/staff/")
	if err != nil || len(keys) != 3 {
		t.Errorf("stored keys %v, %v", keys, err)
	}
	teacher.Classes = []string{"101/8a"} // moved on to another class
	if err := d.Observe(ctx, teacher, now.Add(time.Hour)); err != nil || store.puts != 4 {
		t.Errorf("scope change: %v, %d puts", err, store.puts)
	}

	again := &api.StaffDirectory{Store: store}
	got, err := again.Staff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]anomaly.Staff{
		"laerer@skole.dk": {ID: "laerer@skole.dk", Role: "teacher", Institutions: []string{"101"}, Classes: []string{"101/8a"}},
		"mor@example.dk":  {ID: "mor@example.dk", Role: "parent", Persons: []string{"child-1"}},
		"it@kommune.dk":   {ID: "it@kommune.dk", Role: "municipal-admin", Wide: true},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("after a restart (-want +got):\n%s", d)
	}
	es, err := again.Entries(ctx)
	if err != nil || len(es) != 3 || es[0].ID != "it@kommune.dk" || !es[1].Seen.Equal(now.Add(time.Hour)) {
		t.Errorf("entries %+v, %v", es, err)
	}
}

// TestAnomalyReportKnowsStaffScopes: with the staff directory, the
// anomaly report knows the school administrator's institution from the
// broker's own authorization model: a look-up a vendor's system recorded
// on their behalf of a pupil of another school is outside their scope,
// their own class list is not, and they are not taken for a former
// employee — while an actor the broker never authenticated is (one
// person outside the scope is enough here: OutsideMin 1). Without
// the directory (the control) the administrator is unknown.
func TestAnomalyReportKnowsStaffScopes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink, err := auditlog.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	lg := auditlog.New(sink, auditlog.Options{ReviewRoles: []string{string(api.PrivacyOfficer)}, Clock: e.clk.Now})
	open := func(context.Context) (io.ReadCloser, error) { return os.Open(path) }
	staff := &api.StaffDirectory{Store: &broker.MemoryStore{}}
	srv := api.New(api.Server{Broker: e.b, Sources: e.src, Log: quiet, Clock: e.clk.Now, Audit: lg,
		AuditAccess: &api.AuditAccess{Log: lg, Open: open, Staff: staff, Report: anomaly.Config{OutsideMin: 1}},
		Auth: api.Tokens{
			privacyToken: {ID: "dpo@kommune.dk", Kind: "person", Role: api.PrivacyOfficer},
			schoolTok:    {ID: "leder@skole.dk", Kind: "person", Role: api.SchoolAdmin, Institutions: []string{e.inst}},
		}})

	if code, _, body := get(t, srv, "/api/v1/institutions/"+e.inst+"/persons", schoolTok); code != http.StatusOK {
		t.Fatalf("own class list: %d %s", code, body)
	}
	var elsewhere string
	for _, a := range e.snap.Affiliations {
		if e.snap.AffiliationInstitution(a) == e.other {
			elsewhere = a.PersonID
			break
		}
	}
	if elsewhere == "" {
		t.Fatal("no person at the other school")
	}
	for _, l := range []auditlog.Lookup{
		{Actor: auditlog.Actor{ID: "leder@skole.dk"}, Role: "school-admin", Purpose: "support case", Persons: []string{elsewhere}, Count: 1, Client: "vendor-x"},
		{Actor: auditlog.Actor{ID: "ghost@skole.dk"}, Role: "teacher", Purpose: "support case", Persons: []string{elsewhere}, Count: 1, Client: "vendor-x"},
	} {
		l.Time = e.clk.Now()
		if err := lg.Lookup(ctx, l); err != nil {
			t.Fatal(err)
		}
	}

	findings := func(rep *anomaly.Report) map[string][]string {
		out := map[string][]string{}
		for _, f := range rep.Findings {
			if f.Actor != "" {
				out[f.Actor] = append(out[f.Actor], f.Kind)
			}
		}
		return out
	}
	code, _, body := get(t, srv, "/api/v1/audit/anomalies", privacyToken)
	var rep anomaly.Report
	if code != http.StatusOK || json.Unmarshal([]byte(body), &rep) != nil {
		t.Fatalf("report: %d %s", code, body)
	}
	got := findings(&rep)
	// The finding rests on the vendor's record alone (the look-up of
	// one person), not on the class list (every pupil of the school).
	if k := got["leder@skole.dk"]; len(k) != 1 || k[0] != anomaly.KindOutsideScope {
		t.Errorf("school administrator: findings %v, want one %s\n%s", k, anomaly.KindOutsideScope, body)
	}
	for _, f := range rep.Findings {
		if f.Kind == anomaly.KindOutsideScope && !slices.Equal(f.Records, []int64{2}) {
			t.Errorf("outside-scope finding on records %v, want [2] (the vendor's look-up)", f.Records)
		}
	}
	if k := got["ghost@skole.dk"]; len(k) != 1 || k[0] != anomaly.KindFormer {
		t.Errorf("unknown actor: findings %v, want one %s", k, anomaly.KindFormer)
	}

	// The control: the same log without the directory knows no staff.
	plain := &api.AuditAccess{Log: lg, Open: open}
	crep, err := plain.Anomalies(ctx, auditlog.Caller{Actor: auditlog.Actor{ID: "dpo@kommune.dk"}, Role: string(api.PrivacyOfficer)}, "control", nil, e.b.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if k := findings(crep)["leder@skole.dk"]; len(k) != 1 || k[0] != anomaly.KindFormer {
		t.Errorf("control without the directory: findings %v, want the administrator taken for a former employee", k)
	}
}

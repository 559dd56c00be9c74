package agent_test

import (
	"archive/zip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/agent"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

var quiet = slog.New(slog.DiscardHandler)

const agentToken = "agent-token"

// harness is a broker with one agent client "site" behind an HTTPS
// server whose handler tests can take down, swap (a restarted broker on
// the same Store) or make drop an answer.
type harness struct {
	store *broker.MemoryStore
	snap  *orgmodel.Snapshot
	now   time.Time
	ts    *httptest.Server
	dir   *memdir.Dir

	mu     sync.Mutex
	b      *broker.Broker
	agents *broker.Agents
	srv    http.Handler
	down   bool
	// before, when set, is called with each agent request before the
	// broker sees it; returning true drops the connection instead.
	before func(r *http.Request) bool
	// after, when set, is called after the broker answered a request;
	// returning true drops the answer (the broker did the work).
	after func(r *http.Request) bool
	runs  atomic.Int32 // Options.OnRun calls
	// planBytes counts the bytes of the last plan answer.
	planBytes atomic.Int64
}

// counting counts what a handler writes.
type counting struct {
	http.ResponseWriter
	n int64
}

func (c *counting) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	snap := synth.Generate(synth.Tiny)
	h := &harness{store: &broker.MemoryStore{}, snap: snap, now: synth.ReferenceTime(snap.SchoolYear), dir: memdir.New()}
	h.restart(t)
	if err := h.b.SetSnapshot(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	h.ts = httptest.NewTLSServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.ts.Close)
	return h
}

// restart builds a new broker on the same Store, as a restarted process.
func (h *harness) restart(t *testing.T) {
	t.Helper()
	b, err := broker.New(context.Background(), broker.Options{Store: h.store, Log: quiet, Clock: func() time.Time { return h.now },
		OnRun: func(string, *broker.RunReport) { h.runs.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	ag, err := broker.NewAgents(b, broker.AgentClient{Name: "site", FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.b, h.agents = b, ag
	h.srv = api.New(api.Server{Broker: b, Agents: ag, Log: quiet, Auth: api.Tokens{
		agentToken:    {ID: "agent-site", Kind: "client", Role: api.Agent, Client: "site"},
		"other-agent": {ID: "agent-other", Kind: "client", Role: api.Agent, Client: "other"},
		"admin":       {ID: "admin@kommune.dk", Kind: "person", Role: api.MunicipalAdmin},
	}})
	h.mu.Unlock()
}

func (h *harness) setDown(d bool) { h.mu.Lock(); h.down = d; h.mu.Unlock() }

// hooks sets before and after (nil clears).
func (h *harness) hooks(before, after func(r *http.Request) bool) {
	h.mu.Lock()
	h.before, h.after = before, after
	h.mu.Unlock()
}

func (h *harness) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	down, srv, before, after := h.down, h.srv, h.before, h.after
	h.mu.Unlock()
	if down || (before != nil && before(r)) {
		drop(w)
		return
	}
	if after == nil {
		cw := &counting{ResponseWriter: w}
		srv.ServeHTTP(cw, r)
		if strings.HasSuffix(r.URL.Path, "/plan") {
			h.planBytes.Store(cw.n)
		}
		return
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, r)
	if after(r) {
		drop(w)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// drop closes the connection without an answer: the client sees a
// network error.
func drop(w http.ResponseWriter) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		c.Close()
	}
}

func (h *harness) agent(t *testing.T) *agent.Agent {
	t.Helper()
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	return &agent.Agent{URL: h.ts.URL, Client: "site", HTTP: h.ts.Client(), Token: agentToken,
		Target: h.dir, Config: cfg, State: provision.StateFile(filepath.Join(t.TempDir(), "state.json")),
		SeqFile: filepath.Join(t.TempDir(), "seq"), Log: quiet, Clock: func() time.Time { return h.now },
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

func (h *harness) status(t *testing.T) broker.AgentStatus {
	t.Helper()
	h.mu.Lock()
	ag := h.agents
	h.mu.Unlock()
	st, err := ag.Status(context.Background(), "site")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func users(d *memdir.Dir) (active, disabled int) {
	for _, o := range d.Objects() {
		if o.Kind != diff.User {
			continue
		}
		if o.Disabled {
			disabled++
		} else {
			active++
		}
	}
	return active, disabled
}

func TestAgentApplies(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t)
	res, err := a.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Err != nil || res.Seq != 1 || res.Report.Applied == 0 || res.Report.Applied != res.Report.Planned {
		t.Fatalf("result %+v (report %+v)", res, res.Report)
	}
	if act, _ := users(h.dir); act == 0 {
		t.Fatal("no users applied")
	}
	st := h.status(t)
	if st.Seq != 1 || st.Started != 1 || st.Reported != 1 || st.Last == nil || st.Last.Applied != res.Report.Applied {
		t.Fatalf("status %+v", st)
	}
	// A leaver: the source drops a person; the next plan disables them.
	cut := *h.snap
	gone := cut.Affiliations[len(cut.Affiliations)-1].PersonID
	cut.Affiliations = slices.DeleteFunc(slices.Clone(cut.Affiliations), func(a orgmodel.Affiliation) bool { return a.PersonID == gone })
	cut.Persons = slices.DeleteFunc(slices.Clone(cut.Persons), func(p orgmodel.Person) bool { return p.ID == gone })
	h.now = h.now.Add(time.Hour)
	if err := h.b.SetSnapshot(context.Background(), &cut); err != nil {
		t.Fatal(err)
	}
	res, err = a.Once(context.Background())
	if err != nil || res.Err != nil || res.Seq != 2 {
		t.Fatalf("second cycle: %+v %v", res, err)
	}
	if _, dis := users(h.dir); dis != 1 {
		t.Fatalf("%d disabled users after the leaver, want 1 (report %+v)", dis, res.Report)
	}
	if n := h.runs.Load(); n != 2 {
		t.Errorf("OnRun told %d times, want 2", n)
	}
}

// TestAgentUnchangedSnapshot: a plan whose snapshot the agent already
// holds is sent without it.
func TestAgentUnchangedSnapshot(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t)
	if _, err := a.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	full := h.planBytes.Load()
	res, err := a.Once(context.Background())
	if err != nil || res.Seq != 2 || res.Report.Planned != 0 || res.Err != nil {
		t.Fatalf("%+v %v, want plan 2 with nothing to do", res, err)
	}
	if small := h.planBytes.Load(); small*20 > full {
		t.Errorf("the unchanged plan took %d bytes, the first %d", small, full)
	}
	ctx := context.Background()
	p1, err := h.agents.Issue(ctx, "site", "")
	if err != nil || p1.Snapshot == nil || p1.Unchanged || p1.Digest == "" {
		t.Fatalf("%+v %v", p1, err)
	}
	if p2, _ := h.agents.Issue(ctx, "site", p1.Digest); p2.Snapshot != nil || !p2.Unchanged || p2.Digest != p1.Digest {
		t.Errorf("same digest: %+v", p2)
	}
	if p3, _ := h.agents.Issue(ctx, "site", "0000"); p3.Snapshot == nil || p3.Unchanged {
		t.Errorf("another digest: %+v", p3)
	}
	// The source changes: the digest too, and the snapshot is sent.
	cut := *h.snap
	cut.Affiliations = cut.Affiliations[1:]
	if err := h.b.SetSnapshot(ctx, &cut); err != nil {
		t.Fatal(err)
	}
	if p4, _ := h.agents.Issue(ctx, "site", p1.Digest); p4.Snapshot == nil || p4.Digest == p1.Digest {
		t.Errorf("after a change: unchanged %v, digest %s", p4.Unchanged, p4.Digest)
	}
}

func TestAgentBrokerRestart(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t)
	// The broker goes down after the plan was issued and comes back,
	// restarted, while the agent retries its start.
	var starts, reports atomic.Int32
	h.hooks(func(r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/start") && starts.Add(1) <= 3 {
			if starts.Load() == 3 {
				h.restart(t)
			}
			return true
		}
		// And again while the agent reports.
		if strings.HasSuffix(r.URL.Path, "/report") && reports.Add(1) <= 2 {
			if reports.Load() == 2 {
				h.restart(t)
			}
			return true
		}
		return false
	}, nil)
	res, err := a.Once(context.Background())
	if err != nil || res.Err != nil {
		t.Fatalf("%+v %v", res, err)
	}
	if starts.Load() != 4 || reports.Load() != 3 {
		t.Fatalf("%d start and %d report requests, want 4 and 3", starts.Load(), reports.Load())
	}
	if act, _ := users(h.dir); act == 0 {
		t.Fatal("nothing applied")
	}
	st := h.status(t)
	if st.Seq != 1 || st.Reported != 1 {
		t.Fatalf("restarted broker's status %+v, want plan 1 reported", st)
	}
	// The restarted broker goes on counting: the next plan is 2.
	h.hooks(nil, nil)
	res, err = a.Once(context.Background())
	if err != nil || res.Seq != 2 || res.Report.Planned != 0 {
		t.Fatalf("next cycle %+v %v, want plan 2 with nothing to do", res, err)
	}
}

func TestAgentDroppedReport(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t)
	// The broker takes the report, but the answer is lost twice; the
	// agent repeats it and the broker keeps it once.
	// And the plan's answer is lost once: the agent fetches again and
	// gets the next number.
	var dropped, plans atomic.Int32
	h.hooks(nil, func(r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/plan") {
			return plans.Add(1) == 1
		}
		return strings.HasSuffix(r.URL.Path, "/report") && dropped.Add(1) <= 2
	})
	res, err := a.Once(context.Background())
	if err != nil || res.Err != nil {
		t.Fatalf("%+v %v", res, err)
	}
	if res.Seq != 2 {
		t.Errorf("applied plan %d, want 2 (plan 1's answer was lost)", res.Seq)
	}
	if dropped.Load() != 3 {
		t.Errorf("%d report requests, want 3", dropped.Load())
	}
	if n := h.runs.Load(); n != 1 {
		t.Errorf("the broker took the report %d times, want once", n)
	}
	if st := h.status(t); st.Reported != 2 || st.Last == nil || st.Last.Applied == 0 {
		t.Errorf("status %+v", st)
	}
}

func TestAgentStale(t *testing.T) {
	t.Run("later plan issued before start", func(t *testing.T) {
		h := newHarness(t)
		a := h.agent(t)
		// Another plan is issued between the agent's fetch and its start
		// (a second agent instance, a duplicated request).
		var once sync.Once
		h.hooks(func(r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "/start") {
				once.Do(func() {
					if _, err := h.agents.Issue(r.Context(), "site", ""); err != nil {
						t.Error(err)
					}
				})
			}
			return false
		}, nil)
		_, err := a.Once(context.Background())
		if !errors.Is(err, broker.ErrStale) {
			t.Fatalf("err %v, want ErrStale", err)
		}
		if n := h.dir.Len(); n != 0 {
			t.Fatalf("%d objects applied from a stale plan", n)
		}
		// The agent's next cycle takes the newest plan.
		res, err := a.Once(context.Background())
		if err != nil || res.Seq != 3 {
			t.Fatalf("%+v %v, want plan 3", res, err)
		}
	})
	t.Run("report of a superseded plan", func(t *testing.T) {
		h := newHarness(t)
		a := h.agent(t)
		h.hooks(func(r *http.Request) bool {
			if strings.HasSuffix(r.URL.Path, "/report") {
				_, _ = h.agents.Issue(r.Context(), "site", "")
			}
			return false
		}, nil)
		if _, err := a.Once(context.Background()); !errors.Is(err, broker.ErrStale) {
			t.Fatalf("err %v, want ErrStale", err)
		}
		if st := h.status(t); st.Reported != 0 {
			t.Fatalf("a stale report was kept: %+v", st)
		}
	})
	t.Run("broker lost its numbers", func(t *testing.T) {
		h := newHarness(t)
		a := h.agent(t)
		if _, err := a.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The broker's state is gone (a restore of an old backup): it
		// issues plan 1 again, which the agent has seen.
		if err := h.store.Delete(context.Background(), "agent/site/seq"); err != nil {
			t.Fatal(err)
		}
		before := h.dir.Objects()
		_, err := a.Once(context.Background())
		if !errors.Is(err, broker.ErrStale) {
			t.Fatalf("err %v, want ErrStale", err)
		}
		if len(h.dir.Objects()) != len(before) {
			t.Fatal("the target changed")
		}
	})
	t.Run("broker refuses", func(t *testing.T) {
		h := newHarness(t)
		if err := h.agents.Start(context.Background(), "site", 5); !errors.Is(err, broker.ErrStale) {
			t.Errorf("start of a plan never issued: %v", err)
		}
		if err := h.agents.Report(context.Background(), "site", 1, &broker.RunReport{}); !errors.Is(err, broker.ErrStale) {
			t.Errorf("report of a plan never issued: %v", err)
		}
	})
}

func TestAgentRefused(t *testing.T) {
	h := newHarness(t)
	for name, a := range map[string]*agent.Agent{
		"bad token":    {Token: "nope"},
		"other client": {Token: "other-agent"},
		"admin":        {Token: "admin"},
	} {
		t.Run(name, func(t *testing.T) {
			a.URL, a.Client, a.HTTP, a.Target, a.Log, a.MinBackoff = h.ts.URL, "site", h.ts.Client(), h.dir, quiet, time.Millisecond
			if _, err := a.Once(context.Background()); !errors.Is(err, agent.ErrRefused) {
				t.Fatalf("err %v, want ErrRefused", err)
			}
		})
	}
	if st := h.status(t); st.Seq != 0 {
		t.Fatalf("a plan was issued to a refused caller: %+v", st)
	}
	if _, err := (&agent.Agent{}).Once(context.Background()); !errors.Is(err, agent.ErrConfig) {
		t.Fatalf("empty agent: %v", err)
	}
}

func TestAgentRetriesUntilCancelled(t *testing.T) {
	h := newHarness(t)
	h.setDown(true)
	a := h.agent(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := a.Once(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the context's", err)
	}
	h.setDown(false)
	if _, err := a.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAgentLoopStopsOnStale(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t)
	a.Interval = time.Millisecond
	var n atomic.Int32
	h.hooks(func(r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/start") && n.Add(1) == 3 {
			_, _ = h.agents.Issue(r.Context(), "site", "")
		}
		return false
	}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Loop(ctx); !errors.Is(err, broker.ErrStale) {
		t.Fatalf("loop: %v, want ErrStale", err)
	}
	if st := h.status(t); st.Reported != 2 {
		t.Fatalf("status %+v, want two plans reported before the stale one", st)
	}
}

func TestAgentLogBundle(t *testing.T) {
	h := newHarness(t)
	a := h.agent(t)
	a.Bundle = func(_ context.Context, w io.Writer) error {
		z := zip.NewWriter(w)
		f, _ := z.Create("agent.log")
		_, _ = io.WriteString(f, "run applied\n")
		return z.Close()
	}
	id, err := h.agents.RequestLogs(context.Background(), "site", "admin@kommune.dk")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.agents.PutLogs(context.Background(), "site", "wrong", []byte("x")); !errors.Is(err, broker.ErrNoLogRequest) {
		t.Fatalf("upload nobody asked for: %v", err)
	}
	if _, err := a.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	lb, err := h.agents.Logs(context.Background(), "site", id)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(strings.NewReader(string(lb.Data)), int64(len(lb.Data)))
	if err != nil || len(zr.File) != 1 || zr.File[0].Name != "agent.log" || lb.RequestedBy != "admin@kommune.dk" {
		t.Fatalf("bundle %+v: %v", lb, err)
	}
	if st := h.status(t); st.LogBundle != "" {
		t.Fatalf("request still open: %+v", st)
	}
	// Uploaded once: the next plan asks for nothing.
	if err := h.agents.PutLogs(context.Background(), "site", id, []byte("again")); !errors.Is(err, broker.ErrNoLogRequest) {
		t.Fatalf("second upload: %v", err)
	}
}

// TestAgentMutualTLS authenticates the agent by its client certificate
// (api.ClientCerts), pinned by fingerprint.
func TestAgentMutualTLS(t *testing.T) {
	h := newHarness(t)
	ca, caKey := newCert(t, "test CA", nil, nil)
	good, goodKey := newCert(t, "agent-site", ca, caKey)
	other, otherKey := newCert(t, "agent-other", ca, caKey)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srv := api.New(api.Server{Broker: h.b, Agents: h.agents, Log: quiet, Auth: api.ClientCerts{
		api.CertFingerprint(good.Raw): {ID: "agent-site", Kind: "client", Role: api.Agent, Client: "site"},
	}})
	ts := httptest.NewUnstartedServer(srv)
	ts.TLS = &tls.Config{ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	ts.StartTLS()
	defer ts.Close()
	client := func(c *x509.Certificate, k *ecdsa.PrivateKey) *http.Client {
		hc := ts.Client()
		tr := hc.Transport.(*http.Transport).Clone()
		if c != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{{Certificate: [][]byte{c.Raw}, PrivateKey: k}}
		}
		return &http.Client{Transport: tr}
	}
	a := h.agent(t)
	a.URL, a.Token = ts.URL, ""
	a.HTTP = client(other, otherKey)
	if _, err := a.Once(context.Background()); !errors.Is(err, agent.ErrRefused) {
		t.Fatalf("a certificate of the same CA that is not pinned: %v, want ErrRefused", err)
	}
	a.HTTP = client(nil, nil)
	if _, err := a.Once(context.Background()); !errors.Is(err, agent.ErrRefused) {
		t.Fatalf("no certificate: %v, want ErrRefused", err)
	}
	a.HTTP = client(good, goodKey)
	if res, err := a.Once(context.Background()); err != nil || res.Report.Applied == 0 {
		t.Fatalf("%+v %v", res, err)
	}
	if got := api.NormalizeFingerprint("sha256 Fingerprint=AB:CD:0E"); got != "abcd0e" {
		t.Errorf("NormalizeFingerprint: %q", got)
	}
}

func newCert(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
		parent, parentKey = tmpl, key
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func TestNewAgentsErrors(t *testing.T) {
	h := newHarness(t)
	for name, cs := range map[string][]broker.AgentClient{
		"no name":   {{Name: ""}},
		"twice":     {{Name: "x"}, {Name: "x"}},
		"no report": nil,
	} {
		t.Run(name, func(t *testing.T) {
			if cs == nil {
				if err := h.agents.Report(context.Background(), "site", 1, nil); !errors.Is(err, provision.ErrInput) {
					t.Fatalf("nil report: %v", err)
				}
				return
			}
			if _, err := broker.NewAgents(h.b, cs...); !errors.Is(err, provision.ErrConfig) {
				t.Fatalf("err %v, want ErrConfig", err)
			}
		})
	}
	if _, err := h.agents.Issue(context.Background(), "nobody", ""); !errors.Is(err, broker.ErrUnknown) {
		t.Fatalf("unknown client: %v", err)
	}
}

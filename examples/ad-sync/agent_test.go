package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

const (
	agentTestToken  = "agent-token-site"
	importTestToken = "import-token"
)

// agentEnv is a broker (FileStore, import API, agent client "site") on
// an HTTPS port of its own, restartable on the same port, and an ad-sync
// agent configuration for a fresh OU in the test Samba.
type agentEnv struct {
	tb         testing.TB
	snap       *orgmodel.Snapshot
	inst       string
	base, mark string
	conn       *ldap.Conn
	cfg        string
	storeDir   string
	cert       tls.Certificate
	addr       string
	ref, start time.Time
	quiet      *slog.Logger

	mu     sync.Mutex
	srv    *http.Server
	b      *broker.Broker
	agents *broker.Agents
	src    *broker.Sources
	// hook, when set, sees each request first: "drop" closes the
	// connection unanswered, "drop-answer" lets the broker do the work
	// and then closes it.
	hook func(r *http.Request) string
	runs atomic.Int32 // reports the broker took (Options.OnRun)
}

func newAgentEnv(tb testing.TB, interval string) *agentEnv {
	tb.Helper()
	url := os.Getenv("ORGSYNC_AD_URL")
	if url == "" {
		tb.Skip("ORGSYNC_AD_URL not set; run eval \"$(.ci/servers/samba.sh start)\"")
	}
	rnd := make([]byte, 4)
	_, _ = rand.Read(rnd)
	// A seed of its own: names (and so usernames, unique in the domain)
	// differ from other tests'. Cut to a few persons: the tests are about
	// the agent, not about AD's speed.
	s := synth.Generate(synth.Config{Seed: int64(rnd[0])<<8 | int64(rnd[1]), Persons: 60, Schools: 1, Daycares: -1, FUs: -1})
	keep := map[string]bool{}
	for _, a := range s.Affiliations {
		if len(keep) < 20 && !slices.Contains(a.Roles, orgmodel.Elev) {
			keep[a.PersonID] = true
		}
	}
	s.Persons = slices.DeleteFunc(s.Persons, func(p orgmodel.Person) bool { return !keep[p.ID] })
	s.Affiliations = slices.DeleteFunc(s.Affiliations, func(a orgmodel.Affiliation) bool {
		return !keep[a.PersonID] || slices.Contains(a.Roles, orgmodel.Elev)
	})
	for i := range s.Affiliations {
		s.Affiliations[i].MainGroupID, s.Affiliations[i].GroupIDs = "", nil
	}
	s.Groups, s.Contacts, s.Managers = nil, nil, nil
	if err := s.Validate(); err != nil {
		tb.Fatal(err)
	}
	e := &agentEnv{tb: tb, snap: s, conn: adminConn(tb), storeDir: tb.TempDir(),
		base: "OU=agent-" + hex.EncodeToString(rnd) + ",OU=orgsync-tests," + os.Getenv("ORGSYNC_AD_BASE"),
		mark: "orgsync-" + hex.EncodeToString(rnd) + ":",
		ref:  synth.ReferenceTime(s.SchoolYear), start: time.Now(),
		quiet: slog.New(slog.DiscardHandler)}
	for _, in := range s.Institutions {
		if in.Type == orgmodel.School {
			e.inst = in.Number
		}
	}
	tb.Cleanup(func() { deleteTree(tb, e.base) })
	e.cert = serverCert(tb)
	dir := tb.TempDir()
	ca := filepath.Join(dir, "broker-ca.pem")
	writeFileTB(tb, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.cert.Certificate[0]})))
	tok := filepath.Join(dir, "agent.token")
	writeFileTB(tb, tok, agentTestToken+"\n")
	e.startBroker(true)
	tb.Cleanup(e.stopBroker)
	e.cfg = filepath.Join(dir, "ad-sync.yaml")
	writeFileTB(tb, e.cfg, `state: `+filepath.Join(dir, "state.json")+`
auditLog: `+filepath.Join(dir, "audit.jsonl")+`
concurrency: 16
ad:
  url: `+url+`
  bindDN: `+os.Getenv("ORGSYNC_AD_BIND")+`
  caFile: `+os.Getenv("ORGSYNC_AD_CA")+`
  base: "`+e.base+`"
  markPrefix: "`+e.mark+`"
  createBase: true
  upnDomain: skole.test
usernames:
  standard: "d{first:3}{last:3}{n}"
  salt: "`+hex.EncodeToString(rnd)+`"
agent:
  broker: https://`+e.addr+`
  client: site
  caFile: `+ca+`
  tokenFile: `+tok+`
  interval: `+interval+`
  maxBackoff: 1s
  logDir: `+filepath.Join(dir, "logs")+`
`)
	return e
}

func writeFileTB(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// now is the broker's and the agent's clock: the snapshot's reference
// time, running on.
func (e *agentEnv) now() time.Time { return e.ref.Add(time.Since(e.start)) }

// startBroker starts the broker process on e.addr (a fresh port the
// first time); first also gives it the STIL snapshot. A restarted broker
// loads its state from the same FileStore.
func (e *agentEnv) startBroker(first bool) {
	tb := e.tb
	ctx := context.Background()
	st, err := broker.OpenFileStore(e.storeDir)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := broker.New(ctx, broker.Options{Store: st, Clock: e.now, Log: e.quiet,
		OnRun: func(string, *broker.RunReport) { e.runs.Add(1) }})
	if err != nil {
		tb.Fatal(err)
	}
	ag, err := broker.NewAgents(b, broker.AgentClient{Name: "site", FullSyncHour: -1})
	if err != nil {
		tb.Fatal(err)
	}
	hs, err := snapstore.OpenFiles(filepath.Join(e.storeDir, "history"))
	if err != nil {
		tb.Fatal(err)
	}
	src := &broker.Sources{Broker: b, History: &snapstore.History{Store: hs, Logger: e.quiet}, Log: e.quiet, Clock: e.now}
	if first {
		if _, err := src.SetSTIL(ctx, e.snap); err != nil {
			tb.Fatal(err)
		}
	}
	h := api.New(api.Server{Broker: b, Sources: src, Agents: ag, Log: e.quiet, Clock: e.now, Auth: api.Tokens{
		agentTestToken:  {ID: "agent-site", Kind: "client", Role: api.Agent, Client: "site"},
		importTestToken: {ID: "hr-system", Kind: "client", Role: api.Importer},
	}})
	addr := e.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var l net.Listener
	for i := 0; ; i++ { // the old listener's port may take a moment to free
		if l, err = net.Listen("tcp", addr); err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		tb.Fatal(err)
	}
	e.addr = l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		hook := e.hook
		e.mu.Unlock()
		what := ""
		if hook != nil {
			what = hook(r)
		}
		switch what {
		case "drop":
			dropConn(w)
		case "drop-answer":
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			dropConn(w)
		default:
			h.ServeHTTP(w, r)
		}
	})}
	go func() { _ = srv.Serve(tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{e.cert}})) }()
	e.mu.Lock()
	e.srv, e.b, e.agents, e.src = srv, b, ag, src
	e.mu.Unlock()
}

// stopBroker stops the broker process: its port closes, connections in
// flight are cut.
func (e *agentEnv) stopBroker() {
	e.mu.Lock()
	srv := e.srv
	e.srv = nil
	e.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

func (e *agentEnv) setHook(h func(r *http.Request) string) {
	e.mu.Lock()
	e.hook = h
	e.mu.Unlock()
}

func dropConn(w http.ResponseWriter) {
	if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
		c.Close()
	}
}

// importLocal posts the local employees (a full extract) to the import
// API, as the HR system does.
func (e *agentEnv) importLocal(ids ...string) {
	e.tb.Helper()
	var recs []string
	for _, id := range ids {
		recs = append(recs, `{"id":"`+id+`","kind":"employee","givenName":"Ida","familyName":"Holm","institution":"`+e.inst+`","roles":["Lærer"],"from":"2020-01-01"}`)
	}
	body := `{"people":[` + strings.Join(recs, ",") + `]}`
	req, err := http.NewRequest("POST", "https://"+e.addr+"/api/v1/import", strings.NewReader(body))
	if err != nil {
		e.tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+importTestToken)
	req.Header.Set("Content-Type", "application/json")
	pool := x509.NewCertPool()
	pool.AddCert(e.cert.Leaf)
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}).Do(req)
	if err != nil {
		e.tb.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
		e.tb.Fatalf("import: %d %s", resp.StatusCode, b)
	}
}

// agent runs "ad-sync agent -config … args…" and returns its exit code
// and output.
func (e *agentEnv) agent(ctx context.Context, args ...string) (int, string) {
	var out syncBuf
	code := e.agentTo(ctx, &out, args...)
	return code, out.String()
}

func (e *agentEnv) agentTo(ctx context.Context, out *syncBuf, args ...string) int {
	return run(ctx, append([]string{"agent", "-config", e.cfg}, args...), out, out, e.now())
}

// syncBuf is an output buffer tests read while the agent writes it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func (e *agentEnv) status() broker.AgentStatus {
	e.tb.Helper()
	e.mu.Lock()
	ag := e.agents
	e.mu.Unlock()
	st, err := ag.Status(context.Background(), "site")
	if err != nil {
		e.tb.Fatal(err)
	}
	return st
}

// account returns whether the managed user with key exists and is
// disabled in Samba.
func (e *agentEnv) account(key string) (exists, disabled bool) {
	res, err := e.conn.Search(ldap.NewSearchRequest(e.base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(adminDescription="+ldap.EscapeFilter(e.mark+key)+")", []string{"userAccountControl"}, nil))
	if err != nil || len(res.Entries) != 1 {
		return false, false
	}
	uac, _ := strconv.Atoi(res.Entries[0].GetAttributeValue("userAccountControl"))
	return true, uac&2 != 0
}

// users counts the managed users in the OU.
func (e *agentEnv) users() int {
	res, err := e.conn.Search(ldap.NewSearchRequest(e.base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=user)(adminDescription="+ldap.EscapeFilter(e.mark)+"*))", []string{"dn"}, nil))
	if err != nil {
		return 0
	}
	return len(res.Entries)
}

func serverCert(tb testing.TB) tls.Certificate {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "broker.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// TestAgentLeaverSamba: a local employee posted to the broker's import
// API is created in Samba by the agent; once the next extract leaves her
// out, the agent's next plan disables her account.
func TestAgentLeaverSamba(t *testing.T) {
	e := newAgentEnv(t, "1m")
	ctx := context.Background()
	id := "hr-" + e.mark[8:16]
	e.importLocal(id)
	code, out := e.agent(ctx, "-once")
	if code != 0 || !strings.Contains(out, "plan 1:") {
		t.Fatalf("first plan: exit %d\n%s", code, out)
	}
	if ok, dis := e.account("user/" + id); !ok || dis {
		t.Fatalf("imported employee: exists %v, disabled %v", ok, dis)
	}
	if n := e.users(); n < 5 {
		t.Fatalf("%d users in the OU", n)
	}
	e.importLocal() // she has left
	// And an administrator asks for the agent's log bundle.
	bundle, err := e.agents.RequestLogs(ctx, "site", "admin@kommune.dk")
	if err != nil {
		t.Fatal(err)
	}
	code, out = e.agent(ctx, "-once")
	if code != 0 || !strings.Contains(out, "plan 2:") {
		t.Fatalf("second plan: exit %d\n%s", code, out)
	}
	if ok, dis := e.account("user/" + id); !ok || !dis {
		t.Fatalf("leaver: exists %v, disabled %v, want disabled\n%s", ok, dis, out)
	}
	st := e.status()
	if st.Reported != 2 || st.Last == nil || st.Last.Applied == 0 || st.Last.Error != "" {
		t.Fatalf("broker's view: %+v (last %+v)", st, st.Last)
	}
	// The bundle is the local log (tar.gz), with both runs' actions.
	lb, err := e.agents.Logs(ctx, "site", bundle)
	if err != nil || lb.Uploaded.IsZero() {
		t.Fatalf("log bundle: %+v %v", lb, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(lb.Data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var all strings.Builder
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if strings.HasSuffix(h.Name, ".log") {
			_, _ = io.Copy(&all, tr)
		}
	}
	if !strings.Contains(all.String(), `"seq":1`) || !strings.Contains(all.String(), "agent: plan reported") {
		t.Errorf("the bundle lacks the runs:\n%.2000s", all.String())
	}
}

// TestAgentBrokerRestart: the broker goes down while the agent applies
// its plan and comes back (a new process on the same port and store):
// the agent's report is retried and taken, and the restarted broker goes
// on numbering plans.
func TestAgentBrokerRestart(t *testing.T) {
	e := newAgentEnv(t, "1m")
	ctx := context.Background()
	restarted := make(chan struct{})
	var once sync.Once
	var buf syncBuf
	e.setHook(func(r *http.Request) string {
		if strings.HasSuffix(r.URL.Path, "/start") {
			once.Do(func() {
				go func() {
					defer close(restarted)
					time.Sleep(300 * time.Millisecond) // the agent is applying
					e.stopBroker()
					// Down until the agent's report found it down.
					for !strings.Contains(buf.String(), "retrying") {
						time.Sleep(50 * time.Millisecond)
					}
					e.startBroker(false)
				}()
			})
		}
		return ""
	})
	code := e.agentTo(ctx, &buf, "-once", "-v")
	out := buf.String()
	<-restarted
	if code != 0 || !strings.Contains(out, "plan 1:") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "retrying") {
		t.Errorf("the agent never had to retry: the broker was not down during the run\n%s", out)
	}
	if n := e.users(); n < 5 {
		t.Fatalf("%d users applied", n)
	}
	if st := e.status(); st.Seq != 1 || st.Reported != 1 || st.Last == nil || st.Last.Applied < 5 {
		t.Fatalf("restarted broker's view: %+v", st)
	}
	code, out = e.agent(ctx, "-once")
	if code != 0 || !strings.Contains(out, "plan 2: 0 planned") {
		t.Fatalf("after the restart: exit %d\n%s", code, out)
	}
}

// TestAgentDroppedReport: the connection drops before the report reaches
// the broker, then the broker's answer to it is lost; the agent repeats
// the report and the broker takes it once.
func TestAgentDroppedReport(t *testing.T) {
	e := newAgentEnv(t, "1m")
	var reports atomic.Int32
	e.setHook(func(r *http.Request) string {
		if strings.HasSuffix(r.URL.Path, "/report") {
			switch reports.Add(1) {
			case 1:
				return "drop"
			case 2:
				return "drop-answer"
			}
		}
		return ""
	})
	code, out := e.agent(context.Background(), "-once")
	if code != 0 || !strings.Contains(out, "plan 1:") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if reports.Load() != 3 {
		t.Errorf("%d report requests, want 3", reports.Load())
	}
	if n := e.runs.Load(); n != 1 {
		t.Errorf("the broker took the report %d times, want once", n)
	}
	if st := e.status(); st.Reported != 1 || st.Last == nil || st.Last.Applied < 5 {
		t.Errorf("broker's view: %+v", st)
	}
}

// TestAgentStale: a later plan is issued between the agent's fetch and
// its start; the broker refuses the start, the agent applies nothing and
// exits with ExitAgentStale; its next run applies the newest plan. A
// broker whose numbers went back is refused by the agent.
func TestAgentStale(t *testing.T) {
	e := newAgentEnv(t, "1m")
	ctx := context.Background()
	var once sync.Once
	e.setHook(func(r *http.Request) string {
		if strings.HasSuffix(r.URL.Path, "/start") {
			once.Do(func() {
				if _, err := e.agents.Issue(r.Context(), "site", ""); err != nil {
					t.Error(err)
				}
			})
		}
		return ""
	})
	code, out := e.agent(ctx, "-once")
	if code != ExitAgentStale || !strings.Contains(out, "stale") {
		t.Fatalf("exit %d, want %d\n%s", code, ExitAgentStale, out)
	}
	if n := e.users(); n != 0 {
		t.Fatalf("%d users applied from a stale plan", n)
	}
	if code, out := e.agent(ctx, "-once"); code != 0 || !strings.Contains(out, "plan 3:") {
		t.Fatalf("next run: exit %d\n%s", code, out)
	}
	// The broker's store is restored from an old backup: it issues plan
	// 1 again, which the agent refuses.
	e.stopBroker()
	if err := os.Remove(filepath.Join(e.storeDir, "agent%2Fsite%2Fseq.json")); err != nil {
		t.Fatal(err)
	}
	e.startBroker(false)
	before := e.users()
	code, out = e.agent(ctx, "-once")
	if code != ExitAgentStale || !strings.Contains(out, "not newer") {
		t.Fatalf("old numbers: exit %d, want %d\n%s", code, ExitAgentStale, out)
	}
	if e.users() != before {
		t.Fatal("the target changed")
	}
}

// BenchmarkLeaverSamba measures the issue's end-to-end goal: a leaver
// posted to the broker's import API is disabled in Samba by the agent
// (looping with a 1-minute interval) within one interval plus one run.
// The leaver is posted right after a cycle ended, the worst case.
func BenchmarkLeaverSamba(b *testing.B) {
	for range b.N {
		e := newAgentEnv(b, "1m")
		ctx, cancel := context.WithCancel(context.Background())
		id := "hr-" + e.mark[8:16]
		e.importLocal(id)
		if code, out := e.agent(ctx, "-once"); code != 0 {
			b.Fatalf("exit %d\n%s", code, out)
		}
		done := make(chan string)
		go func() {
			code, out := e.agent(ctx)
			done <- fmt.Sprintf("exit %d\n%s", code, out)
		}()
		// Wait for the loop's first cycle to be reported.
		for e.status().Reported < 2 {
			time.Sleep(50 * time.Millisecond)
		}
		b.ResetTimer()
		start := time.Now()
		e.importLocal()
		for {
			if _, dis := e.account("user/" + id); dis {
				break
			}
			if time.Since(start) > 3*time.Minute {
				b.Fatal("the leaver was not disabled within 3 minutes")
			}
			time.Sleep(100 * time.Millisecond)
		}
		took := time.Since(start)
		b.StopTimer()
		st := e.status()
		b.ReportMetric(took.Seconds(), "s-to-disabled")
		if st.Last != nil {
			b.ReportMetric(st.Last.Duration.Seconds(), "s-disabling-run")
		}
		cancel()
		if out := <-done; !strings.HasPrefix(out, "exit 0") {
			b.Fatal(out)
		}
		if took > time.Minute+30*time.Second {
			b.Errorf("took %v, more than one interval plus one run", took)
		}
	}
}

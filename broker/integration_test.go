package broker_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

var errKilled = errors.New("killed")

// crashing kills the "process" at its limit-th change, which lands in
// the directory; nothing after it is carried out.
type crashing struct {
	*memdir.Dir
	mu      sync.Mutex
	n       int
	limit   int
	crashed bool
}

func (c *crashing) Apply(ctx context.Context, ch diff.Change) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed {
		return errKilled
	}
	c.n++
	if c.n == c.limit {
		c.crashed = true
		_ = c.Dir.Apply(ctx, ch)
		return errKilled
	}
	return c.Dir.Apply(ctx, ch)
}

// TestCrashMidApply: a broker killed in the middle of a client's apply is
// started again on the same state and converges, with nothing lost or
// duplicated, and an audit log that verifies.
func TestCrashMidApply(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	snap := synth.Generate(synth.Tiny)
	clk := &clock{t: synth.ReferenceTime(snap.SchoolYear)}
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	cfg.AuditLog = filepath.Join(dir, "audit.jsonl")
	cfg.Concurrency = 1
	target := memdir.New()
	start := func(tgt diff.Target) *broker.Broker {
		store, err := broker.OpenFileStore(filepath.Join(dir, "state"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := broker.New(ctx, broker.Options{Store: store, Clock: clk.Now, Log: quiet},
			broker.Client{Name: "a", Target: tgt, Config: cfg, Delta: time.Minute, FullSyncHour: -1})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b1 := start(&crashing{Dir: target, limit: 100})
	if err := b1.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	b1.Tick(ctx)
	if st, _ := b1.Status("a"); st.Error == "" {
		t.Fatal("the crashing run reported no error")
	}
	// A new process on the same state (the snapshot too) and the same
	// directory.
	b2 := start(target)
	if b2.Snapshot() == nil {
		t.Fatal("the source snapshot was not kept")
	}
	clk.Add(time.Minute)
	b2.Tick(ctx)
	st, _ := b2.Status("a")
	if st.Error != "" || st.Last.Failed != 0 {
		t.Fatalf("after restart: %+v", st.Last)
	}
	if p, err := b2.Pending(ctx, "a"); err != nil || !p.Plan.Empty() {
		t.Fatalf("not converged: %v", err)
	}
	// The same as a directory synced without a crash: nothing duplicated.
	ref := newFixture(t, "ref")
	ref.b.Tick(ctx)
	if got, want := target.Len(), ref.dirs["ref"].Len(); got != want {
		t.Errorf("%d objects after crash and restart, %d without a crash", got, want)
	}
	f, err := os.Open(cfg.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := diff.VerifyAuditLog(f); err != nil {
		t.Errorf("audit log: %v", err)
	}
}

// TestADClient syncs a small municipality to Samba AD through the broker
// and pauses and resumes the client. It runs in an OU of its own with a
// mark prefix of its own.
func TestADClient(t *testing.T) {
	url := os.Getenv("ORGSYNC_AD_URL")
	if url == "" {
		t.Skip("ORGSYNC_AD_URL not set; run eval \"$(.ci/servers/samba.sh start)\"")
	}
	ctx := context.Background()
	rnd := make([]byte, 4)
	_, _ = rand.Read(rnd)
	tag := hex.EncodeToString(rnd)
	base := "OU=broker-" + tag + ",OU=orgsync-tests," + os.Getenv("ORGSYNC_AD_BASE")
	acfg := ad.Config{URL: url, BindDN: os.Getenv("ORGSYNC_AD_BIND"), Password: os.Getenv("ORGSYNC_AD_PASSWORD"),
		CAFile: os.Getenv("ORGSYNC_AD_CA"), Base: base, Domain: base, UPNDomain: "skole.test",
		MarkPrefix: "orgsync-broker-" + tag + ":", RetryDelay: 10 * time.Millisecond}
	c, err := ad.Dial(ctx, acfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.EnsureBase(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteTree(t, acfg, base) })
	// A small school: AD writes are slow, and the test is about the broker.
	full := synth.Generate(synth.Config{Seed: 3, Persons: 20, Schools: 1, Daycares: 1, FUs: -1})
	keep := map[string]bool{}
	for _, p := range full.Persons[:15] {
		keep[p.ID] = true
	}
	snap := without(full, func(a orgmodel.Affiliation) bool { return !keep[a.PersonID] })
	clk := &clock{t: synth.ReferenceTime(snap.SchoolYear)}
	cfg := provision.Defaults()
	cfg.Usernames.Salt = tag // usernames of its own: sAMAccountName is unique in the domain
	b, err := broker.New(ctx, broker.Options{Clock: clk.Now, Log: quiet},
		broker.Client{Name: "ad", Target: c, Config: cfg, Delta: time.Minute, FullSyncHour: -1, Taken: c.Usernames})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	b.Tick(ctx)
	t.Logf("first sync %v, %d persons", time.Since(t0), len(snap.Persons))
	if st, _ := b.Status("ad"); st.Error != "" || st.Last.Applied == 0 {
		t.Fatalf("first sync: %+v", st.Last)
	}
	if err := b.Pause(ctx, "ad"); err != nil {
		t.Fatal(err)
	}
	var gone string
	for _, a := range snap.Affiliations {
		if a.Institution != "" {
			gone = a.PersonID
			break
		}
	}
	if err := b.SetSnapshot(ctx, without(snap, func(a orgmodel.Affiliation) bool { return a.PersonID == gone })); err != nil {
		t.Fatal(err)
	}
	before, _ := c.Read(ctx)
	clk.Add(time.Hour)
	b.Tick(ctx)
	after, _ := c.Read(ctx)
	if len(after) != len(before) || disabled(after) != disabled(before) {
		t.Fatal("the paused AD client changed")
	}
	if err := b.Resume(ctx, "ad"); err != nil {
		t.Fatal(err)
	}
	b.Tick(ctx)
	after, _ = c.Read(ctx)
	if disabled(after) <= disabled(before) {
		t.Errorf("the leaver was not disabled after resume")
	}
	if p, err := b.Pending(ctx, "ad"); err != nil || !p.Plan.Empty() {
		t.Errorf("AD not converged: %v %v", err, p.Plan.Summary())
	}
}

func disabled(objs []diff.Object) int {
	n := 0
	for _, o := range objs {
		if o.Disabled {
			n++
		}
	}
	return n
}

// deleteTree removes the test's OU with the tree-delete control.
func deleteTree(t *testing.T, cfg ad.Config, dn string) {
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		t.Error(err)
		return
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	host, _, _ := strings.Cut(strings.TrimPrefix(cfg.URL, "ldaps://"), ":")
	conn, err := ldap.DialURL(cfg.URL, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: host}))
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close()
	if err := conn.Bind(cfg.BindDN, cfg.Password); err != nil {
		t.Error(err)
		return
	}
	err = conn.Del(ldap.NewDelRequest(dn, []ldap.Control{ldap.NewControlString(ldap.ControlTypeMicrosoftTreeDelete, true, "")}))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		t.Errorf("delete %s: %v", dn, err)
	}
}

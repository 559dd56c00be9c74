package broker_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/adapters/stil"
	"github.com/orgsync/orgsync/adapters/stil/stiltest"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/provision"
)

func readExport(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "adapters", "stil", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func stilBroker(t *testing.T, clk *clock) (*broker.Broker, *broker.Sources, *memdir.Dir) {
	t.Helper()
	ctx := context.Background()
	dir := memdir.New()
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	b, err := broker.New(ctx, broker.Options{Clock: clk.Now, Log: quiet},
		broker.Client{Name: "mem", Target: dir, Config: cfg, Delta: time.Minute, FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := snapstore.OpenFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return b, &broker.Sources{Broker: b, History: &snapstore.History{Store: hs, Logger: quiet}, Log: quiet}, dir
}

// TestSTILFetchSchedule fetches from the fake WS-17 service (signed
// requests) at the configured times, within STIL's daily quota, and syncs
// what it fetched.
func TestSTILFetchSchedule(t *testing.T) {
	ctx := context.Background()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "orgsync-broker"},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	clk := &clock{t: time.Date(2024, 9, 2, 5, 0, 0, 0, time.UTC)}
	fake := &stiltest.Server{Trusted: cert, Now: clk.Now, Exports: map[string][]byte{
		"280101": readExport(t, "skovbakke-2024.xml"), "280201": readExport(t, "troldehoejen-2024.xml")}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	b, src, dir := stilBroker(t, clk)
	sched := &broker.STILSchedule{
		Fetcher: &stil.Client{Endpoint: srv.URL, HTTP: srv.Client(), Signer: &stil.X509Signer{Key: key, Cert: cert, Now: clk.Now},
			Quota: &stil.DailyQuota{}, Now: clk.Now},
		Institutions: []string{"280101", "280201"}, Times: []string{"06:00", "10:00", "14:00", "18:00"},
		Sources: src, Clock: clk.Now,
	}
	if err := sched.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := &broker.STILSchedule{Fetcher: sched.Fetcher, Institutions: sched.Institutions,
		Times: []string{"01:00", "02:00", "03:00", "04:00", "05:00"}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "times") {
		t.Errorf("five times a day: %v", err)
	}
	// Start: fetch at once, then sync.
	if err := sched.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if fake.Served("280101") != 1 || fake.Served("280201") != 1 {
		t.Fatalf("served %d, %d", fake.Served("280101"), fake.Served("280201"))
	}
	b.Tick(ctx)
	if st, _ := b.Status("mem"); st.Error != "" || dir.Len() == 0 {
		t.Fatalf("sync of the fetched exports: %+v", st.Last)
	}
	// Not before the next time of day.
	clk.Add(50 * time.Minute)
	if err := sched.Tick(ctx); err != nil || fake.Served("280101") != 1 {
		t.Fatalf("fetched before 06:00: %v, served %d", err, fake.Served("280101"))
	}
	// 06:00, 10:00, 14:00: a fetch each (and only one per slot).
	for _, h := range []time.Duration{70 * time.Minute, 4 * time.Hour, 4 * time.Hour} {
		clk.Add(h)
		for range 2 {
			if err := sched.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if fake.Served("280101") != 4 {
		t.Fatalf("served %d, want 4", fake.Served("280101"))
	}
	// 18:00 would be the fifth export in 24 hours: the quota refuses,
	// nothing is asked of STIL, the institutions keep their exports.
	clk.Add(4 * time.Hour)
	if err := sched.Tick(ctx); err == nil || fake.Served("280101") != 4 {
		t.Fatalf("fifth fetch: %v, served %d", err, fake.Served("280101"))
	}
	if e := sched.Errors(); e["280101"] == "" {
		t.Errorf("no error recorded: %v", e)
	}
	if b.Snapshot() == nil || len(b.Snapshot().Institutions) != 2 {
		t.Errorf("snapshot lost an institution")
	}
}

func TestDropFolder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "280101.xml"), readExport(t, "skovbakke-2024.xml"), 0o600); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2024, 9, 2, 5, 0, 0, 0, time.UTC)}
	b, src, mem := stilBroker(t, clk)
	sched := &broker.STILSchedule{Fetcher: broker.DropFolder{Dir: dir}, Institutions: []string{"280101"},
		Times: []string{"06:00"}, Sources: src, Clock: clk.Now}
	if err := sched.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	b.Tick(ctx)
	if mem.Len() == 0 {
		t.Fatal("nothing synced from the drop folder")
	}
	if _, err := (broker.DropFolder{Dir: dir}).Fetch(ctx, "../etc"); err == nil {
		t.Error("a path in the institution number was accepted")
	}
}

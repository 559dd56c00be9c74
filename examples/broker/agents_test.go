package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker/agent"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// TestAgentOverMutualTLS runs the broker binary with HTTPS, an agent
// client and the agent's client certificate pinned in certs:, and an
// agent (broker/agent, as ad-sync agent runs it) applies its plan to a
// memdir over mutual TLS; a certificate of the same CA that is not pinned
// is refused.
func TestAgentOverMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := testCert(t, "orgsync test CA", nil, nil, nil)
	srvCert, srvKey := testCert(t, "broker", ca, caKey, []net.IP{net.ParseIP("127.0.0.1")})
	agCert, agKey := testCert(t, "agent-site", ca, caKey, nil)
	otherCert, otherKey := testCert(t, "agent-other", ca, caKey, nil)
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	snap := synth.Generate(synth.Tiny)
	raw, _ := json.Marshal(snap)
	snapFile := filepath.Join(dir, "snap.json")
	if err := os.WriteFile(snapFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "broker.yaml")
	yaml := `listen: 127.0.0.1:0
state: ` + filepath.Join(dir, "state") + `
sources:
  snapshot: ` + snapFile + `
tls:
  certFile: ` + writePEM("srv.crt", "CERTIFICATE", srvCert.Raw) + `
  keyFile: ` + writePEM("srv.key", "EC PRIVATE KEY", keyDER) + `
  clientCAFile: ` + writePEM("ca.crt", "CERTIFICATE", ca.Raw) + `
certs:
  - {fingerprint: "` + strings.ToUpper(api.CertFingerprint(agCert.Raw)) + `", id: agent-site, role: agent, client: site}
agents:
  - {name: site, fullSyncHour: -1}
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"-config", cfg}, pw, &stderr, func(string) string { return "" })
		pw.Close()
	}()
	defer func() { cancel(); <-done }()
	url := ""
	sc := bufio.NewScanner(pr)
	for url == "" && sc.Scan() {
		url, _ = strings.CutPrefix(sc.Text(), "orgsync broker listening on ")
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("broker URL %q; stderr:\n%s", url, stderr.String())
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	client := func(c *x509.Certificate, k *ecdsa.PrivateKey) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool,
			Certificates: []tls.Certificate{{Certificate: [][]byte{c.Raw}, PrivateKey: k}}}}}
	}
	cfgP := provision.Defaults()
	cfgP.Usernames.Seed = 1
	d := memdir.New()
	ref := synth.ReferenceTime(snap.SchoolYear)
	a := &agent.Agent{URL: url, Client: "site", HTTP: client(otherCert, otherKey), Target: d, Config: cfgP,
		State: provision.StateFile(filepath.Join(dir, "agent-state.json")), Log: slog.New(slog.DiscardHandler),
		Clock: func() time.Time { return ref }, MinBackoff: time.Millisecond}
	if _, err := a.Once(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a certificate that is not pinned: %v, want 401", err)
	}
	a.HTTP = client(agCert, agKey)
	res, err := a.Once(ctx)
	if err != nil || res.Err != nil || res.Report.Applied == 0 || d.Len() == 0 {
		t.Fatalf("%+v %v; stderr:\n%s", res, err, stderr.String())
	}
}

func testCert(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ips []net.IP) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, IPAddresses: ips,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
		parent, parentKey = tmpl, key
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

package main_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

// TestFullRunAD runs OS2mo + STIL into the Samba AD DC (ORGSYNC_AD_*, see
// .ci/servers/samba.sh) in an OU of its own: it converges, the accounts'
// bindings are written back to the fake, and neither repeats.
func TestFullRunAD(t *testing.T) {
	url := os.Getenv("ORGSYNC_AD_URL")
	if url == "" {
		t.Skip("ORGSYNC_AD_URL not set; run eval \"$(.ci/servers/samba.sh start)\"")
	}
	ctx := context.Background()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	base := "OU=os2mo-" + hex.EncodeToString(b) + ",OU=orgsync-tests," + os.Getenv("ORGSYNC_AD_BASE")
	cfg := ad.Config{URL: url, BindDN: os.Getenv("ORGSYNC_AD_BIND"), Password: os.Getenv("ORGSYNC_AD_PASSWORD"),
		CAFile: os.Getenv("ORGSYNC_AD_CA"), Base: base, Domain: base, UPNDomain: "skole.test", RetryDelay: 10 * time.Millisecond}
	c, err := ad.Dial(ctx, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close(); deleteOU(t, cfg, base) })
	if err := c.EnsureBase(ctx); err != nil {
		t.Fatalf("EnsureBase: %v", err)
	}
	read := func() []diff.Object {
		objs, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read AD: %v", err)
		}
		return objs
	}

	fake, mo := newFake(t)
	municipality(fake)
	src := source{mo, stilWithTeacher(t)}
	state := &provision.MemoryState{}
	changes, wb := runAndWriteBack(t, src, c, read, state)
	if changes == 0 || wb.Created == 0 {
		t.Fatalf("first run: %d changes, write-back %+v", changes, wb)
	}
	mut := fake.Mutations()
	changes, wb = runAndWriteBack(t, src, c, read, state)
	if changes != 0 || wb.Created+wb.Updated != 0 || fake.Mutations() != mut {
		t.Errorf("second run: %d changes, write-back %+v; want a converged no-op", changes, wb)
	}
}

func deleteOU(t *testing.T, cfg ad.Config, dn string) {
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(cfg.CAFile); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	conn, err := ldap.DialURL(cfg.URL, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool}))
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer conn.Close()
	if err := conn.Bind(cfg.BindDN, cfg.Password); err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	err = conn.Del(ldap.NewDelRequest(dn, []ldap.Control{ldap.NewControlString(ldap.ControlTypeMicrosoftTreeDelete, true, "")}))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		t.Errorf("cleanup %s: %v", dn, err)
	}
}

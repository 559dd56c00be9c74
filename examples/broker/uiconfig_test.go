package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

const idpMetadata = `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.kommune.test">
<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.kommune.test/sso"/>
</IDPSSODescriptor></EntityDescriptor>`

func writeKeyPair(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sp"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	kf, cf := filepath.Join(dir, "sp.key"), filepath.Join(dir, "sp.crt")
	_ = os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	_ = os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	return kf, cf
}

func TestBuildUI(t *testing.T) {
	dir := t.TempDir()
	kf, cf := writeKeyPair(t, dir)
	md := filepath.Join(dir, "idp.xml")
	_ = os.WriteFile(md, []byte(idpMetadata), 0o644)
	b, err := broker.New(context.Background(), broker.Options{Log: slog.New(slog.DiscardHandler)},
		broker.Client{Name: "mem", Target: memdir.New(), Config: provision.Defaults(), FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	good := func() *uiConfig {
		c := &uiConfig{URL: "https://broker.kommune.test/ui", IdPMetadataFile: md, KeyFile: kf, CertFile: cf}
		c.Attributes.Role = "groups"
		c.Attributes.Roles = map[string]string{"GG-orgsync-admins": "municipal-admin", "GG-teachers": "teacher"}
		return c
	}
	targets := map[string]diff.Target{"mem": memdir.New()}
	for name, mut := range map[string]func(*uiConfig){
		"relative url":           func(c *uiConfig) { c.URL = "/ui" },
		"url not ending in /ui":  func(c *uiConfig) { c.URL = "https://broker.kommune.test/" },
		"no metadata":            func(c *uiConfig) { c.IdPMetadataFile = "" },
		"bad metadata file":      func(c *uiConfig) { c.IdPMetadataFile = kf },
		"no key":                 func(c *uiConfig) { c.KeyFile = filepath.Join(dir, "none") },
		"unknown role":           func(c *uiConfig) { c.Attributes.Roles["x"] = "janitor" },
		"no role attribute":      func(c *uiConfig) { c.Attributes.Role = "" },
		"memdir password target": func(c *uiConfig) { c.PasswordTargets = []string{"mem"} },
	} {
		c := good()
		mut(c)
		if _, err := buildUI(context.Background(), c, b, targets, slog.New(slog.DiscardHandler)); !errors.Is(err, provision.ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
	u, err := buildUI(context.Background(), good(), b, targets, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(u)
	defer ts.Close()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(ts.URL + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "https://idp.kommune.test/sso?SAMLRequest=") {
		t.Errorf("login: %d %s, want a redirect to the IdP", resp.StatusCode, loc)
	}
	resp, err = c.Get(ts.URL + "/ui/saml/metadata")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `https://broker.kommune.test/ui/saml/acs`) {
		t.Errorf("SP metadata: %.500s", body)
	}
	if _, err := parseConfig([]byte("ui:\n  url: https://x/ui\n  nosuch: 1\n")); err == nil {
		t.Error("an unknown key under ui is accepted")
	}
}

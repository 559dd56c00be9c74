package stil

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCert makes a self-signed RSA certificate for the tests.
func testCert(t testing.TB) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "orgsync test supplier system"},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// TestSignVerifiesWithXmlsec1 checks our WS-Security signature with an
// independent implementation: xmlsec1 (Debian package xmlsec1). It is
// skipped only outside CI when xmlsec1 is not installed.
func TestSignVerifiesWithXmlsec1(t *testing.T) {
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmlsec1 not on PATH; CI installs it (Debian package xmlsec1, .ci/run)")
		}
		t.Skip("xmlsec1 not on PATH (apt-get install xmlsec1); CI runs this test")
	}
	key, cert := testCert(t)
	c := &Client{SupplierSystemID: "orgsync-test"}
	s := &X509Signer{Key: key, Cert: cert}
	signed, err := s.Sign(context.Background(), c.Envelope("280101"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, reqFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "req.xml")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600)
	os.WriteFile(reqFile, signed, 0o600)
	verify := func(file string) (string, error) {
		out, err := exec.Command(bin, "--verify",
			"--id-attr:Id", NSWSU+":Timestamp",
			"--id-attr:Id", nsSOAP+":Body",
			"--pubkey-cert-pem", certFile,
			file).CombinedOutput()
		return string(out), err
	}
	out, err := verify(reqFile)
	if err != nil {
		t.Fatalf("xmlsec1 --verify: %v\n%s\nrequest:\n%s", err, out, signed)
	}
	if !strings.Contains(out, "OK") {
		t.Fatalf("xmlsec1 did not say OK:\n%s", out)
	}
	t.Logf("xmlsec1: %s", out)
	// The same check fails for a body altered after signing.
	tampered := strings.Replace(string(signed), "280101", "280102", 1)
	os.WriteFile(reqFile, []byte(tampered), 0o600)
	if out, err = verify(reqFile); err == nil {
		t.Fatalf("xmlsec1 verified a tampered request:\n%s", out)
	}
}

func TestSignErrorsAndHeader(t *testing.T) {
	key, cert := testCert(t)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s := &X509Signer{Key: key, Cert: cert}
	tests := []struct {
		name   string
		signer *X509Signer
		in     string
		want   string // "" for success
	}{
		{"no key", &X509Signer{Cert: cert}, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>`, "Key and Cert are required"},
		{"not RSA", &X509Signer{Key: ecKey, Cert: cert}, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>`, "not an RSA key"},
		{"not xml", s, `<a`, "sign request"},
		{"soap 1.2", s, `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`, "not a SOAP 1.1 envelope"},
		{"no body", s, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/></soap:Envelope>`, "no Body"},
		{"header added", s, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x/></soap:Body></soap:Envelope>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.signer.Sign(context.Background(), []byte(tt.in))
			if tt.want != "" {
				if !errors.Is(err, ErrSign) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want ErrSign saying %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if i, j := strings.Index(string(out), "<soap:Header><wsse:Security"), strings.Index(string(out), "<soap:Body"); i < 0 || j < i {
				t.Errorf("no Security header before the Body:\n%s", out)
			}
		})
	}
}

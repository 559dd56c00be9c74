package stiltest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/stil"
	"github.com/orgsync/orgsync/adapters/stil/stiltest"
)

func testCert(t testing.TB, name string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}

// alter changes the signed request before it is sent.
type alter struct {
	s stil.Signer
	f func([]byte) []byte
}

func (a alter) Sign(ctx context.Context, env []byte) ([]byte, error) {
	b, err := a.s.Sign(ctx, env)
	return a.f(b), err
}

func TestFakeServiceChecksSignature(t *testing.T) {
	export, err := os.ReadFile("../testdata/skovbakke-2024.xml")
	if err != nil {
		t.Fatal(err)
	}
	key, cert := testCert(t, "registered")
	otherKey, otherCert := testCert(t, "someone else")
	now := time.Date(2024, 9, 2, 6, 0, 0, 0, time.UTC)
	fake := &stiltest.Server{Trusted: cert, Exports: map[string][]byte{"280101": export, "280102": export}, Now: func() time.Time { return now }}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	signer := &stil.X509Signer{Key: key, Cert: cert, Now: func() time.Time { return now }}
	client := func(s stil.Signer) *stil.Client {
		return &stil.Client{Endpoint: srv.URL, HTTP: srv.Client(), Signer: s, SupplierSystemID: "orgsync-test"}
	}

	res, err := client(signer).Fetch(context.Background(), "280101")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exports) != 1 || res.Exports[0].Institution.Number != "280101" {
		t.Fatalf("exports = %+v", res.Exports)
	}

	tests := []struct {
		name   string
		signer stil.Signer
		want   string
	}{
		{"unsigned", alter{signer, func(b []byte) []byte { return client(nil).Envelope("280101") }}, "unsigned"},
		{"body altered after signing", alter{signer, func(b []byte) []byte { return bytes.Replace(b, []byte(">280101<"), []byte(">280102<"), 1) }}, "altered after signing"},
		{"timestamp altered", alter{signer, func(b []byte) []byte {
			return bytes.Replace(b, []byte("2024-09-02T06:05:00.000Z"), []byte("2024-09-03T06:05:00.000Z"), 1)
		}}, "altered after signing"},
		{"signature value altered", alter{signer, func(b []byte) []byte {
			i := bytes.Index(b, []byte("SignatureValue>")) + len("SignatureValue>")
			c := bytes.Clone(b)
			if c[i] == 'A' { // another valid base64 digit: a different value
				c[i] = 'B'
			} else {
				c[i] = 'A'
			}
			return c
		}}, "does not verify"},
		{"expired", &stil.X509Signer{Key: key, Cert: cert, Now: func() time.Time { return now.Add(-10 * time.Minute) }}, "expired"},
		{"other certificate", &stil.X509Signer{Key: otherKey, Cert: otherCert, Now: func() time.Time { return now }}, "not the registered certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client(tt.signer).Fetch(context.Background(), "280101")
			if !errors.Is(err, stil.ErrFault) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a fault saying %q", err, tt.want)
			}
		})
	}

	// A request without the operation's SOAPAction is refused.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("<x/>"))
	req.Header.Set("SOAPAction", `""`)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("empty SOAPAction: status %d", resp.StatusCode)
	}
	if got := fake.Served("280101"); got != 1 {
		t.Errorf("served %d exports, want 1 (only the good request)", got)
	}
}

func TestClientQuota(t *testing.T) {
	export, _ := os.ReadFile("../testdata/skovbakke-2024.xml")
	key, cert := testCert(t, "registered")
	now := time.Date(2024, 9, 2, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	fake := &stiltest.Server{Trusted: cert, Exports: map[string][]byte{"280101": export, "280102": export}, Now: clock}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := &stil.Client{Endpoint: srv.URL, HTTP: srv.Client(), Signer: &stil.X509Signer{Key: key, Cert: cert, Now: clock}, Quota: &stil.DailyQuota{}, Now: clock}
	for i := range stil.MaxFetchesPerDay {
		if _, err := c.Fetch(context.Background(), "280101"); err != nil {
			t.Fatalf("fetch %d: %v", i+1, err)
		}
		now = now.Add(time.Hour)
	}
	_, err := c.Fetch(context.Background(), "280101")
	if !errors.Is(err, stil.ErrQuota) || !strings.Contains(err.Error(), "next fetch at 2024-09-03T06:00:00Z") {
		t.Fatalf("5th fetch: err = %v, want ErrQuota with the next time", err)
	}
	if fake.Served("280101") != stil.MaxFetchesPerDay {
		t.Errorf("the refused fetch reached the service")
	}
	if _, err := c.Fetch(context.Background(), "280102"); err != nil {
		t.Errorf("another institution: %v", err)
	}
	now = time.Date(2024, 9, 3, 6, 0, 0, 0, time.UTC) // 24 hours after the first
	if _, err := c.Fetch(context.Background(), "280101"); err != nil {
		t.Errorf("after 24 hours: %v", err)
	}
}

func FuzzVerifyRequest(f *testing.F) {
	key, cert := testCert(f, "registered")
	s := &stil.X509Signer{Key: key, Cert: cert, Now: func() time.Time { return time.Date(2024, 9, 2, 6, 0, 0, 0, time.UTC) }}
	signed, err := s.Sign(context.Background(), (&stil.Client{}).Envelope("1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add([]byte(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/><soap:Body/></soap:Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 8192 {
			return
		}
		inst, err := stiltest.VerifyRequest(b, cert, time.Date(2024, 9, 2, 6, 1, 0, 0, time.UTC))
		if err == nil && inst == "" {
			t.Fatal("verified without an institution")
		}
		if err != nil && !errors.Is(err, stiltest.ErrRejected) {
			t.Fatalf("error %v does not wrap ErrRejected", err)
		}
	})
}

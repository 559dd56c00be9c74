package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// ClientCerts authenticates machine clients — the outbound-only agents
// above all — by their TLS client certificate (mutual TLS): the key is
// the SHA-256 fingerprint of the certificate (hex, lower case, as
// CertFingerprint gives it), the value the principal it maps to (for an
// agent: Role Agent and its Client).
//
// Only a certificate the TLS layer verified counts: the server's
// tls.Config must set ClientCAs and a ClientAuth that verifies
// (tls.VerifyClientCertIfGiven lets people use tokens on the same port).
// The fingerprint then pins the certificate: another certificate the same
// CA issued is not accepted.
type ClientCerts map[string]Principal

// Authenticate implements Authenticator.
func (c ClientCerts) Authenticate(r *http.Request) (*Principal, error) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil, ErrUnauthenticated
	}
	fp := CertFingerprint(r.TLS.VerifiedChains[0][0].Raw)
	p, ok := c[fp]
	if !ok {
		return nil, fmt.Errorf("client certificate %s: %w", fp, ErrUnauthenticated)
	}
	return &p, nil
}

// CertFingerprint returns the SHA-256 fingerprint of a DER certificate,
// the key of ClientCerts. Colons and upper case, as openssl prints it
// (openssl x509 -fingerprint -sha256), are what NormalizeFingerprint
// takes away.
func CertFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// NormalizeFingerprint turns a fingerprint as openssl prints it
// ("AB:CD:…", possibly with a "sha256 Fingerprint=" prefix) into
// ClientCerts' key form.
func NormalizeFingerprint(s string) string {
	if _, after, ok := strings.Cut(s, "="); ok {
		s = after
	}
	return strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, ":", "")))
}

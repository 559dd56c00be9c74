package main

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"time"

	"github.com/orgsync/orgsync/adapters/stil"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/provision"
)

// stilSchedule builds the STIL schedule of "sources.stil".
func (st *stilConfig) schedule(src *broker.Sources) (*broker.STILSchedule, error) {
	s := &broker.STILSchedule{Institutions: st.Institutions, Times: st.Times, Sources: src}
	if st.Folder != "" {
		s.Fetcher = broker.DropFolder{Dir: st.Folder}
		return s, s.Validate()
	}
	// The registered certificate signs the requests and is the TLS client
	// certificate.
	pair, err := tls.LoadX509KeyPair(st.CertFile, st.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: sources.stil.certFile/keyFile: %w", provision.ErrConfig, err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("%w: sources.stil.certFile: %w", provision.ErrConfig, err)
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: sources.stil.keyFile: not a signing key", provision.ErrConfig)
	}
	s.Fetcher = &stil.Client{Endpoint: st.Endpoint, SupplierSystemID: st.SupplierSystemID,
		Signer: &stil.X509Signer{Key: key, Cert: cert},
		HTTP:   &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{pair}}}},
		Quota:  &stil.DailyQuota{}}
	return s, s.Validate()
}

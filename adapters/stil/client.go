package stil

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
)

// Fetcher fetches the export of one institution. Client implements it; a
// test or a vendor may supply another (e.g. one reading files from a
// drop folder).
type Fetcher interface {
	Fetch(ctx context.Context, institution string) (*Result, error)
}

// Signer signs a SOAP request envelope for the service. The STIL service
// requires a WS-Security header with an X.509 BinarySecurityToken and an
// RSA-SHA256 XML signature (exclusive canonicalisation) over the body and a
// timestamp, made with the certificate registered with STIL.
//
// orgsync ships no Signer: there is no well-kept Go library that produces
// WS-Security X.509 signatures (the XML-DSig libraries target SAML's
// enveloped signatures, not the WS-Security header with token references
// and timestamps), and a hand-rolled canonicaliser is a security risk that
// cannot be tested against the real service here. A vendor plugs in a
// Signer that delegates to a proven implementation — xmlsec1, Apache WSS4J
// behind a small local signing service, or an HSM's SOAP signing gateway —
// and gets the rest (request, transport, decoding, errors) from Client.
type Signer interface {
	// Sign returns the envelope with its security header added.
	Sign(ctx context.Context, envelope []byte) ([]byte, error)
}

// Endpoint is the production address of WS-17 v7.
const Endpoint = "https://brugerdatabasen.stil.dk/bpi/wsieksport/7"

// Client calls the WS-17 operation eksporterXmlFuldMyndighed.
type Client struct {
	// Endpoint is the service address; empty means the production Endpoint.
	Endpoint string
	// HTTP is the HTTP client (its TLS config carries any client
	// certificate); nil means http.DefaultClient.
	HTTP *http.Client
	// Signer signs each request; required.
	Signer Signer
	// SupplierSystemID is sent as the UdbydersystemId header when set.
	SupplierSystemID string
	// Options are passed to Decode.
	Options Options
}

var _ Fetcher = (*Client)(nil)

const (
	nsSOAP    = "http://schemas.xmlsoap.org/soap/envelope/"
	nsWS      = "https://brugerdatabasen.stil.dk/bpi/wsieksport/7"
	nsCommon3 = "https://brugerdatabasen.stil.dk/bpi/common/3"
)

// Envelope returns the unsigned request envelope for an institution.
func (c *Client) Envelope(institution string) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	b.WriteString(`<soap:Envelope xmlns:soap="` + nsSOAP + `"><soap:Header>`)
	if c.SupplierSystemID != "" {
		b.WriteString(`<c3:UdbydersystemId xmlns:c3="` + nsCommon3 + `">` + esc(c.SupplierSystemID) + `</c3:UdbydersystemId>`)
	}
	b.WriteString(`</soap:Header><soap:Body><ws:eksporterXmlFuldMyndighed xmlns:ws="` + nsWS + `"><ws:instnr>` +
		esc(institution) + `</ws:instnr></ws:eksporterXmlFuldMyndighed></soap:Body></soap:Envelope>`)
	return b.Bytes()
}

// Fetch signs and sends the request and decodes the response. A SOAP fault
// is returned as an error wrapping ErrFault.
func (c *Client) Fetch(ctx context.Context, institution string) (*Result, error) {
	if c.Signer == nil {
		return nil, fmt.Errorf("stil: fetch %s: no Signer configured", institution)
	}
	body, err := c.Signer.Sign(ctx, c.Envelope(institution))
	if err != nil {
		return nil, fmt.Errorf("stil: fetch %s: sign: %w", institution, err)
	}
	url := c.Endpoint
	if url == "" {
		url = Endpoint
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("stil: fetch %s: %w", institution, err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("stil: fetch %s: %w", institution, err)
	}
	defer resp.Body.Close()
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusInternalServerError {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("stil: fetch %s: http %d (%s): %s", institution, resp.StatusCode, ct, snippet)
	}
	res, err := Decode(resp.Body, c.Options)
	if err != nil {
		return res, fmt.Errorf("stil: fetch %s: %w", institution, err)
	}
	return res, nil
}

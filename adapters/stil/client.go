package stil

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
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
// timestamp, made with the certificate registered with STIL. X509Signer
// does that; another Signer may delegate to an HSM's signing gateway.
type Signer interface {
	// Sign returns the envelope with its security header added.
	Sign(ctx context.Context, envelope []byte) ([]byte, error)
}

// Endpoint is the production address of WS-17 v7.
const Endpoint = "https://brugerdatabasen.stil.dk/bpi/wsieksport/7"

// ActionFuldMyndighed is the SOAPAction of the operation
// eksporterXmlFuldMyndighed, as the service's WSDL names it.
const ActionFuldMyndighed = "https://brugerdatabasen.stil.dk/bpi/wsieksport/7/eksporterXmlFuldMyndighed"

// Filters are the request's filtre (FiltreFuld). The zero value asks for
// everything, CPR numbers included, as the reference broker does.
type Filters struct {
	// OmitCPR leaves CPR numbers out of the export (cprFilter/inkluderCpr
	// false). orgsync matches persons by CPR and links one CPR under
	// several user ids, so leave it false unless the municipality decides
	// otherwise.
	OmitCPR bool
	// Actors, when set, chooses the kinds of person exported
	// (aktoertypeFilter); nil exports all.
	Actors *ActorFilter
	// Levels, when set, exports only students of these grade levels
	// (klassetrinFilter/inkluderKlassetrin), e.g. "0".."10".
	Levels []string
}

// ActorFilter is the aktoertypeFilter of a request.
type ActorFilter struct {
	Students, Employees, Externals, ContactPersons bool
}

// Client calls the WS-17 operation eksporterXmlFuldMyndighed.
type Client struct {
	// Endpoint is the service address; empty means the production Endpoint.
	Endpoint string
	// HTTP is the HTTP client (its TLS config carries any client
	// certificate); nil means http.DefaultClient.
	HTTP *http.Client
	// Signer signs each request; required (see X509Signer).
	Signer Signer
	// SupplierSystemID is sent as the UdbydersystemId header when set.
	SupplierSystemID string
	// Filters are sent with each request.
	Filters Filters
	// Quota, when set, is asked before each fetch (see DailyQuota): STIL
	// allows 4 exports per institution per day.
	Quota Quota
	// Now returns the current time for Quota; nil means time.Now.
	Now func() time.Time
	// Options are passed to Decode.
	Options Options
}

var _ Fetcher = (*Client)(nil)

const (
	nsSOAP    = "http://schemas.xmlsoap.org/soap/envelope/"
	nsWS      = "https://brugerdatabasen.stil.dk/bpi/wsieksport/7"
	nsCommon3 = "https://brugerdatabasen.stil.dk/bpi/common/3"
)

// Envelope returns the unsigned request envelope for an institution: SOAP
// 1.1, the operation's body with instnr and filtre as the WSDL orders them.
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
		esc(institution) + `</ws:instnr><ws:filtre>`)
	f := c.Filters
	if a := f.Actors; a != nil {
		fmt.Fprintf(&b, `<ws:aktoertypeFilter><ws:inkluderElever>%t</ws:inkluderElever><ws:inkluderMedarbejdere>%t</ws:inkluderMedarbejdere><ws:inkluderEksterne>%t</ws:inkluderEksterne><ws:inkluderKontaktpersoner>%t</ws:inkluderKontaktpersoner></ws:aktoertypeFilter>`,
			a.Students, a.Employees, a.Externals, a.ContactPersons)
	}
	if len(f.Levels) > 0 {
		b.WriteString(`<ws:klassetrinFilter>`)
		for _, l := range f.Levels {
			b.WriteString(`<ws:inkluderKlassetrin>` + esc(l) + `</ws:inkluderKlassetrin>`)
		}
		b.WriteString(`</ws:klassetrinFilter>`)
	}
	fmt.Fprintf(&b, `<ws:cprFilter><ws:inkluderCpr>%t</ws:inkluderCpr></ws:cprFilter>`, !f.OmitCPR)
	b.WriteString(`</ws:filtre></ws:eksporterXmlFuldMyndighed></soap:Body></soap:Envelope>`)
	return b.Bytes()
}

// Fetch signs and sends the request and decodes the response. A SOAP fault
// is returned as an error wrapping ErrFault; a fetch the Quota refuses as
// an error wrapping ErrQuota, before anything is sent.
func (c *Client) Fetch(ctx context.Context, institution string) (*Result, error) {
	if c.Signer == nil {
		return nil, fmt.Errorf("stil: fetch %s: no Signer configured", institution)
	}
	if c.Quota != nil {
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		if err := c.Quota.Take(institution, now()); err != nil {
			return nil, fmt.Errorf("stil: fetch %s: %w", institution, err)
		}
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
	req.Header.Set("SOAPAction", `"`+ActionFuldMyndighed+`"`)
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

// ErrQuota is wrapped by the error of a fetch that would exceed the
// service's limit of exports per institution per day.
var ErrQuota = errors.New("fetch quota exceeded")

// Quota decides whether an institution may be fetched now. Take records
// the fetch when it is allowed and returns an error wrapping ErrQuota
// otherwise.
type Quota interface {
	Take(institution string, now time.Time) error
}

// MaxFetchesPerDay is how many exports of one institution STIL allows per
// day.
const MaxFetchesPerDay = 4

// DailyQuota allows Max fetches per institution in any 24 hours (a rolling
// window, so that it holds whatever day boundary the service counts by).
// The zero value allows MaxFetchesPerDay. It keeps its counts in memory:
// a broker that restarts often should persist them (or use its snapshot
// history) and implement Quota itself. It is safe for concurrent use.
type DailyQuota struct {
	// Max is the number of fetches per institution in 24 hours; zero
	// means MaxFetchesPerDay.
	Max int

	mu   sync.Mutex
	seen map[string][]time.Time
}

// Take implements Quota. The error says when the next fetch is allowed.
func (q *DailyQuota) Take(institution string, now time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	max := q.Max
	if max <= 0 {
		max = MaxFetchesPerDay
	}
	if q.seen == nil {
		q.seen = map[string][]time.Time{}
	}
	recent := q.seen[institution][:0]
	for _, t := range q.seen[institution] {
		if now.Sub(t) < 24*time.Hour {
			recent = append(recent, t)
		}
	}
	if len(recent) >= max {
		q.seen[institution] = recent
		next := recent[len(recent)-max].Add(24 * time.Hour)
		return fmt.Errorf("%w: institution %s fetched %d times in 24 hours (STIL allows %d); next fetch at %s",
			ErrQuota, institution, len(recent), max, next.UTC().Format(time.RFC3339))
	}
	q.seen[institution] = append(recent, now)
	return nil
}

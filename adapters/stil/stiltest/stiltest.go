// Package stiltest is a fake STIL WS-17 service for tests and local trials:
// it checks each request as the real service does — SOAP 1.1, the
// operation's SOAPAction, a WS-Security header whose X.509 token is the
// trusted certificate, a current Timestamp, and an RSA-SHA256 signature
// with exclusive canonicalisation whose references cover exactly the
// Timestamp and the Body — and answers with the export it holds for the
// requested institution. A request that is unsigned, signed by another
// certificate, altered after signing or expired gets a SOAP fault.
package stiltest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/orgsync/orgsync/adapters/stil"
)

// ErrRejected is wrapped by every error of VerifyRequest.
var ErrRejected = errors.New("stiltest: request rejected")

// Server is the fake service; it implements http.Handler.
type Server struct {
	// Trusted is the certificate registered for the supplier system.
	Trusted *x509.Certificate
	// Exports maps an institution number to the document answered for it
	// (a bare export or a whole SOAP response).
	Exports map[string][]byte
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	served map[string]int
}

// Served returns how many exports of an institution the server answered.
func (s *Server) Served(institution string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[institution]
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if a := strings.Trim(r.Header.Get("SOAPAction"), `"`); a != stil.ActionFuldMyndighed {
		fault(w, fmt.Sprintf("unknown SOAPAction %q", a))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fault(w, err.Error())
		return
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	inst, err := VerifyRequest(body, s.Trusted, now())
	if err != nil {
		fault(w, err.Error())
		return
	}
	doc, ok := s.Exports[inst]
	if !ok {
		fault(w, "no data agreement for institution "+inst)
		return
	}
	s.mu.Lock()
	if s.served == nil {
		s.served = map[string]int{}
	}
	s.served[inst]++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(doc)
}

func fault(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(msg))
	fmt.Fprintf(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>%s</faultstring></soap:Fault></soap:Body></soap:Envelope>`, b.String())
}

const (
	nsSOAP       = "http://schemas.xmlsoap.org/soap/envelope/"
	nsWS         = "https://brugerdatabasen.stil.dk/bpi/wsieksport/7"
	algExcC14N   = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	algSHA256    = "http://www.w3.org/2001/04/xmlenc#sha256"
	clockSkew    = time.Minute
)

func rejected(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRejected, fmt.Sprintf(format, args...))
}

// child returns the first child element of el with the namespace and tag.
func child(el *etree.Element, ns, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

func wsuID(el *etree.Element) string {
	for _, a := range el.Attr {
		if a.Key == "Id" && a.NamespaceURI() == stil.NSWSU {
			return a.Value
		}
	}
	return ""
}

// VerifyRequest checks a signed WS-17 request envelope at time now and
// returns the requested institution number.
func VerifyRequest(envelope []byte, trusted *x509.Certificate, now time.Time) (string, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(envelope); err != nil {
		return "", rejected("not XML: %v", err)
	}
	env := doc.Root()
	if env == nil || env.Tag != "Envelope" || env.NamespaceURI() != nsSOAP {
		return "", rejected("not a SOAP 1.1 envelope")
	}
	body := child(env, nsSOAP, "Body")
	sec := child(child(env, nsSOAP, "Header"), stil.NSWSSE, "Security")
	if body == nil || sec == nil {
		return "", rejected("unsigned: no wsse:Security header")
	}
	bst := child(sec, stil.NSWSSE, "BinarySecurityToken")
	ts := child(sec, stil.NSWSU, "Timestamp")
	sig := child(sec, stil.NSDSig, "Signature")
	if bst == nil || ts == nil || sig == nil {
		return "", rejected("security header lacks token, timestamp or signature")
	}
	der, err := base64.StdEncoding.DecodeString(text(bst))
	if err != nil {
		return "", rejected("token is not base64")
	}
	if trusted == nil || !bytes.Equal(der, trusted.Raw) {
		return "", rejected("token is not the registered certificate")
	}
	created, err1 := time.Parse(time.RFC3339Nano, text(child(ts, stil.NSWSU, "Created")))
	expires, err2 := time.Parse(time.RFC3339Nano, text(child(ts, stil.NSWSU, "Expires")))
	if err1 != nil || err2 != nil {
		return "", rejected("malformed timestamp")
	}
	if created.After(now.Add(clockSkew)) || !now.Before(expires) {
		return "", rejected("timestamp expired or not yet valid (created %s, expires %s)", created.Format(time.RFC3339), expires.Format(time.RFC3339))
	}

	si := child(sig, stil.NSDSig, "SignedInfo")
	if si == nil || attr(child(si, stil.NSDSig, "CanonicalizationMethod"), "Algorithm") != algExcC14N ||
		attr(child(si, stil.NSDSig, "SignatureMethod"), "Algorithm") != algRSASHA256 {
		return "", rejected("signature must use exclusive C14N and RSA-SHA256")
	}
	want := map[string]*etree.Element{wsuID(ts): ts, wsuID(body): body}
	if len(want) != 2 || wsuID(ts) == "" || wsuID(body) == "" {
		return "", rejected("timestamp and body need distinct wsu:Id attributes")
	}
	for _, ref := range si.ChildElements() {
		if ref.Tag != "Reference" || ref.NamespaceURI() != stil.NSDSig {
			continue
		}
		id := strings.TrimPrefix(attr(ref, "URI"), "#")
		el, ok := want[id]
		if !ok {
			return "", rejected("reference %q is neither the timestamp nor the body", id)
		}
		delete(want, id)
		tr := child(child(ref, stil.NSDSig, "Transforms"), stil.NSDSig, "Transform")
		if attr(tr, "Algorithm") != algExcC14N || attr(child(ref, stil.NSDSig, "DigestMethod"), "Algorithm") != algSHA256 {
			return "", rejected("reference %q must use exclusive C14N and SHA-256", id)
		}
		c, err := canonical(el)
		if err != nil {
			return "", rejected("canonicalise %q: %v", id, err)
		}
		d := sha256.Sum256(c)
		if text(child(ref, stil.NSDSig, "DigestValue")) != base64.StdEncoding.EncodeToString(d[:]) {
			return "", rejected("digest of %q does not match: altered after signing", id)
		}
	}
	if len(want) != 0 {
		return "", rejected("the signature does not cover both timestamp and body")
	}
	str := child(child(sig, stil.NSDSig, "KeyInfo"), stil.NSWSSE, "SecurityTokenReference")
	if strings.TrimPrefix(attr(child(str, stil.NSWSSE, "Reference"), "URI"), "#") != wsuID(bst) {
		return "", rejected("KeyInfo does not refer to the security token")
	}
	c, err := canonical(si)
	if err != nil {
		return "", rejected("canonicalise SignedInfo: %v", err)
	}
	value, err := base64.StdEncoding.DecodeString(text(child(sig, stil.NSDSig, "SignatureValue")))
	if err != nil {
		return "", rejected("signature value is not base64")
	}
	pub, ok := trusted.PublicKey.(*rsa.PublicKey)
	if !ok {
		return "", rejected("registered certificate has no RSA key")
	}
	h := sha256.Sum256(c)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], value); err != nil {
		return "", rejected("signature does not verify")
	}
	op := child(body, nsWS, "eksporterXmlFuldMyndighed")
	inst := text(child(op, nsWS, "instnr"))
	if op == nil || inst == "" {
		return "", rejected("body is not eksporterXmlFuldMyndighed with an instnr")
	}
	return inst, nil
}

func attr(el *etree.Element, key string) string {
	if el == nil {
		return ""
	}
	return el.SelectAttrValue(key, "")
}

// canonical returns the exclusive C14N form of el in its document context.
func canonical(el *etree.Element) ([]byte, error) {
	var chain []*etree.Element
	for p := el.Parent(); p != nil; p = p.Parent() {
		chain = append(chain, p)
	}
	ctx := etreeutils.NewDefaultNSContext()
	for i := len(chain) - 1; i >= 0; i-- {
		var err error
		if ctx, err = ctx.SubContext(chain[i]); err != nil {
			return nil, err
		}
	}
	detached, err := etreeutils.NSDetatch(ctx, el)
	if err != nil {
		return nil, err
	}
	return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(detached)
}

// text returns the trimmed text of el, "" for nil.
func text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return strings.TrimSpace(el.Text())
}

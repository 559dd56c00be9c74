package stil

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// Namespaces and algorithm identifiers of WS-Security 1.0 and XML-DSig, as
// the WS-17 service expects them.
const (
	NSWSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	NSWSU  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	NSDSig = "http://www.w3.org/2000/09/xmldsig#"

	valueTypeX509   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
	encodingBase64  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
	algExcC14N      = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algRSASHA256    = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	algSHA256       = "http://www.w3.org/2001/04/xmlenc#sha256"
	wsuTimeLayout   = "2006-01-02T15:04:05.000Z"
	defaultTokenTTL = 5 * time.Minute
)

// ErrSign is wrapped by every error of X509Signer.Sign.
var ErrSign = errors.New("stil: sign request")

// X509Signer signs a SOAP 1.1 request with WS-Security 1.0 as the WS-17
// service requires: a wsse:Security header holding the certificate as an
// X.509 BinarySecurityToken, a wsu:Timestamp, and an XML signature
// (RSA-SHA256, exclusive canonicalisation, SHA-256 digests) over the
// Timestamp and the Body, whose KeyInfo refers to the token. The header is
// assembled here; canonicalisation comes from github.com/russellhaering/goxmldsig
// (exclusive C14N 1.0 on github.com/beevik/etree trees).
type X509Signer struct {
	// Key is the private key of Cert: an RSA key (e.g. *rsa.PrivateKey, or
	// an HSM's crypto.Signer).
	Key crypto.Signer
	// Cert is the certificate registered with STIL for the supplier system.
	Cert *x509.Certificate
	// TTL is how long the Timestamp is valid; zero means 5 minutes.
	TTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

var _ Signer = (*X509Signer)(nil)

// Sign returns the envelope with a signed wsse:Security header added to its
// soap:Header (created when absent).
func (s *X509Signer) Sign(ctx context.Context, envelope []byte) ([]byte, error) {
	if s.Key == nil || s.Cert == nil {
		return nil, fmt.Errorf("%w: Key and Cert are required", ErrSign)
	}
	if _, ok := s.Key.Public().(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("%w: the key is not an RSA key", ErrSign)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(envelope); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSign, err)
	}
	env := doc.Root()
	if env == nil || env.Tag != "Envelope" || env.NamespaceURI() != nsSOAP {
		return nil, fmt.Errorf("%w: not a SOAP 1.1 envelope", ErrSign)
	}
	var header, body *etree.Element
	for _, c := range env.ChildElements() {
		switch {
		case c.Tag == "Header" && c.NamespaceURI() == nsSOAP:
			header = c
		case c.Tag == "Body" && c.NamespaceURI() == nsSOAP:
			body = c
		}
	}
	if body == nil {
		return nil, fmt.Errorf("%w: envelope has no Body", ErrSign)
	}
	if header == nil {
		header = etree.NewElement(env.Space + ":Header")
		env.InsertChildAt(body.Index(), header)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ttl := s.TTL
	if ttl == 0 {
		ttl = defaultTokenTTL
	}
	nonce, err := randomID()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSign, err)
	}
	idToken, idTS, idBody := "X509-"+nonce, "TS-"+nonce, "Body-"+nonce

	env.CreateAttr("xmlns:wsu", NSWSU)
	body.CreateAttr("wsu:Id", idBody)

	sec := header.CreateElement("wsse:Security")
	sec.CreateAttr("xmlns:wsse", NSWSSE)
	sec.CreateAttr(env.Space+":mustUnderstand", "1")
	bst := sec.CreateElement("wsse:BinarySecurityToken")
	bst.CreateAttr("EncodingType", encodingBase64)
	bst.CreateAttr("ValueType", valueTypeX509)
	bst.CreateAttr("wsu:Id", idToken)
	bst.SetText(base64.StdEncoding.EncodeToString(s.Cert.Raw))
	ts := sec.CreateElement("wsu:Timestamp")
	ts.CreateAttr("wsu:Id", idTS)
	t := now().UTC()
	ts.CreateElement("wsu:Created").SetText(t.Format(wsuTimeLayout))
	ts.CreateElement("wsu:Expires").SetText(t.Add(ttl).Format(wsuTimeLayout))

	sig := sec.CreateElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", NSDSig)
	si := sig.CreateElement("ds:SignedInfo")
	si.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", algExcC14N)
	si.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", algRSASHA256)
	for _, target := range []struct {
		id string
		el *etree.Element
	}{{idTS, ts}, {idBody, body}} {
		digest, err := digestOf(target.el)
		if err != nil {
			return nil, fmt.Errorf("%w: digest %s: %w", ErrSign, target.id, err)
		}
		ref := si.CreateElement("ds:Reference")
		ref.CreateAttr("URI", "#"+target.id)
		ref.CreateElement("ds:Transforms").CreateElement("ds:Transform").CreateAttr("Algorithm", algExcC14N)
		ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", algSHA256)
		ref.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(digest))
	}
	canon, err := canonical(si)
	if err != nil {
		return nil, fmt.Errorf("%w: SignedInfo: %w", ErrSign, err)
	}
	h := sha256.Sum256(canon)
	value, err := s.Key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSign, err)
	}
	sig.CreateElement("ds:SignatureValue").SetText(base64.StdEncoding.EncodeToString(value))
	str := sig.CreateElement("ds:KeyInfo").CreateElement("wsse:SecurityTokenReference")
	r := str.CreateElement("wsse:Reference")
	r.CreateAttr("URI", "#"+idToken)
	r.CreateAttr("ValueType", valueTypeX509)

	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSign, err)
	}
	return out, nil
}

// canonical returns the exclusive C14N 1.0 form (without comments) of el in
// the context of its ancestors' namespace declarations. el is not changed.
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

func digestOf(el *etree.Element) ([]byte, error) {
	c, err := canonical(el)
	if err != nil {
		return nil, err
	}
	d := sha256.Sum256(c)
	return d[:], nil
}

func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

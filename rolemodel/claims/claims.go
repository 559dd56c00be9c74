// Package claims renders a user's roles and rights (rolemodel.Claims) for an
// identity provider — the federated part of Begrebsmodel til brugerstyring —
// as a JSON document and as SAML 2.0 attribute statements, and serves them
// over HTTP (Handler), so that an IT system can trust a token instead of
// keeping its own user silo.
//
// The broker mounts Handler (e.g. at /claims) behind its own
// authentication; this package does no authentication itself. It sits
// outside the pure core (it imports net/http).
//
// JSON shape (rolemodel.Claims):
//
//	{"user": "p1", "personId": "p1", "validAt": "2025-01-01T00:00:00Z",
//	 "systems": [{"system": "opus",
//	              "roles":  [{"id": "anviser", "restrictions": ["unit=u1"]}],
//	              "rights": [{"id": "opus-anvis", "restrictions": ["unit=u1"]}],
//	              "rules":  [{"id": "primo", "kind": "time-window", "text": "...",
//	                          "rights": ["opus-anvis"], "firstWorkdays": 5}]}]}
//
// "rules" are the time-window and limit rules on the user's rights that the
// IT system enforces (segregation of duties is enforced before: a plan
// that breaks it is refused).
//
// SAML: one Attribute per IT system, named AttributePrefix + system ID
// (NameFormat uri), one AttributeValue per role in the format
// "role[:restriction]": the role ID for a general role, "role:kind=value"
// for each restriction of a restricted one (see
// rolemodel.SystemClaims.AttributeValues).
package claims

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
)

// ErrUnknownUser is returned by a Source for a user it does not know; the
// Handler answers 404.
var ErrUnknownUser = errors.New("claims: unknown user")

// DefaultPrefix is the SAML attribute name prefix when none is given.
const DefaultPrefix = "urn:orgsync:roles:"

// Source answers the claims of a user at a time.
type Source interface {
	Claims(ctx context.Context, user string, at time.Time) (rolemodel.Claims, error)
}

// Model is a Source that evaluates a compiled role model against a
// snapshot on every call (rolemodel.Model.Evaluate). A user without any
// effective role is ErrUnknownUser.
type Model struct {
	Model     *rolemodel.Model
	Snapshot  *orgmodel.Snapshot
	Decisions []rolemodel.Decision
}

// Claims implements Source.
func (m Model) Claims(_ context.Context, user string, at time.Time) (rolemodel.Claims, error) {
	c := m.Model.Evaluate(m.Snapshot, at, m.Decisions).Claims(user)
	if len(c.Systems) == 0 {
		return c, fmt.Errorf("%w: %s", ErrUnknownUser, user)
	}
	return c, nil
}

// JSON renders the claims as the JSON document.
func JSON(c rolemodel.Claims) ([]byte, error) {
	return json.MarshalIndent(c, "", "  ")
}

const (
	nsSAML = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsXSI  = "http://www.w3.org/2001/XMLSchema-instance"
	nsXS   = "http://www.w3.org/2001/XMLSchema"
	uriFmt = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
)

type attributeStatement struct {
	XMLName    xml.Name    `xml:"saml:AttributeStatement"`
	NS         string      `xml:"xmlns:saml,attr"`
	XSI        string      `xml:"xmlns:xsi,attr"`
	XS         string      `xml:"xmlns:xs,attr"`
	Attributes []attribute `xml:"saml:Attribute"`
}

type attribute struct {
	Name       string  `xml:"Name,attr"`
	NameFormat string  `xml:"NameFormat,attr"`
	Values     []value `xml:"saml:AttributeValue"`
}

type value struct {
	Type string `xml:"xsi:type,attr"`
	Text string `xml:",chardata"`
}

// SAML renders the claims as a saml:AttributeStatement element (for an IdP
// to put into its assertion): one attribute per IT system with roles.
// prefix "" is DefaultPrefix.
func SAML(c rolemodel.Claims, prefix string) ([]byte, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	st := attributeStatement{NS: nsSAML, XSI: nsXSI, XS: nsXS}
	for _, s := range c.Systems {
		vals := s.AttributeValues()
		if len(vals) == 0 {
			continue
		}
		a := attribute{Name: prefix + s.System, NameFormat: uriFmt}
		for _, v := range vals {
			a.Values = append(a.Values, value{Type: "xs:string", Text: v})
		}
		st.Attributes = append(st.Attributes, a)
	}
	return xml.MarshalIndent(st, "", "  ")
}

// Handler serves GET ?user=ID[&at=RFC 3339 time or YYYY-MM-DD]
// [&format=json|saml]: the user's claims at that time (default: now) as
// JSON (application/json) or as a SAML attribute statement
// (application/samlassertion+xml). Bad input is 400, an unknown user 404.
type Handler struct {
	Source Source
	// Now gives the default instant; nil is time.Now.
	Now func() time.Time
	// Prefix is the SAML attribute name prefix ("" = DefaultPrefix).
	Prefix string
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "claims: only GET", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	user := q.Get("user")
	if user == "" {
		http.Error(w, "claims: parameter user is required", http.StatusBadRequest)
		return
	}
	at := time.Now()
	if h.Now != nil {
		at = h.Now()
	}
	if v := q.Get("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, v); err != nil {
				http.Error(w, fmt.Sprintf("claims: parameter at: %q is neither an RFC 3339 time nor a date", v), http.StatusBadRequest)
				return
			}
		}
		at = t
	}
	c, err := h.Source.Claims(r.Context(), user, at)
	switch {
	case errors.Is(err, ErrUnknownUser):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "claims: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var body []byte
	switch f := q.Get("format"); f {
	case "", "json":
		body, err = JSON(c)
		w.Header().Set("Content-Type", "application/json")
	case "saml":
		body, err = SAML(c, h.Prefix)
		w.Header().Set("Content-Type", "application/samlassertion+xml")
	default:
		http.Error(w, fmt.Sprintf("claims: parameter format: %q, want json or saml", f), http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, "claims: "+err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(body)
}

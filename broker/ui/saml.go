package ui

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"

	"github.com/orgsync/orgsync/broker/api"
)

// ErrNoRole is returned when an IdP's assertion maps onto no role.
var ErrNoRole = errors.New("ui: the assertion carries no role the broker knows")

// AttributeMap maps the IdP's SAML attributes onto the broker's
// authorization model (configured per municipality: AD FS, OS2faktor and
// SimpleSAMLphp name their attributes differently).
type AttributeMap struct {
	// ID names the attribute holding the person's identifier (e.g. "uid";
	// "" uses the assertion's NameID).
	ID string
	// Role names the attribute (or group attribute) whose values map onto
	// roles through Roles; the first value found in Roles wins, in the
	// order of Roles' precedence: municipal administrator, privacy
	// officer, school administrator, teacher, parent.
	Role  string
	Roles map[string]api.Role
	// Institutions, Classes and Children name the attributes of the
	// scope: institution numbers, class keys ("institution/group") and
	// the person IDs of a parent's children (from STIL's custody links).
	Institutions, Classes, Children string
}

// Principal maps attributes (name → values) and the NameID onto a
// principal, or returns ErrNoRole.
func (m AttributeMap) Principal(nameID string, attrs map[string][]string) (api.Principal, error) {
	p := api.Principal{ID: nameID, Kind: "person"}
	if m.ID != "" {
		if v := attrs[m.ID]; len(v) > 0 && v[0] != "" {
			p.ID = v[0]
		}
	}
	if p.ID == "" {
		return p, fmt.Errorf("ui: the assertion has no %q attribute and no NameID", m.ID)
	}
	got := map[api.Role]bool{}
	for _, v := range attrs[m.Role] {
		if r, ok := m.Roles[v]; ok {
			got[r] = true
		}
	}
	for _, r := range []api.Role{api.MunicipalAdmin, api.PrivacyOfficer, api.SchoolAdmin, api.Teacher, api.Parent} {
		if got[r] {
			p.Role = r
			break
		}
	}
	if p.Role == "" {
		return p, fmt.Errorf("%w (attribute %q: %q)", ErrNoRole, m.Role, attrs[m.Role])
	}
	p.Institutions = nonEmpty(attrs[m.Institutions])
	p.Classes = nonEmpty(attrs[m.Classes])
	p.Children = nonEmpty(attrs[m.Children])
	return p, nil
}

func nonEmpty(v []string) []string {
	return slices.DeleteFunc(slices.Clone(v), func(s string) bool { return strings.TrimSpace(s) == "" })
}

// SAML signs people in through the municipality's IdP with SAML 2.0
// (HTTP-Redirect AuthnRequest, HTTP-POST response). The SP is
// crewjam/saml's ServiceProvider; its AcsURL must be Prefix+"/saml/acs"
// on this server and its MetadataURL Prefix+"/saml/metadata".
// Outstanding request IDs are kept on the server for ten minutes and
// accepted once; IdP-initiated sign-in is refused.
type SAML struct {
	SP  *saml.ServiceProvider
	Map AttributeMap

	mu       sync.Mutex
	requests map[string]time.Time
}

const samlRequestTTL = 10 * time.Minute

// login sends the browser to the IdP.
func (sm *SAML) login(w http.ResponseWriter, r *http.Request, now time.Time) {
	req, err := sm.SP.MakeAuthenticationRequest(sm.SP.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		http.Error(w, "SAML: "+err.Error(), http.StatusInternalServerError)
		return
	}
	u, err := req.Redirect("", sm.SP)
	if err != nil {
		http.Error(w, "SAML: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sm.mu.Lock()
	if sm.requests == nil {
		sm.requests = map[string]time.Time{}
	}
	for id, at := range sm.requests {
		if now.Sub(at) > samlRequestTTL {
			delete(sm.requests, id)
		}
	}
	sm.requests[req.ID] = now
	sm.mu.Unlock()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// outstanding returns the request IDs waiting for a response.
func (sm *SAML) outstanding(now time.Time) []string {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	var ids []string
	for id, at := range sm.requests {
		if now.Sub(at) <= samlRequestTTL {
			ids = append(ids, id)
		}
	}
	return ids
}

// assertion checks the IdP's response and maps it onto a principal; the
// request it answers is consumed.
func (sm *SAML) assertion(r *http.Request, now time.Time) (api.Principal, error) {
	if err := r.ParseForm(); err != nil { // ParseResponse reads r.Form and r.PostForm
		return api.Principal{}, fmt.Errorf("ui: SAML response form: %w", err)
	}
	a, err := sm.SP.ParseResponse(r, sm.outstanding(now))
	if err != nil {
		var ie *saml.InvalidResponseError
		if errors.As(err, &ie) {
			err = fmt.Errorf("%w: %v", err, ie.PrivateErr)
		}
		return api.Principal{}, err
	}
	if a.Subject != nil && a.Subject.SubjectConfirmations != nil {
		sm.mu.Lock()
		for _, sc := range a.Subject.SubjectConfirmations {
			if sc.SubjectConfirmationData != nil {
				delete(sm.requests, sc.SubjectConfirmationData.InResponseTo)
			}
		}
		sm.mu.Unlock()
	}
	attrs := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				attrs[at.Name] = append(attrs[at.Name], v.Value)
				if at.FriendlyName != "" && at.FriendlyName != at.Name {
					attrs[at.FriendlyName] = append(attrs[at.FriendlyName], v.Value)
				}
			}
		}
	}
	nameID := ""
	if a.Subject != nil && a.Subject.NameID != nil {
		nameID = a.Subject.NameID.Value
	}
	return sm.Map.Principal(nameID, attrs)
}

func (s *Server) samlLogin(w http.ResponseWriter, r *http.Request) {
	s.SAML.login(w, r, time.Now())
}

func (s *Server) samlACS(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	p, err := s.SAML.assertion(r, time.Now())
	if err != nil {
		s.Log.Warn("ui: SAML sign-in refused", "err", err)
		code := http.StatusForbidden
		msg := "Login afvist / sign-in refused"
		if errors.Is(err, ErrNoRole) {
			msg = "Din konto har ingen rolle i orgsync / your account has no role in orgsync"
		}
		http.Error(w, msg, code)
		return
	}
	s.SignIn(w, r, p)
}

func (s *Server) samlMetadata(w http.ResponseWriter, _ *http.Request) {
	b, err := xml.MarshalIndent(s.SAML.SP.Metadata(), "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(b)
}

package api

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// ErrUnauthenticated is returned by an Authenticator when the request
// carries no credentials it accepts.
var ErrUnauthenticated = errors.New("unauthenticated")

// Role is what a principal may do.
type Role string

// The roles.
const (
	// MunicipalAdmin may see and do everything.
	MunicipalAdmin Role = "municipal-admin"
	// SchoolAdmin may see and act on the data of the institutions in its
	// scope: their pending changes, locks (and release them), persons and
	// keep-alive entries.
	SchoolAdmin Role = "school-admin"
	// Teacher may see the persons of the classes in its scope.
	Teacher Role = "teacher"
	// Parent may see the children in its scope.
	Parent Role = "parent"
	// PrivacyOfficer may see everything and change nothing.
	PrivacyOfficer Role = "privacy-officer"
	// Importer is a machine client that may post local records to the
	// import API.
	Importer Role = "importer"
	// Agent is the outbound-only agent of one agent client
	// (Principal.Client): it fetches that client's plans, reports on
	// them and uploads its log bundle, nothing else.
	Agent Role = "agent"
)

// Principal is who a request is from: a machine client (Kind "client",
// authenticated by its token) or a person (Kind "person", authenticated
// by the admin UI's session through a pluggable Authenticator).
type Principal struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Role Role   `json:"role"`
	// Scope limits the data the principal sees: Institutions (numbers)
	// for school administrators and teachers, Classes (group keys
	// "institution/id") for teachers, Children (person IDs) for parents.
	// A municipal administrator and a privacy officer see the whole
	// municipality.
	Institutions []string `json:"institutions,omitempty"`
	Classes      []string `json:"classes,omitempty"`
	Children     []string `json:"children,omitempty"`
	// Client is the agent client an Agent principal serves.
	Client string `json:"client,omitempty"`
}

// Municipal reports whether p sees the whole municipality.
func (p *Principal) Municipal() bool {
	return p.Role == MunicipalAdmin || p.Role == PrivacyOfficer
}

// SeesInstitution reports whether p's scope includes the institution.
func (p *Principal) SeesInstitution(inst string) bool {
	return p.Municipal() || ((p.Role == SchoolAdmin || p.Role == Teacher) && slices.Contains(p.Institutions, inst))
}

// Authenticator finds the principal of a request, or returns an error
// matching ErrUnauthenticated.
type Authenticator interface {
	Authenticate(r *http.Request) (*Principal, error)
}

// Tokens authenticates machine clients (and, until the admin UI brings
// sessions, people) by a bearer token: "Authorization: Bearer <token>".
// Each client has its own token.
type Tokens map[string]Principal

// Authenticate implements Authenticator, comparing tokens in constant
// time.
func (t Tokens) Authenticate(r *http.Request) (*Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return nil, ErrUnauthenticated
	}
	for k, p := range t {
		if subtle.ConstantTimeCompare([]byte(k), []byte(tok)) == 1 {
			return &p, nil
		}
	}
	return nil, ErrUnauthenticated
}

// Chain tries authenticators in order; the first that accepts wins.
type Chain []Authenticator

// Authenticate implements Authenticator.
func (c Chain) Authenticate(r *http.Request) (*Principal, error) {
	for _, a := range c {
		p, err := a.Authenticate(r)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, ErrUnauthenticated) {
			return nil, err
		}
	}
	return nil, ErrUnauthenticated
}

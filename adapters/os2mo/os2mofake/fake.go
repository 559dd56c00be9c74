// Package os2mofake is an in-process fake of OS2mo's GraphQL API for tests
// and benchmarks: a Keycloak-style token endpoint, the pinned schema subset
// (adapters/os2mo/internal/schema), cursor paging, validity filtering,
// errors in GraphQL's error format, the IT-user mutations, and faults.
//
// Each behaviour and the public source it rests on:
//
//   - Token endpoint (POST /auth/realms/mo/protocol/openid-connect/token,
//     grant_type=client_credentials, client id and secret in the body or as
//     HTTP Basic): RFC 6749 §4.4 and Keycloak's OpenID Connect token
//     endpoint path for the realm "mo" that OS2mo's deployments use.
//   - GraphQL over HTTP (POST /graphql/v22, JSON {query, variables,
//     operationName}; answers {data, errors}): the GraphQL specification
//     §7 (Response) and OS2mo's versioned endpoints /graphql/vN.
//   - Query validation against the schema: the GraphQL specification §5,
//     as implemented by github.com/vektah/gqlparser/v2.
//   - Paging: limit and cursor arguments, page_info.next_cursor null on the
//     last page (OS2mo's paged.py: the next cursor is the offset plus the
//     limit; null once a page runs out of range). Cursors are opaque.
//   - Validity filtering: filter.from_date/to_date select the objects with
//     a validity overlapping the interval, and validities returns those
//     validities; an absent date means "now", an explicit null means
//     unbounded (OS2mo's filters.py: from_date/to_date UNSET vs None).
//     A validity's "to" is the last day it is valid (inclusive).
//   - Response containers: uuid, current(at), validities(start, end)
//     (OS2mo's response.py).
//   - ituser_create and ituser_update (OS2mo's mutators; inputs as in
//     ITUserCreateInput); they answer the response container with the
//     new or updated uuid.
//   - A missing or expired token gets HTTP 401 (OS2mo's Keycloak bearer
//     check) with a GraphQL error body.
//
// Faults (Faults): a delay on every page (slow pages), expiry of every
// issued token after N GraphQL requests (expired token mid-read), and a
// GraphQL error on a given request.
package os2mofake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/orgsync/orgsync/adapters/os2mo/internal/schema"
)

// Paths the fake serves.
const (
	TokenPath   = "/auth/realms/mo/protocol/openid-connect/token"
	GraphQLPath = "/graphql/v22"
)

// Object is one bitemporal object: its uuid and its validities, each a map
// of the GraphQL fields of the object type (e.g. "name", "parent_uuid"),
// with "validity" as {"from": "...", "to": "..."|nil} in RFC 3339.
type Object struct {
	UUID       string
	Validities []map[string]any
}

// Faults are the failures the fake injects.
type Faults struct {
	// PageDelay is slept before answering every GraphQL request.
	PageDelay time.Duration
	// ExpireTokensAfter, when positive, expires every issued token after
	// that many GraphQL requests made with it.
	ExpireTokensAfter int
	// FailRequest, when positive, answers the GraphQL request with that
	// sequence number (1-based) with a GraphQL error.
	FailRequest int
}

// Server is the fake. Create it with New, fill it with Put, serve it with
// its Handler (e.g. httptest.NewServer(s)).
type Server struct {
	ClientID, ClientSecret string
	// Now is the fake's clock for absent from_date/to_date.
	Now func() time.Time

	mu     sync.Mutex
	data   map[string][]*Object // collection -> objects, in insertion order
	byUUID map[string]*Object
	tokens map[string]int // token -> GraphQL requests made with it
	faults Faults

	requests  atomic.Int64
	mutations atomic.Int64
	schema    *ast.Schema
}

// New returns an empty fake accepting the given client credentials.
func New(clientID, secret string) *Server {
	return &Server{
		ClientID: clientID, ClientSecret: secret, Now: time.Now,
		data: map[string][]*Object{}, byUUID: map[string]*Object{},
		tokens: map[string]int{}, schema: schema.Load(),
	}
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) { s.mu.Lock(); s.faults = f; s.mu.Unlock() }

// Requests returns the number of GraphQL requests served so far.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Mutations returns the number of mutations served so far.
func (s *Server) Mutations() int { return int(s.mutations.Load()) }

// Put adds or replaces an object of a collection (the root query field,
// e.g. "org_units", "employees", "itusers").
func (s *Server) Put(collection string, o Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(collection, &o)
}

func (s *Server) put(collection string, o *Object) {
	for _, v := range o.Validities {
		v["uuid"] = o.UUID
		f, t := parseValidity(v)
		v[parsedKey] = parsed{f, t}
	}
	if old, ok := s.byUUID[o.UUID]; ok {
		*old = *o
		return
	}
	s.data[collection] = append(s.data[collection], o)
	s.byUUID[o.UUID] = o
}

// Objects returns a copy of a collection's objects.
func (s *Server) Objects(collection string) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Object
	for _, o := range s.data[collection] {
		c := Object{UUID: o.UUID}
		for _, v := range o.Validities {
			c.Validities = append(c.Validities, maps(v))
		}
		out = append(out, c)
	}
	return out
}

func maps(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		if k != parsedKey {
			c[k] = v
		}
	}
	return c
}

// ServeHTTP serves the token endpoint and the GraphQL endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case TokenPath:
		s.token(w, r)
	case GraphQLPath:
		s.graphql(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	_ = r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	w.Header().Set("Content-Type", "application/json")
	if r.PostForm.Get("grant_type") != "client_credentials" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"unsupported_grant_type"}`))
		return
	}
	if id != s.ClientID || secret != s.ClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"unauthorized_client","error_description":"Invalid client or Invalid client credentials"}`))
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = 0
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 300})
}

type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

func writeErrors(w http.ResponseWriter, code int, errs gqlerror.List) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"data": nil, "errors": errs})
}

func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	n := int(s.requests.Add(1))
	s.mu.Lock()
	f := s.faults
	tok, _ := bearer(r)
	used, known := s.tokens[tok]
	expired := known && f.ExpireTokensAfter > 0 && used >= f.ExpireTokensAfter
	if known && !expired {
		s.tokens[tok] = used + 1
	}
	s.mu.Unlock()
	if !known || expired {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeErrors(w, http.StatusUnauthorized, gqlerror.List{gqlerror.Errorf("Unauthorized: token missing, unknown or expired")})
		return
	}
	if f.PageDelay > 0 {
		select {
		case <-time.After(f.PageDelay):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodPost {
		writeErrors(w, http.StatusMethodNotAllowed, gqlerror.List{gqlerror.Errorf("POST only")})
		return
	}
	var req gqlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErrors(w, http.StatusBadRequest, gqlerror.List{gqlerror.Errorf("body: %v", err)})
		return
	}
	if f.FailRequest == n {
		writeErrors(w, http.StatusOK, gqlerror.List{gqlerror.Errorf("injected fault on request %d", n)})
		return
	}
	doc, errs := gqlparser.LoadQuery(s.schema, req.Query)
	if len(errs) > 0 {
		writeErrors(w, http.StatusOK, errs)
		return
	}
	op := doc.Operations.ForName(req.OperationName)
	if op == nil {
		writeErrors(w, http.StatusOK, gqlerror.List{gqlerror.Errorf("operation %q not found", req.OperationName)})
		return
	}
	vars, err := validator.VariableValues(s.schema, op, req.Variables)
	if err != nil {
		writeErrors(w, http.StatusOK, gqlerror.List{gqlerror.Errorf("%v", err)})
		return
	}
	data, gerr := s.execute(op, vars)
	if gerr != nil {
		writeErrors(w, http.StatusOK, gqlerror.List{gerr})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[7:], true
	}
	return "", false
}

func encodeCursor(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(off)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 8 || string(b[:7]) != "offset:" {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[7:]))
	return n, err == nil && n >= 0
}

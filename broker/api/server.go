// Package api is the broker's HTTP interface: a JSON API for everything
// package broker does (clients, pending changes, pause and resume,
// approvals, year-roll locks, keep-alive list, primary-institution
// overrides, the import API for local
// employees and externals, the guard's held institutions, Google Classroom
// requests), the audit trail and the anomaly report (AuditAccess), health
// and readiness, and Prometheus metrics. openapi.yaml describes it.
//
// With Server.Audit set, every response that carries personal data is
// recorded as a look-up in the accountability log (auditlog.Middleware and
// auditlog.Returned); the tests walk the route table with
// audittest.CheckRoutes.
//
// Every route requires an authenticated principal (see Authenticator)
// except /healthz, /readyz and /metrics. What a principal may do is its
// role; what it sees is its scope, applied in the handlers' queries (a
// school administrator's pending plan holds only its institutions'
// changes), not left to a page.
package api

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/localimport"
	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
)

// OpenAPI is the API's description (OpenAPI 3).
//
//go:embed openapi.yaml
var OpenAPI []byte

// Server serves the API. Build it with New.
type Server struct {
	Broker  *broker.Broker
	Sources *broker.Sources // nil: no import API, no guard
	Auth    Authenticator
	Metrics *Metrics // nil: /metrics is empty
	// Classroom queues Google Classroom requests (nil: the routes
	// /api/v1/classroom/… answer 404).
	Classroom *broker.ClassroomQueue
	// Agents serves the outbound-only agents of the agent clients (nil:
	// the routes /api/v1/agent/… and /api/v1/agents/… answer 404).
	Agents *broker.Agents
	Log    *slog.Logger
	// Audit records a look-up for every response that carries personal
	// data (persons, plans, keep-alive entries, overrides, held
	// snapshots, run reports); such requests then need a purpose
	// (auditlog.PurposeHeader). nil records nothing.
	Audit auditlog.Recorder
	// AuditClient names the API in look-up records (default
	// "broker-api").
	AuditClient string
	// AuditAccess serves the audit trail and the anomaly report to the
	// privacy officer and the municipal administrator, as far as the
	// log's review roles allow (nil: those routes answer 404).
	AuditAccess *AuditAccess
	// Ready reports readiness (e.g. the first snapshot was loaded); nil
	// is ready when the broker has a snapshot.
	Ready func() bool
	// Clock is the time (default time.Now).
	Clock func() time.Time

	routes []Route
	mux    *http.ServeMux
}

// Route is one entry of the router's table.
type Route struct {
	Method string
	Path   string // with {parameters}
	// Public routes need no authentication (health and metrics only).
	Public bool
	// Allow is the role check; the handler applies the scope.
	Allow   func(p *Principal, r *http.Request) bool
	handler func(w http.ResponseWriter, r *http.Request, p *Principal)
}

func roles(rs ...Role) func(*Principal, *http.Request) bool {
	return func(p *Principal, _ *http.Request) bool { return slices.Contains(rs, p.Role) }
}

// New returns the server with its routes.
func New(s Server) *Server {
	srv := &s
	if srv.Log == nil {
		srv.Log = slog.Default()
	}
	if srv.Clock == nil {
		srv.Clock = time.Now
	}
	anyone := func(*Principal, *http.Request) bool { return true }
	municipal := roles(MunicipalAdmin, PrivacyOfficer)
	admin := roles(MunicipalAdmin)
	schoolOrMunicipal := roles(MunicipalAdmin, PrivacyOfficer, SchoolAdmin)
	instAdmin := func(p *Principal, r *http.Request) bool {
		return p.Role == MunicipalAdmin || (p.Role == SchoolAdmin && slices.Contains(p.Institutions, r.PathValue("institution")))
	}
	instReader := func(p *Principal, r *http.Request) bool {
		inst := r.PathValue("institution")
		return p.SeesInstitution(inst) || p.Role == Parent
	}
	srv.routes = []Route{
		{Method: "GET", Path: "/healthz", Public: true, handler: srv.healthz},
		{Method: "GET", Path: "/readyz", Public: true, handler: srv.readyz},
		{Method: "GET", Path: "/metrics", Public: true, handler: srv.metrics},
		{Method: "GET", Path: "/api/v1/openapi.yaml", Allow: anyone, handler: srv.openapi},
		{Method: "GET", Path: "/api/v1/me", Allow: anyone, handler: srv.me},
		{Method: "GET", Path: "/api/v1/clients", Allow: municipal, handler: srv.clients},
		{Method: "GET", Path: "/api/v1/clients/{client}", Allow: municipal, handler: srv.client},
		{Method: "GET", Path: "/api/v1/clients/{client}/pending", Allow: schoolOrMunicipal, handler: srv.pending},
		{Method: "POST", Path: "/api/v1/clients/{client}/pause", Allow: admin, handler: srv.pause},
		{Method: "POST", Path: "/api/v1/clients/{client}/resume", Allow: admin, handler: srv.resume},
		{Method: "POST", Path: "/api/v1/clients/{client}/run", Allow: admin, handler: srv.run},
		{Method: "POST", Path: "/api/v1/clients/{client}/dry-run", Allow: admin, handler: srv.dryRun},
		{Method: "GET", Path: "/api/v1/clients/{client}/runs", Allow: municipal, handler: srv.runs},
		{Method: "GET", Path: "/api/v1/approvals", Allow: municipal, handler: srv.approvals},
		{Method: "GET", Path: "/api/v1/approvals/{id}", Allow: municipal, handler: srv.approval},
		{Method: "POST", Path: "/api/v1/approvals/{id}/approve", Allow: admin, handler: srv.approve},
		{Method: "POST", Path: "/api/v1/approvals/{id}/reject", Allow: admin, handler: srv.reject},
		{Method: "GET", Path: "/api/v1/locks", Allow: schoolOrMunicipal, handler: srv.locks},
		{Method: "POST", Path: "/api/v1/locks/{institution}/release", Allow: instAdmin, handler: srv.release},
		{Method: "GET", Path: "/api/v1/keepalive", Allow: schoolOrMunicipal, handler: srv.keepAlives},
		{Method: "POST", Path: "/api/v1/keepalive", Allow: admin, handler: srv.addKeepAlive},
		{Method: "DELETE", Path: "/api/v1/keepalive/{person}", Allow: admin, handler: srv.removeKeepAlive},
		{Method: "GET", Path: "/api/v1/primary", Allow: municipal, handler: srv.primaries},
		{Method: "PUT", Path: "/api/v1/primary/{person}", Allow: admin, handler: srv.setPrimary},
		{Method: "DELETE", Path: "/api/v1/primary/{person}", Allow: admin, handler: srv.clearPrimary},
		{Method: "GET", Path: "/api/v1/institutions/{institution}/persons", Allow: instReader, handler: srv.persons},
		{Method: "POST", Path: "/api/v1/import", Allow: roles(Importer, MunicipalAdmin), handler: srv.importLocal},
		{Method: "GET", Path: "/api/v1/guard", Allow: municipal, handler: srv.guard},
		{Method: "POST", Path: "/api/v1/guard/{id}/approve", Allow: admin, handler: srv.guardApprove},
		{Method: "GET", Path: "/api/v1/classroom/requests", Allow: municipal, handler: srv.classroomRequests},
		{Method: "POST", Path: "/api/v1/classroom/requests", Allow: admin, handler: srv.addClassroomRequest},
		// The log decides who reads it (its review roles), and records
		// every attempt: auditlog.Log.Authorize in the handlers.
		{Method: "GET", Path: "/api/v1/audit/trail", Allow: anyone, handler: srv.auditTrail},
		{Method: "GET", Path: "/api/v1/audit/anomalies", Allow: anyone, handler: srv.auditAnomalies},
	}
	srv.routes = append(srv.routes, spotCheckRoutes(srv)...)
	srv.routes = append(srv.routes, srv.agentRoutes()...)
	srv.mux = http.NewServeMux()
	for _, rt := range srv.routes {
		srv.mux.HandleFunc(rt.Method+" "+rt.Path, srv.wrap(rt))
	}
	return srv
}

// Routes returns the router's table (tests generate a check per route).
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) wrap(rt Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rt.Public {
			rt.handler(w, r, nil)
			return
		}
		if s.Auth == nil {
			writeError(w, http.StatusUnauthorized, "no authenticator configured")
			return
		}
		p, err := s.Auth.Authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="orgsync"`)
			writeError(w, http.StatusUnauthorized, "authentication required")
			return
		}
		if err := s.AuditAccess.observe(r.Context(), p, s.Clock()); err != nil {
			s.Log.Warn("api: staff directory", "principal", p.ID, "err", err)
		}
		if !rt.Allow(p, r) {
			s.Log.Info("api: forbidden", "principal", p.ID, "role", p.Role, "method", r.Method, "path", r.URL.Path)
			writeError(w, http.StatusForbidden, "forbidden")
			return
		}
		s.withAudit(rt, p).ServeHTTP(w, r)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// fail maps the broker's errors to HTTP codes.
func fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, broker.ErrUnknown):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, broker.ErrNotPending), errors.Is(err, diff.ErrStalePlan), errors.Is(err, broker.ErrPaused), errors.Is(err, broker.ErrLeased),
		errors.Is(err, broker.ErrStale), errors.Is(err, broker.ErrNoLogRequest):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, broker.ErrNoSnapshot):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ *Principal) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request, _ *Principal) {
	ready := s.Broker.Snapshot() != nil
	if s.Ready != nil {
		ready = s.Ready()
	}
	if !ready {
		writeError(w, http.StatusServiceUnavailable, "not ready: no snapshot yet")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ *Principal) {
	if s.Metrics == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	s.Metrics.Handler().ServeHTTP(w, r)
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request, _ *Principal) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(OpenAPI)
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request, p *Principal) {
	writeJSON(w, http.StatusOK, p)
}

// ClientView is a client in the API.
type ClientView struct {
	Name   string        `json:"name"`
	Status broker.Status `json:"status"`
}

func (s *Server) clients(w http.ResponseWriter, _ *http.Request, _ *Principal) {
	out := []ClientView{}
	for _, n := range s.Broker.Clients() {
		st, _ := s.Broker.Status(n)
		out = append(out, ClientView{Name: n, Status: st})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) client(w http.ResponseWriter, r *http.Request, _ *Principal) {
	n := r.PathValue("client")
	st, err := s.Broker.Status(n)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ClientView{Name: n, Status: st})
}

func (s *Server) pending(w http.ResponseWriter, r *http.Request, p *Principal) {
	pd, err := s.Broker.Pending(r.Context(), r.PathValue("client"))
	if err != nil {
		fail(w, err)
		return
	}
	s.writePending(w, r, p, pd)
}

// writePending answers a plan, scoped to what p sees, with its look-up
// record.
func (s *Server) writePending(w http.ResponseWriter, r *http.Request, p *Principal, pd *broker.Pending) {
	if s.Metrics != nil && pd.Plan != nil {
		s.Metrics.SetPending(pd.Client, len(pd.Plan.Changes))
	}
	if !p.Municipal() && pd.Plan != nil {
		// A school administrator sees its institutions' changes only.
		pl := *pd.Plan
		pl.Changes = slices.DeleteFunc(slices.Clone(pl.Changes), func(c diff.Change) bool { return !p.SeesInstitution(c.Institution()) })
		pl.Warnings = nil
		pd.Plan = &pl
		pd.YearRoll = ""
		pd.Refused = ""
		pd.Locks = slices.DeleteFunc(slices.Clone(pd.Locks), func(l broker.Lock) bool { return !p.SeesInstitution(l.Institution) })
	}
	var ids []string
	if pd.Plan != nil {
		ids = changePersons(pd.Plan.Changes)
	}
	if !s.returned(w, r, query(r), auditlog.Criteria{}, ids) {
		return
	}
	writeJSON(w, http.StatusOK, pd)
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.act(w, r, p, "pause", s.Broker.Pause(r.Context(), r.PathValue("client")))
}

func (s *Server) resume(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.act(w, r, p, "resume", s.Broker.Resume(r.Context(), r.PathValue("client")))
}

func (s *Server) act(w http.ResponseWriter, r *http.Request, p *Principal, what string, err error) {
	if err != nil {
		fail(w, err)
		return
	}
	s.Log.Info("api: "+what, "principal", p.ID, "path", r.URL.Path)
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, _ *Principal) {
	rep, err := s.Broker.Run(r.Context(), r.PathValue("client"))
	if err != nil && rep == nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) approvals(w http.ResponseWriter, _ *http.Request, _ *Principal) {
	out := s.Broker.Approvals()
	for i := range out {
		out[i].Saved = nil // the list is a summary; GET one for its plan
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) approval(w http.ResponseWriter, r *http.Request, _ *Principal) {
	a, err := s.Broker.Approval(r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	var ids []string
	if a.Saved != nil && a.Saved.Plan != nil {
		ids = changePersons(a.Saved.Plan.Changes)
	}
	if !s.returned(w, r, query(r), auditlog.Criteria{}, ids) {
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.act(w, r, p, "approve", s.Broker.Approve(r.Context(), r.PathValue("id"), p.ID))
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.act(w, r, p, "reject", s.Broker.Reject(r.Context(), r.PathValue("id"), p.ID))
}

func (s *Server) locks(w http.ResponseWriter, _ *http.Request, p *Principal) {
	out := slices.DeleteFunc(s.Broker.Locks(), func(l broker.Lock) bool { return !p.SeesInstitution(l.Institution) })
	if out == nil {
		out = []broker.Lock{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) release(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.act(w, r, p, "release", s.Broker.Release(r.Context(), r.PathValue("institution"), p.ID))
}

// personInScope reports whether one of the person's affiliations in snap
// is in p's scope.
func personInScope(p *Principal, snap *orgmodel.Snapshot, person string) bool {
	if p.Municipal() {
		return true
	}
	if snap == nil {
		return false
	}
	for _, a := range snap.Affiliations {
		if a.PersonID == person && p.SeesInstitution(snap.AffiliationInstitution(a)) {
			return true
		}
	}
	return false
}

func (s *Server) keepAlives(w http.ResponseWriter, r *http.Request, p *Principal) {
	snap := s.Broker.Snapshot()
	out := []broker.KeepAlive{}
	for _, k := range s.Broker.KeepAlives() {
		if p.Municipal() || slices.ContainsFunc(k.Affiliations, func(a orgmodel.Affiliation) bool {
			return p.SeesInstitution(a.Institution) || (snap != nil && p.SeesInstitution(snap.AffiliationInstitution(a)))
		}) {
			out = append(out, k)
		}
	}
	ids := make([]string, 0, len(out))
	for _, k := range out {
		ids = append(ids, k.PersonID)
	}
	if !s.returned(w, r, query(r), auditlog.Criteria{}, ids) {
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// KeepAliveRequest is the body of POST /api/v1/keepalive.
type KeepAliveRequest struct {
	PersonID string    `json:"personId"`
	Until    time.Time `json:"until"`
	Reason   string    `json:"reason"`
}

func (s *Server) addKeepAlive(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req KeepAliveRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "keep-alive: "+err.Error())
		return
	}
	if req.PersonID == "" || req.Until.IsZero() {
		writeError(w, http.StatusBadRequest, "keep-alive: personId and until are required")
		return
	}
	s.act(w, r, p, "keep-alive", s.Broker.AddKeepAlive(r.Context(), req.PersonID, req.Until, p.ID, req.Reason))
}

func (s *Server) removeKeepAlive(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.act(w, r, p, "keep-alive removed", s.Broker.RemoveKeepAlive(r.Context(), r.PathValue("person")))
}

func (s *Server) primaries(w http.ResponseWriter, r *http.Request, _ *Principal) {
	out := s.Broker.Primaries()
	if out == nil {
		out = []broker.Primary{}
	}
	ids := make([]string, 0, len(out))
	for _, pr := range out {
		ids = append(ids, pr.PersonID)
	}
	if !s.returned(w, r, query(r), auditlog.Criteria{}, ids) {
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// PrimaryRequest is the body of PUT /api/v1/primary/{person}.
type PrimaryRequest struct {
	Institution string `json:"institution"`
}

func (s *Server) setPrimary(w http.ResponseWriter, r *http.Request, p *Principal) {
	var req PrimaryRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<12))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Institution == "" {
		writeError(w, http.StatusBadRequest, "primary: want {\"institution\": \"<number>\"}")
		return
	}
	s.act(w, r, p, "primary", s.Broker.SetPrimary(r.Context(), r.PathValue("person"), req.Institution, p.ID))
}

func (s *Server) clearPrimary(w http.ResponseWriter, r *http.Request, p *Principal) {
	s.act(w, r, p, "primary cleared", s.Broker.ClearPrimary(r.Context(), r.PathValue("person")))
}

// PersonView is a person as the API shows it: no CPR number.
type PersonView struct {
	ID         string   `json:"id"`
	GivenName  string   `json:"givenName"`
	FamilyName string   `json:"familyName"`
	Roles      []string `json:"roles"`
	MainGroup  string   `json:"mainGroup,omitempty"`
}

func (s *Server) persons(w http.ResponseWriter, r *http.Request, p *Principal) {
	inst := r.PathValue("institution")
	snap := s.Broker.Snapshot()
	if snap == nil {
		fail(w, broker.ErrNoSnapshot)
		return
	}
	if _, ok := snap.Institution(inst); !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("institution %q not found", inst))
		return
	}
	out := []PersonView{}
	for _, a := range snap.Affiliations {
		if snap.AffiliationInstitution(a) != inst {
			continue
		}
		switch p.Role {
		case Teacher:
			in := func(g string) bool { return slices.Contains(p.Classes, orgmodel.GroupKey(inst, g)) }
			if !in(a.MainGroupID) && !slices.ContainsFunc(a.GroupIDs, in) {
				continue
			}
		case Parent:
			if !slices.Contains(p.Children, a.PersonID) {
				continue
			}
		}
		per, _ := snap.Person(a.PersonID)
		v := PersonView{ID: per.ID, GivenName: per.GivenName, FamilyName: per.FamilyName, MainGroup: a.MainGroupID}
		for _, ro := range a.Roles {
			v.Roles = append(v.Roles, string(ro))
		}
		out = append(out, v)
	}
	ids := make([]string, 0, len(out))
	for _, v := range out {
		ids = append(ids, v.ID)
	}
	if !s.returned(w, r, query(r), auditlog.Criteria{Institution: inst}, ids) {
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// ImportResponse answers the import API.
type ImportResponse struct {
	Accepted int                        `json:"accepted"`
	Problems []*localimport.RecordError `json:"problems,omitempty"`
	Held     []snapstore.Proposal       `json:"held,omitempty"`
	Changes  int                        `json:"changes"`
}

// importLocal takes the full extract of local employees and externals,
// as JSON or as CSV (Content-Type text/csv), validated: each record's
// problems are reported and nothing is taken when there are any.
func (s *Server) importLocal(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.Sources == nil {
		writeError(w, http.StatusNotFound, "the import API is not configured")
		return
	}
	body := http.MaxBytesReader(w, r.Body, 64<<20)
	var (
		recs []localimport.Record
		err  error
	)
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/csv") {
		recs, err = localimport.ReadCSV(body)
	} else {
		recs, err = localimport.ReadJSON(body)
	}
	if err != nil {
		var pe *localimport.ParseError
		if errors.As(err, &pe) {
			writeJSON(w, http.StatusUnprocessableEntity, ImportResponse{Problems: pe.Problems})
			return
		}
		writeError(w, http.StatusBadRequest, "import: "+err.Error())
		return
	}
	res, err := s.Sources.SetLocal(r.Context(), recs)
	if err != nil {
		fail(w, err)
		return
	}
	s.Log.Info("api: import", "principal", p.ID, "records", len(recs), "events", len(res.Events))
	writeJSON(w, http.StatusOK, ImportResponse{Accepted: len(recs), Held: res.Held, Changes: len(res.Events)})
}

func (s *Server) guard(w http.ResponseWriter, r *http.Request, _ *Principal) {
	if s.Sources == nil {
		writeJSON(w, http.StatusOK, []snapstore.Proposal{})
		return
	}
	ps, err := s.Sources.History.Pending(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	if ps == nil {
		ps = []snapstore.Proposal{}
	}
	// A held snapshot carries the persons of the institutions it holds.
	if !s.returned(w, r, query(r), auditlog.Criteria{}, nil) {
		return
	}
	writeJSON(w, http.StatusOK, ps)
}

func (s *Server) guardApprove(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.Sources == nil {
		writeError(w, http.StatusNotFound, "no snapshot history")
		return
	}
	err := s.Sources.History.Approve(r.Context(), r.PathValue("id"), p.ID, s.Clock())
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	_, err = s.Sources.Recommit(r.Context())
	s.act(w, r, p, "guard approve", err)
}

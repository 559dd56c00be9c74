// Package ui is the broker's web interface for people: server-rendered
// pages (html/template) on the broker's engine and the authorization
// model of package api (principals, roles, scopes), enforced here on the
// server for every page and action, never only hidden in the page.
//
// A client's page shows its pending changes, read from the broker's plan
// made ahead when there is one (broker.Options.PlanAhead, Broker.Planned),
// with a dry-run button; its run page (municipal roles) the run history
// with a chart of the changes per run, and the clients page a sparkline of
// them per client (inline SVG drawn on the server).
//
// Every action is a plain HTML form (no JavaScript needed). Pages are in
// Danish first, English per user (the language switch on every page).
// Sessions live on the server; the browser holds a random id in an
// HttpOnly, SameSite=Lax cookie (Secure unless Insecure is set for the
// localhost demo). Every POST carries the session's CSRF token; the
// Content-Security-Policy allows nothing but the page's own stylesheet
// (no scripts at all). A session ends after IdleTimeout without use, or
// on logout.
//
// Signing in: production uses the municipality's IdP through SAML 2.0
// (Server.SAML, crewjam/saml as the service provider; the IdP's attributes
// are mapped onto roles and scopes by an AttributeMap). The demo login
// (Server.Demo) offers a choice of demo principals and is marked as such
// on every page; it exists only when Demo is set.
//
// Every page that shows a person's data first records a look-up through
// Recorder (actor, role, purpose, criteria, the persons shown, source
// address); when recording fails, nothing is shown. AuditRecorder writes
// them to the accountability log (package auditlog), whose purpose list
// must then hold PagePurposes; Server.Purposes makes the search's purpose
// a choice from that list. Every change made through the keep-alive and
// primary-institution forms is recorded (Server.Changes, AuditChanges)
// before it is made. With Server.Audit the privacy officer (and the
// municipal administrator where the log allows) see the anomaly report.
package ui

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// CSP is the Content-Security-Policy of every response: no scripts, no
// frames, styles only from the page's own stylesheet, forms posted only to
// this server.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Lookup is one look at personal data, as the accountability log keeps it.
type Lookup struct {
	At      time.Time
	Actor   string
	Role    api.Role
	Purpose string
	// Query is what was asked (a page and its criteria).
	Query string
	// Persons are the IDs of the persons shown.
	Persons  []string
	SourceIP string
}

// Recorder records look-ups (the accountability log). Record must return
// an error when the record was not kept: the page is then not shown.
type Recorder interface {
	Record(ctx context.Context, l Lookup) error
}

// MemoryRecorder keeps look-ups in memory (tests and the demo).
type MemoryRecorder struct {
	mu      sync.Mutex
	lookups []Lookup
}

// Record implements Recorder.
func (m *MemoryRecorder) Record(_ context.Context, l Lookup) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups = append(m.lookups, l)
	return nil
}

// Lookups returns the look-ups recorded so far.
func (m *MemoryRecorder) Lookups() []Lookup {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.lookups)
}

// LogRecorder records look-ups as structured log lines ("ui: look-up"),
// for a deployment without the accountability log.
type LogRecorder struct{ Log *slog.Logger }

// Record implements Recorder.
func (l LogRecorder) Record(ctx context.Context, lu Lookup) error {
	l.Log.InfoContext(ctx, "ui: look-up", "actor", lu.Actor, "role", lu.Role, "purpose", lu.Purpose, "query", lu.Query,
		"count", len(lu.Persons), "persons", lu.Persons, "ip", lu.SourceIP)
	return nil
}

// DemoUser is a principal offered by the demo login.
type DemoUser struct {
	Label     string
	Principal api.Principal
}

// Server serves the pages. Build it with New.
type Server struct {
	Broker   *broker.Broker
	Recorder Recorder
	Log      *slog.Logger
	// Clock is the time (default time.Now).
	Clock func() time.Time
	// Prefix is where the UI is mounted (default "/ui").
	Prefix string
	// IdleTimeout ends a session unused this long (default 20 minutes).
	IdleTimeout time.Duration
	// Insecure drops the cookies' Secure flag (plain-HTTP demo on
	// localhost only).
	Insecure bool
	// SAML, when set, signs people in through the municipality's IdP:
	// GET Prefix+"/login" goes to the IdP, POST Prefix+"/saml/acs" takes
	// its response, GET Prefix+"/saml/metadata" is the SP's metadata.
	SAML *SAML
	// Passwords are the targets a pupil's new password is written to
	// (every target holding the pupil), and PasswordRules the policy by
	// grade (default DefaultPasswordRules).
	Passwords     []PasswordTarget
	PasswordRules []PasswordRule
	// Demo, when not empty, enables the demo login with these users.
	Demo []DemoUser
	// Audit, when set, gives the privacy officer and the municipal
	// administrator the anomaly report (GET Prefix+"/audit", as far as
	// the log's review roles allow; every attempt is recorded in the log).
	Audit *api.AuditAccess
	// Purposes, when set, is the list a search's purpose is chosen from
	// (the accountability log's list, e.g. auditlog.DefaultPurposes);
	// empty takes a free-text purpose of at least 5 characters.
	Purposes []string

	// Changes records every change made through the keep-alive and
	// primary-institution forms before it is made (AuditChanges writes to
	// the accountability log); nil writes a log line ("ui: change").
	Changes ChangeRecorder

	// HeadCounts, when set, gives the institutions page the head count of
	// the previous export and a trend chart.
	HeadCounts *HeadCounts
	// PendingTTL is how long a computed pending plan is reused while
	// nothing changed (default 30 seconds; see pendingOf).
	PendingTTL time.Duration

	tmpl      *template.Template
	sessions  *sessions
	mux       *http.ServeMux
	pendingMu *sync.Mutex
	pendings  map[string]pendingEntry
}

type ctxKey struct{}

// New returns the server with its routes.
func New(s Server) (*Server, error) {
	srv := &s
	if srv.Log == nil {
		srv.Log = slog.Default()
	}
	if srv.Clock == nil {
		srv.Clock = time.Now
	}
	if srv.IdleTimeout == 0 {
		srv.IdleTimeout = 20 * time.Minute
	}
	if srv.Recorder == nil {
		return nil, errors.New("ui: a Recorder is required")
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	srv.tmpl = t
	srv.sessions = &sessions{}
	srv.pendingMu, srv.pendings = &sync.Mutex{}, map[string]pendingEntry{}
	if srv.PendingTTL == 0 {
		srv.PendingTTL = 30 * time.Second
	}
	p := srv.prefix()
	m := http.NewServeMux()
	m.HandleFunc("GET "+p+"/static/style.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write(styleCSS)
	})
	m.HandleFunc("GET "+p+"/login", srv.login)
	if srv.SAML != nil {
		m.HandleFunc("GET "+p+"/saml/login", srv.samlLogin)
		m.HandleFunc("POST "+p+"/saml/acs", srv.samlACS)
		m.HandleFunc("GET "+p+"/saml/metadata", srv.samlMetadata)
	}
	m.HandleFunc("POST "+p+"/login/demo", srv.demoLogin)
	for _, rt := range srv.routes() {
		m.HandleFunc(rt.method+" "+p+rt.path, srv.wrap(rt))
	}
	srv.mux = m
	return srv, nil
}

func (s *Server) prefix() string {
	if s.Prefix == "" {
		return "/ui"
	}
	return strings.TrimSuffix(s.Prefix, "/")
}

// ServeHTTP implements http.Handler, setting the security headers on
// every response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

// route is one page or action.
type route struct {
	method, path string
	allow        func(p *api.Principal) bool
	handler      func(w http.ResponseWriter, r *http.Request, ss *session)
}

// Route describes one of the UI's routes for a route walk.
type Route struct {
	Method, Path string
	// Allow is the role check (the handler applies the scope).
	Allow func(p *api.Principal) bool
}

// Routes returns the UI's route table (without the login and static
// routes, which need no session).
func (s *Server) Routes() []Route {
	var out []Route
	for _, rt := range s.routes() {
		out = append(out, Route{Method: rt.method, Path: s.prefix() + rt.path, Allow: rt.allow})
	}
	return out
}

func anyone(*api.Principal) bool { return true }

func roles(rs ...api.Role) func(*api.Principal) bool {
	return func(p *api.Principal) bool { return slices.Contains(rs, p.Role) }
}

func (s *Server) routes() []route {
	municipal := roles(api.MunicipalAdmin, api.PrivacyOfficer)
	admin := roles(api.MunicipalAdmin)
	schoolOrMunicipal := roles(api.MunicipalAdmin, api.PrivacyOfficer, api.SchoolAdmin)
	return []route{
		{"GET", "/{$}", anyone, s.home},
		{"POST", "/logout", anyone, s.logout},
		{"POST", "/lang", anyone, s.setLang},
		{"GET", "/clients", schoolOrMunicipal, s.clients},
		{"GET", "/clients/{client}", schoolOrMunicipal, s.pending},
		{"POST", "/clients/{client}/pause", admin, s.pause},
		{"POST", "/clients/{client}/resume", admin, s.resume},
		{"POST", "/clients/{client}/run", admin, s.run},
		{"POST", "/clients/{client}/dry-run", admin, s.dryRun},
		{"GET", "/clients/{client}/runs", municipal, s.runs},
		{"POST", "/approvals/{id}/approve", admin, s.approve},
		{"GET", "/institutions", schoolOrMunicipal, s.institutions},
		{"POST", "/locks/{institution}/release", roles(api.MunicipalAdmin, api.SchoolAdmin), s.release},
		{"GET", "/keepalive", municipal, s.keepAlive},
		{"GET", "/audit", municipal, s.anomalies},
		{"GET", "/primary", municipal, s.primary},
		{"POST", "/keepalive", admin, s.addKeepAlive},
		{"POST", "/keepalive/remove", admin, s.removeKeepAlive},
		{"POST", "/primary", admin, s.setPrimary},
		{"POST", "/primary/clear", admin, s.clearPrimary},
		{"GET", "/search", roles(api.MunicipalAdmin, api.PrivacyOfficer, api.SchoolAdmin, api.Teacher), s.search},
		{"GET", "/classes", roles(api.MunicipalAdmin, api.PrivacyOfficer, api.SchoolAdmin, api.Teacher), s.classes},
		{"GET", "/classes/{institution}/{group}", roles(api.MunicipalAdmin, api.PrivacyOfficer, api.SchoolAdmin, api.Teacher), s.classList},
		{"GET", "/children", roles(api.Parent), s.children},
		{"POST", "/classes/{institution}/{group}/password", roles(api.MunicipalAdmin, api.SchoolAdmin, api.Teacher), s.classPassword},
		{"POST", "/children/password", roles(api.Parent), s.childPassword},
	}
}

// wrap authenticates the session, checks the role and, for a POST, the
// CSRF token.
func (s *Server) wrap(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var ss *session
		if c, err := r.Cookie(sessionCookie); err == nil {
			ss, _ = s.sessions.get(c.Value, s.Clock(), s.IdleTimeout)
		}
		if ss == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, s.prefix()+"/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "Ikke logget ind / not signed in", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
			if !sameToken(r.PostFormValue("csrf"), ss.csrf) {
				s.Log.Warn("ui: form without a valid CSRF token", "principal", ss.principal.ID, "path", r.URL.Path)
				s.errorPage(w, r, ss, http.StatusForbidden, "err.csrf")
				return
			}
		}
		if !rt.allow(&ss.principal) {
			s.Log.Info("ui: forbidden", "principal", ss.principal.ID, "role", ss.principal.Role, "path", r.URL.Path)
			s.errorPage(w, r, ss, http.StatusForbidden, "err.forbidden")
			return
		}
		rt.handler(w, r, ss)
	}
}

const sessionCookie = "orgsync_session"
const loginCookie = "orgsync_login"

// SignIn starts a session for p (called by the IdP's assertion handler)
// and sends the browser to the start page.
func (s *Server) SignIn(w http.ResponseWriter, r *http.Request, p api.Principal) {
	lang := "da"
	if strings.HasPrefix(r.Header.Get("Accept-Language"), "en") {
		lang = "en"
	}
	if err := s.Audit.ObserveSignIn(r.Context(), &p, s.Clock()); err != nil {
		s.Log.Warn("ui: staff directory", "principal", p.ID, "err", err)
	}
	ss := s.sessions.create(p, lang, s.Clock())
	http.SetCookie(w, s.cookie(sessionCookie, ss.id, 0))
	s.Log.Info("ui: signed in", "principal", p.ID, "role", p.Role)
	http.Redirect(w, r, s.prefix()+"/", http.StatusSeeOther)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.SAML != nil && len(s.Demo) == 0 {
		s.samlLogin(w, r)
		return
	}
	if len(s.Demo) == 0 {
		http.Error(w, "no sign-in configured (production requires SAML)", http.StatusServiceUnavailable)
		return
	}
	tok := randomToken()
	http.SetCookie(w, s.cookie(loginCookie, tok, 600))
	s.render(w, r, nil, http.StatusOK, "login", map[string]any{"Users": s.Demo, "LoginCSRF": tok})
}

func (s *Server) demoLogin(w http.ResponseWriter, r *http.Request) {
	if len(s.Demo) == 0 {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<12)
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(c.Value, r.PostFormValue("csrf")) {
		http.Error(w, "login form without a valid CSRF token", http.StatusForbidden)
		return
	}
	for _, u := range s.Demo {
		if u.Principal.ID == r.PostFormValue("user") {
			http.SetCookie(w, s.cookie(loginCookie, "", -1))
			s.SignIn(w, r, u.Principal)
			return
		}
	}
	http.Error(w, "unknown demo user", http.StatusBadRequest)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, ss *session) {
	s.sessions.end(ss.id)
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, s.prefix()+"/login", http.StatusSeeOther)
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request, ss *session) {
	lang := r.PostFormValue("lang")
	if lang != "da" && lang != "en" {
		s.errorPage(w, r, ss, http.StatusBadRequest, "err.lang")
		return
	}
	s.sessions.setLang(ss.id, lang)
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, s.prefix()+"/") || strings.HasPrefix(back, "//") {
		back = s.prefix() + "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// record records a look-up; on failure it answers 500 and returns false.
func (s *Server) record(w http.ResponseWriter, r *http.Request, ss *session, purpose, query string, persons []string) bool {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	l := Lookup{At: s.Clock(), Actor: ss.principal.ID, Role: ss.principal.Role, Purpose: purpose, Query: query,
		Persons: persons, SourceIP: ip}
	if err := s.Recorder.Record(r.Context(), l); err != nil {
		s.Log.Error("ui: look-up not recorded: nothing shown", "principal", ss.principal.ID, "err", err)
		s.errorPage(w, r, ss, http.StatusInternalServerError, "err.record")
		return false
	}
	return true
}

// page is what every template gets.
type page struct {
	Prefix  string
	Lang    string
	Demo    bool
	User    *api.Principal
	CSRF    string
	Path    string
	Message string
	// Done is set after an action (POST/redirect/GET with ?done=1).
	Done bool
	Data any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, ss *session, code int, name string, data any) {
	pg := page{Prefix: s.prefix(), Lang: "da", Demo: len(s.Demo) > 0, Path: r.URL.RequestURI(), Data: data,
		Done: r.URL.Query().Get("done") == "1"}
	if ss != nil {
		pg.Lang, pg.User, pg.CSRF = ss.lang, &ss.principal, ss.csrf
	}
	var b strings.Builder
	if err := s.tmpl.ExecuteTemplate(&b, name, pg); err != nil {
		s.Log.Error("ui: template", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(b.String()))
}

// errorPage shows a message (a key of the message table, or literal text)
// with its status code.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, ss *session, code int, msg string) {
	s.render(w, r, ss, code, "error", map[string]any{"Code": code, "Msg": msg})
}

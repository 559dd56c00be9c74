// Package tenant runs many municipalities in one broker service with
// nothing shared between them but the machines: each municipality has
// its own broker.Broker (clients, schedules, approvals, locks), its own
// part of the store, its own leases, its own audit logs, its own
// administrators and keys (an api.Authenticator of its own) and its own
// API under /m/<municipality>/ and its own snapshot history (History).
// Municipalities are added and removed by configuration (Service.Add,
// Service.Remove; Service.Purge deletes a removed one's state);
// examples/broker reads them from its YAML ("municipalities").
//
// Several instances of a service share one store (a broker.Swapper, e.g.
// broker/mariadb) and one broker.Leaser: each municipality's records are
// changed by compare-and-swap under its prefix, and its clients' leases
// carry the prefix, so instances hand out every municipality's clients
// among themselves. Service.Loop gives the leases up at a clean stop.
//
// It is not an authorization model: within a municipality, roles and
// scopes are package api's. Across municipalities there is nothing to
// authorize: a request under /m/B/ is authenticated by B's authenticator
// only, so A's keys and sessions are unknown there.
package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
)

// ErrConfig: a municipality's configuration is invalid or clashes with
// another's.
var ErrConfig = errors.New("tenant: invalid configuration")

// Municipality is one municipality's configuration.
type Municipality struct {
	// ID names it in the store, the leases and the URL (letters, digits
	// and '-', e.g. the municipality code "0101").
	ID string
	// Name is for people.
	Name string
	// Clients are its directories. Their audit logs (Config.AuditLog)
	// must not be another municipality's.
	Clients []broker.Client
	// Auth authenticates its administrators and machine clients (its
	// keys); it must not accept another municipality's credentials.
	Auth api.Authenticator
	// Sources, when set, builds its import API and guard (see
	// api.Server.Sources) from its broker.
	Sources func(*broker.Broker) *broker.Sources
	// Audit, when set, is its own accountability log: its API records
	// every look-up of personal data there (api.Server.Audit) and serves
	// the audit trail and anomaly report from it to its review roles. It
	// must not be another municipality's.
	Audit *api.AuditAccess
}

// Options configure a Service; Store, Clock and Log are shared by the
// municipalities (each sees only its own part of the store).
type Options struct {
	// Store keeps every municipality's state, each under the prefix
	// "m/<id>/" (default: a MemoryStore).
	Store broker.Store
	// Leases, when set, gives each municipality's broker leases whose
	// names carry its prefix (see broker.Options.Leases).
	Leases broker.Leaser
	Clock  func() time.Time
	Log    *slog.Logger
	// OnRun, when set, is called after each run of a municipality's
	// client with its report (see broker.Options.OnRun).
	OnRun func(municipality, client string, rep *broker.RunReport)
}

// Service is the municipalities of one broker service.
type Service struct {
	opt Options
	mu  sync.RWMutex
	m   map[string]*tenant
}

type tenant struct {
	cfg    Municipality
	broker *broker.Broker
	api    *api.Server
}

// New returns a service with the municipalities ms.
func New(ctx context.Context, opt Options, ms ...Municipality) (*Service, error) {
	if opt.Store == nil {
		opt.Store = &broker.MemoryStore{}
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	s := &Service{opt: opt, m: map[string]*tenant{}}
	for _, m := range ms {
		if err := s.Add(ctx, m); err != nil {
			return nil, err
		}
	}
	return s, nil
}

var validID = regexp.MustCompile(`^[A-Za-z0-9-]{1,40}$`)

// CheckID returns an error matching ErrConfig unless id is a valid
// municipality ID (1-40 letters, digits or '-').
func CheckID(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("municipality %q: %w: want 1-40 letters, digits or '-'", id, ErrConfig)
	}
	return nil
}

// Prefix is the part of the store that is municipality id's: its keys
// start with it.
func Prefix(id string) string { return "m/" + id + "/" }

// Add starts serving a municipality: its state is loaded from its part
// of the store (a municipality removed and added again finds its data).
func (s *Service) Add(ctx context.Context, m Municipality) error {
	if err := CheckID(m.ID); err != nil {
		return err
	}
	if m.Auth == nil {
		return fmt.Errorf("municipality %s: %w: no authenticator", m.ID, ErrConfig)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.m[m.ID]; dup {
		return fmt.Errorf("municipality %s: %w: configured twice", m.ID, ErrConfig)
	}
	mine := map[string]bool{}
	for _, c := range m.Clients {
		if c.Config.AuditLog != "" {
			mine[filepath.Clean(c.Config.AuditLog)] = true
		}
	}
	for id, t := range s.m {
		for _, c := range t.cfg.Clients {
			if c.Config.AuditLog != "" && mine[filepath.Clean(c.Config.AuditLog)] {
				return fmt.Errorf("municipality %s: %w: audit log %s is municipality %s's", m.ID, ErrConfig, c.Config.AuditLog, id)
			}
		}
		if m.Audit != nil && t.cfg.Audit != nil && m.Audit.Log != nil && m.Audit.Log == t.cfg.Audit.Log {
			return fmt.Errorf("municipality %s: %w: its accountability log is municipality %s's", m.ID, ErrConfig, id)
		}
	}
	prefix := Prefix(m.ID)
	opt := broker.Options{Store: Prefixed(s.opt.Store, prefix), Clock: s.opt.Clock, Log: s.opt.Log.With("municipality", m.ID)}
	if on := s.opt.OnRun; on != nil {
		id := m.ID
		opt.OnRun = func(client string, rep *broker.RunReport) { on(id, client, rep) }
	}
	if r, ok := s.opt.Leases.(broker.ClaimReleaser); ok {
		opt.Leases = prefixReleaser{prefixLeaser{r, prefix}, r}
	} else if s.opt.Leases != nil {
		opt.Leases = prefixLeaser{s.opt.Leases, prefix}
	}
	b, err := broker.New(ctx, opt, m.Clients...)
	if err != nil {
		return fmt.Errorf("municipality %s: %w", m.ID, err)
	}
	srv := api.Server{Broker: b, Auth: m.Auth, Log: opt.Log, Clock: s.opt.Clock}
	if m.Audit != nil && m.Audit.Log != nil {
		srv.Audit, srv.AuditAccess = m.Audit.Log, m.Audit
	}
	if m.Sources != nil {
		srv.Sources = m.Sources(b)
	}
	s.m[m.ID] = &tenant{cfg: m, broker: b, api: api.New(srv)}
	return nil
}

// Remove stops serving a municipality: its API answers 404 and its
// clients are no longer run. Its data stays in the store (Purge deletes
// it).
func (s *Service) Remove(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		return fmt.Errorf("municipality %q: %w", id, broker.ErrUnknown)
	}
	delete(s.m, id)
	return nil
}

// Purge deletes the data of a removed municipality from the store.
func (s *Service) Purge(ctx context.Context, id string) error {
	s.mu.RLock()
	_, served := s.m[id]
	s.mu.RUnlock()
	if served || !validID.MatchString(id) {
		return fmt.Errorf("municipality %q: %w: remove it first", id, ErrConfig)
	}
	keys, err := s.opt.Store.List(ctx, Prefix(id))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.opt.Store.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// IDs returns the municipalities served, sorted.
func (s *Service) IDs() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for id := range s.m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Broker returns a municipality's broker.
func (s *Service) Broker(id string) (*broker.Broker, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.m[id]
	if !ok {
		return nil, fmt.Errorf("municipality %q: %w", id, broker.ErrUnknown)
	}
	return t.broker, nil
}

// Tick ticks every municipality's broker, one after the other (each runs
// its due clients at once).
func (s *Service) Tick(ctx context.Context) {
	for _, id := range s.IDs() {
		if b, err := s.Broker(id); err == nil {
			b.Tick(ctx)
		}
	}
}

// Loop calls Tick every interval until ctx is done, like broker.Loop:
// the runs in flight then go on for up to grace and are stopped at their
// next change, and with a broker.ClaimReleaser (Options.Leases) every
// municipality's leases are given up, so that another instance takes
// them over at once.
func (s *Service) Loop(ctx context.Context, every, grace time.Duration) {
	broker.TickLoop(ctx, every, grace, s.Tick, s.releaseClaims)
}

func (s *Service) releaseClaims(ctx context.Context) {
	r, ok := s.opt.Leases.(broker.ClaimReleaser)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for id, t := range s.m {
		for _, c := range t.cfg.Clients {
			if err := r.ReleaseClaim(ctx, Prefix(id)+c.Name); err != nil {
				s.opt.Log.Warn("lease: release at shutdown", "municipality", id, "client", c.Name, "err", err)
			}
		}
	}
}

// ServeHTTP serves /healthz for the service and each municipality's API
// under /m/<id>/ (its routes with that prefix). A municipality's public
// routes other than /healthz and /readyz (its /metrics) are not served
// here: they name clients and counts, so they belong on an operator's
// listener, per municipality (Handler).
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/m/")
	id, path, _ := strings.Cut(rest, "/")
	s.mu.RLock()
	t := s.m[id]
	s.mu.RUnlock()
	if !ok || t == nil || path == "metrics" {
		http.NotFound(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + path
	r2.URL.RawPath = ""
	t.api.ServeHTTP(w, r2)
}

// Handler returns a municipality's own API handler with every route
// (metrics included), for an operator's listener.
func (s *Service) Handler(id string) (http.Handler, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.m[id]
	if !ok {
		return nil, fmt.Errorf("municipality %q: %w", id, broker.ErrUnknown)
	}
	return t.api, nil
}

// prefixLeaser gives a municipality's leases names of its own.
type prefixLeaser struct {
	l      broker.Leaser
	prefix string
}

func (p prefixLeaser) Hold(ctx context.Context, client string) (context.Context, func(), error) {
	return p.l.Hold(ctx, p.prefix+client)
}

// prefixReleaser is prefixLeaser for a broker.ClaimReleaser.
type prefixReleaser struct {
	prefixLeaser
	r broker.ClaimReleaser
}

func (p prefixReleaser) ReleaseClaim(ctx context.Context, client string) error {
	return p.r.ReleaseClaim(ctx, p.prefix+client)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/tenant"
	"github.com/orgsync/orgsync/provision"
)

// municipalityConfig is one entry of "municipalities": one municipality
// of a service that hosts several (broker/tenant). Its API is served
// under /m/<id>/, its state is under the key prefix m/<id>/ of the
// shared state (the folder or MariaDB), and its tokens are valid only
// for it.
type municipalityConfig struct {
	// ID names it in the URL and the state (letters, digits and '-',
	// e.g. the municipality code "0101"). Never reuse the ID of another
	// municipality: its data would be found.
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Tokens, Sources and Clients are as at the top of a one-municipality
	// configuration (sources.stil is not supported here yet).
	Tokens  []tokenConfig  `yaml:"tokens"`
	Sources sourceConfig   `yaml:"sources"`
	Clients []clientConfig `yaml:"clients"`
	// Audit is its own accountability log (as the top-level audit
	// section; its files must not be another municipality's).
	Audit *auditConfig `yaml:"audit"`
}

// checkMunicipalities checks "municipalities": nothing that would be
// shared is left at the top, IDs are valid and unique, each municipality
// has clients, and no file (memdir, audit log) is two municipalities'.
func checkMunicipalities(fc *fileConfig, bad func(key, format string, args ...any)) (more []error) {
	for key, set := range map[string]bool{
		"clients": len(fc.Clients) > 0, "tokens": len(fc.Tokens) > 0, "sources": fc.Sources != (sourceConfig{}),
		"mail": fc.Mail != nil, "ui": fc.UI != nil, "audit": fc.Audit != nil,
		"agents": len(fc.Agents) > 0, "certs": len(fc.Certs) > 0,
	} {
		if set {
			bad(key, "not at the top with municipalities: each municipality has its own (mail, ui, agents and client certificates are not supported with municipalities yet)")
		}
	}
	ids := map[string]bool{}
	files := map[string]string{} // memdir and audit files: the key that uses them
	for i, m := range fc.Municipalities {
		key := fmt.Sprintf("municipalities[%d]", i)
		if err := tenant.CheckID(m.ID); err != nil {
			bad(key+".id", "%q: want 1-40 letters, digits or '-'", m.ID)
		} else if ids[m.ID] {
			bad(key+".id", "%q is used twice", m.ID)
		}
		ids[m.ID] = true
		if len(m.Clients) == 0 {
			bad(key+".clients", "at least one client is needed")
		}
		more = append(more, checkClients(key+".clients", m.Clients, nil, bad)...)
		checkTokens(key+".tokens", m.Tokens, nil, bad)
		checkSources(key+".sources", &m.Sources, bad)
		m.Audit.check(func(k, format string, args ...any) { bad(key+"."+k, format, args...) })
		if a := m.Audit; a != nil {
			for what, f := range map[string]string{"audit.file": a.File, "audit.keyFile": a.KeyFile} {
				if f == "" {
					continue
				}
				f = filepath.Clean(f)
				if other, ok := files[f]; ok {
					bad(key+"."+what, "%s is also %s's: a municipality's files are its own", f, other)
				}
				files[f] = key + "." + what
			}
		}
		if m.Sources.STIL != nil {
			bad(key+".sources.stil", "not supported with municipalities yet: give sources.snapshot or use the import API")
		}
		for j, c := range m.Clients {
			ck := fmt.Sprintf("%s.clients[%d]", key, j)
			for what, f := range map[string]string{"path": c.Path, "auditLog": c.AuditLog} {
				if f == "" {
					continue
				}
				f = filepath.Clean(f)
				if other, ok := files[f]; ok {
					bad(ck+"."+what, "%s is also %s's: a municipality's files are its own", f, other)
				}
				files[f] = ck
			}
		}
	}
	return more
}

// serveMunicipalities runs the service of several municipalities:
// one tenant.Service on the shared state, each municipality's API under
// /m/<id>/ (and /healthz), the scheduler, and a graceful stop as in
// serve.
func serveMunicipalities(ctx context.Context, fc *fileConfig, stdout io.Writer, log *slog.Logger, getenv func(string) string) error {
	st, err := openState(ctx, fc, getenv)
	if err != nil {
		return err
	}
	defer st.close()
	ms, savers, closers, err := municipalities(ctx, fc, st, log, getenv)
	defer func() {
		for _, c := range closers {
			if err := c.Close(); err != nil {
				log.Error("close", "err", err)
			}
		}
	}()
	if err != nil {
		return err
	}
	var saveMu sync.Mutex
	save := func(id, client string) error {
		saveMu.Lock()
		defer saveMu.Unlock()
		if s := savers[id+"/"+client]; s != nil {
			return s()
		}
		return nil
	}
	svc, err := tenant.New(ctx, tenant.Options{Store: st.store, Leases: st.leases, Log: log,
		OnRun: func(id, client string, _ *broker.RunReport) {
			if err := save(id, client); err != nil {
				log.Error("save target", "municipality", id, "client", client, "err", err)
			}
		}}, ms...)
	if err != nil {
		return err
	}
	serviceStarted(svc)
	for _, m := range fc.Municipalities {
		if m.Sources.Snapshot == "" {
			continue
		}
		s, err := provision.LoadSnapshot(m.Sources.Snapshot)
		if err != nil {
			return fmt.Errorf("municipality %s: %w", m.ID, err)
		}
		b, _ := svc.Broker(m.ID)
		if _, err := sources(b, st.store, m, log).SetSTIL(ctx, s); err != nil {
			return fmt.Errorf("municipality %s: %w", m.ID, err)
		}
	}
	l, err := net.Listen("tcp", fc.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: svc, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http", "err", err)
		}
	}()
	url := "http://" + l.Addr().String()
	fmt.Fprintf(stdout, "orgsync broker listening on %s (municipalities %v under /m/<id>/)\n", url, svc.IDs())
	log.Info("broker started", "url", url, "municipalities", svc.IDs())
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.Loop(ctx, fc.Tick, fc.Grace)
	}()
	<-ctx.Done()
	log.Info("shutting down: finishing the runs in flight")
	sctx, cancel := context.WithTimeout(context.Background(), fc.Grace)
	defer cancel()
	_ = hs.Shutdown(sctx)
	<-done
	saveMu.Lock()
	defer saveMu.Unlock()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range savers {
			if !yield(k) {
				return
			}
		}
	}) {
		if err := savers[k](); err != nil {
			return fmt.Errorf("client %s: save: %w", k, err)
		}
	}
	log.Info("broker stopped; state saved")
	return nil
}

// serviceStarted is told of the service when it is made (tests look at
// its route tables through it).
var serviceStarted = func(*tenant.Service) {}

// municipalities builds the configured municipalities: their clients'
// targets, tokens and sources. savers are keyed "<id>/<client>".
func municipalities(ctx context.Context, fc *fileConfig, st *state, log *slog.Logger, getenv func(string) string) ([]tenant.Municipality, map[string]func() error, []io.Closer, error) {
	var (
		ms      []tenant.Municipality
		savers  = map[string]func() error{}
		closers []io.Closer
		seen    = map[string]string{} // token → municipality
	)
	for i, m := range fc.Municipalities {
		toks, err := readTokens(fmt.Sprintf("municipalities[%d].tokens", i), m.Tokens, getenv)
		if err != nil {
			return nil, nil, closers, err
		}
		for tok := range toks {
			if other, ok := seen[tok]; ok {
				return nil, nil, closers, fmt.Errorf("%w: municipalities[%d].tokens: a token of %s is also one of %s's: a token is one municipality's", provision.ErrConfig, i, m.ID, other)
			}
			seen[tok] = m.ID
		}
		mlog := log.With("municipality", m.ID)
		var clients []broker.Client
		for _, c := range m.Clients {
			t, save, taken, err := target(ctx, c, mlog, getenv)
			if err != nil {
				return nil, nil, closers, fmt.Errorf("municipality %s: %w", m.ID, err)
			}
			if cl, ok := t.(io.Closer); ok {
				closers = append(closers, cl)
			}
			clients = append(clients, c.brokerClient(t, taken))
			if save != nil {
				savers[m.ID+"/"+c.Name] = save
			}
		}
		mc := m
		tm := tenant.Municipality{ID: m.ID, Name: m.Name, Clients: clients, Auth: toks,
			Sources: func(b *broker.Broker) *broker.Sources { return sources(b, st.store, mc, mlog) }}
		if m.Audit != nil {
			trail, err := openAudit(m.Audit)
			if err != nil {
				return nil, nil, closers, fmt.Errorf("municipality %s: %w", m.ID, err)
			}
			closers = append(closers, trailCloser{trail})
			tm.Audit = trail.access()
		}
		ms = append(ms, tm)
	}
	return ms, savers, closers, nil
}

// trailCloser closes an accountability log (final checkpoint).
type trailCloser struct{ t *auditTrail }

func (c trailCloser) Close() error { return c.t.close(context.Background()) }

// sources is a municipality's import API and guard, with its snapshot
// history in its own part of the state.
func sources(b *broker.Broker, store broker.Store, m municipalityConfig, log *slog.Logger) *broker.Sources {
	return &broker.Sources{Broker: b, Log: log, History: &snapstore.History{
		Store: &tenant.History{Store: tenant.Prefixed(store, tenant.Prefix(m.ID))}, Logger: log,
		Guard: snapstore.Guard{MinShare: m.Sources.Guard.MinShare, MinPrevious: m.Sources.Guard.MinPrevious}}}
}

// purge deletes the state of a municipality that is no longer in the
// configuration (-purge ID).
func purge(ctx context.Context, fc *fileConfig, id string, stdout io.Writer, getenv func(string) string) error {
	if err := tenant.CheckID(id); err != nil {
		return fmt.Errorf("%w: -purge: %w", provision.ErrConfig, err)
	}
	for _, m := range fc.Municipalities {
		if m.ID == id {
			return fmt.Errorf("%w: -purge %s: the municipality is still configured: remove it from the configuration first", provision.ErrConfig, id)
		}
	}
	st, err := openState(ctx, fc, getenv)
	if err != nil {
		return err
	}
	defer st.close()
	keys, err := st.store.List(ctx, tenant.Prefix(id))
	if err != nil {
		return err
	}
	svc, err := tenant.New(ctx, tenant.Options{Store: st.store, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if err := svc.Purge(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "municipality %s: %d records deleted\n", id, len(keys))
	return nil
}

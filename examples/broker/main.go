// Command broker runs orgsync as a service: it keeps the configured
// clients (directories) in step with the organisation snapshot on their
// own schedules, and serves the JSON API (with its OpenAPI description),
// Prometheus metrics, /healthz and /readyz; alarms and reports go out by
// e-mail. It logs JSON lines (slog) to stderr and shuts down gracefully
// on SIGTERM: it stops scheduling, lets the change in flight finish,
// saves the state, then exits.
//
//	broker -demo                       # a synthetic municipality, memdir clients, on localhost
//	broker -config broker.yaml         # see broker.example.yaml
//	broker -config broker.yaml -purge 0101  # delete a removed municipality's state
//
// With "municipalities" in the configuration, one service hosts several
// municipalities (municipalities.go, broker/tenant), each with its own
// clients, tokens, sources and state, its API under /m/<id>/.
//
// This binary knows memdir, Active Directory and Google Workspace clients
// (target). Entra ID clients need a build with -tags entra (entra.go): the
// default build never imports adapters/entra, so it does not compile the
// Microsoft Graph SDK.
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/broker/mail"
	"github.com/orgsync/orgsync/broker/ui"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// brokerClient is the broker's client of c on target t: full read from
// 02:00 unless fullSyncHour says otherwise, actor "orgsync-broker" unless
// set.
func (c clientConfig) brokerClient(t diff.Target, taken func(context.Context) ([]string, error)) broker.Client {
	full := 2
	if c.FullSyncHour != nil {
		full = *c.FullSyncHour
	}
	if c.Actor == "" {
		c.Actor = "orgsync-broker"
	}
	return broker.Client{Name: c.Name, Target: t, Config: c.Config, Delta: c.Delta, FullSyncHour: full, Taken: taken}
}

// target builds a client's target by its type: the target, a function
// run after each run and at shutdown (memdir: save; entra: make the
// pending teams), and the usernames taken beyond what
// it reads (AD: the whole domain).
func target(ctx context.Context, c clientConfig, log *slog.Logger, getenv func(string) string) (diff.Target, func() error, func(context.Context) ([]string, error), error) {
	switch c.Type {
	case "memdir":
		d, err := memdir.Open(c.Path)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("client %s: %w", c.Name, err)
		}
		return d, d.Save, nil, nil
	case "ad":
		t, taken, err := dialAD(ctx, c, log, getenv)
		return t, nil, taken, err
	case "google":
		t, err := dialGoogle(ctx, c, log, getenv)
		return t, nil, nil, err
	}
	if e, ok := extraTargets[c.Type]; ok {
		t, after, err := e.dial(ctx, c, log, getenv)
		return t, after, nil, err
	}
	return nil, nil, nil, fmt.Errorf("%w: client %s: unknown type %q", provision.ErrConfig, c.Name, c.Type)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "the broker's YAML configuration")
	demo := fs.Bool("demo", false, "run a demo: a synthetic municipality and two memdir clients on localhost")
	listen := fs.String("listen", "", "the API's address (overrides the configuration; demo default 127.0.0.1:8080, :0 picks a free port)")
	stateDir := fs.String("state", "", "the state folder (demo default: a fresh temporary folder)")
	purgeID := fs.String("purge", "", "delete the state of this municipality, which must no longer be in the configuration, and exit")
	if err := fs.Parse(args); err != nil {
		return 4
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	var (
		fc  *fileConfig
		err error
	)
	adminToken := ""
	switch {
	case *demo:
		fc, adminToken, err = demoConfig(*stateDir)
	case *cfgPath != "":
		var b []byte
		if b, err = os.ReadFile(*cfgPath); err == nil {
			fc, err = parseConfig(b)
		}
		if err != nil {
			err = fmt.Errorf("config %s: %w", *cfgPath, err)
		}
	default:
		err = fmt.Errorf("%w: give -config broker.yaml or -demo", provision.ErrConfig)
	}
	if err != nil {
		fmt.Fprintln(stderr, "broker:", err)
		return 4
	}
	if *listen != "" {
		fc.Listen = *listen
	}
	do := func() error { return serve(ctx, fc, *demo, adminToken, stdout, log, getenv) }
	switch {
	case *purgeID != "":
		do = func() error { return purge(ctx, fc, *purgeID, stdout, getenv) }
	case len(fc.Municipalities) > 0:
		do = func() error { return serveMunicipalities(ctx, fc, stdout, log, getenv) }
	}
	if err := do(); err != nil {
		fmt.Fprintln(stderr, "broker:", err)
		if errors.Is(err, provision.ErrConfig) {
			return 4
		}
		return 1
	}
	return 0
}

// demoConfig is the configuration of -demo: two memdir clients, a short
// delta interval, a random administrator token.
func demoConfig(dir string) (*fileConfig, string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "orgsync-broker-demo-")
		if err != nil {
			return nil, "", err
		}
		dir = d
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	fc := &fileConfig{Listen: "127.0.0.1:8080", State: dir, Tick: 2 * time.Second, Grace: 10 * time.Second,
		Tokens: []tokenConfig{{TokenEnv: "demo", ID: "demo-admin", Kind: "person", Role: string(api.MunicipalAdmin)}},
		Audit:  &auditConfig{File: filepath.Join(dir, "audit.jsonl"), KeyFile: filepath.Join(dir, "audit.key")}}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	if err := demoAuditKey(fc.Audit.KeyFile); err != nil {
		return nil, "", err
	}
	for _, n := range []string{"school-directory", "staff-directory"} {
		cfg := provision.Defaults()
		cfg.Usernames.Seed = 1
		fc.Clients = append(fc.Clients, clientConfig{Name: n, Type: "memdir", Delta: 30 * time.Second,
			Path: filepath.Join(dir, n+".json"), Config: cfg})
	}
	return fc, tok, nil
}

func serve(ctx context.Context, fc *fileConfig, demo bool, demoToken string, stdout io.Writer, log *slog.Logger, getenv func(string) string) error {
	var tokens api.Tokens
	var err error
	if demo {
		tokens = api.Tokens{demoToken: {ID: "demo-admin", Kind: "person", Role: api.MunicipalAdmin}}
	} else if tokens, err = fc.tokens(getenv); err != nil {
		return err
	}
	st, err := openState(ctx, fc, getenv)
	if err != nil {
		return err
	}
	defer st.close()
	store, history := st.store, st.history
	metrics := api.NewMetrics()
	var (
		clients []broker.Client
		savers  = map[string]func() error{}
		targets = map[string]diff.Target{}
	)
	for _, c := range fc.Clients {
		t, save, taken, err := target(ctx, c, log, getenv)
		if err != nil {
			return err
		}
		if cl, ok := t.(io.Closer); ok {
			defer cl.Close()
		}
		clients = append(clients, c.brokerClient(t, taken))
		if save != nil {
			savers[c.Name] = save
		}
		targets[c.Name] = t
	}
	var alarms *mail.Alarms
	notify := func(broker.Event) {}
	if m := fc.Mail; m != nil {
		hour := 7
		if m.SummaryHour != nil {
			hour = *m.SummaryHour
		}
		alarms = &mail.Alarms{Sender: &mail.Sender{Addr: m.Server, Username: m.Username, Password: getenv(m.PasswordEnv),
			From: m.From, To: m.To, Insecure: m.Insecure}, StaleAfter: m.StaleAfter, SummaryHour: hour, HeadCountShare: m.HeadCountShare, Log: log}
		notify = alarms.Event
	}
	var saveMu sync.Mutex
	b, err := broker.New(ctx, broker.Options{Store: store, Leases: st.leases, Log: log, Notify: notify,
		RunHistory: broker.RunHistory{Max: fc.RunHistory.Max, MaxAge: fc.RunHistory.MaxAge},
		PlanAhead:  fc.PlanAhead == nil || *fc.PlanAhead,
		OnRun: func(name string, rep *broker.RunReport) {
			metrics.Observe(name, rep)
			if save := savers[name]; save != nil {
				saveMu.Lock()
				defer saveMu.Unlock()
				if err := save(); err != nil {
					log.Error("save target", "client", name, "err", err)
				}
			}
		}}, clients...)
	if err != nil {
		return err
	}
	if alarms != nil {
		alarms.Broker = b
	}
	src := &broker.Sources{Broker: b, History: &snapstore.History{Store: history, Logger: log,
		Guard: snapstore.Guard{MinShare: fc.Sources.Guard.MinShare, MinPrevious: fc.Sources.Guard.MinPrevious}},
		Log: log, OnHold: metrics.GuardHold}
	heads := &broker.HeadCounts{Store: store, Log: log} // the UI's head-count trend, kept over restarts
	if err := heads.Load(ctx); err != nil {
		return err
	}
	src.OnAccepted = func(prev, next *orgmodel.Snapshot) {
		heads.Accepted(prev, next)
		if alarms != nil {
			alarms.HeadCounts(prev, next)
		}
	}
	switch {
	case demo:
		cfg := synth.Tiny
		cfg.SchoolYear = schoolYear(time.Now())
		if _, err := src.SetSTIL(ctx, synth.Generate(cfg)); err != nil {
			return err
		}
	case fc.Sources.Snapshot != "":
		s, err := provision.LoadSnapshot(fc.Sources.Snapshot)
		if err != nil {
			return err
		}
		if _, err := src.SetSTIL(ctx, s); err != nil {
			return err
		}
	}
	var sched *broker.STILSchedule
	if fc.Sources.STIL != nil {
		if sched, err = fc.Sources.STIL.schedule(src); err != nil {
			return err
		}
	}
	var trail *auditTrail
	if fc.Audit != nil {
		if trail, err = openAudit(fc.Audit); err != nil {
			return err
		}
		defer func() {
			if err := trail.close(context.Background()); err != nil {
				log.Error("audit log: close", "err", err)
			}
		}()
	}
	var auth api.Authenticator = tokens
	if len(fc.Certs) > 0 {
		auth = api.Chain{tokens, fc.certs()}
	}
	as := api.Server{Broker: b, Sources: src, Auth: auth, Metrics: metrics, Log: log}
	if as.Agents, err = agentClients(b, fc.Agents); err != nil {
		return err
	}
	if trail != nil {
		as.Audit, as.AuditAccess = trail.log, trail.access()
		as.AuditAccess.SpotChecks = store
		if as.AuditAccess.Staff, err = staffDirectory(ctx, store, tokens); err != nil {
			return err
		}
	}
	srv := api.New(as)
	var handler http.Handler = srv
	var u *ui.Server
	switch {
	case demo:
		u, err = demoUI(b, log)
	case fc.UI != nil:
		u, err = buildUI(ctx, fc.UI, b, targets, log)
	}
	if err != nil {
		return err
	}
	if u != nil {
		u.HeadCounts = heads
		if trail != nil {
			u.Recorder = ui.AuditRecorder{Log: trail.log}
			u.Changes = ui.AuditChanges{Log: trail.log} // keep-alive and primary-institution changes
			u.Purposes = trail.search
			u.Audit = as.AuditAccess
		}
		mux := http.NewServeMux()
		mux.Handle("/ui/", u)
		mux.Handle("/", srv)
		handler = mux
	}
	l, err := net.Listen("tcp", fc.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http://"
	tc, err := fc.serverTLS()
	if err != nil {
		l.Close()
		return err
	}
	if tc != nil {
		l, scheme = tls.NewListener(l, tc), "https://"
	}
	go func() {
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http", "err", err)
		}
	}()
	url := scheme + l.Addr().String()
	fmt.Fprintf(stdout, "orgsync broker listening on %s\n", url)
	if demo {
		fmt.Fprintf(stdout, "admin UI (demo login, demo only): %s/ui/\n", url)
		fmt.Fprintf(stdout, "state in %s (accountability log: %s)\nadministrator token: %s\n  curl -H 'Authorization: Bearer %s' %s/api/v1/clients\n",
			fc.State, fc.Audit.File, demoToken, demoToken, url)
	}
	log.Info("broker started", "url", url, "clients", len(clients))
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Loop(ctx, fc.Tick, fc.Grace)
	}()
	if sched != nil {
		go func() {
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for {
				if err := sched.Tick(ctx); err != nil {
					log.Error("stil fetch", "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	if alarms != nil {
		go func() {
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					alarms.Check(ctx)
				}
			}
		}()
	}
	<-ctx.Done()
	log.Info("shutting down: finishing the runs in flight")
	sctx, cancel := context.WithTimeout(context.Background(), fc.Grace)
	defer cancel()
	_ = hs.Shutdown(sctx)
	<-done
	saveMu.Lock()
	defer saveMu.Unlock()
	for n, save := range savers {
		if err := save(); err != nil {
			return fmt.Errorf("client %s: save: %w", n, err)
		}
	}
	log.Info("broker stopped; state saved")
	return nil
}

// schoolYear is the school year at t ("2026-2027" from August 2026).
func schoolYear(t time.Time) string {
	y := t.Year()
	if t.Month() < time.August {
		y--
	}
	return fmt.Sprintf("%d-%d", y, y+1)
}

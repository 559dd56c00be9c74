package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/agent"
	"github.com/orgsync/orgsync/internal/agentlog"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/internal/service"
	"github.com/orgsync/orgsync/provision"
)

// ExitAgentStale is the agent's exit code when the broker called its plan
// stale (a later plan was issued) or issued a plan no newer than one it
// had already seen: nothing of that plan was applied. A service manager
// restarts the agent, which fetches the newest plan; a broker whose
// numbers went back (a restored backup) needs the agent's sequence file
// removed by an administrator.
const ExitAgentStale = 7

// agentConfig is the "agent" section: where the broker is and how the
// agent proves who it is.
type agentConfig struct {
	// Broker is the broker's base URL (https://…); Client the agent
	// client's name there.
	Broker string `yaml:"broker"`
	Client string `yaml:"client"`
	// CertFile and KeyFile are the agent's TLS client certificate (mutual
	// TLS: the broker maps its fingerprint to the agent's principal).
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
	// CAFile verifies the broker's certificate (default: the system's).
	CAFile string `yaml:"caFile"`
	// TokenEnv names the environment variable with the broker's
	// per-client machine token (default ORGSYNC_AGENT_TOKEN); TokenFile a
	// file with it. Neither is needed with a client certificate.
	TokenEnv  string `yaml:"tokenEnv"`
	TokenFile string `yaml:"tokenFile"`
	// Interval is the time between two plans (default 1m).
	Interval time.Duration `yaml:"interval"`
	// SeqFile keeps the last plan number seen (default: the state file's
	// path with ".seq" added).
	SeqFile string `yaml:"seqFile"`
	// MaxBackoff bounds the wait between retries while the broker is
	// unreachable (default 1m).
	MaxBackoff time.Duration `yaml:"maxBackoff"`
	// LogDir is the folder of the agent's local log (default: none).
	LogDir string `yaml:"logDir"`
}

// serviceName is the agent's Windows service name (and event-log
// source) unless -name gives another.
const serviceName = "orgsync-agent"

// runAgent is "ad-sync agent": the outbound-only agent of a broker.
func runAgent(ctx context.Context, args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	if len(args) > 0 && (args[0] == "install" || args[0] == "uninstall") {
		return agentService(args[0], args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("ad-sync agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "ad-sync.yaml", "YAML configuration file (with an agent: section)")
	once := fs.Bool("once", false, "fetch, apply and report one plan, then exit")
	verbose := fs.Bool("v", false, "structured logs on standard error")
	name := fs.String("name", serviceName, "the Windows service's name (its event-log source)")
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: agentlog.ReplaceAttr}))
	fail := func(err error) int {
		if errors.Is(err, broker.ErrStale) {
			fmt.Fprintf(stderr, "ad-sync agent: %v\nad-sync agent: the plan is stale; nothing of it was applied\n", err)
			return ExitAgentStale
		}
		if errors.Is(err, agent.ErrConfig) || errors.Is(err, agent.ErrRefused) {
			err = fmt.Errorf("%w: %w", provision.ErrConfig, err)
		}
		return runner.Fail("ad-sync agent", stderr, err)
	}
	fc := fileConfig{Config: provision.Defaults()}
	if err := runner.LoadYAML(*config, &fc); err != nil {
		return fail(err)
	}
	var local *agentlog.Log
	if fc.Agent != nil && fc.Agent.LogDir != "" {
		// Every action to the local log, warnings also to standard
		// error (and so to the journal, or the event log below).
		lg, err := agentlog.Open(agentlog.Options{Dir: fc.Agent.LogDir, Now: clock})
		if err != nil {
			return fail(fmt.Errorf("%w: agent.logDir: %w", provision.ErrConfig, err))
		}
		defer lg.Close()
		local = lg
		hs := []slog.Handler{lg.Handler(), log.Handler()}
		if ev, err := service.OpenEventLog(*name); err == nil {
			defer ev.Close()
			hs = append(hs, service.NewEventHandler(ev, &slog.HandlerOptions{ReplaceAttr: agentlog.ReplaceAttr}))
		}
		log = slog.New(teeHandler(hs))
	}
	a, closeAD, err := newAgent(ctx, fc, log, os.Getenv)
	if err != nil {
		return fail(err)
	}
	a.Clock = clock
	if local != nil {
		a.Bundle = local.Bundle
	}
	defer closeAD()
	if *once {
		res, err := a.Once(ctx)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "plan %d: %d planned, %d applied, %d failed\n", res.Seq, res.Report.Planned, res.Report.Applied, res.Report.Failed)
		if res.Err != nil {
			return fail(res.Err)
		}
		return runner.ExitOK
	}
	// As a Windows service, the service manager's stop cancels the loop;
	// in the foreground (systemd, a terminal) SIGTERM and SIGINT do.
	if err := service.Run(ctx, a.Loop, service.Options{Name: *name, Log: log}); err != nil {
		return fail(err)
	}
	return runner.ExitOK
}

// agentService is "ad-sync agent install|uninstall": it registers (or
// removes) the agent as a Windows service that runs "ad-sync agent
// -config <file>" with this binary. Elsewhere it fails: on Linux the
// agent runs under systemd (orgsync-agent.service, SERVICE.md).
func agentService(what string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ad-sync agent "+what, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "ad-sync.yaml", "YAML configuration file the service runs with")
	name := fs.String("name", serviceName, "the service's name")
	account := fs.String("account", "", `the account the service runs as (a group managed service account "DOMAIN\\name$"; empty: LocalSystem)`)
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	var err error
	switch what {
	case "install":
		var cfg string
		if cfg, err = filepath.Abs(*config); err == nil {
			err = service.Install(service.Config{Name: *name, DisplayName: "orgsync AD agent",
				Description: "Applies the orgsync broker's plans to Active Directory; connects out to the broker only.",
				Args:        []string{"agent", "-config", cfg, "-name", *name}, Account: *account, Delayed: true})
		}
	default:
		err = service.Uninstall(*name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ad-sync agent %s: %v\n", what, err)
		if errors.Is(err, service.ErrUnsupported) || errors.Is(err, service.ErrExists) || errors.Is(err, service.ErrNotInstalled) {
			return runner.ExitInput
		}
		return runner.ExitError
	}
	fmt.Fprintf(stdout, "service %s: %sed\n", *name, what)
	return runner.ExitOK
}

// teeHandler hands each record to every handler that takes its level.
type teeHandler []slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}

// newAgent wires the agent from the configuration: AD, the broker's
// address and the agent's credentials.
func newAgent(ctx context.Context, fc fileConfig, log *slog.Logger, getenv func(string) string) (*agent.Agent, func(), error) {
	ac := fc.Agent
	if ac == nil || ac.Broker == "" || ac.Client == "" {
		return nil, nil, fmt.Errorf("%w: agent: the agent section needs broker (URL) and client", provision.ErrConfig)
	}
	if !strings.HasPrefix(ac.Broker, "https://") {
		return nil, nil, fmt.Errorf("%w: agent.broker %q: the agent talks to the broker over HTTPS only", provision.ErrConfig, ac.Broker)
	}
	hc, token, err := ac.credentials(getenv)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := fc.AD.client(log, getenv)
	if err != nil {
		return nil, nil, err
	}
	client, err := ad.Dial(ctx, cfg)
	if err != nil {
		if strings.HasPrefix(err.Error(), "ad: config") {
			err = fmt.Errorf("%w: %w", provision.ErrConfig, err)
		}
		return nil, nil, err
	}
	if fc.AD.CreateBase {
		if err := client.EnsureBase(ctx); err != nil {
			client.Close()
			return nil, nil, err
		}
	}
	state := fc.StatePath()
	seq := ac.SeqFile
	if seq == "" {
		seq = state + ".seq"
	}
	a := &agent.Agent{URL: ac.Broker, Client: ac.Client, HTTP: hc, Token: token,
		Target: client, Config: fc.Config, State: provision.StateFile(state), Taken: client.Usernames,
		SeqFile: seq, Interval: ac.Interval, MaxBackoff: ac.MaxBackoff, Log: log}
	return a, func() { client.Close() }, nil
}

// credentials builds the HTTPS client (with the client certificate, if
// any) and reads the token, if any. One of the two is required.
func (ac *agentConfig) credentials(getenv func(string) string) (*http.Client, string, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if ac.CAFile != "" {
		pem, err := os.ReadFile(ac.CAFile)
		if err != nil {
			return nil, "", fmt.Errorf("%w: agent.caFile: %w", provision.ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, "", fmt.Errorf("%w: agent.caFile %s: no PEM certificate", provision.ErrConfig, ac.CAFile)
		}
		tc.RootCAs = pool
	}
	if (ac.CertFile == "") != (ac.KeyFile == "") {
		return nil, "", fmt.Errorf("%w: agent: certFile and keyFile go together", provision.ErrConfig)
	}
	if ac.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(ac.CertFile, ac.KeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("%w: agent.certFile/keyFile: %w", provision.ErrConfig, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	var token string
	switch {
	case ac.TokenFile != "":
		b, err := os.ReadFile(ac.TokenFile)
		if err != nil {
			return nil, "", fmt.Errorf("%w: agent.tokenFile: %w", provision.ErrConfig, err)
		}
		token = strings.TrimSpace(string(b))
	default:
		env := ac.TokenEnv
		if env == "" {
			env = "ORGSYNC_AGENT_TOKEN"
		}
		token = getenv(env)
	}
	if token == "" && ac.CertFile == "" {
		return nil, "", fmt.Errorf("%w: agent: no credentials: give certFile and keyFile (mutual TLS) or a token (tokenFile, or $ORGSYNC_AGENT_TOKEN)", provision.ErrConfig)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr}, token, nil
}

// Command ad-sync brings an Active Directory in step with school data: it
// reads a YAML configuration and an organisation snapshot (the JSON form
// of orgmodel.Snapshot, e.g. written by examples/stil-import), reads what
// orgsync manages in AD, plans, prints the plan and — only with -apply —
// applies it.
//
//	ad-sync -config ad-sync.yaml                # dry run: print the plan
//	ad-sync -config ad-sync.yaml -apply         # apply it
//	ad-sync -config ad-sync.yaml -apply -override   # apply past a safety threshold
//	ad-sync -config ad-sync.yaml -out plan.json    # dry run, plan saved for review
//	ad-sync -config ad-sync.yaml -plan plan.json   # apply exactly the reviewed plan
//	ad-sync agent -config ad-sync.yaml            # the broker's outbound-only agent
//
// Exit codes: 0 success (plan printed, applied, or nothing to do);
// 1 error (AD unreachable, I/O); 2 the plan exceeds a safety threshold
// and nothing was applied; 3 the plan was applied but some changes
// failed; 4 bad configuration or input, nothing applied; 5 the saved
// plan given with -plan no longer fits the target, nothing applied;
// 7 (agent mode) the broker called the plan stale, nothing of it applied
// (ExitAgentStale).
//
// See README.md next to this file and ad-sync.example.yaml.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/provision"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now())
	stop()
	os.Exit(code)
}

// fileConfig is the YAML file: the shared runner settings inline, the AD
// connection and mapping under "ad".
type fileConfig struct {
	provision.Config `yaml:",inline"`
	AD               adConfig `yaml:"ad"`
	// Agent is the agent mode's section (ad-sync agent); the other modes
	// ignore it.
	Agent *agentConfig `yaml:"agent"`
}

// adConfig is the "ad" section.
type adConfig struct {
	URL    string `yaml:"url"`
	BindDN string `yaml:"bindDN"`
	// PasswordEnv names the environment variable holding the bind
	// password (default ORGSYNC_AD_PASSWORD); PasswordFile a file with it.
	PasswordEnv  string        `yaml:"passwordEnv"`
	PasswordFile string        `yaml:"passwordFile"`
	CAFile       string        `yaml:"caFile"`
	ServerName   string        `yaml:"serverName"`
	StartTLS     bool          `yaml:"startTLS"`
	Base         string        `yaml:"base"`
	CreateBase   bool          `yaml:"createBase"`
	UPNDomain    string        `yaml:"upnDomain"`
	Domain       string        `yaml:"domain"`
	Strays       string        `yaml:"strays"`
	GroupSAM     string        `yaml:"groupSAM"`
	Mark         string        `yaml:"mark"`
	MarkPrefix   string        `yaml:"markPrefix"`
	Store        string        `yaml:"store"`
	AdoptBy      string        `yaml:"adoptBy"`
	PoolSize     int           `yaml:"poolSize"`
	PageSize     int           `yaml:"pageSize"`
	Timeout      time.Duration `yaml:"timeout"`
	Attributes   *attrConfig   `yaml:"attributes"`
	Hooks        hooksConfig   `yaml:"hooks"`
}

// attrConfig is "ad.attributes". A name left out is kept in ad.store; a
// name mapped to "" is not written at all.
type attrConfig struct {
	CPR          string            `yaml:"cpr"`
	Institutions *string           `yaml:"institutions"`
	UNIID        *string           `yaml:"uniId"`
	Roles        *string           `yaml:"roles"`
	GlobalRole   *string           `yaml:"globalRole"`
	StartYear    *string           `yaml:"startYear"`
	Level        *string           `yaml:"level"`
	DisabledDate string            `yaml:"disabledDate"`
	Extra        map[string]string `yaml:"extra"`
}

// attributeMap turns the section into an ad.AttributeMap: names mapped to
// "" go to Omit.
func (at *attrConfig) attributeMap() ad.AttributeMap {
	m := ad.AttributeMap{CPR: at.CPR, DisabledDate: at.DisabledDate, Extra: map[string]string{}}
	for _, f := range []struct {
		name string
		from *string
		to   *string
	}{
		{"institutions", at.Institutions, &m.Institutions}, {"uniId", at.UNIID, &m.UNIID}, {"roles", at.Roles, &m.Roles},
		{"globalRole", at.GlobalRole, &m.GlobalRole}, {"startYear", at.StartYear, &m.StartYear}, {"level", at.Level, &m.Level},
	} {
		switch {
		case f.from == nil:
		case *f.from == "":
			m.Omit = append(m.Omit, f.name)
		default:
			*f.to = *f.from
		}
	}
	for n, a := range at.Extra {
		if a == "" {
			m.Omit = append(m.Omit, n)
		} else {
			m.Extra[n] = a
		}
	}
	slices.Sort(m.Omit)
	return m
}

type hookConfig struct {
	Command []string      `yaml:"command"`
	JSON    bool          `yaml:"json"`
	Timeout time.Duration `yaml:"timeout"`
}

type hooksConfig struct {
	Create  *hookConfig `yaml:"create"`
	Disable *hookConfig `yaml:"disable"`
	Update  *hookConfig `yaml:"update"`
}

func (h *hookConfig) hook() *ad.Hook {
	if h == nil {
		return nil
	}
	return &ad.Hook{Command: h.Command, JSON: h.JSON, Timeout: h.Timeout}
}

// client turns the section into an ad.Config.
func (a adConfig) client(log *slog.Logger, getenv func(string) string) (ad.Config, error) {
	cfg := ad.Config{
		URL: a.URL, BindDN: a.BindDN, CAFile: a.CAFile, ServerName: a.ServerName, StartTLS: a.StartTLS,
		Base: a.Base, UPNDomain: a.UPNDomain, Domain: a.Domain, Strays: a.Strays, GroupSAM: a.GroupSAM, Mark: a.Mark, MarkPrefix: a.MarkPrefix, Store: a.Store,
		AdoptBy: a.AdoptBy, PoolSize: a.PoolSize, PageSize: a.PageSize, Timeout: a.Timeout, Logger: log,
		Hooks: ad.Hooks{Create: a.Hooks.Create.hook(), Disable: a.Hooks.Disable.hook(), Update: a.Hooks.Update.hook()},
	}
	if at := a.Attributes; at != nil {
		cfg.Attributes = at.attributeMap()
	}
	switch {
	case a.PasswordFile != "":
		b, err := os.ReadFile(a.PasswordFile)
		if err != nil {
			return cfg, fmt.Errorf("%w: ad.passwordFile: %w", provision.ErrConfig, err)
		}
		cfg.Password = strings.TrimRight(string(b), "\r\n")
	default:
		env := a.PasswordEnv
		if env == "" {
			env = "ORGSYNC_AD_PASSWORD"
		}
		cfg.Password = getenv(env)
		if cfg.Password == "" {
			return cfg, fmt.Errorf("%w: ad: the bind password is not set: put it in $%s or name a passwordFile", provision.ErrConfig, env)
		}
	}
	return cfg, nil
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) int {
	if len(args) > 0 && args[0] == "agent" {
		// The agent's clock runs on from now (main: the real time).
		start := time.Now()
		clock := func() time.Time { return now.Add(time.Since(start)) }
		return runAgent(ctx, args[1:], stdout, stderr, clock)
	}
	var fl runner.Flags
	fs := runner.NewFlagSet("ad-sync", stderr, &fl)
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	log := fl.Logger(stderr)
	fail := func(err error) int { return runner.Fail("ad-sync", stderr, err) }

	fc := fileConfig{Config: provision.Defaults()}
	if err := runner.LoadYAML(fl.Config, &fc); err != nil {
		return fail(err)
	}
	if fl.Snapshot != "" {
		fc.Snapshot = fl.Snapshot
	}
	if fc.Projection.IncludeCPR && (fc.AD.Attributes == nil || fc.AD.Attributes.CPR == "") {
		return fail(fmt.Errorf("%w: projection.includeCPR is set but ad.attributes.cpr names no AD attribute", provision.ErrConfig))
	}
	cfg, err := fc.AD.client(log, os.Getenv)
	if err != nil {
		return fail(err)
	}
	client, err := ad.Dial(ctx, cfg)
	if err != nil {
		if strings.HasPrefix(err.Error(), "ad: config") {
			err = fmt.Errorf("%w: %w", provision.ErrConfig, err)
		}
		return fail(err)
	}
	defer client.Close()
	if fc.AD.CreateBase && (fl.Apply || fl.Plan != "") {
		if err := client.EnsureBase(ctx); err != nil {
			return fail(err)
		}
	}

	job := &provision.Job{Config: fc.Config, Target: client, Now: now,
		Out: stdout, Log: log, Progress: runner.ProgressPrinter(stderr, 2*time.Second), Taken: client.Usernames}
	out, err := fl.Run(ctx, job)
	if err == nil && out != nil && out.Plan.Empty() {
		fmt.Fprintln(stdout, "Nothing to do: Active Directory is in step with the source.")
	}
	if err != nil {
		return fail(err)
	}
	return runner.ExitOK
}

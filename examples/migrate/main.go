// Command migrate takes an existing Active Directory under orgsync's
// management: first a migration report, then adoption in batches of
// institutions the administrator chooses.
//
//	migrate -config migrate.yaml                     # the report; nothing is written
//	migrate -config migrate.yaml -adopt 101          # the report and the plan adopting institution 101
//	migrate -config migrate.yaml -adopt 101 -apply   # adopt it
//
// The report (Markdown, on standard output) lists every person of the
// snapshot as matched (with the rule: cpr, uniId or username), already
// managed, outside the base, ambiguous or unmatched, and every unmanaged
// account under the base that matches nobody. Nothing is written without
// -adopt and -apply.
//
// Adoption plans the listed institutions only: matched persons keep the
// account and its username (the account is marked as orgsync's and moved
// into the new OU tree), unmatched persons get a new account, and nothing
// is created or adopted for ambiguous persons or persons whose account is
// outside the base. Old groups keep working during the transition: each
// mapping in migration.groups nests the new group in the old one
// (oldContainsNew) or the old one in the new (newContainsOld) after the
// apply; orgsync never removes members it does not manage, so the nesting
// stays until the old group is retired by hand.
//
// The YAML file is the ad-sync configuration (ad-sync.example.yaml) with a
// "migration" section; see README.md next to this file. Exit codes are
// those of ad-sync.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/orgmodel/migrate"
	"github.com/orgsync/orgsync/provision"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now())
	stop()
	os.Exit(code)
}

// fileConfig is the YAML file.
type fileConfig struct {
	provision.Config `yaml:",inline"`
	AD               adConfig        `yaml:"ad"`
	Migration        migrationConfig `yaml:"migration"`
}

// adConfig is the "ad" section (the connection and the identity
// attributes; the other ad-sync settings take their defaults).
type adConfig struct {
	URL         string `yaml:"url"`
	BindDN      string `yaml:"bindDN"`
	PasswordEnv string `yaml:"passwordEnv"`
	CAFile      string `yaml:"caFile"`
	ServerName  string `yaml:"serverName"`
	Base        string `yaml:"base"`
	Domain      string `yaml:"domain"`
	UPNDomain   string `yaml:"upnDomain"`
	MarkPrefix  string `yaml:"markPrefix"`
	Attributes  struct {
		CPR          string `yaml:"cpr"`
		UNIID        string `yaml:"uniId"`
		Institutions string `yaml:"institutions"`
		DisabledDate string `yaml:"disabledDate"`
	} `yaml:"attributes"`
}

// migrationConfig is the "migration" section.
type migrationConfig struct {
	// Rules are the match rules in order (default cpr, uniId, username).
	Rules []string `yaml:"rules"`
	// Groups are the transition mappings between old groups and new ones.
	Groups []groupMapping `yaml:"groups"`
}

// groupMapping keeps an old group working: Old is its DN, New the Key of
// the group orgsync manages, Nest "oldContainsNew" (the default: members
// of the new group get what the old one gave) or "newContainsOld".
type groupMapping struct {
	Old  string `yaml:"old"`
	New  string `yaml:"new"`
	Nest string `yaml:"nest"`
}

func (a adConfig) config(log *slog.Logger, getenv func(string) string) (ad.Config, error) {
	env := a.PasswordEnv
	if env == "" {
		env = "ORGSYNC_AD_PASSWORD"
	}
	cfg := ad.Config{URL: a.URL, BindDN: a.BindDN, Password: getenv(env), CAFile: a.CAFile, ServerName: a.ServerName,
		Base: a.Base, Domain: a.Domain, UPNDomain: a.UPNDomain, MarkPrefix: a.MarkPrefix, AdoptBy: "username", Logger: log}
	if cfg.Password == "" {
		return cfg, fmt.Errorf("%w: ad: the bind password is not set: put it in $%s", provision.ErrConfig, env)
	}
	at := ad.DefaultAttributes
	at.CPR = a.Attributes.CPR
	if a.Attributes.UNIID != "" {
		at.UNIID = a.Attributes.UNIID
	}
	if a.Attributes.Institutions != "" {
		at.Institutions = a.Attributes.Institutions
	}
	if a.Attributes.DisabledDate != "" {
		at.DisabledDate = a.Attributes.DisabledDate
	}
	cfg.Attributes = at
	return cfg, nil
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "migrate.yaml", "YAML configuration file")
	snapPath := fs.String("snapshot", "", "snapshot JSON file (overrides the configuration's snapshot)")
	adopt := fs.String("adopt", "", "comma-separated institution numbers to adopt in this batch")
	apply := fs.Bool("apply", false, "apply the adoption plan (default: print it only)")
	override := fs.Bool("override", false, "apply even though the plan exceeds a safety threshold")
	verbose := fs.Bool("v", false, "structured logs on standard error")
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	fail := func(err error) int { return runner.Fail("migrate", stderr, err) }

	fc := fileConfig{Config: provision.Defaults()}
	if err := runner.LoadYAML(*config, &fc); err != nil {
		return fail(err)
	}
	if *snapPath != "" {
		fc.Snapshot = *snapPath
	}
	for i, g := range fc.Migration.Groups {
		if g.Old == "" || g.New == "" || (g.Nest != "" && g.Nest != "oldContainsNew" && g.Nest != "newContainsOld") {
			return fail(fmt.Errorf("%w: migration.groups[%d]: old and new are required, nest is oldContainsNew or newContainsOld", provision.ErrConfig, i))
		}
	}
	snap, err := provision.LoadSnapshot(fc.Snapshot)
	if err != nil {
		return fail(err)
	}
	if err := snap.Validate(); err != nil {
		return fail(fmt.Errorf("%w: validate snapshot: %w", provision.ErrInput, err))
	}
	cfg, err := fc.AD.config(log, os.Getenv)
	if err != nil {
		return fail(err)
	}
	client, err := ad.Dial(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	defer client.Close()

	accounts, err := client.Accounts(ctx)
	if err != nil {
		return fail(err)
	}
	rep, err := migrate.Compare(migrate.Persons(snap, now), accounts, fc.Migration.Rules)
	if err != nil {
		return fail(fmt.Errorf("%w: migration.rules: %w", provision.ErrConfig, err))
	}
	if err := rep.Render(stdout); err != nil {
		return fail(err)
	}
	if *adopt == "" {
		return runner.ExitOK
	}

	batch, err := migrate.Batch(snap, rep, strings.Split(*adopt, ","))
	if err != nil {
		return fail(fmt.Errorf("%w: -adopt: %w", provision.ErrConfig, err))
	}
	// The report decided who is whom: the plan adopts by the username the
	// batch reserves for every matched person.
	fc.Plan.AdoptBy = []string{diff.AttrUsername}
	fmt.Fprintf(stdout, "\n# Adoption of %s\n\n", *adopt)
	if *apply {
		if err := client.EnsureBase(ctx); err != nil {
			return fail(err)
		}
	}
	job := &provision.Job{Config: fc.Config, Snapshot: batch, Target: client, Now: now, Apply: *apply, Override: *override,
		Out: stdout, Log: log, Taken: client.Usernames}
	if _, err := job.Run(ctx); err != nil {
		return fail(err)
	}
	if !*apply || len(fc.Migration.Groups) == 0 {
		return runner.ExitOK
	}
	if _, err := client.Read(ctx); err != nil { // the DNs of the new groups
		return fail(err)
	}
	for _, g := range fc.Migration.Groups {
		dn, ok := client.DN(g.New)
		if !ok {
			log.Warn("migrate: the new group of a mapping is not managed yet; nesting later", "new", g.New, "old", g.Old)
			continue
		}
		group, member := g.Old, dn
		if g.Nest == "newContainsOld" {
			group, member = dn, g.Old
		}
		if err := client.Nest(ctx, group, member); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "nested %s in %s\n", member, group)
	}
	return runner.ExitOK
}

// Command entra-sync brings one or more Microsoft Entra ID tenants in step
// with school data: it reads a YAML configuration and an organisation
// snapshot (the JSON form of orgmodel.Snapshot, e.g. written by
// examples/stil-import), reads what orgsync manages in each tenant (users,
// groups and Teams, administrative units), plans, prints the plan and —
// only with -apply — applies it through Microsoft Graph JSON batches.
//
//	entra-sync -config entra-sync.yaml                   # dry run: print the plan
//	entra-sync -config entra-sync.yaml -apply            # apply it
//	entra-sync -config entra-sync.yaml -apply -override  # apply past a safety threshold
//	entra-sync -config entra-sync.yaml -out plan.json    # dry run, plan saved for review
//	entra-sync -config entra-sync.yaml -plan plan.json   # apply exactly the reviewed plan
//
// Credentials come from the Azure identity library's default chain
// (azidentity.NewDefaultAzureCredential), tried in this order:
//
//   - environment: AZURE_TENANT_ID and AZURE_CLIENT_ID with either
//     AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (a PEM or PKCS#12
//     file holding the certificate and its private key;
//     AZURE_CLIENT_CERTIFICATE_PASSWORD if it is protected);
//   - workload identity (Kubernetes), then a managed identity of the Azure
//     host the job runs on (set AZURE_CLIENT_ID for a user-assigned one);
//   - a developer's Azure CLI or Azure Developer CLI sign-in.
//
// A tenant's tenantId in the configuration overrides AZURE_TENANT_ID, so
// one app registration (multi-tenant) can serve several tenants. The
// application needs the Graph application permissions User.ReadWrite.All,
// Group.ReadWrite.All and AdministrativeUnit.ReadWrite.All, plus what Graph
// lists for creating a team from a group, and its directory extension
// properties registered (entra-sync -extensions lists them); see README.md. This path is documented,
// not tested against the cloud; the tests run the binary against the fake
// Graph service in adapters/entra/graphfake (entra.baseURL).
//
// Exit codes: 0 success (plan printed, applied, or nothing to do); 1 error
// (Graph unreachable, I/O); 2 the plan exceeds a safety threshold and
// nothing was applied; 3 the plan was applied but some changes failed; 4
// bad configuration or input, nothing applied; 5 the saved plan given
// with -plan no longer fits the target, nothing applied.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/provision"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now(), nil)
	stop()
	os.Exit(code)
}

// fileConfig is the YAML file: the shared runner settings inline, the
// Entra settings under "entra".
type fileConfig struct {
	provision.Config `yaml:",inline"`
	Entra            entraConfig `yaml:"entra"`
}

// entraConfig is the "entra" section: the adapter's settings shared by
// every tenant, and the tenants.
type entraConfig struct {
	entra.Config `yaml:",inline"`
	// TenantID is the directory (tenant) id; default $AZURE_TENANT_ID.
	TenantID string `yaml:"tenantId"`
	// BaseURL is the Graph root; default https://graph.microsoft.com/v1.0.
	BaseURL string `yaml:"baseURL"`
	// Tenants, when set, spreads the institutions over several tenants;
	// each inherits the settings above and overrides what it sets.
	Tenants []tenantConfig `yaml:"tenants"`
}

// tenantConfig is one tenant of a multi-tenant run.
type tenantConfig struct {
	Name       string   `yaml:"name"`
	TenantID   string   `yaml:"tenantId"`
	BaseURL    string   `yaml:"baseURL"`
	Domain     string   `yaml:"domain"`
	AppID      string   `yaml:"appId"`
	TeamOwners []string `yaml:"teamOwners"`
	// Institutions are the institution numbers routed to this tenant.
	Institutions []string `yaml:"institutions"`
	// Default takes objects of no or an unrouted institution.
	Default bool `yaml:"default"`
}

// target is what the run needs of a single client or a router: the
// pipeline prepares the desired state with it (diff.Preparer).
type target interface {
	diff.Target
	diff.Preparer
}

// run is main without the process: it returns the exit code. hc, when
// set, is used without credentials (tests against the fake).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time, hc *http.Client) int {
	var fl runner.Flags
	fs := runner.NewFlagSet("entra-sync", stderr, &fl)
	extensions := fs.Bool("extensions", false, "print the directory extension properties to register, and exit")
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	log := fl.Logger(stderr)
	fail := func(err error) int { return runner.Fail("entra-sync", stderr, err) }

	fc := fileConfig{Config: provision.Defaults()}
	fc.Concurrency = 64 // enough concurrent changes to fill batches of 20
	fc.Projection.Layout = desired.InstitutionsOnly
	fc.Projection.DisabledOU, fc.Projection.RetiredOU = "", ""
	fc.Entra.Config = entra.DefaultConfig()
	if err := runner.LoadYAML(fl.Config, &fc); err != nil {
		return fail(err)
	}
	if fl.Snapshot != "" {
		fc.Snapshot = fl.Snapshot
	}
	if err := fc.check(); err != nil {
		return fail(err)
	}
	fc.Entra.Logger = log
	if *extensions {
		for _, t := range fc.tenants() {
			fmt.Fprintf(stdout, "%s:\n", t.Name)
			for _, p := range fc.tenantConfig(t).ExtensionProperties() {
				fmt.Fprintf(stdout, "  %s\n", p)
			}
		}
		return runner.ExitOK
	}
	tgt, clients, err := fc.connect(ctx, hc)
	if err != nil {
		return fail(err)
	}
	job := &provision.Job{Config: fc.Config, Target: tgt, Now: now,
		Out: stdout, Log: log, Progress: runner.ProgressPrinter(stderr, 2*time.Second)}
	_, err = fl.Run(ctx, job)
	if err == nil && (fl.Apply || fl.Plan != "") {
		// teams whose group was too young for Teams during the run
		for _, c := range clients {
			if terr := c.EnsureTeams(ctx); terr != nil {
				err = fmt.Errorf("%w: %w", provision.ErrPartial, terr)
			}
		}
	}
	for name, c := range clients {
		st := c.Stats()
		fmt.Fprintf(stderr, "entra-sync: tenant %s: %d Graph requests sent (%d re-sent after throttling or failures); %d teams pending\n",
			name, st.Sends, st.Resends, len(c.PendingTeams()))
	}
	if err != nil {
		return fail(err)
	}
	return runner.ExitOK
}

// check reports every configuration problem the adapter cannot live with.
func (fc *fileConfig) check() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{provision.ErrConfig}, args...)...))
	}
	p := fc.Projection
	if p.Layout != desired.InstitutionsOnly && p.Layout != desired.Flat {
		bad("projection.layout %q: Entra ID has no OUs; use institutions-only (administrative units) or flat", p.Layout)
	}
	if p.DisabledOU != "" || p.RetiredOU != "" {
		bad("projection.disabledOU/retiredOU: Entra ID disables in place; leave them empty")
	}
	if p.IncludeCPR && !fc.Entra.WriteCPR {
		bad("projection.includeCPR is on but entra.writeCPR is off: CPR is never written unless both are set")
	}
	if len(fc.Entra.Tenants) > 0 {
		defaults := 0
		seen := map[string]bool{}
		for i, t := range fc.Entra.Tenants {
			if t.Name == "" || seen[t.Name] {
				bad("entra.tenants[%d]: a unique name is required", i)
			}
			seen[t.Name] = true
			if t.Default {
				defaults++
			}
		}
		if defaults > 1 {
			bad("entra.tenants: %d tenants are marked default, want at most one", defaults)
		}
	}
	return errors.Join(errs...)
}

// tenants returns the configured tenants, or one from the section itself.
func (fc *fileConfig) tenants() []tenantConfig {
	if len(fc.Entra.Tenants) > 0 {
		return fc.Entra.Tenants
	}
	return []tenantConfig{{Name: "default", Default: true}}
}

// tenantConfig is the adapter configuration of one tenant.
func (fc *fileConfig) tenantConfig(t tenantConfig) entra.Config {
	c := fc.Entra.Config
	if t.Domain != "" {
		c.Domain = t.Domain
	}
	if t.AppID != "" {
		c.AppID = t.AppID
	}
	if t.TeamOwners != nil {
		c.TeamOwners = t.TeamOwners
	}
	return c
}

// connect makes a client per tenant and, for several, a router.
func (fc *fileConfig) connect(ctx context.Context, hc *http.Client) (target, map[string]*entra.Client, error) {
	clients := map[string]*entra.Client{}
	targets := map[string]diff.Target{}
	routes := map[string]string{}
	def := ""
	var errs []error
	for _, t := range fc.tenants() {
		base := t.BaseURL
		if base == "" {
			base = fc.Entra.BaseURL
		}
		c, err := fc.client(ctx, t, base, hc)
		if err != nil {
			errs = append(errs, fmt.Errorf("tenant %s: %w", t.Name, err))
			continue
		}
		clients[t.Name], targets[t.Name] = c, c
		for _, inst := range t.Institutions {
			routes[inst] = t.Name
		}
		if t.Default {
			def = t.Name
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", provision.ErrConfig, err)
	}
	if len(clients) == 1 && len(routes) == 0 {
		for _, c := range clients {
			return c, clients, nil
		}
	}
	r, err := entra.NewRouter(targets, routes, def)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", provision.ErrConfig, err)
	}
	return r, clients, nil
}

func (fc *fileConfig) client(ctx context.Context, t tenantConfig, base string, hc *http.Client) (*entra.Client, error) {
	cfg := fc.tenantConfig(t)
	if hc != nil {
		return entra.NewWithHTTP(ctx, base, hc, cfg)
	}
	tenantID := t.TenantID
	if tenantID == "" {
		tenantID = fc.Entra.TenantID
	}
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{TenantID: tenantID})
	if err != nil {
		return nil, fmt.Errorf("azure credentials: %w", err)
	}
	gs, err := msgraphsdk.NewGraphServiceClientWithCredentials(cred, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		return nil, fmt.Errorf("graph client: %w", err)
	}
	if base != "" {
		gs.GetAdapter().SetBaseUrl(base)
	}
	return entra.New(ctx, gs, cfg)
}

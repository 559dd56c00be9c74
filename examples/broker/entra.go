//go:build entra

// This file adds the Entra ID client type. It is compiled only with
// -tags entra, as it pulls in the Microsoft Graph SDK (minutes to compile):
//
//	go build -tags entra ./examples/broker

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/provision"
)

// entraConfig is a client's "entra" section: the adapter's settings
// inline (see adapters/entra.Config; examples/entra-sync has every
// setting) and the tenant. One client is one tenant; a municipality with
// several tenants configures one client each.
type entraConfig struct {
	entra.Config `yaml:",inline"`
	// TenantID is the tenant's ID for the credentials
	// (azidentity.DefaultAzureCredential: environment, workload or
	// managed identity, Azure CLI).
	TenantID string `yaml:"tenantId"`
	// BaseURL is the Graph endpoint (default
	// https://graph.microsoft.com/v1.0).
	BaseURL string `yaml:"baseURL"`
}

// entraHTTP, when set (tests: graphfake's client), talks to BaseURL
// through it without credentials.
var entraHTTP *http.Client

func init() {
	targetTypes["entra"] = true
	extraTargets["entra"] = extraTarget{defaults: entraDefaults, check: checkEntra, dial: dialEntra}
}

// entraDefaults are examples/entra-sync's: administrative units (no OUs),
// disabling in place, enough concurrent changes to fill Graph batches.
func entraDefaults(c *clientConfig) {
	c.Concurrency = 64
	c.Projection.Layout = desired.InstitutionsOnly
	c.Projection.DisabledOU, c.Projection.RetiredOU = "", ""
	c.Entra = &entraConfig{Config: entra.DefaultConfig()}
}

// checkEntra validates an entra client (as examples/entra-sync does).
func checkEntra(key string, c clientConfig) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", provision.ErrConfig, key, fmt.Sprintf(format, args...)))
	}
	if c.Entra == nil || c.Entra.Domain == "" {
		bad(key+".entra.domain", "required: the tenant's domain for user principal names")
	}
	p := c.Projection
	if p.Layout != desired.InstitutionsOnly && p.Layout != desired.Flat {
		bad(key+".projection.layout", "%q: Entra ID has no OUs; use institutions-only (administrative units) or flat", p.Layout)
	}
	if p.DisabledOU != "" || p.RetiredOU != "" {
		bad(key+".projection", "disabledOU/retiredOU: Entra ID disables in place; leave them empty")
	}
	if c.Entra != nil && p.IncludeCPR && !c.Entra.WriteCPR {
		bad(key+".projection.includeCPR", "is on but entra.writeCPR is off: CPR is never written unless both are set")
	}
	return errs
}

// dialEntra connects a client of type "entra". After each run it makes
// the pending teams (entra.Client.EnsureTeams), as examples/entra-sync
// does after applying; at shutdown they are left to the next start.
func dialEntra(ctx context.Context, c clientConfig, log *slog.Logger, _ func(string) string) (diff.Target, func() error, error) {
	e := c.Entra
	cfg := e.Config
	cfg.Logger = log.With("client", c.Name)
	var (
		cl  *entra.Client
		err error
	)
	if entraHTTP != nil {
		cl, err = entra.NewWithHTTP(ctx, e.BaseURL, entraHTTP, cfg)
	} else {
		cl, err = connectEntra(ctx, e, cfg)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: client %s: %w", provision.ErrConfig, c.Name, err)
	}
	teams := func() error {
		if ctx.Err() != nil || len(cl.PendingTeams()) == 0 {
			return nil
		}
		return cl.EnsureTeams(ctx)
	}
	return cl, teams, nil
}

// connectEntra makes the Graph client with the default Azure credentials
// of the tenant, as examples/entra-sync does.
func connectEntra(ctx context.Context, e *entraConfig, cfg entra.Config) (*entra.Client, error) {
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{TenantID: e.TenantID})
	if err != nil {
		return nil, fmt.Errorf("azure credentials: %w", err)
	}
	gs, err := msgraphsdk.NewGraphServiceClientWithCredentials(cred, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		return nil, fmt.Errorf("graph client: %w", err)
	}
	if e.BaseURL != "" {
		gs.GetAdapter().SetBaseUrl(e.BaseURL)
	}
	return entra.New(ctx, gs, cfg)
}

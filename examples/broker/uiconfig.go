package main

import (
	"context"
	"crypto"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/broker/ui"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

// uiConfig is "ui": the admin web UI behind the municipality's SAML IdP.
// Without it the broker serves the JSON API only (the demo has its own
// demo login instead).
type uiConfig struct {
	// URL is the UI's public address, ending in /ui (e.g.
	// https://broker.kommune.dk/ui); the SP's entity ID is URL +
	// "/saml/metadata", its assertion consumer URL + "/saml/acs".
	URL string `yaml:"url"`
	// IdPMetadataURL or IdPMetadataFile give the IdP's SAML metadata.
	IdPMetadataURL  string `yaml:"idpMetadataURL"`
	IdPMetadataFile string `yaml:"idpMetadataFile"`
	// KeyFile and CertFile are the SP's key pair (PEM).
	KeyFile  string `yaml:"keyFile"`
	CertFile string `yaml:"certFile"`
	// Attributes map the IdP's attributes onto roles and scopes.
	Attributes struct {
		ID           string            `yaml:"id"`
		Role         string            `yaml:"role"`
		Roles        map[string]string `yaml:"roles"` // attribute value → role
		Institutions string            `yaml:"institutions"`
		Classes      string            `yaml:"classes"`
		Children     string            `yaml:"children"`
	} `yaml:"attributes"`
	// IdleTimeout ends an unused session (default 20m).
	IdleTimeout time.Duration `yaml:"idleTimeout"`
	// PasswordTargets name the clients a pupil's new password is written
	// to (clients of type "ad", "google" or "entra"). In a hybrid tenant
	// (an entra client with onPremisesSync) the password goes to AD only:
	// such an entra client may not be listed, and the page names it as
	// getting the password from AD.
	PasswordTargets []string `yaml:"passwordTargets"`
}

var knownRoles = []api.Role{api.MunicipalAdmin, api.PrivacyOfficer, api.SchoolAdmin, api.Teacher, api.Parent}

// buildUI makes the production UI from the configuration: SAML only.
func buildUI(ctx context.Context, c *uiConfig, b *broker.Broker, targets map[string]diff.Target, log *slog.Logger) (*ui.Server, error) {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("%w: ui: %s", provision.ErrConfig, fmt.Sprintf(f, a...))
	}
	base, err := url.Parse(c.URL)
	if err != nil || base.Scheme == "" || !strings.HasSuffix(base.Path, "/ui") {
		return nil, bad("url %q must be an absolute URL ending in /ui", c.URL)
	}
	kp, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, bad("keyFile/certFile: %v", err)
	}
	var md *saml.EntityDescriptor
	switch {
	case c.IdPMetadataFile != "":
		raw, err := os.ReadFile(c.IdPMetadataFile)
		if err == nil {
			md, err = samlsp.ParseMetadata(raw)
		}
		if err != nil {
			return nil, bad("idpMetadataFile: %v", err)
		}
	case c.IdPMetadataURL != "":
		u, err := url.Parse(c.IdPMetadataURL)
		if err != nil {
			return nil, bad("idpMetadataURL: %v", err)
		}
		mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if md, err = samlsp.FetchMetadata(mctx, http.DefaultClient, *u); err != nil {
			return nil, fmt.Errorf("ui: IdP metadata: %w", err)
		}
	default:
		return nil, bad("give idpMetadataURL or idpMetadataFile")
	}
	am := ui.AttributeMap{ID: c.Attributes.ID, Role: c.Attributes.Role, Roles: map[string]api.Role{},
		Institutions: c.Attributes.Institutions, Classes: c.Attributes.Classes, Children: c.Attributes.Children}
	if am.Role == "" || len(c.Attributes.Roles) == 0 {
		return nil, bad("attributes.role and attributes.roles are required")
	}
	for v, r := range c.Attributes.Roles {
		if !slices.Contains(knownRoles, api.Role(r)) {
			return nil, bad("attributes.roles[%q]: unknown role %q (want one of %v)", v, r, knownRoles)
		}
		am.Roles[v] = api.Role(r)
	}
	// Clients whose accounts, passwords included, come from AD (Entra ID
	// in a hybrid tenant).
	var fromAD []string
	for n, tg := range targets {
		if h, ok := tg.(interface{ PasswordsFromAD() bool }); ok && h.PasswordsFromAD() {
			fromAD = append(fromAD, n)
		}
	}
	slices.Sort(fromAD)
	var pw []ui.PasswordTarget
	for _, n := range c.PasswordTargets {
		if slices.Contains(fromAD, n) {
			return nil, bad("passwordTargets: %q is a hybrid tenant (onPremisesSync): its passwords come from AD; list the AD client only", n)
		}
		ps, ok := targets[n].(ui.PasswordSetter)
		if !ok {
			return nil, bad("passwordTargets: %q is not a client that sets passwords (type ad, google or entra)", n)
		}
		t := ui.DirectoryPasswords(n, ps)
		if _, isAD := targets[n].(*ad.Client); isAD {
			t.Also = fromAD
		}
		pw = append(pw, t)
	}
	acs, meta := *base, *base
	acs.Path += "/saml/acs"
	meta.Path += "/saml/metadata"
	key, ok := kp.PrivateKey.(crypto.Signer)
	if !ok || kp.Leaf == nil {
		return nil, bad("keyFile: not a signing key")
	}
	sp := &saml.ServiceProvider{EntityID: meta.String(), Key: key, Certificate: kp.Leaf, IDPMetadata: md, AcsURL: acs, MetadataURL: meta}
	// The look-ups go to the log lines unless serve wires in the
	// accountability log ("audit").
	return ui.New(ui.Server{Broker: b, Recorder: ui.LogRecorder{Log: log}, Log: log, IdleTimeout: c.IdleTimeout,
		Insecure: base.Scheme != "https", SAML: &ui.SAML{SP: sp, Map: am}, Passwords: pw})
}

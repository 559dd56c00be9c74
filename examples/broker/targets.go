package main

import (
	"context"
	"fmt"
	"log/slog"

	"gopkg.in/yaml.v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/provision"
)

// extraTarget is a client type a build tag adds (entra.go): the default
// build leaves extraTargets empty, so it never compiles the vendor's SDK.
type extraTarget struct {
	// defaults sets the type's pipeline defaults before the client's
	// keys are decoded.
	defaults func(*clientConfig)
	// check validates the client's section; errors name the key.
	check func(key string, c clientConfig) []error
	// dial connects the client; after is run after each of its runs
	// (may be nil).
	dial func(ctx context.Context, c clientConfig, log *slog.Logger, getenv func(string) string) (t diff.Target, after func() error, err error)
}

// extraTargets are the client types added by build tags, by type.
var extraTargets = map[string]extraTarget{}

// clientDefaults sets the pipeline defaults of the client's type (as its
// single-target binary does) before node's keys are decoded into c.
func clientDefaults(node yaml.Node, c *clientConfig) {
	var t struct {
		Type string `yaml:"type"`
	}
	_ = node.Decode(&t) // a bad type is reported by the full decode
	switch t.Type {
	case "google":
		c.Projection.Layout = desired.InstitutionsLast // as examples/google-sync
	default:
		if e, ok := extraTargets[t.Type]; ok && e.defaults != nil {
			e.defaults(c)
		}
	}
}

// checkClient validates the target sections of client c (clients[i]).
func checkClient(key string, c clientConfig) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", provision.ErrConfig, key, fmt.Sprintf(format, args...)))
	}
	switch g := c.Google; {
	case c.Type != "google" && g != nil:
		bad(key+".google", "only for a client of type google")
	case c.Type == "google" && g == nil:
		bad(key+".google", "required for a google client")
	case c.Type == "google" && g.Domain == "":
		bad(key+".google.domain", "required: the Workspace domain")
	}
	if c.Type != "entra" && c.Entra != nil {
		bad(key+".entra", "only for a client of type entra")
	}
	if e, ok := extraTargets[c.Type]; ok && e.check != nil {
		errs = append(errs, e.check(key, c)...)
	}
	return errs
}

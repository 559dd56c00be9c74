package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

// googleConfig is a client's "google" section: the adapter's settings
// inline (see adapters/google.Config; examples/google-sync has every
// setting) and the credentials, as in examples/google-sync.
type googleConfig struct {
	google.Config `yaml:",inline"`
	// KeyFile is the service account's JSON key (domain-wide
	// delegation); default $ORGSYNC_GOOGLE_KEY_FILE.
	KeyFile string `yaml:"keyFile"`
	// Subject is the Workspace administrator the service account acts as.
	Subject string `yaml:"subject"`
}

// dialGoogle connects a client of type "google". ctx lives as long as
// the broker (the token source keeps it).
func dialGoogle(ctx context.Context, c clientConfig, log *slog.Logger, getenv func(string) string) (diff.Target, error) {
	g := c.Google
	opts, err := google.ClientOptions(ctx, g.Config, g.KeyFile, g.Subject, getenv)
	if err != nil {
		return nil, fmt.Errorf("%w: client %s: %w", provision.ErrConfig, c.Name, err)
	}
	cfg := g.Config
	cfg.Logger = log.With("client", c.Name)
	cl, err := google.New(ctx, cfg, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: client %s: %w", provision.ErrConfig, c.Name, err)
	}
	return cl, nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

// adConfig is a client's "ad" section: the connection and where orgsync
// manages objects (see adapters/ad.Config; examples/ad-sync has every
// setting).
type adConfig struct {
	URL    string `yaml:"url"`
	BindDN string `yaml:"bindDN"`
	// PasswordEnv names the environment variable with the bind password
	// (default ORGSYNC_AD_PASSWORD); PasswordFile a file with it.
	PasswordEnv  string `yaml:"passwordEnv"`
	PasswordFile string `yaml:"passwordFile"`
	CAFile       string `yaml:"caFile"`
	Base         string `yaml:"base"`
	CreateBase   bool   `yaml:"createBase"`
	UPNDomain    string `yaml:"upnDomain"`
	Domain       string `yaml:"domain"`
	MarkPrefix   string `yaml:"markPrefix"`
}

// dialAD connects a client of type "ad".
func dialAD(ctx context.Context, c clientConfig, log *slog.Logger, getenv func(string) string) (diff.Target, func(context.Context) ([]string, error), error) {
	a := c.AD
	cfg := ad.Config{URL: a.URL, BindDN: a.BindDN, CAFile: a.CAFile, Base: a.Base, UPNDomain: a.UPNDomain,
		Domain: a.Domain, MarkPrefix: a.MarkPrefix, Logger: log.With("client", c.Name)}
	if a.PasswordFile != "" {
		b, err := os.ReadFile(a.PasswordFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: client %s: ad.passwordFile: %w", provision.ErrConfig, c.Name, err)
		}
		cfg.Password = strings.TrimRight(string(b), "\r\n")
	} else {
		env := a.PasswordEnv
		if env == "" {
			env = "ORGSYNC_AD_PASSWORD"
		}
		if cfg.Password = getenv(env); cfg.Password == "" {
			return nil, nil, fmt.Errorf("%w: client %s: ad: the bind password is not set: put it in $%s or name a passwordFile", provision.ErrConfig, c.Name, env)
		}
	}
	cl, err := ad.Dial(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("client %s: %w", c.Name, err)
	}
	if a.CreateBase {
		if err := cl.EnsureBase(ctx); err != nil {
			cl.Close()
			return nil, nil, fmt.Errorf("client %s: %w", c.Name, err)
		}
	}
	return cl, cl.Usernames, nil
}

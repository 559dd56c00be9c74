package google

import (
	"context"
	"fmt"
	"os"

	oauth2google "golang.org/x/oauth2/google"
	"google.golang.org/api/option"
)

// DelegatedCredentials returns the client option for a service account
// with domain-wide delegation that acts as subject, an administrator of
// the Workspace domain (Directory and Licensing calls need one; Drive
// calls run as that user). keyJSON is the service account's JSON key.
//
// Set-up, once per domain: create the service account in a Google Cloud
// project with the Admin SDK, Enterprise License Manager and Drive APIs
// enabled; in the Admin console under Security → Access and data control
// → API controls → Domain-wide delegation, add the service account's client
// id with the scopes in Scopes; give subject a role that may manage users,
// groups, org units, licences and shared drives.
//
// The token source keeps ctx for fetching tokens; pass a context that
// lives as long as the client.
func DelegatedCredentials(ctx context.Context, keyJSON []byte, subject string) (option.ClientOption, error) {
	if subject == "" {
		return nil, fmt.Errorf("google: delegated credentials: the administrator to act as (subject) is required")
	}
	conf, err := oauth2google.JWTConfigFromJSON(keyJSON, Scopes...)
	if err != nil {
		return nil, fmt.Errorf("google: delegated credentials: %w", err)
	}
	conf.Subject = subject
	return option.WithTokenSource(conf.TokenSource(ctx)), nil
}

// KeyFileEnv is the environment variable that names the service
// account's JSON key when no key file is configured (ClientOptions).
const KeyFileEnv = "ORGSYNC_GOOGLE_KEY_FILE"

// ClientOptions returns the client options for New from a binary's
// settings: with cfg.Endpoint set and no keyFile (a fake such as
// googlefake, or a proxy that authenticates), no authentication;
// otherwise DelegatedCredentialsFor with cfg.Scopes(), from the service
// account's JSON key in keyFile (default: the file named by $KeyFileEnv,
// read with getenv; nil means os.Getenv), acting as subject. Errors name
// the setting (google.keyFile, google.subject). The token source keeps
// ctx; pass a context that lives as long as the client.
func ClientOptions(ctx context.Context, cfg Config, keyFile, subject string, getenv func(string) string) ([]option.ClientOption, error) {
	if cfg.Endpoint != "" && keyFile == "" {
		return []option.ClientOption{option.WithoutAuthentication()}, nil
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	if keyFile == "" {
		keyFile = getenv(KeyFileEnv)
	}
	if keyFile == "" {
		return nil, fmt.Errorf("google: no service account key: set google.keyFile or $%s", KeyFileEnv)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("google.keyFile: %w", err)
	}
	if subject == "" {
		return nil, fmt.Errorf("google.subject: required: the administrator the service account acts as")
	}
	o, err := DelegatedCredentialsFor(ctx, key, subject, cfg.Scopes())
	if err != nil {
		return nil, err
	}
	return []option.ClientOption{o}, nil
}

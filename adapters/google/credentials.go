package google

import (
	"context"
	"fmt"

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

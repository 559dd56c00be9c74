package google

import (
	"context"
	"fmt"

	oauth2google "golang.org/x/oauth2/google"
	admin "google.golang.org/api/admin/directory/v1"
	"google.golang.org/api/drive/v3"
	"google.golang.org/api/licensing/v1"
	"google.golang.org/api/option"
)

// Scopes returns the least scopes cfg's features need: the directory
// scopes always, apps.licensing with Licences, drive with Drives. Grant
// exactly these by domain-wide delegation (docs/PERMISSIONS.md; the
// scope-sheet test runs the adapter against googlefake with them).
// admin.directory.group covers group members.
func (cfg Config) Scopes() []string {
	s := []string{admin.AdminDirectoryUserScope, admin.AdminDirectoryOrgunitScope,
		admin.AdminDirectoryGroupScope, admin.AdminDirectoryUserschemaScope}
	if cfg.Licences.Product != "" {
		s = append(s, licensing.AppsLicensingScope)
	}
	if cfg.Drives.Model != NoDrives {
		s = append(s, drive.DriveScope)
	}
	return s
}

// DelegatedCredentialsFor is DelegatedCredentials asking for the given
// scopes only (Config.Scopes): a token request for a scope the delegation
// does not grant fails.
func DelegatedCredentialsFor(ctx context.Context, keyJSON []byte, subject string, scopes []string) (option.ClientOption, error) {
	if subject == "" {
		return nil, fmt.Errorf("google: delegated credentials: the administrator to act as (subject) is required")
	}
	conf, err := oauth2google.JWTConfigFromJSON(keyJSON, scopes...)
	if err != nil {
		return nil, fmt.Errorf("google: delegated credentials: %w", err)
	}
	conf.Subject = subject
	return option.WithTokenSource(conf.TokenSource(ctx)), nil
}

package entra

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/orgsync/orgsync/diff"
)

// Password errors. Neither ever holds the password.
var (
	// ErrPasswordPolicy: a password Entra ID's policy for cloud accounts
	// refuses: 8 to 256 characters of A–Z, a–z, 0–9, the space and
	// @ # $ % ^ & * - _ ! + = [ ] { } | \ : ' , . ? / ` ~ " ( ) ; < >,
	// of at least three of the four kinds (lower, upper, digit, symbol).
	ErrPasswordPolicy = errors.New("entra: password outside Entra ID's password policy")
	// ErrSynced: the account is synchronised from on-premises AD (a
	// hybrid tenant); its password is set in AD and reaches Entra ID
	// through the sync.
	ErrSynced = errors.New("entra: the account is synchronised from on-premises AD; set its password there")
)

const passwordSymbols = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> "

// CheckPassword reports whether Entra ID takes pw as a cloud account's
// password under its default (strong) policy.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < 8 || n > 256 {
		return fmt.Errorf("%w: %d characters, want 8 to 256", ErrPasswordPolicy, n)
	}
	var lower, upper, digit, symbol int
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		case strings.ContainsRune(passwordSymbols, r):
			symbol = 1
		default:
			return fmt.Errorf("%w: a character Entra ID does not take", ErrPasswordPolicy)
		}
	}
	if k := lower + upper + digit + symbol; k < 3 {
		return fmt.Errorf("%w: %d kinds of characters, want 3 of lower case, upper case, digits and symbols", ErrPasswordPolicy, k)
	}
	return nil
}

// CheckPassword is CheckPassword as a method, so that the admin UI checks
// a password against every directory before it writes any
// (ui.PasswordChecker).
func (c *Client) CheckPassword(pw string) error { return CheckPassword(pw) }

// SetPassword sets the password of the managed user with key (a pupil's
// new password from the admin UI): PATCH of the user's passwordProfile,
// which needs the application permission User-PasswordProfile.ReadWrite.All
// (or User.ReadWrite.All) and the User Administrator role. mustChange asks
// for a new one at the next sign-in. A password outside the policy is
// refused before any request (diff.ErrConstraint and ErrPasswordPolicy),
// and so is an account synchronised from AD, or any account when
// Config.OnPremisesSync is set (ErrSynced): in a hybrid tenant the password
// is set in AD only. The password is never logged or put in an error.
func (c *Client) SetPassword(ctx context.Context, key, password string, mustChange bool) error {
	if err := CheckPassword(password); err != nil {
		return fmt.Errorf("entra: set password %s: %w: %w", key, diff.ErrConstraint, err)
	}
	if c.cfg.OnPremisesSync {
		return fmt.Errorf("entra: set password %s: %w: %w", key, diff.ErrConstraint, ErrSynced)
	}
	e, err := c.resolve(ctx, diff.User, key)
	if err != nil {
		return fmt.Errorf("entra: set password %s: %w", key, err)
	}
	if e.synced {
		return fmt.Errorf("entra: set password %s: %w: %w", key, diff.ErrConstraint, ErrSynced)
	}
	return c.patch(ctx, "set password "+key, diff.User, e.id, map[string]any{
		"passwordProfile": map[string]any{"password": password, "forceChangePasswordNextSignIn": mustChange}})
}

// PasswordsFromAD reports whether the tenant's accounts come from
// on-premises AD (Config.OnPremisesSync): their passwords are then set in
// AD, and the admin UI writes none to Entra ID.
func (c *Client) PasswordsFromAD() bool { return c.cfg.OnPremisesSync }

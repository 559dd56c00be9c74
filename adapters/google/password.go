package google

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/orgsync/orgsync/diff"
	admin "google.golang.org/api/admin/directory/v1"
)

// Google Workspace takes passwords of 8 to 100 ASCII characters
// (Directory API, users resource, "password").
const (
	MinPasswordLength = 8
	MaxPasswordLength = 100
)

// ErrPasswordPolicy: a password Google Workspace would refuse. The error
// never holds the password.
var ErrPasswordPolicy = errors.New("google: password outside Google's rules (8–100 ASCII characters)")

// CheckPassword reports whether Google Workspace takes pw as a user's
// password: 8 to 100 printable ASCII characters (space included).
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength || n > MaxPasswordLength {
		return fmt.Errorf("%w: %d characters", ErrPasswordPolicy, n)
	}
	for _, r := range pw {
		if r < 0x20 || r > 0x7e {
			return fmt.Errorf("%w: a character outside printable ASCII", ErrPasswordPolicy)
		}
	}
	return nil
}

// CheckPassword is CheckPassword as a method, so that the admin UI checks
// a password against every directory before it writes any
// (ui.PasswordChecker).
func (c *Client) CheckPassword(pw string) error { return CheckPassword(pw) }

// SetPassword sets the password of the managed user with key (a pupil's
// new password from the admin UI) with users.update; mustChange asks for a
// new one at the next sign-in. A password outside Google's rules is
// refused before any request (diff.ErrConstraint and ErrPasswordPolicy);
// a key Google does not hold is diff.ErrNotFound. The password is never
// logged or put in an error.
func (c *Client) SetPassword(ctx context.Context, key, password string, mustChange bool) error {
	const op = "set password"
	if err := CheckPassword(password); err != nil {
		return &Error{Op: op, Key: key, Err: err, sentinel: diff.ErrConstraint}
	}
	id, err := c.userID(ctx, key)
	if err != nil {
		return err
	}
	u := &admin.User{Password: password, ChangePasswordAtNextLogin: mustChange, ForceSendFields: []string{"ChangePasswordAtNextLogin"}}
	if _, err := c.dir.Users.Update(id, u).Context(ctx).Do(); err != nil {
		return wrap(op, key, err)
	}
	return nil
}

// userID returns the Google id of the managed user with key: from the
// last Read or Apply, else by a search on the mark's indexed key field
// (which can lag a new user's creation).
func (c *Client) userID(ctx context.Context, key string) (string, error) {
	const op = "set password"
	if e, ok := c.get(key); ok {
		if e.kind != diff.User {
			return "", fail(op, key, diff.ErrConstraint, "%s is a %s, not a user", key, e.kind)
		}
		return e.id, nil
	}
	if key == "" || strings.ContainsAny(key, `'\`) {
		return "", fail(op, key, diff.ErrNotFound, "no user with this key")
	}
	q := c.cfg.Mark + "." + fieldKey + "='" + key + "'"
	res, err := c.dir.Users.List().Customer(c.cfg.Customer).Projection("full").Query(q).MaxResults(2).Context(ctx).Do()
	if err != nil {
		return "", wrap(op, key, err)
	}
	var found []string
	for _, u := range res.Users {
		var m map[string]any
		if raw, ok := u.CustomSchemas[c.cfg.Mark]; ok && json.Unmarshal(raw, &m) == nil && m[fieldKey] == key && m[fieldManaged] == true {
			found = append(found, u.Id)
		}
	}
	switch len(found) {
	case 0:
		return "", fail(op, key, diff.ErrNotFound, "no managed user with this key")
	case 1:
		return found[0], nil
	}
	return "", fail(op, key, diff.ErrExists, "%d users carry this key", len(found))
}

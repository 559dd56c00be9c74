package ad

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
)

// unicodePwd encodes a password as AD wants it in the unicodePwd
// attribute: the password in double quotes, as UTF-16LE bytes.
func unicodePwd(pw string) string {
	u := utf16.Encode([]rune(`"` + pw + `"`))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i] = byte(c)
		b[2*i+1] = byte(c >> 8)
	}
	return string(b)
}

// SetPassword sets the password of the managed user with the Key (e.g. a
// pupil's new password chosen by their teacher in the admin UI), over
// LDAPS or StartTLS only. With mustChange the user must change it at the
// next sign-in (pwdLastSet 0); otherwise it holds as set (pwdLastSet -1).
// AD checks it against the password policy that applies to the user (the
// domain's, or a fine-grained policy (PSO) of a group the user is in)
// and refuses it with diff.ErrConstraint. The password is never logged.
func (c *Client) SetPassword(ctx context.Context, key, password string, mustChange bool) error {
	if password == "" {
		return &Error{Op: "set-password", Key: key, Kind: diff.ErrInvalidPlan, Err: errors.New("empty password")}
	}
	e, err := c.locate(ctx, key)
	if err != nil {
		return err
	}
	if e.kind != diff.User {
		return &Error{Op: "set-password", Key: key, Kind: diff.ErrConstraint, Err: fmt.Errorf("%s is not a user", e.dn)}
	}
	mod := ldap.NewModifyRequest(e.dn, nil)
	mod.Replace("unicodePwd", []string{unicodePwd(password)})
	last := "-1"
	if mustChange {
		last = "0"
	}
	mod.Replace("pwdLastSet", []string{last})
	return c.modify(ctx, key, mod, true)
}

package entra

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/orgsync/orgsync/diff"
)

// Graph's limits on the user properties the adapter writes (user resource
// type, Microsoft Graph v1.0): the local part of userPrincipalName allows
// A–Z a–z 0–9 and ' . - _ ! # ^ ~; mailNickname holds at most 64
// characters, employeeId 16, department 64. The username becomes both, so
// it is held to the stricter set.
const (
	maxNickname   = 64
	maxEmployeeID = 16
	maxDepartment = 64
)

// usernameOK reports whether a username can be a userPrincipalName's
// local part and a mailNickname.
func usernameOK(s string) bool {
	if s == "" || len(s) > maxNickname {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("'.-_!#^~", r):
		default:
			return false
		}
	}
	return true
}

// checkUser validates the attribute values of a user before they are
// sent, so that one bad value fails its own change with an error naming
// the person (key) and the field, instead of a 400 from Graph. Every
// problem is reported.
func (c *Client) checkUser(op, key string, attrs diff.Attrs) error {
	var errs []error
	bad := func(field, value, why string) {
		errs = append(errs, fmt.Errorf("entra: %s %s: %w: attribute %s %q: %s", op, key, diff.ErrConstraint, field, value, why))
	}
	if v, ok := attrs.Lookup(diff.AttrUsername); ok && v != "" && !usernameOK(v) {
		bad(diff.AttrUsername, v, fmt.Sprintf("userPrincipalName and mailNickname allow only A-Z a-z 0-9 ' . - _ ! # ^ ~ and at most %d characters", maxNickname))
	}
	if v, ok := attrs.Lookup(c.cfg.UniIDSource); ok {
		limit := maxEmployeeID
		if c.cfg.UniIDProperty == "department" {
			limit = maxDepartment
		}
		if n := utf8.RuneCountInString(v); n > limit {
			bad(c.cfg.UniIDSource, v, fmt.Sprintf("%s holds at most %d characters, got %d", c.cfg.UniIDProperty, limit, n))
		}
	}
	return errors.Join(errs...)
}

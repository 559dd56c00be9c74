package ad

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
)

// Error is a failed LDAP operation on one object. It wraps both the core's
// sentinel (errors.Is(err, diff.ErrConstraint), ...) and the LDAP error
// (errors.As(err, new(*ldap.Error))).
type Error struct {
	// Op is the operation: "create", "update", "rename", "move", ...
	Op string
	// Key is the object's Key ("user/123"), or "" for a read.
	Key string
	// DN is the object's distinguished name, when known.
	DN string
	// Attr is the AD attribute the server or a pre-check rejected, when
	// known.
	Attr string
	// Kind is the diff sentinel the failure maps to, or nil.
	Kind error
	// Err is the underlying error.
	Err error
}

// Error describes the failure, naming the object and attribute.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ad: ")
	b.WriteString(e.Op)
	if e.Key != "" {
		b.WriteString(" ")
		b.WriteString(e.Key)
	}
	if e.Attr != "" {
		fmt.Fprintf(&b, " (attribute %s)", e.Attr)
	}
	if e.DN != "" {
		fmt.Fprintf(&b, " at %q", e.DN)
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the underlying error.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// resultCode returns the LDAP result code of err, or -1.
func resultCode(err error) int {
	var le *ldap.Error
	if errors.As(err, &le) {
		return int(le.ResultCode)
	}
	return -1
}

// sentinel maps an LDAP error to the core's sentinel, or nil when none
// fits (e.g. insufficient access, which retrying will not cure).
func sentinel(err error) error {
	if err == nil {
		return nil
	}
	switch resultCode(err) {
	case ldap.LDAPResultNoSuchObject:
		return diff.ErrNotFound
	case ldap.LDAPResultEntryAlreadyExists:
		return diff.ErrExists
	case ldap.LDAPResultConstraintViolation, ldap.LDAPResultInvalidAttributeSyntax,
		ldap.LDAPResultNamingViolation, ldap.LDAPResultObjectClassViolation,
		ldap.LDAPResultNotAllowedOnNonLeaf, ldap.LDAPResultNotAllowedOnRDN,
		ldap.LDAPResultUnwillingToPerform, ldap.LDAPResultInvalidDNSyntax,
		ldap.LDAPResultUndefinedAttributeType, ldap.LDAPResultAttributeOrValueExists:
		return diff.ErrConstraint
	case ldap.LDAPResultBusy, ldap.LDAPResultUnavailable, ldap.LDAPResultServerDown,
		ldap.LDAPResultTimeout, ldap.LDAPResultConnectError, ldap.LDAPResultTimeLimitExceeded,
		ldap.LDAPResultAdminLimitExceeded, ldap.ErrorNetwork:
		return diff.ErrTemporary
	}
	return nil
}

// temporary reports whether err is worth retrying.
func temporary(err error) bool { return errors.Is(sentinel(err), diff.ErrTemporary) }

// network reports whether err means the connection is gone.
func network(err error) bool {
	switch resultCode(err) {
	case ldap.ErrorNetwork, ldap.LDAPResultServerDown, ldap.LDAPResultConnectError:
		return true
	}
	return false
}

// opError wraps err for operation op on key, guessing the rejected
// attribute from the server's diagnostic message among attrs.
func opError(op, key, dn string, err error, attrs ...string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	out := &Error{Op: op, Key: key, DN: dn, Kind: sentinel(err), Err: err}
	var le *ldap.Error
	if errors.As(err, &le) && le.Err != nil {
		out.Attr = rejectedAttr(le.Err.Error(), attrs)
	}
	return out
}

// rejectedAttr finds which of attrs the server's message names. Windows
// says "Att 90290 (userPrincipalName)"; Samba names the attribute in
// prose. The longest match wins so that "sn" does not shadow
// "sAMAccountName".
func rejectedAttr(msg string, attrs []string) string {
	lower := strings.ToLower(msg)
	best := ""
	for _, a := range attrs {
		la := strings.ToLower(a)
		i := strings.Index(lower, la)
		for i >= 0 {
			// whole word only
			before := i == 0 || !isAttrChar(lower[i-1])
			after := i+len(la) == len(lower) || !isAttrChar(lower[i+len(la)])
			if before && after {
				if len(a) > len(best) {
					best = a
				}
				break
			}
			j := strings.Index(lower[i+1:], la)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return best
}

func isAttrChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c >= 'A' && c <= 'Z'
}

package ad

import (
	"context"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/orgmodel/migrate"
)

// Accounts returns every user account under Config.Domain for the
// migration report (migrate.Compare): its DN, sAMAccountName, display
// name, CPR and UNI-ID (through Attributes.CPR and Attributes.UNIID, when
// mapped), the DNs of its groups, whether it carries the management mark
// and whether it lies under Config.Base. It is one paged search and writes
// nothing.
func (c *Client) Accounts(ctx context.Context) ([]migrate.Account, error) {
	attrs := []string{"sAMAccountName", "displayName", "memberOf", c.cfg.Mark}
	cpr, uniID := c.cfg.Attributes.CPR, c.cfg.Attributes.UNIID
	for _, a := range []string{cpr, uniID} {
		if a != "" {
			attrs = append(attrs, a)
		}
	}
	var out []migrate.Account
	err := c.wireSearch(ctx, c.cfg.Domain, "(&(objectCategory=person)(objectClass=user))", attrs, func(e *wireEntry) error {
		a := migrate.Account{ID: e.dn, Username: e.value("sAMAccountName"), Name: e.value("displayName"),
			Groups: e.values("memberOf"), InBase: under(e.dn, c.cfg.Base),
			Managed: strings.HasPrefix(e.value(c.cfg.Mark), c.cfg.MarkPrefix)}
		if cpr != "" {
			a.CPR = e.value(cpr)
		}
		if uniID != "" {
			a.UNIID = e.value(uniID)
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, opError("read accounts", "", c.cfg.Domain, err)
	}
	return out, nil
}

// DN returns the DN of the managed object with key as last read or
// written; ok is false when the Client knows no such object (call Read
// first).
func (c *Client) DN(key string) (dn string, ok bool) {
	e, ok := c.state.get(key)
	return e.dn, ok
}

// Nest makes memberDN a member of the group groupDN (for a transition
// mapping between an old group and the one orgsync manages). A member
// that is already there is not an error. orgsync never removes members it
// does not manage, so the nesting stays until it is removed by hand or by
// Unnest.
func (c *Client) Nest(ctx context.Context, groupDN, memberDN string) error {
	return c.changeMember(ctx, groupDN, memberDN, true)
}

// Unnest removes memberDN from the group groupDN (retiring a transition
// mapping). A member that is not there is not an error.
func (c *Client) Unnest(ctx context.Context, groupDN, memberDN string) error {
	return c.changeMember(ctx, groupDN, memberDN, false)
}

func (c *Client) changeMember(ctx context.Context, groupDN, memberDN string, add bool) error {
	err := c.do(ctx, func(conn *ldap.Conn) error {
		m := ldap.NewModifyRequest(groupDN, nil)
		if add {
			m.Add("member", []string{memberDN})
		} else {
			m.Delete("member", []string{memberDN})
		}
		err := conn.Modify(m)
		if add && (ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) ||
			ldap.IsErrorWithCode(err, ldap.LDAPResultAttributeOrValueExists)) ||
			!add && ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchAttribute) {
			return nil
		}
		return err
	})
	return opError("nest group", "", groupDN, err)
}

package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
)

// Prepare returns the desired objects fitted to this directory (the input
// is not changed), so that a plan neither tries to write what the
// directory does not store on every run nor sends what it would refuse:
//
//   - attributes the directory does not store are left out: with the
//     defaults only "cpr" when Attributes.CPR is not set; with
//     Config.Store "-" every attribute without a mapping; always those in
//     Attributes.Omit;
//   - values longer than the schema's limit (see LoadLimits) are
//     shortened where a documented rule allows (the object's name, given
//     name, family name and display name, cut UTF-16-aware with
//     naming.TruncateUTF16) and otherwise left out and logged as a
//     Problem naming the record and field: only that object misses the
//     value, everything else is planned.
//
// It implements diff.Preparer: the pipeline (package provision) runs it
// on the desired state before diff.Compute. PrepareProblems returns the
// problems as well.
func (c *Client) Prepare(desired []diff.Object) []diff.Object {
	out, probs := c.PrepareProblems(desired)
	for _, p := range probs {
		c.cfg.Logger.Warn(p.Error(), "key", p.Key, "attribute", p.Attr)
	}
	return out
}

// PrepareProblems is Prepare, returning the values left out.
func (c *Client) PrepareProblems(desired []diff.Object) ([]diff.Object, []Problem) {
	lim := c.currentLimits()
	var probs []Problem
	out := make([]diff.Object, len(desired))
	for i, o := range desired {
		keep := func(name string) bool {
			_, _, ok := c.stored(o.Kind, name)
			return ok
		}
		drop := false
		for _, a := range o.Attrs {
			if !keep(a.Name) {
				drop = true
				break
			}
		}
		if drop {
			kept := make(diff.Attrs, 0, len(o.Attrs))
			for _, a := range o.Attrs {
				if keep(a.Name) {
					kept = append(kept, a) // stays in name order
				}
			}
			if len(kept) == 0 {
				kept = nil
			}
			o.Attrs = kept
		}
		probs = append(probs, c.enforce(&o, lim)...)
		out[i] = o
	}
	return out, probs
}

var _ diff.Preparer = (*Client)(nil)

// EnsureBase creates the OUs of Config.Base that do not exist yet (for
// example "OU=Skoledata" under the domain). Only OU= components are
// created; anything else missing is an error.
func (c *Client) EnsureBase(ctx context.Context) error {
	dn, err := ldap.ParseDN(c.cfg.Base)
	if err != nil {
		return fmt.Errorf("ad: ensure base: %w", err)
	}
	// find the deepest existing ancestor, then create downwards
	var missing []int
	for i := range dn.RDNs {
		sub := &ldap.DN{RDNs: dn.RDNs[i:]}
		ok, err := c.exists(ctx, sub.String())
		if err != nil {
			return fmt.Errorf("ad: ensure base %s: %w", sub, err)
		}
		if ok {
			break
		}
		missing = append(missing, i)
	}
	for j := len(missing) - 1; j >= 0; j-- {
		i := missing[j]
		rdn := dn.RDNs[i]
		if len(rdn.Attributes) != 1 || !strings.EqualFold(rdn.Attributes[0].Type, "OU") {
			return fmt.Errorf("ad: ensure base: %s does not exist and is not an OU", (&ldap.DN{RDNs: dn.RDNs[i:]}).String())
		}
		target := "OU=" + naming.EscapeDN(rdn.Attributes[0].Value) + "," + (&ldap.DN{RDNs: dn.RDNs[i+1:]}).String()
		req := ldap.NewAddRequest(target, nil)
		req.Attribute("objectClass", []string{"top", "organizationalUnit"})
		err := c.do(ctx, func(conn *ldap.Conn) error { return conn.Add(req) })
		if err != nil && !errors.Is(sentinel(err), diff.ErrExists) {
			return opError("ensure base", "", target, err)
		}
	}
	return nil
}

// exists reports whether an entry exists at dn.
func (c *Client) exists(ctx context.Context, dn string) (bool, error) {
	found := false
	req := ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"1.1"}, nil)
	err := c.search(ctx, req, func(*ldap.Entry) error { found = true; return nil })
	if errors.Is(sentinel(err), diff.ErrNotFound) {
		return false, nil
	}
	return found, err
}

package ad

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
)

// domainOf returns the DC= components at the end of dn: the domain's DN.
func domainOf(dn string) string {
	d, err := ldap.ParseDN(dn)
	if err != nil {
		return dn
	}
	i := len(d.RDNs)
	for i > 0 {
		r := d.RDNs[i-1]
		if len(r.Attributes) != 1 || !strings.EqualFold(r.Attributes[0].Type, "DC") {
			break
		}
		i--
	}
	if i == len(d.RDNs) {
		return dn
	}
	return (&ldap.DN{RDNs: d.RDNs[i:]}).String()
}

// under reports whether dn is base or below it (case-insensitive).
func under(dn, base string) bool {
	dn, base = strings.ToLower(dn), strings.ToLower(base)
	return dn == base || strings.HasSuffix(dn, ","+base)
}

// Usernames returns every name a new user's sAMAccountName or the local
// part of its userPrincipalName may not take: the sAMAccountName of every
// account under Config.Domain (users, groups, computers; unique in the
// domain) and the local part of every userPrincipalName there with the
// suffix Config.UPNDomain. It is one paged search; pass the result to the
// username generator (runner.Job.Taken) so that a username taken outside
// Base (an account in CN=Users) is never given out.
func (c *Client) Usernames(ctx context.Context) ([]string, error) {
	var out []string
	suffix := "@" + strings.ToLower(c.cfg.UPNDomain)
	err := c.wireSearch(ctx, c.cfg.Domain, "(|(sAMAccountName=*)(userPrincipalName=*))",
		[]string{"sAMAccountName", "userPrincipalName"}, func(e *wireEntry) error {
			if s := e.value("sAMAccountName"); s != "" {
				out = append(out, s)
			}
			if u := e.value("userPrincipalName"); strings.HasSuffix(strings.ToLower(u), suffix) {
				out = append(out, u[:len(u)-len(suffix)])
			}
			return nil
		})
	if err != nil {
		return nil, opError("read usernames", "", c.cfg.Domain, err)
	}
	return out, nil
}

// samForbidden are the characters AD does not allow in sAMAccountName.
const samForbidden = "\"/\\[]:;|=,+*?<>@ "

func checkGroupSAM(tmpl string) error {
	rest := strings.ReplaceAll(strings.ReplaceAll(tmpl, "{name}", ""), "{hash}", "")
	for _, r := range rest {
		if r <= 0x20 || r > 0x7e || strings.ContainsRune(samForbidden+"{}", r) {
			return errors.New("only {name}, {hash} and printable ASCII characters allowed in sAMAccountName")
		}
	}
	if !strings.Contains(tmpl, "{hash}") {
		return errors.New("{hash} is required: it keeps the names unique")
	}
	if len(rest)+6*strings.Count(tmpl, "{hash}") > samMax-1 {
		return errors.New("longer than 19 characters without the name")
	}
	return nil
}

// groupSAM returns the sAMAccountName of a group orgsync creates, by
// Config.GroupSAM: deterministic, at most 20 characters, unique per mark
// (MarkPrefix+Key), so that two deployments with their own MarkPrefix in
// one domain never give their groups the same name.
func (c *Client) groupSAM(o *diff.Object) string {
	sum := sha256.Sum256([]byte(c.cfg.MarkPrefix + o.Key))
	hash := hex.EncodeToString(sum[:3])
	var b strings.Builder
	for _, r := range naming.Transliterate(o.Name) {
		switch {
		case r < 0x20 || r > 0x7e || strings.ContainsRune(samForbidden, r):
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	name := strings.Trim(b.String(), "-.")
	for strings.Contains(name, "--") {
		name = strings.ReplaceAll(name, "--", "-")
	}
	tmpl := c.cfg.GroupSAM
	fixed := len(strings.ReplaceAll(strings.ReplaceAll(tmpl, "{name}", ""), "{hash}", "")) + strings.Count(tmpl, "{hash}")*len(hash)
	if n := strings.Count(tmpl, "{name}"); n > 0 {
		room := (samMax - fixed) / n
		if len(name) > room {
			name = strings.TrimRight(name[:room], "-.")
		}
	}
	out := strings.ReplaceAll(strings.ReplaceAll(tmpl, "{name}", name), "{hash}", hash)
	return strings.Trim(out, "-.")
}

// readStrays reads the managed objects under Config.Domain outside Base
// (moved out by hand) and returns them as raw entries marked stray;
// resolve skips (and logs) those whose Key was also read under Base.
func (c *Client) readStrays(ctx context.Context, lower map[string]string) ([]raw, error) {
	if c.cfg.Domain == "" || !under(c.cfg.Base, c.cfg.Domain) || strings.EqualFold(c.cfg.Domain, c.cfg.Base) {
		return nil, nil
	}
	filter := "(" + c.cfg.Mark + "=" + naming.EscapeFilter(c.cfg.MarkPrefix) + "*)"
	var out []raw
	err := c.wireSearch(ctx, c.cfg.Domain, filter, c.readAttrs(), func(e *wireEntry) error {
		if under(e.dn, c.cfg.Base) {
			return nil
		}
		r, ok, err := c.decode(ctx, e, lower)
		if err != nil || !ok || !r.obj.Managed {
			return err
		}
		r.stray = true
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, opError("read outside the base", "", c.cfg.Domain, err)
	}
	return out, nil
}

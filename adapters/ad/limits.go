package ad

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/naming"
)

// samMax is the longest sAMAccountName of a user the Security Accounts
// Manager accepts (the schema's rangeUpper is 256, the SAM rule is 20).
const samMax = 20

// Limits is what the directory's schema says about the attributes the
// client writes, by lower-case AD attribute name.
type Limits struct {
	// Max is the attribute's rangeUpper: the longest value in UTF-16
	// code units. An attribute without an entry has no limit.
	Max map[string]int
	// Multi marks multi-valued attributes (isSingleValued FALSE).
	Multi map[string]bool
}

// defaultLimits are the values of the schema Windows Server and Samba
// ship, used until LoadLimits read the live ones (or when it cannot).
func defaultLimits() Limits {
	return Limits{
		Max: map[string]int{"cn": 64, "ou": 64, "givenname": 64, "sn": 64, "displayname": 256,
			"mail": 256, "title": 128, "samaccountname": 256, "userprincipalname": 1024},
		Multi: map[string]bool{"departmentnumber": true, "businesscategory": true, "extensionname": true},
	}
}

// limitsAttrs are the AD attributes whose limits matter: every mapped
// attribute, the store, and the naming attributes.
func (c *Client) limitsAttrs() []string {
	set := map[string]bool{"cn": true, "ou": true, "samaccountname": true, "userprincipalname": true}
	for _, m := range c.attrs {
		for _, a := range m {
			set[strings.ToLower(a)] = true
		}
	}
	if c.cfg.Store != "" {
		set[strings.ToLower(c.cfg.Store)] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// LoadLimits reads the limits of every attribute the client writes from
// the live schema (the attributeSchema objects under the RootDSE's
// schemaNamingContext: rangeUpper and isSingleValued), keeps them for
// Prepare, Read and Apply, and returns them. Dial calls it; a schema that
// cannot be read leaves the shipped defaults (givenName, sn, cn and ou 64,
// displayName 256) and returns the error.
func (c *Client) LoadLimits(ctx context.Context) (Limits, error) {
	got := defaultLimits()
	var schema string
	req := ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"schemaNamingContext"}, nil)
	err := c.search(ctx, req, func(e *ldap.Entry) error { schema = e.GetAttributeValue("schemaNamingContext"); return nil })
	if err == nil && schema == "" {
		err = fmt.Errorf("the RootDSE names no schemaNamingContext")
	}
	if err != nil {
		return c.setLimits(got), fmt.Errorf("ad: load limits: %w", err)
	}
	var filter strings.Builder
	filter.WriteString("(&(objectClass=attributeSchema)(|")
	for _, a := range c.limitsAttrs() {
		filter.WriteString("(lDAPDisplayName=" + naming.EscapeFilter(a) + ")")
	}
	filter.WriteString("))")
	req = ldap.NewSearchRequest(schema, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false,
		filter.String(), []string{"lDAPDisplayName", "rangeUpper", "isSingleValued"}, nil)
	live := Limits{Max: map[string]int{}, Multi: map[string]bool{}}
	err = c.search(ctx, req, func(e *ldap.Entry) error {
		name := strings.ToLower(e.GetAttributeValue("lDAPDisplayName"))
		if n, err := strconv.Atoi(e.GetAttributeValue("rangeUpper")); err == nil && n > 0 {
			live.Max[name] = n
		}
		live.Multi[name] = strings.EqualFold(e.GetAttributeValue("isSingleValued"), "FALSE")
		return nil
	})
	if err != nil {
		return c.setLimits(got), fmt.Errorf("ad: load limits: %w", opError("read schema", "", schema, err))
	}
	for name, n := range live.Max {
		got.Max[name] = n
	}
	for name, m := range live.Multi {
		got.Multi[name] = m
	}
	return c.setLimits(got), nil
}

func (c *Client) setLimits(l Limits) Limits {
	c.limitsMu.Lock()
	defer c.limitsMu.Unlock()
	c.limits = l
	return l
}

func (c *Client) currentLimits() Limits {
	c.limitsMu.RLock()
	defer c.limitsMu.RUnlock()
	return c.limits
}

// shortenable are the neutral attributes a documented rule lets the
// client shorten when they exceed the directory's limit: names of people
// (a cut name still names the person; AD's own tools cut them the same
// way). Other values (addresses, ids) are never cut: a cut value would be
// wrong, so it is left out and reported.
var shortenable = map[string]bool{attr.GivenName: true, attr.FamilyName: true, attr.DisplayName: true}

// listAttr are the neutral attributes holding comma-separated lists; they
// are written one value per item to a multi-valued AD attribute.
var listAttr = map[string]bool{attr.Institutions: true, attr.Roles: true}

// multi reports whether the neutral attribute n of kind is written one
// value per list item: a list attribute mapped to a multi-valued AD
// attribute.
func (c *Client) multi(kind diff.Kind, n string) bool {
	if !listAttr[n] {
		return false
	}
	a, generic, ok := c.stored(kind, n)
	return ok && !generic && c.currentLimits().Multi[strings.ToLower(a)]
}

// values returns the AD values of neutral attribute n with value v.
func (c *Client) values(kind diff.Kind, n, v string) []string {
	if v == "" {
		return []string{}
	}
	if c.multi(kind, n) {
		return splitList(v)
	}
	return []string{v}
}

// Problem is a value of one object the directory would refuse, found by
// Prepare before anything is sent. The object is planned without it.
type Problem struct {
	// Key and Name name the object.
	Key, Name string
	// Attr is the neutral attribute; Field the AD attribute.
	Attr, Field string
	// Len is the value's length and Max the limit, in UTF-16 code units.
	Len, Max int
}

// Error describes the problem, naming the record and the field.
func (p Problem) Error() string {
	return fmt.Sprintf("ad: %s (%s): attribute %s (%s): value of %d characters is longer than the directory's limit of %d; not written",
		p.Key, p.Name, p.Attr, p.Field, p.Len, p.Max)
}

// enforce applies the limits to one desired object in place: names of
// people and the object's own name (cn or ou) are shortened UTF-16-aware
// (naming.TruncateUTF16); any other attribute that is too long is left
// out and returned as a Problem, so that only this object misses it.
// List attributes written to multi-valued attributes are checked per
// value.
func (c *Client) enforce(o *diff.Object, lim Limits) []Problem {
	if limit := lim.Max[strings.ToLower(rdnAttr(o.Kind))]; limit > 0 && naming.UTF16Len(o.Name) > limit {
		o.Name = naming.TruncateUTF16(o.Name, limit)
	}
	var probs []Problem
	var cloned bool
	for i := 0; i < len(o.Attrs); i++ {
		at := o.Attrs[i]
		a, generic, ok := c.stored(o.Kind, at.Name)
		if !ok || at.Value == "" {
			continue
		}
		field, val := a, at.Value
		if generic {
			val = at.Name + "=" + at.Value
		}
		if o.Kind == diff.User && at.Name == attr.Username {
			continue // checked by naming.ValidSAMAccountName on create
		}
		limit := lim.Max[strings.ToLower(field)]
		if limit <= 0 {
			continue
		}
		long := 0
		for _, v := range c.values(o.Kind, at.Name, val) {
			long = max(long, naming.UTF16Len(v))
		}
		if long <= limit {
			continue
		}
		if !cloned {
			o.Attrs, cloned = o.Attrs.Clone(), true
		}
		if shortenable[at.Name] && !generic {
			o.Attrs[i].Value = naming.TruncateUTF16(at.Value, limit)
			continue
		}
		probs = append(probs, Problem{Key: o.Key, Name: o.Name, Attr: at.Name, Field: field, Len: long, Max: limit})
		o.Attrs = slices.Delete(o.Attrs, i, i+1)
		i--
	}
	return probs
}

// UPNSuffixes returns the userPrincipalName suffixes the forest knows:
// the DNS names of its domains (dnsRoot) and the extra suffixes
// (uPNSuffixes) on CN=Partitions of the configuration naming context.
// Dial warns when Config.UPNDomain is not among them: users could not
// log on with the UPN orgsync gives them.
func (c *Client) UPNSuffixes(ctx context.Context) ([]string, error) {
	var conf string
	req := ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"configurationNamingContext"}, nil)
	if err := c.search(ctx, req, func(e *ldap.Entry) error { conf = e.GetAttributeValue("configurationNamingContext"); return nil }); err != nil {
		return nil, fmt.Errorf("ad: upn suffixes: %w", err)
	}
	if conf == "" {
		return nil, fmt.Errorf("ad: upn suffixes: the RootDSE names no configurationNamingContext")
	}
	var out []string
	req = ldap.NewSearchRequest("CN=Partitions,"+conf, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(|(objectClass=crossRefContainer)(&(objectClass=crossRef)(nETBIOSName=*)))", []string{"uPNSuffixes", "dnsRoot"}, nil)
	err := c.search(ctx, req, func(e *ldap.Entry) error {
		out = append(out, e.GetAttributeValues("uPNSuffixes")...)
		out = append(out, e.GetAttributeValues("dnsRoot")...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ad: upn suffixes: %w", err)
	}
	return out, nil
}

package ad

import (
	"slices"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// UserAttributeMap returns where cfg keeps each neutral user attribute:
// the AD attribute of its mapping (Attributes, DefaultAttributes when
// zero), or "<Store> (name=value)" for an attribute without a mapping
// that is not omitted. The CPR number is never kept in Store. It is the
// AD part of the data inventory (package inventory).
func UserAttributeMap(cfg Config) map[string]string {
	m := cfg.Attributes
	if m.isZero() {
		m = DefaultAttributes
	}
	store := cfg.Store
	if store == "" {
		store = "extensionName"
	}
	out := m.neutral(diff.User)
	for _, a := range []string{attr.CPR, attr.DisabledDate, attr.DisplayName, attr.Email, attr.FamilyName, attr.GivenName,
		attr.GlobalRole, attr.Institutions, attr.Level, attr.Roles, attr.StartYear, attr.Title, attr.UNIID, attr.Username} {
		if _, ok := out[a]; ok || a == attr.CPR || store == "-" || slices.Contains(m.Omit, a) {
			continue
		}
		out[a] = store + " (" + a + "=value)"
	}
	return out
}

package entra

import (
	"slices"
	"strings"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// userAttrs are the neutral user attributes with a Graph property.
var userAttrs = []string{attr.Username, attr.GivenName, attr.FamilyName, attr.DisplayName, attr.Email, attr.Title}

// Prepare adapts a desired state (from package diff/desired) to what the
// client can store, so that plans converge: it keeps only the attributes
// the configuration maps (and cpr only with WriteCPR), maps containers to
// administrative units — keeping ou/inst/<num> and dropping every other
// container, with a user's or group's Parent replaced by the institution
// container it lies under (ou/inst/123/students -> ou/inst/123) — and,
// without AdministrativeUnits, drops all containers and clears Parent.
// The input is not modified.
func (c *Client) Prepare(desired []diff.Object) []diff.Object {
	out := make([]diff.Object, 0, len(desired))
	for _, o := range desired {
		if o.Kind == diff.Container && (!c.cfg.AdministrativeUnits || !instKeyRe.MatchString(o.Key)) {
			continue
		}
		o = o.Clone()
		switch {
		case o.Kind == diff.Container:
			o.Parent = ""
		case !c.cfg.AdministrativeUnits:
			o.Parent = ""
		default:
			o.Parent = instContainer(o.Parent)
		}
		o.Attrs = slices.DeleteFunc(o.Attrs, func(a diff.Attr) bool { return !c.stores(o.Kind, a.Name) })
		c.prepareSynced(&o)
		if len(o.Attrs) == 0 {
			o.Attrs = nil
		}
		out = append(out, o)
	}
	if c.cfg.GroupsOnly {
		return c.prepareGroupsOnly(out)
	}
	return out
}

// stores reports whether the client writes and reads back an attribute.
func (c *Client) stores(kind diff.Kind, name string) bool {
	if slices.Contains(c.cfg.ExtensionAttrs, name) {
		return true
	}
	if kind != diff.User {
		return false
	}
	if name == attr.CPR {
		return c.cfg.WriteCPR
	}
	return name == c.cfg.UniIDSource || slices.Contains(userAttrs, name)
}

// instContainer returns the ou/inst/<num> container a key lies under, or "".
func instContainer(key string) string {
	rest, ok := strings.CutPrefix(key, "ou/inst/")
	if !ok || rest == "" {
		return ""
	}
	num, _, _ := strings.Cut(rest, "/")
	return "ou/inst/" + num
}

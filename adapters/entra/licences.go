package entra

import (
	"context"
	"fmt"
	"net/http"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// Licences gives Microsoft 365 licences by global role, as direct
// assignment (a skuId per role, POST /users/{id}/assignLicense; needs
// Config.UsageLocation) or as group-based licensing (the object id of a
// security group per role that has the licence assigned in the Entra admin
// center; orgsync adds and removes the members). A role may use one or
// the other, not both. A licence is given when an enabled user is created
// or a user is enabled again, taken away when the user is disabled, and
// swapped when the global role changes. Users made before licences were
// configured are not revisited: give them theirs once by hand or by
// disabling and enabling them.
type Licences struct {
	// Student and Employee are skuIds (GUIDs, from GET /subscribedSkus),
	// assigned directly.
	Student  string `yaml:"student,omitempty" json:"student,omitempty"`
	Employee string `yaml:"employee,omitempty" json:"employee,omitempty"`
	// StudentGroup and EmployeeGroup are object ids of licensing groups.
	StudentGroup  string `yaml:"studentGroup,omitempty" json:"studentGroup,omitempty"`
	EmployeeGroup string `yaml:"employeeGroup,omitempty" json:"employeeGroup,omitempty"`
}

// forRole returns the skuId and licensing group of a global role.
func (l Licences) forRole(role string) (sku, group string) {
	switch role {
	case attr.RoleStudent:
		return l.Student, l.StudentGroup
	case attr.RoleEmployee:
		return l.Employee, l.EmployeeGroup
	}
	return "", ""
}

// check reports configuration problems through bad.
func (l Licences) check(usageLocation string, bad func(string, ...any)) {
	for _, x := range []struct{ name, v string }{{"student", l.Student}, {"employee", l.Employee},
		{"studentGroup", l.StudentGroup}, {"employeeGroup", l.EmployeeGroup}} {
		if x.v != "" && !guidRe.MatchString(x.v) {
			bad("licences.%s %q: want a GUID", x.name, x.v)
		}
	}
	if l.Student != "" && l.StudentGroup != "" || l.Employee != "" && l.EmployeeGroup != "" {
		bad("licences: a role has both a direct skuId and a licensing group; choose one")
	}
	if (l.Student != "" || l.Employee != "") && usageLocation == "" {
		bad("licences: direct assignment needs usageLocation (e.g. DK)")
	}
}

// userRole returns a user's global role from a change's objects or the
// stored extensions.
func userRole(ch diff.Change, e *entry) string {
	for _, o := range []*diff.Object{ch.After, ch.Before} {
		if o != nil {
			if r, ok := o.Attrs.Lookup(diff.AttrGlobalRole); ok {
				return r
			}
		}
	}
	if e != nil {
		return e.ext[diff.AttrGlobalRole]
	}
	return ""
}

// licence gives (give true) or takes away the licence of role from the
// user with object id userID. Giving a licence held, or taking one not
// held, is done.
func (c *Client) licence(ctx context.Context, key, userID, role string, give bool) error {
	sku, group := c.cfg.Licences.forRole(role)
	verb := "remove"
	if give {
		verb = "assign"
	}
	op := fmt.Sprintf("%s licence %s", verb, key)
	switch {
	case sku != "":
		body := map[string]any{"addLicenses": []any{}, "removeLicenses": []any{}}
		if give {
			body["addLicenses"] = []any{map[string]any{"skuId": sku, "disabledPlans": []any{}}}
		} else {
			body["removeLicenses"] = []any{sku}
		}
		_, err := c.send(ctx, request{op: op, lag: true,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				ri, err := c.gs.Users().ByUserId(userID).AssignLicense().ToPostRequestInformation(ctx, users.NewItemAssignLicensePostRequestBody(), nil)
				return withJSON(ri, err, body)
			}})
		return err
	case group != "" && give:
		return c.addMember(ctx, op, group, userID)
	case group != "":
		_, err := c.send(ctx, request{op: op,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				return c.gs.Groups().ByGroupId(group).Members().ByDirectoryObjectId(userID).Ref().ToDeleteRequestInformation(ctx, nil)
			},
			accept: func(e *GraphError) bool { return e.Status == http.StatusNotFound }})
		return err
	}
	return nil
}

// roleSwap moves an enabled user's licence when its global role changes.
func (c *Client) roleSwap(ctx context.Context, ch diff.Change, e *entry) error {
	if ch.Kind != diff.User || (ch.After != nil && ch.After.Disabled) {
		return nil
	}
	for _, a := range ch.Attrs {
		if a.Name != diff.AttrGlobalRole || a.Before == a.After {
			continue
		}
		if err := c.licence(ctx, ch.Key, e.id, a.Before, false); err != nil {
			return err
		}
		return c.licence(ctx, ch.Key, e.id, a.After, true)
	}
	return nil
}

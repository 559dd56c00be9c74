package google

import (
	"context"
	"strings"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/orgmodel/migrate"
)

// Accounts returns every user of the domain for the migration report
// (migrate.Compare): id, the local part of the primary email as username,
// the full name, CPR and UNI-ID from orgsync's custom schema (users made by
// hand have none: they are matched by username), whether orgsync manages
// the user and whether its org unit is under Config.Root. It reads and
// writes nothing else.
func (c *Client) Accounts(ctx context.Context) ([]migrate.Account, error) {
	var out []migrate.Account
	err := c.dir.Users.List().Customer(c.cfg.Customer).Projection("full").MaxResults(500).Pages(ctx, func(p *admin.Users) error {
		for _, u := range p.Users {
			a := migrate.Account{ID: u.Id, Username: localPart(u.PrimaryEmail), InBase: c.underRoot(u.OrgUnitPath)}
			if u.Name != nil {
				a.Name = strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
			}
			if _, _, _, attrs, ok := c.readUserSchema(u); ok {
				a.Managed = true
				a.CPR = attrs.Get(attr.CPR)
				a.UNIID = attrs.Get(attr.UNIID)
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("read accounts", "", err)
	}
	return out, nil
}

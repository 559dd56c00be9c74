package entra

import (
	"context"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/orgmodel/migrate"
)

// Accounts returns every user of the tenant for the migration report
// (migrate.Compare): id, the userPrincipalName's local part (in
// Config.Domain; else the whole name) as username, displayName, the
// UNI-ID from Config.UniIDProperty (when it carries the UNI-ID), the CPR
// from the extension (with WriteCPR), and whether orgsync manages the user
// (mark and key; for a user synced from on-premises the key alone). Entra
// ID has no OUs: every account is in scope (InBase). It writes nothing.
func (c *Client) Accounts(ctx context.Context) ([]migrate.Account, error) {
	q := &users.UsersRequestBuilderGetQueryParameters{Select: c.userSelect(), Top: ptr(int32(c.cfg.PageSize))}
	var out []migrate.Account
	_, err := c.getPages(ctx, "list accounts",
		func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.gs.Users().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, url string) (*abs.RequestInformation, error) {
			return c.gs.Users().WithUrl(url).ToGetRequestInformation(ctx, nil)
		},
		func(m map[string]any) {
			ext := c.extRead(m)
			upn := asString(m["userPrincipalName"])
			if local, dom, ok := strings.Cut(upn, "@"); ok && strings.EqualFold(dom, c.cfg.Domain) {
				upn = local
			}
			a := migrate.Account{ID: asString(m["id"]), Username: upn, Name: asString(m["displayName"]), InBase: true,
				Managed: ext[keyExt] != "" && (asString(m["companyName"]) == c.cfg.Mark || onPremSynced(m))}
			if c.cfg.UniIDSource == attr.UNIID {
				a.UNIID = asString(m[c.cfg.UniIDProperty])
			}
			if c.cfg.WriteCPR {
				a.CPR = ext[attr.CPR]
			}
			out = append(out, a)
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

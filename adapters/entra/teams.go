package entra

import (
	"context"
	"slices"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/teams"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// teamOwners returns the owners of a team group: Config.TeamOwners and
// the owners of its institution.
func (c *Client) teamOwners(o *diff.Object) []string {
	inst := o.Attrs.Get(attr.Institution)
	if inst == "" {
		inst = o.Institution
	}
	owners := slices.Clone(c.cfg.TeamOwners)
	for _, id := range c.cfg.InstitutionTeamOwners[inst] {
		if !slices.Contains(owners, id) {
			owners = append(owners, id)
		}
	}
	return owners
}

// archiveTeam archives (or unarchives) the team of a group. Graph runs
// both asynchronously and answers 202; archiving an archived team, or
// unarchiving an active one, is accepted as well.
func (c *Client) archiveTeam(ctx context.Context, key, id string, archive bool) error {
	op := "archive team " + key
	if !archive {
		op = "unarchive team " + key
	}
	_, err := c.send(ctx, request{op: op, lag: true,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			if archive {
				ri, err := c.gs.Teams().ByTeamId(id).Archive().ToPostRequestInformation(ctx, teams.NewItemArchivePostRequestBody(), nil)
				return withJSON(ri, err, map[string]any{"shouldSetSpoSiteReadOnlyForMembers": true})
			}
			return c.gs.Teams().ByTeamId(id).Unarchive().ToPostRequestInformation(ctx, nil)
		}})
	return err
}

// teamTemplate returns "educationClass" for a group whose catalogue kind
// is in Config.ClassTemplateKinds, else "" (the standard template).
func (c *Client) teamTemplate(key string) string {
	e, ok := c.entry(key)
	if !ok || !slices.Contains(c.cfg.ClassTemplateKinds, e.ext[attr.CatalogueKind]) {
		return ""
	}
	return "educationClass"
}

// templateTeamRequest is POST /teams making a team from group id with a
// template (Graph answers 202 and finishes asynchronously).
func (c *Client) templateTeamRequest(ctx context.Context, id, tpl string) (*abs.RequestInformation, error) {
	ri, err := c.gs.Teams().ToPostRequestInformation(ctx, models.NewTeam(), nil)
	return withJSON(ri, err, map[string]any{
		"template@odata.bind": "https://graph.microsoft.com/v1.0/teamsTemplates('" + tpl + "')",
		"group@odata.bind":    "https://graph.microsoft.com/v1.0/groups('" + id + "')",
	})
}

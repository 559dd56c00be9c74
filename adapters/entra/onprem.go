package entra

import (
	"slices"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// Coexistence with Entra Connect and Cloud Sync.
//
// A user with onPremisesSyncEnabled true is synchronised from an
// on-premises AD: the AD is its source of authority and Graph refuses to
// change the properties the sync owns (400 "Unable to update the
// specified properties for on-premises mastered Directory Sync objects
// ..."), and deleting it in the cloud. orgsync recognises such users in
// Read and never writes those properties: Prepare leaves the attributes
// they carry (username, names, display name, email, title, the UNI-ID
// property) out of the desired state and Read reports synced users as
// enabled (accountEnabled is the sync's), so nothing is planned for them; Apply drops them from any write as a second line;
// adoption writes only the key extension (companyName, the usual mark, is
// owned by the sync: a synced user is managed when it has the key
// extension); a Delete is refused with diff.ErrConstraint. What orgsync
// still does for a synced user: its own extension properties, group and
// Team membership, administrative units.

// syncOwnedProps are the Graph user properties the sync owns, of those
// the adapter writes.
var syncOwnedProps = []string{"accountEnabled", "displayName", "givenName", "surname", "mailNickname",
	"userPrincipalName", "mail", "companyName", "jobTitle", "employeeId", "department", "showInAddressList"}

func onPremSynced(m map[string]any) bool {
	b, ok := asBool(m["onPremisesSyncEnabled"])
	return ok && b
}

// isSyncedID reports whether the user id was read as synced.
func (c *Client) isSyncedID(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.syncedIDs[id]
}

// syncOwnedAttrs are the neutral attributes kept in sync-owned
// properties.
func (c *Client) syncOwnedAttrs() []string {
	return []string{attr.Username, attr.GivenName, attr.FamilyName, attr.DisplayName, attr.Email, attr.Title, c.cfg.UniIDSource}
}

// dropSyncOwned removes the sync-owned properties from the write body of
// a synced user, logging each.
func (c *Client) dropSyncOwned(key string, e *entry, body map[string]any) {
	if !e.synced {
		return
	}
	for _, p := range syncOwnedProps {
		if _, ok := body[p]; ok {
			delete(body, p)
			c.log.Info("entra: not written: the user is synchronised from on-premises AD", "key", key, "property", p)
		}
	}
}

// prepareSynced takes out of a desired user what the sync owns when the
// user is managed and synced: those attributes and the enabled state.
func (c *Client) prepareSynced(o *diff.Object) {
	if o.Kind != diff.User {
		return
	}
	e, ok := c.entry(o.Key)
	if !ok || !e.synced {
		return
	}
	owned := c.syncOwnedAttrs()
	o.Attrs = slices.DeleteFunc(o.Attrs, func(a diff.Attr) bool { return slices.Contains(owned, a.Name) })
	o.Disabled = false // Read reports synced users enabled: AD decides
}

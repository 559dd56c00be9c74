package graphfake

import (
	"net/http"
	"slices"
)

// Objects synchronised from an on-premises AD by Entra Connect or Cloud
// Sync (onPremisesSyncEnabled true; seed them with Seed). Their source of
// authority is the on-premises directory: Graph refuses to change the
// properties the sync owns, answering 400 Request_BadRequest "Unable to
// update the specified properties for on-premises mastered Directory Sync
// objects or objects currently undergoing migration." (the error Graph
// returns, quoted e.g. in timmcmic.blog, "Office 365 – Graph, DirSync, and
// attribute modifications", 2023), and deleting such an object in the
// cloud fails the same way: it is deleted in AD and the deletion syncs.
// What stays writable in the cloud is what the on-premises directory does
// not hold: the application's own directory extension properties,
// usageLocation and licences, and the membership of cloud groups (Microsoft
// Learn, "Manage users with directory synchronization": licences and other
// cloud-only settings are managed in the cloud).

// syncOwned are the user properties the sync owns (of those the fake
// accepts on writes).
var syncOwned = set("accountEnabled", "displayName", "givenName", "surname", "mailNickname",
	"userPrincipalName", "mail", "companyName", "employeeId", "department", "jobTitle",
	"passwordProfile", "showInAddressList", "officeLocation", "preferredLanguage", "employeeType",
	"onPremisesImmutableId", "city", "country")

const syncedMessage = "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration."

func synced(o *object) bool {
	b, _ := o.props["onPremisesSyncEnabled"].(bool)
	return b
}

// refuseSynced answers a PATCH (body) or DELETE (body nil) of a synced
// object the way Graph does; nil lets the request through.
func (s *Server) refuseSynced(o *object, method string, body []byte) *result {
	if !synced(o) {
		return nil
	}
	if method == http.MethodDelete {
		r := fail(http.StatusBadRequest, "Request_BadRequest", syncedMessage)
		return &r
	}
	m, err := jsonBody(body)
	if err != nil {
		return nil // patch reports it
	}
	for k := range m {
		if o.typ != "user" || syncOwned[k] {
			s.syncRefusals = append(s.syncRefusals, o.id+" "+k)
			slices.Sort(s.syncRefusals)
			r := fail(http.StatusBadRequest, "Request_BadRequest", syncedMessage)
			return &r
		}
	}
	return nil
}

// SyncRefusals lists the writes to synced objects the fake refused, as
// "<object id> <property>", sorted.
func (s *Server) SyncRefusals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.syncRefusals)
}

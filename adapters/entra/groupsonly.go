package entra

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orgsync/orgsync/diff"
)

// MatchBy values: how groups-only mode finds a person's existing account.
const (
	// MatchUPN matches the desired username against the local part of
	// userPrincipalName (in Config.Domain).
	MatchUPN = "upn"
	// MatchUniID matches the desired UNI-ID (Config.UniIDSource) against
	// Config.UniIDProperty (employeeId or department).
	MatchUniID = "uniId"
)

// groupsOnly is the state of groups-only mode (Config.GroupsOnly): the
// accounts of the tenant as last read, and the desired users bound to
// them by the last Prepare. Guarded by Client.mu.
type groupsOnly struct {
	byUPN, byUniID map[string]string // lower-case username or UNI-ID -> object id
	read           bool              // a Read has filled the index
	// mirror holds, per bound desired key, the prepared desired user
	// and its account's id: Read reports it as it is desired, so that no
	// user change is ever planned.
	mirror map[string]diff.Object
}

// indexAccounts records the tenant's accounts (Read, groups-only mode).
// Caller holds c.mu.
func (c *Client) indexAccounts(users map[string]map[string]any) {
	g := &c.gonly
	g.byUPN, g.byUniID, g.read = map[string]string{}, map[string]string{}, true
	for id, m := range users {
		upn := asString(m["userPrincipalName"])
		if local, dom, ok := strings.Cut(upn, "@"); ok && strings.EqualFold(dom, c.cfg.Domain) {
			g.byUPN[strings.ToLower(local)] = id
		}
		if u := asString(m[c.cfg.UniIDProperty]); u != "" {
			g.byUniID[strings.ToLower(u)] = id
		}
	}
}

// prepareGroupsOnly binds the desired users to existing accounts and
// drops the ones without an account (and their memberships): orgsync
// creates, changes and disables no users in groups-only mode. Before the
// first Read nothing is bound and every user is dropped.
func (c *Client) prepareGroupsOnly(out []diff.Object) []diff.Object {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := &c.gonly
	g.mirror = map[string]diff.Object{}
	dropped := map[string]bool{}
	kept := out[:0]
	for _, o := range out {
		if o.Kind != diff.User {
			kept = append(kept, o)
			continue
		}
		var id string
		if c.cfg.MatchBy == MatchUniID {
			id = g.byUniID[strings.ToLower(o.Attrs.Get(c.cfg.UniIDSource))]
		} else {
			id = g.byUPN[strings.ToLower(o.Attrs.Get(diff.AttrUsername))]
		}
		if id == "" || o.Attrs.Get(diff.AttrUsername) == "" && c.cfg.MatchBy != MatchUniID {
			dropped[o.Key] = true
			continue
		}
		o.Parent = "" // accounts are not placed in administrative units
		o.Disabled = false
		o.ID = id
		g.mirror[o.Key] = o
		kept = append(kept, o)
	}
	if len(dropped) > 0 {
		c.log.Warn("entra: groups-only mode: desired users without an existing account are left out",
			"count", len(dropped), "matchBy", c.cfg.MatchBy, "indexed", g.read)
	}
	for i := range kept {
		if kept[i].Kind == diff.Group && len(kept[i].Members) > 0 {
			kept[i].Members = slices.DeleteFunc(kept[i].Members, func(k string) bool { return dropped[k] })
		}
	}
	return kept
}

// mirroredUsers returns the bound users as Read reports them, and records
// their entries. Caller holds c.mu.
func (c *Client) mirroredUsers(users map[string]map[string]any, objs map[string]*entry, idKey map[string]string) []diff.Object {
	var out []diff.Object
	for _, key := range slices.Sorted(mapKeys(c.gonly.mirror)) {
		o := c.gonly.mirror[key]
		if _, ok := users[o.ID]; !ok {
			continue // the account is gone
		}
		o.Managed = true
		idKey[o.ID] = key
		objs[key] = &entry{kind: diff.User, id: o.ID}
		out = append(out, o.Clone())
	}
	return out
}

// refuseUserChange is the groups-only guard of Apply.
func (c *Client) refuseUserChange(ch diff.Change) error {
	if c.cfg.GroupsOnly && ch.Kind == diff.User && ch.Action != diff.NoOp {
		return fmt.Errorf("entra: %s user %s: %w: groups-only mode changes no users", ch.Action, ch.Key, diff.ErrConstraint)
	}
	return nil
}

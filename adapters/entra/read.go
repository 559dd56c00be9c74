package entra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// instKeyRe matches the container keys that become administrative units.
var instKeyRe = regexp.MustCompile(`^ou/inst/[^/]+$`)

// snapshot is the raw state of a tenant as read: objects by id.
type snapshot struct {
	users   map[string]map[string]any
	groups  map[string]map[string]any
	members map[string]map[string]bool // group id -> member ids
	aus     map[string]map[string]any
	auMem   map[string]map[string]bool // AU id -> member ids
}

func newSnapshot() *snapshot {
	return &snapshot{
		users: map[string]map[string]any{}, groups: map[string]map[string]any{},
		members: map[string]map[string]bool{}, aus: map[string]map[string]any{},
		auMem: map[string]map[string]bool{},
	}
}

// deltaState is what an incremental read continues from.
type deltaState struct {
	snap                *snapshot
	userLink, groupLink string
}

func (c *Client) userSelect() []string {
	sel := []string{"id", "accountEnabled", "displayName", "givenName", "surname", "mailNickname",
		"userPrincipalName", "mail", "companyName", "jobTitle", c.cfg.UniIDProperty, "onPremisesSyncEnabled"}
	if c.cfg.HideStudents {
		sel = append(sel, "showInAddressList")
	}
	return append(sel, c.extSelect()...)
}

func (c *Client) groupSelect() []string {
	return append([]string{"id", "displayName", "mailNickname", "groupTypes", "resourceProvisioningOptions"}, c.extSelect()...)
}

func (c *Client) auSelect() []string {
	return append([]string{"id", "displayName"}, c.extSelect()...)
}

// Read returns the tenant's managed users, groups (with members) and
// administrative units (as containers), plus, with Config.Adopt, unmarked
// users as adoption candidates. With Config.Delta the second and later
// reads are incremental (delta queries); an expired delta link
// (syncStateNotFound) falls back to a full read. A group or unit the list
// shows but whose members a read by id still misses (404 while a new
// object replicates) is waited for, up to Config.LagRetries times.
func (c *Client) Read(ctx context.Context) ([]diff.Object, error) {
	snap, err := c.readSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	return c.assemble(snap), nil
}

func (c *Client) readSnapshot(ctx context.Context) (*snapshot, error) {
	if !c.cfg.Delta {
		snap := newSnapshot()
		if err := c.fullUsers(ctx, snap); err != nil {
			return nil, err
		}
		if err := c.fullGroups(ctx, snap); err != nil {
			return nil, err
		}
		if err := c.readAUs(ctx, snap); err != nil {
			return nil, err
		}
		return snap, nil
	}
	c.mu.Lock()
	ds := c.delta
	c.delta = nil // a failed read starts over
	c.mu.Unlock()
	if ds != nil {
		err := c.deltaRound(ctx, ds)
		if isSyncStateNotFound(err) {
			c.log.Info("entra: delta link expired; reading everything", "err", err)
			ds = nil
		} else if err != nil {
			return nil, err
		}
	}
	if ds == nil {
		ds = &deltaState{snap: newSnapshot()}
		if err := c.deltaRound(ctx, ds); err != nil {
			return nil, err
		}
	}
	ds.snap.aus, ds.snap.auMem = map[string]map[string]any{}, map[string]map[string]bool{}
	if err := c.readAUs(ctx, ds.snap); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.delta = ds
	c.mu.Unlock()
	return ds.snap, nil
}

func isSyncStateNotFound(err error) bool {
	var ge *GraphError
	if !errors.As(err, &ge) {
		return false
	}
	return ge.Status == http.StatusGone || strings.EqualFold(ge.Code, "syncStateNotFound") || strings.EqualFold(ge.Code, "resyncRequired")
}

// getPages reads a paged collection, calling fn for every item, and
// returns the delta link of the last page, if any.
func (c *Client) getPages(ctx context.Context, op string, first func(context.Context) (*abs.RequestInformation, error),
	next func(ctx context.Context, url string) (*abs.RequestInformation, error), fn func(map[string]any)) (string, error) {
	build := first
	for {
		r, err := c.send(ctx, request{op: op, build: build, direct: true})
		if err != nil {
			return "", err
		}
		var page struct {
			Value     []map[string]any `json:"value"`
			NextLink  string           `json:"@odata.nextLink"`
			DeltaLink string           `json:"@odata.deltaLink"`
		}
		if err := remarshal(r.body, &page); err != nil {
			return "", fmt.Errorf("entra: %s: decode page: %w", op, err)
		}
		for _, it := range page.Value {
			fn(it)
		}
		if page.NextLink == "" {
			return page.DeltaLink, nil
		}
		link := page.NextLink
		build = func(ctx context.Context) (*abs.RequestInformation, error) { return next(ctx, link) }
	}
}

func remarshal(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func ptr[T any](v T) *T { return &v }

// fullUsers lists the managed users (all users with Config.Adopt). A
// filter on companyName is an advanced query in Graph: it is refused
// (400 Request_UnsupportedQuery) unless the request carries
// ConsistencyLevel: eventual and $count=true, on every page.
func (c *Client) fullUsers(ctx context.Context, snap *snapshot) error {
	q := &users.UsersRequestBuilderGetQueryParameters{Select: c.userSelect(), Top: ptr(int32(c.cfg.PageSize))}
	advanced := !c.cfg.Adopt && !c.cfg.GroupsOnly
	if advanced {
		q.Filter = ptr("companyName eq '" + strings.ReplaceAll(c.cfg.Mark, "'", "''") + "'")
		q.Count = ptr(true)
	}
	eventual := func(ri *abs.RequestInformation, err error) (*abs.RequestInformation, error) {
		if err == nil && advanced {
			ri.Headers.TryAdd("ConsistencyLevel", "eventual")
		}
		return ri, err
	}
	_, err := c.getPages(ctx, "list users",
		func(ctx context.Context) (*abs.RequestInformation, error) {
			return eventual(c.gs.Users().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{QueryParameters: q}))
		},
		func(ctx context.Context, url string) (*abs.RequestInformation, error) {
			return eventual(c.gs.Users().WithUrl(url).ToGetRequestInformation(ctx, nil))
		},
		func(m map[string]any) { snap.users[asString(m["id"])] = m })
	return err
}

func (c *Client) fullGroups(ctx context.Context, snap *snapshot) error {
	q := &groups.GroupsRequestBuilderGetQueryParameters{Select: c.groupSelect(), Top: ptr(int32(c.cfg.PageSize))}
	_, err := c.getPages(ctx, "list groups",
		func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.gs.Groups().ToGetRequestInformation(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, url string) (*abs.RequestInformation, error) {
			return c.gs.Groups().WithUrl(url).ToGetRequestInformation(ctx, nil)
		},
		func(m map[string]any) {
			if c.extRead(m)[keyExt] != "" { // only our groups; their members are read below
				snap.groups[asString(m["id"])] = m
			}
		})
	if err != nil {
		return err
	}
	ids := slices.Sorted(mapKeys(snap.groups))
	return c.readMembers(ctx, "group", ids, snap.members)
}

// readMembers reads the member ids of groups or administrative units,
// batching the first page of each and following further pages alone.
func (c *Client) readMembers(ctx context.Context, typ string, ids []string, into map[string]map[string]bool) error {
	type res struct {
		id  string
		err error
		set map[string]bool
	}
	out := make(chan res, len(ids))
	sem := make(chan struct{}, 20*c.cfg.Concurrency) // enough to fill the batches in flight
	for _, id := range ids {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			set := map[string]bool{}
			op := "list members of " + typ + " " + id
			first := func(ctx context.Context) (*abs.RequestInformation, error) {
				if typ == "group" {
					return c.gs.Groups().ByGroupId(id).Members().ToGetRequestInformation(ctx, &groups.ItemMembersRequestBuilderGetRequestConfiguration{
						QueryParameters: &groups.ItemMembersRequestBuilderGetQueryParameters{Select: []string{"id"}, Top: ptr(int32(c.cfg.PageSize))}})
				}
				return c.gs.Directory().AdministrativeUnits().ByAdministrativeUnitId(id).Members().ToGetRequestInformation(ctx, &directory.AdministrativeUnitsItemMembersRequestBuilderGetRequestConfiguration{
					QueryParameters: &directory.AdministrativeUnitsItemMembersRequestBuilderGetQueryParameters{Select: []string{"id"}, Top: ptr(int32(c.cfg.PageSize))}})
			}
			// the list may show a group or unit that a read by id still
			// misses (replication lag): wait for it, as for a write
			r, err := c.send(ctx, request{op: op, build: first, lag: true})
			for err == nil {
				var page struct {
					Value    []map[string]any `json:"value"`
					NextLink string           `json:"@odata.nextLink"`
				}
				if err = remarshal(r.body, &page); err != nil {
					break
				}
				for _, m := range page.Value {
					set[asString(m["id"])] = true
				}
				if page.NextLink == "" {
					break
				}
				link := page.NextLink
				r, err = c.send(ctx, request{op: op, direct: true, build: func(ctx context.Context) (*abs.RequestInformation, error) {
					return c.gs.Groups().ByGroupId(id).Members().WithUrl(link).ToGetRequestInformation(ctx, nil)
				}})
			}
			out <- res{id, err, set}
		}()
	}
	var errs []error
	for range ids {
		r := <-out
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		into[r.id] = r.set
	}
	return errors.Join(errs...)
}

func (c *Client) readAUs(ctx context.Context, snap *snapshot) error {
	if !c.cfg.AdministrativeUnits {
		return nil
	}
	q := &directory.AdministrativeUnitsRequestBuilderGetQueryParameters{Select: c.auSelect(), Top: ptr(int32(c.cfg.PageSize))}
	_, err := c.getPages(ctx, "list administrative units",
		func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.gs.Directory().AdministrativeUnits().ToGetRequestInformation(ctx, &directory.AdministrativeUnitsRequestBuilderGetRequestConfiguration{QueryParameters: q})
		},
		func(ctx context.Context, url string) (*abs.RequestInformation, error) {
			return c.gs.Directory().AdministrativeUnits().WithUrl(url).ToGetRequestInformation(ctx, nil)
		},
		func(m map[string]any) {
			if c.extRead(m)[keyExt] != "" {
				snap.aus[asString(m["id"])] = m
			}
		})
	if err != nil {
		return err
	}
	return c.readMembers(ctx, "administrativeUnit", slices.Sorted(mapKeys(snap.aus)), snap.auMem)
}

// deltaRound runs one delta round for users and groups from the stored
// links (or from scratch) and merges the changes into ds.snap.
func (c *Client) deltaRound(ctx context.Context, ds *deltaState) error {
	userFirst := func(ctx context.Context) (*abs.RequestInformation, error) {
		if ds.userLink != "" {
			return c.gs.Users().Delta().WithUrl(ds.userLink).ToGetRequestInformation(ctx, nil)
		}
		return c.gs.Users().Delta().ToGetRequestInformation(ctx, &users.DeltaRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.DeltaRequestBuilderGetQueryParameters{Select: c.userSelect()}})
	}
	link, err := c.getPages(ctx, "users delta", userFirst,
		func(ctx context.Context, url string) (*abs.RequestInformation, error) {
			return c.gs.Users().Delta().WithUrl(url).ToGetRequestInformation(ctx, nil)
		},
		func(m map[string]any) { mergeDelta(ds.snap.users, m, nil) })
	if err != nil {
		return err
	}
	ds.userLink = link
	groupFirst := func(ctx context.Context) (*abs.RequestInformation, error) {
		if ds.groupLink != "" {
			return c.gs.Groups().Delta().WithUrl(ds.groupLink).ToGetRequestInformation(ctx, nil)
		}
		return c.gs.Groups().Delta().ToGetRequestInformation(ctx, &groups.DeltaRequestBuilderGetRequestConfiguration{
			QueryParameters: &groups.DeltaRequestBuilderGetQueryParameters{Select: append(c.groupSelect(), "members")}})
	}
	link, err = c.getPages(ctx, "groups delta", groupFirst,
		func(ctx context.Context, url string) (*abs.RequestInformation, error) {
			return c.gs.Groups().Delta().WithUrl(url).ToGetRequestInformation(ctx, nil)
		},
		func(m map[string]any) { mergeDelta(ds.snap.groups, m, ds.snap.members) })
	if err != nil {
		return err
	}
	ds.groupLink = link
	return nil
}

// mergeDelta applies one delta item: @removed deletes, other properties
// replace (null clears), members@delta adds and removes members.
func mergeDelta(into map[string]map[string]any, m map[string]any, members map[string]map[string]bool) {
	id := asString(m["id"])
	if _, removed := m["@removed"]; removed {
		delete(into, id)
		if members != nil {
			delete(members, id)
		}
		return
	}
	cur := into[id]
	if cur == nil {
		cur = map[string]any{}
		into[id] = cur
	}
	for k, v := range m {
		switch {
		case k == "members@delta":
			if members == nil {
				continue
			}
			set := members[id]
			if set == nil {
				set = map[string]bool{}
				members[id] = set
			}
			list, _ := v.([]any)
			for _, e := range list {
				em, _ := e.(map[string]any)
				mid := asString(em["id"])
				if _, gone := em["@removed"]; gone {
					delete(set, mid)
				} else {
					set[mid] = true
				}
			}
		case strings.HasPrefix(k, "@"):
		case v == nil:
			delete(cur, k)
		default:
			cur[k] = v
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// assemble turns a snapshot into objects and refreshes the Key -> ID map.
func (c *Client) assemble(s *snapshot) []diff.Object {
	objs := map[string]*entry{}
	syncedIDs := map[string]bool{}
	idKey := map[string]string{}
	var out []diff.Object
	// administrative units first: their keys are the parents of the rest
	auKey := map[string]string{}
	for _, id := range slices.Sorted(mapKeys(s.aus)) {
		m := s.aus[id]
		ext := c.extRead(m)
		key := ext[keyExt]
		if key == "" {
			continue
		}
		auKey[id] = key
		idKey[id] = key
		objs[key] = &entry{kind: diff.Container, id: id, ext: ext}
		o := diff.Object{Kind: diff.Container, Key: key, Name: asString(m["displayName"]), Managed: true, ID: id,
			Institution: strings.TrimPrefix(key, "ou/inst/"), Attrs: c.extAttrs(ext)}
		out = append(out, o)
	}
	parentOf := map[string]string{}
	for _, au := range slices.Sorted(mapKeys(s.auMem)) {
		if k, ok := auKey[au]; ok {
			for id := range s.auMem[au] {
				if prev, dup := parentOf[id]; !dup || k < prev {
					parentOf[id] = k
				}
			}
		}
	}
	if c.cfg.GroupsOnly {
		c.mu.Lock()
		c.indexAccounts(s.users)
		out = append(out, c.mirroredUsers(s.users, objs, idKey)...)
		c.mu.Unlock()
	}
	for _, id := range slices.Sorted(mapKeys(s.users)) {
		if c.cfg.GroupsOnly {
			break
		}
		m := s.users[id]
		ext := c.extRead(m)
		synced := onPremSynced(m)
		if synced {
			syncedIDs[id] = true
		}
		// A synced user cannot carry the companyName mark (the sync owns
		// it): its key extension marks it.
		managed := ext[keyExt] != "" && (asString(m["companyName"]) == c.cfg.Mark || synced)
		if !managed && !c.cfg.Adopt {
			continue
		}
		o := c.userObject(m, ext)
		if synced {
			o.Disabled = false // the sync owns accountEnabled: never planned here
		}
		o.ID = id
		if managed {
			o.Key, o.Managed = ext[keyExt], true
			o.Parent = parentOf[id]
			o.Institution = strings.TrimPrefix(o.Parent, "ou/inst/")
			idKey[id] = o.Key
			objs[o.Key] = &entry{kind: diff.User, id: id, parent: o.Parent, ext: ext, synced: synced}
		}
		out = append(out, o)
	}
	pending := map[string]bool{}
	var groupObjs []int
	for _, id := range slices.Sorted(mapKeys(s.groups)) {
		m := s.groups[id]
		ext := c.extRead(m)
		key := ext[keyExt]
		if key == "" {
			continue
		}
		rpo, _ := m["resourceProvisioningOptions"].([]any)
		team := slices.ContainsFunc(rpo, func(v any) bool { return asString(v) == "Team" })
		o := diff.Object{Kind: diff.Group, Key: key, Name: asString(m["displayName"]), Managed: true, ID: id,
			Parent: parentOf[id], Attrs: c.extAttrs(ext)}
		o.Institution = o.Attrs.Get(attr.Institution)
		if o.Institution == "" {
			o.Institution = strings.TrimPrefix(o.Parent, "ou/inst/")
		}
		idKey[id] = key
		objs[key] = &entry{kind: diff.Group, id: id, parent: o.Parent, ext: ext, team: team}
		if c.isTeamKind(o.Attrs.Get(attr.CatalogueKind)) && !team && o.Attrs.Get(diff.AttrDisabledDate) == "" {
			pending[key] = true
		}
		groupObjs = append(groupObjs, len(out))
		out = append(out, o)
	}
	for _, i := range groupObjs {
		o := &out[i]
		for mid := range s.members[o.ID] {
			if k, ok := idKey[mid]; ok {
				o.Members = append(o.Members, k)
			}
		}
		slices.Sort(o.Members)
		objs[o.Key].members = set(o.Members)
	}
	c.mu.Lock()
	c.objs = objs
	c.syncedIDs = syncedIDs
	c.pending = pending
	c.mu.Unlock()
	return out
}

// extAttrs returns the neutral attributes held in extensions.
func (c *Client) extAttrs(ext map[string]string) diff.Attrs {
	var attrs diff.Attrs
	for _, a := range c.cfg.ExtensionAttrs {
		if v := ext[a]; v != "" {
			attrs.Set(a, v)
		}
	}
	if c.cfg.WriteCPR && ext[attr.CPR] != "" {
		attrs.Set(attr.CPR, ext[attr.CPR])
	}
	return attrs
}

// userObject maps a user's Graph properties to a diff.Object (without
// Key, ID and Parent).
func (c *Client) userObject(m map[string]any, ext map[string]string) diff.Object {
	attrs := c.extAttrs(ext)
	set := func(name, v string) {
		if v != "" {
			attrs.Set(name, v)
		}
	}
	upn := asString(m["userPrincipalName"])
	if local, dom, ok := strings.Cut(upn, "@"); ok && strings.EqualFold(dom, c.cfg.Domain) {
		upn = local
	}
	set(diff.AttrUsername, upn)
	set(attr.GivenName, asString(m["givenName"]))
	set(attr.FamilyName, asString(m["surname"]))
	set(attr.DisplayName, asString(m["displayName"]))
	set(attr.Email, asString(m["mail"]))
	set(attr.Title, asString(m["jobTitle"]))
	set(c.cfg.UniIDSource, asString(m[c.cfg.UniIDProperty]))
	name := ext[nameExt]
	if name == "" {
		name = asString(m["displayName"])
	}
	enabled, known := asBool(m["accountEnabled"])
	return diff.Object{Kind: diff.User, Name: name, Attrs: attrs, Disabled: known && !enabled}
}

func (c *Client) isTeamKind(kind string) bool {
	return kind != "" && slices.Contains(c.cfg.TeamKinds, kind)
}

package entra

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// withJSON replaces a request's content with body encoded by
// encoding/json: explicit nulls clear properties, and extension
// properties travel as they are.
func withJSON(ri *abs.RequestInformation, err error, body any) (*abs.RequestInformation, error) {
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	ri.Content = b
	ri.Headers.TryAdd("Content-Type", "application/json")
	return ri, nil
}

// Apply carries out one change. It is safe to call concurrently; the
// writes of concurrent calls are coalesced into $batch requests (see the
// package documentation). Errors wrap the diff sentinels.
func (c *Client) Apply(ctx context.Context, ch diff.Change) error {
	if err := c.refuseUserChange(ch); err != nil {
		return err
	}
	switch ch.Action {
	case diff.NoOp:
		return nil
	case diff.Create:
		if ch.After == nil {
			return fmt.Errorf("entra: create %s: %w: no After object", ch.Key, diff.ErrInvalidPlan)
		}
		switch ch.Kind {
		case diff.User:
			return c.createUser(ctx, ch.After)
		case diff.Group:
			return c.createGroup(ctx, ch.After)
		case diff.Container:
			return c.createAU(ctx, ch.After)
		}
		return fmt.Errorf("entra: create %s: %w: kind %q is not supported", ch.Key, diff.ErrConstraint, ch.Kind)
	case diff.Adopt:
		return c.adopt(ctx, ch)
	}
	if ch.Before != nil && !ch.Before.Managed && ch.Before.ID != "" {
		return fmt.Errorf("entra: %s %s: %w: object %s has no orgsync mark", ch.Action, ch.Key, diff.ErrUnmanaged, ch.Before.ID)
	}
	e, err := c.resolve(ctx, ch.Kind, ch.Key)
	if err != nil {
		return fmt.Errorf("entra: %s %s: %w", ch.Action, ch.Key, err)
	}
	switch ch.Action {
	case diff.Update:
		return c.updateAttrs(ctx, ch, e)
	case diff.Rename:
		return c.rename(ctx, ch, e)
	case diff.Move:
		if ch.After == nil {
			return fmt.Errorf("entra: move %s: %w: no After object", ch.Key, diff.ErrInvalidPlan)
		}
		return c.move(ctx, ch.Key, e, ch.After.Parent)
	case diff.Enable, diff.Disable:
		return c.setDisabled(ctx, ch, e)
	case diff.AddMember, diff.RemoveMember:
		return c.member(ctx, ch, e)
	case diff.Delete:
		return c.deleteObject(ctx, ch, e)
	}
	return fmt.Errorf("entra: %s %s: %w: unknown action", ch.Action, ch.Key, diff.ErrInvalidPlan)
}

// resolve finds the managed object of a key: from the last Read or
// Create, else by a look-up by key. An object that exists but lacks the
// management mark is ErrUnmanaged.
func (c *Client) resolve(ctx context.Context, kind diff.Kind, key string) (*entry, error) {
	if e, ok := c.entry(key); ok {
		if e.kind != kind {
			return nil, fmt.Errorf("%w: %s is a %s, not a %s", diff.ErrInvalidPlan, key, e.kind, kind)
		}
		return e, nil
	}
	m, err := c.lookupByKey(ctx, kind, key)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%w: no object with key %s", diff.ErrNotFound, key)
	}
	if kind == diff.User && asString(m["companyName"]) != c.cfg.Mark && !onPremSynced(m) {
		return nil, fmt.Errorf("%w: user %s has key %s but not the mark", diff.ErrUnmanaged, asString(m["id"]), key)
	}
	e := &entry{kind: kind, id: asString(m["id"]), ext: c.extRead(m), synced: kind == diff.User && onPremSynced(m)}
	c.setEntry(key, e)
	return e, nil
}

// lookupByKey finds an object by its key extension; nil when none.
func (c *Client) lookupByKey(ctx context.Context, kind diff.Kind, key string) (map[string]any, error) {
	filter := c.keyFilter(key)
	op := "look up " + string(kind) + " " + key
	var build func(context.Context) (*abs.RequestInformation, error)
	switch kind {
	case diff.User:
		build = func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.gs.Users().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: c.userSelect()}})
		}
	case diff.Group:
		build = func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.gs.Groups().ToGetRequestInformation(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
				QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Filter: &filter, Select: c.groupSelect()}})
		}
	case diff.Container:
		build = func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.gs.Directory().AdministrativeUnits().ToGetRequestInformation(ctx, &directory.AdministrativeUnitsRequestBuilderGetRequestConfiguration{
				QueryParameters: &directory.AdministrativeUnitsRequestBuilderGetQueryParameters{Filter: &filter, Select: c.auSelect()}})
		}
	default:
		return nil, fmt.Errorf("%w: kind %q is not supported", diff.ErrConstraint, kind)
	}
	r, err := c.send(ctx, request{op: op, build: build})
	if err != nil {
		return nil, err
	}
	vals, _ := r.body["value"].([]any)
	switch len(vals) {
	case 0:
		return nil, nil
	case 1:
		m, _ := vals[0].(map[string]any)
		return m, nil
	}
	return nil, fmt.Errorf("entra: %s: %w: %d objects carry the key", op, diff.ErrExists, len(vals))
}

// upn is a username's userPrincipalName.
func (c *Client) upn(username string) string { return username + "@" + c.cfg.Domain }

// userProps maps neutral attributes to Graph user properties; ext
// receives the extension attributes. Attributes the configuration does not
// store are dropped with a warning (Prepare removes them beforehand).
func (c *Client) userProps(key string, attrs diff.Attrs, body map[string]any, ext map[string]string, clearEmpty bool) {
	val := func(v string) any {
		if v == "" && clearEmpty {
			return nil
		}
		return v
	}
	for name, v := range attrs.All() {
		switch name {
		case diff.AttrUsername:
			if v != "" {
				body["userPrincipalName"] = c.upn(v)
				body["mailNickname"] = v
			}
		case attr.GivenName:
			body["givenName"] = val(v)
		case attr.FamilyName:
			body["surname"] = val(v)
		case attr.DisplayName:
			if v != "" {
				body["displayName"] = v
			}
		case attr.Email:
			body["mail"] = val(v)
		case attr.Title:
			body["jobTitle"] = val(v)
		case c.cfg.UniIDSource:
			body[c.cfg.UniIDProperty] = val(v)
		case attr.CPR:
			if c.cfg.WriteCPR {
				ext[attr.CPR] = v
			} else {
				c.log.Warn("entra: cpr not written: writeCPR is off", "key", key)
			}
		default:
			if slices.Contains(c.cfg.ExtensionAttrs, name) {
				ext[name] = v
			} else {
				c.log.Warn("entra: attribute has no Graph mapping; not written", "key", key, "attr", name)
			}
		}
	}
	if c.cfg.HideStudents {
		if role, ok := attrs.Lookup(diff.AttrGlobalRole); ok {
			body["showInAddressList"] = role != attr.RoleStudent
		}
	}
}

// auLink adds (or removes) an object to (from) an administrative unit.
func (c *Client) auLink(ctx context.Context, key, id, auID string, add bool) error {
	if add {
		_, err := c.send(ctx, request{op: "add " + key + " to administrative unit " + auID, lag: true,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				ref := models.NewReferenceCreate()
				ri, err := c.gs.Directory().AdministrativeUnits().ByAdministrativeUnitId(auID).Members().Ref().ToPostRequestInformation(ctx, ref, nil)
				return withJSON(ri, err, map[string]any{"@odata.id": c.objectURL(id)})
			},
			accept: func(e *GraphError) bool { return e.exists() }})
		return err
	}
	_, err := c.send(ctx, request{op: "remove " + key + " from administrative unit " + auID, lag: true,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.gs.Directory().AdministrativeUnits().ByAdministrativeUnitId(auID).Members().ByDirectoryObjectId(id).Ref().ToDeleteRequestInformation(ctx, nil)
		},
		accept: func(e *GraphError) bool { return e.Status == http.StatusNotFound }})
	return err
}

// objectURL is the @odata.id of a directory object.
func (c *Client) objectURL(id string) string {
	return strings.TrimRight(c.ad.GetBaseUrl(), "/") + "/directoryObjects/" + id
}

// patch sends a PATCH of an object.
func (c *Client) patch(ctx context.Context, op string, kind diff.Kind, id string, body map[string]any) error {
	if len(body) == 0 {
		return nil
	}
	_, err := c.send(ctx, request{op: op, lag: true, build: func(ctx context.Context) (*abs.RequestInformation, error) {
		var ri *abs.RequestInformation
		var err error
		switch kind {
		case diff.User:
			ri, err = c.gs.Users().ByUserId(id).ToPatchRequestInformation(ctx, models.NewUser(), nil)
		case diff.Group:
			ri, err = c.gs.Groups().ByGroupId(id).ToPatchRequestInformation(ctx, models.NewGroup(), nil)
		default:
			ri, err = c.gs.Directory().AdministrativeUnits().ByAdministrativeUnitId(id).ToPatchRequestInformation(ctx, models.NewAdministrativeUnit(), nil)
		}
		return withJSON(ri, err, body)
	}})
	return err
}

func (c *Client) adopt(ctx context.Context, ch diff.Change) error {
	if ch.Before == nil || ch.Before.ID == "" || ch.After == nil {
		return fmt.Errorf("entra: adopt %s: %w: Before.ID and After are required", ch.Key, diff.ErrInvalidPlan)
	}
	if ch.Kind != diff.User {
		return fmt.Errorf("entra: adopt %s: %w: only users are adopted", ch.Key, diff.ErrConstraint)
	}
	id := ch.Before.ID
	ext := map[string]string{keyExt: ch.After.Key, nameExt: ch.After.Name}
	body := map[string]any{"companyName": c.cfg.Mark}
	synced := c.isSyncedID(id)
	if synced {
		delete(body, "companyName") // owned by the sync: the key extension marks it
	}
	c.extWrite(body, nil, ext)
	if err := c.patch(ctx, "adopt user "+ch.Key, diff.User, id, body); err != nil {
		return err
	}
	c.setEntry(ch.After.Key, &entry{kind: diff.User, id: id, ext: ext, parent: ch.Before.Parent, synced: synced})
	return nil
}

func (c *Client) updateAttrs(ctx context.Context, ch diff.Change, e *entry) error {
	body := map[string]any{}
	ext := map[string]string{}
	var attrs diff.Attrs
	for _, a := range ch.Attrs {
		attrs.Set(a.Name, a.After)
	}
	switch ch.Kind {
	case diff.User:
		if err := c.checkUser("update user", ch.Key, attrs); err != nil {
			return err
		}
		c.userProps(ch.Key, attrs, body, ext, true)
		if v, ok := attrs.Lookup(attr.DisplayName); ok && v == "" && ch.After != nil {
			body["displayName"] = ch.After.Name // displayName cannot be empty
		}
	default:
		c.groupExt(ch.Key, attrs, ext)
	}
	c.dropSyncOwned(ch.Key, e, body)
	c.extWrite(body, e.ext, ext)
	if err := c.patch(ctx, "update "+string(ch.Kind)+" "+ch.Key, ch.Kind, e.id, body); err != nil {
		return err
	}
	c.update(ch.Key, func(e *entry) { mergeExt(e, ext) })
	return c.roleSwap(ctx, ch, e)
}

func mergeExt(e *entry, ext map[string]string) {
	if e.ext == nil {
		e.ext = map[string]string{}
	}
	for k, v := range ext {
		if v == "" {
			delete(e.ext, k)
		} else {
			e.ext[k] = v
		}
	}
}

func (c *Client) rename(ctx context.Context, ch diff.Change, e *entry) error {
	if ch.After == nil || ch.After.Name == "" {
		return fmt.Errorf("entra: rename %s: %w: After.Name is required", ch.Key, diff.ErrInvalidPlan)
	}
	body := map[string]any{}
	ext := map[string]string{}
	if ch.Kind == diff.User {
		ext[nameExt] = ch.After.Name
		if !ch.After.Attrs.Has(attr.DisplayName) {
			body["displayName"] = ch.After.Name
		}
	} else {
		body["displayName"] = ch.After.Name
	}
	c.dropSyncOwned(ch.Key, e, body)
	c.extWrite(body, e.ext, ext)
	if err := c.patch(ctx, "rename "+string(ch.Kind)+" "+ch.Key, ch.Kind, e.id, body); err != nil {
		return err
	}
	c.update(ch.Key, func(e *entry) { mergeExt(e, ext) })
	return nil
}

func (c *Client) move(ctx context.Context, key string, e *entry, parent string) error {
	if e.kind == diff.Container {
		return fmt.Errorf("entra: move %s: %w: administrative units cannot be moved", key, diff.ErrConstraint)
	}
	newAU, err := c.parentAU(key, parent)
	if err != nil {
		return err
	}
	if e.parent == parent {
		return nil
	}
	if e.parent != "" {
		if old, ok := c.entry(e.parent); ok {
			if err := c.auLink(ctx, key, e.id, old.id, false); err != nil {
				return err
			}
		}
	}
	if newAU != "" {
		if err := c.auLink(ctx, key, e.id, newAU, true); err != nil {
			return err
		}
	}
	c.update(key, func(e *entry) { e.parent = parent })
	return nil
}

func (c *Client) setDisabled(ctx context.Context, ch diff.Change, e *entry) error {
	body := map[string]any{}
	date := ""
	if ch.After != nil {
		date = ch.After.Attrs.Get(diff.AttrDisabledDate)
	}
	ext := map[string]string{diff.AttrDisabledDate: date}
	if ch.Kind == diff.User && !e.synced {
		body["accountEnabled"] = ch.Action == diff.Enable
	}
	if ch.Action == diff.Enable {
		ext[diff.AttrDisabledDate] = ""
	}
	c.extWrite(body, e.ext, ext)
	if err := c.patch(ctx, ch.Action.String()+" "+string(ch.Kind)+" "+ch.Key, ch.Kind, e.id, body); err != nil {
		return err
	}
	c.update(ch.Key, func(e *entry) { mergeExt(e, ext) })
	if ch.Kind == diff.User {
		return c.licence(ctx, ch.Key, e.id, userRole(ch, e), ch.Action == diff.Enable)
	}
	if ch.Kind == diff.Group && e.team && c.cfg.ArchiveTeams {
		return c.archiveTeam(ctx, ch.Key, e.id, ch.Action == diff.Disable)
	}
	return nil
}

func (c *Client) member(ctx context.Context, ch diff.Change, g *entry) error {
	if ch.Kind != diff.Group {
		return fmt.Errorf("entra: %s %s: %w: members belong to groups", ch.Action, ch.Key, diff.ErrInvalidPlan)
	}
	m, ok := c.entry(ch.Member)
	if !ok {
		return fmt.Errorf("entra: %s %s member %s: %w: the member is not known", ch.Action, ch.Key, ch.Member, diff.ErrNotFound)
	}
	add := ch.Action == diff.AddMember
	if add && g.members[ch.Member] {
		return nil // bound when the group was created
	}
	op := fmt.Sprintf("%s %s member %s", ch.Action, ch.Key, ch.Member)
	var err error
	if add {
		err = c.addMember(ctx, op, g.id, m.id)
	} else {
		_, err = c.send(ctx, request{op: op,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				return c.gs.Groups().ByGroupId(g.id).Members().ByDirectoryObjectId(m.id).Ref().ToDeleteRequestInformation(ctx, nil)
			},
			accept: func(e *GraphError) bool { return e.Status == http.StatusNotFound }})
	}
	if err != nil {
		return err
	}
	c.update(ch.Key, func(e *entry) {
		if e.members == nil {
			e.members = map[string]bool{}
		}
		if add {
			e.members[ch.Member] = true
		} else {
			delete(e.members, ch.Member)
		}
	})
	return nil
}

func (c *Client) deleteObject(ctx context.Context, ch diff.Change, e *entry) error {
	if e.synced {
		return fmt.Errorf("entra: delete user %s: %w: it is synchronised from on-premises AD; it is deleted there", ch.Key, diff.ErrConstraint)
	}
	_, err := c.send(ctx, request{op: "delete " + string(ch.Kind) + " " + ch.Key,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			switch ch.Kind {
			case diff.User:
				return c.gs.Users().ByUserId(e.id).ToDeleteRequestInformation(ctx, nil)
			case diff.Group:
				return c.gs.Groups().ByGroupId(e.id).ToDeleteRequestInformation(ctx, nil)
			}
			return c.gs.Directory().AdministrativeUnits().ByAdministrativeUnitId(e.id).ToDeleteRequestInformation(ctx, nil)
		},
		accept: func(e *GraphError) bool { return e.Status == http.StatusNotFound }})
	if err != nil {
		return err
	}
	c.mu.Lock()
	delete(c.objs, ch.Key)
	delete(c.pending, ch.Key)
	c.mu.Unlock()
	return nil
}

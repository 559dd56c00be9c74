package entra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/naming"
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

func (c *Client) createUser(ctx context.Context, o *diff.Object) error {
	if _, ok := c.entry(o.Key); ok {
		return fmt.Errorf("entra: create user %s: %w", o.Key, diff.ErrExists)
	}
	if c.cfg.OnPremisesSync {
		return fmt.Errorf("entra: create user %s: %w: users come from on-premises AD through the sync (onPremisesSync); it is adopted once synced", o.Key, diff.ErrConstraint)
	}
	username := o.Attrs.Get(diff.AttrUsername)
	if username == "" {
		return fmt.Errorf("entra: create user %s: %w: attribute username is required for the userPrincipalName", o.Key, diff.ErrConstraint)
	}
	if err := c.checkUser("create user", o.Key, o.Attrs); err != nil {
		return err
	}
	auID, err := c.parentAU(o.Key, o.Parent)
	if err != nil {
		return err
	}
	pw, err := naming.Password(nil, naming.PasswordPolicy{Length: c.cfg.PasswordLength})
	if err != nil {
		return fmt.Errorf("entra: create user %s: generate password: %w", o.Key, err)
	}
	body := map[string]any{
		"accountEnabled": !o.Disabled,
		"displayName":    o.Name,
		"companyName":    c.cfg.Mark,
		"passwordProfile": map[string]any{
			"password": pw, "forceChangePasswordNextSignIn": true,
		},
	}
	if c.cfg.UsageLocation != "" {
		body["usageLocation"] = c.cfg.UsageLocation
	}
	ext := map[string]string{keyExt: o.Key, nameExt: o.Name}
	c.userProps(o.Key, o.Attrs, body, ext, false)
	c.extWrite(body, nil, ext)
	upn := c.upn(username)
	op := "create user " + o.Key

	// lookup finds the user by its userPrincipalName: ours (an earlier
	// attempt took effect) or someone else's (ErrExists).
	lookup := func(ctx context.Context) (response, bool, error) {
		r, err := c.send(ctx, request{op: "look up user " + upn,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				return c.gs.Users().ByUserId(upn).ToGetRequestInformation(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
					QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: c.userSelect()}})
			},
			accept: func(e *GraphError) bool { return e.Status == http.StatusNotFound }})
		if err != nil {
			return r, false, err
		}
		if r.status == http.StatusNotFound || r.err != nil {
			return r, false, nil
		}
		if c.extRead(r.body)[keyExt] == o.Key && asString(r.body["companyName"]) == c.cfg.Mark {
			return r, true, nil
		}
		return r, false, fmt.Errorf("entra: %s: %w: userPrincipalName %s belongs to another user (%s)", op, diff.ErrExists, upn, asString(r.body["id"]))
	}
	r, err := c.send(ctx, request{op: op, recover: lookup,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			ri, err := c.gs.Users().ToPostRequestInformation(ctx, models.NewUser(), nil)
			return withJSON(ri, err, body)
		}})
	if err != nil {
		return err
	}
	id := r.str("id")
	c.setEntry(o.Key, &entry{kind: diff.User, id: id, ext: ext})
	if auID != "" {
		if err := c.auLink(ctx, o.Key, id, auID, true); err != nil {
			return err
		}
		c.update(o.Key, func(e *entry) { e.parent = o.Parent })
	}
	if !o.Disabled {
		return c.licence(ctx, o.Key, id, o.Attrs.Get(diff.AttrGlobalRole), true)
	}
	return nil
}

// parentAU returns the administrative unit id of a Parent key ("" for
// none); containers other than ou/inst/<num> cannot be represented.
func (c *Client) parentAU(key, parent string) (string, error) {
	if parent == "" {
		return "", nil
	}
	if !c.cfg.AdministrativeUnits || !instKeyRe.MatchString(parent) {
		return "", fmt.Errorf("entra: %s: %w: parent %q is not an administrative unit (ou/inst/<num>); use the institutions-only layout, or Prepare", key, diff.ErrConstraint, parent)
	}
	e, ok := c.entry(parent)
	if !ok {
		return "", fmt.Errorf("entra: %s: %w: administrative unit %s is not known; create it first", key, diff.ErrNotFound, parent)
	}
	return e.id, nil
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

// mailNickname derives a group's stable mail nickname from its key: ASCII
// letters, digits, '.', '-' and '_', at most 64 characters, with a hash
// suffix when the key had to be changed.
func mailNickname(key string) string {
	k := strings.TrimPrefix(key, "group/")
	var b strings.Builder
	for _, r := range k {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	n := b.String()
	if n == k && len(n) <= 64 {
		return n
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	if len(n) > 55 {
		n = n[:55]
	}
	return fmt.Sprintf("%s-%08x", n, h.Sum32())
}

func (c *Client) groupExt(key string, attrs diff.Attrs, ext map[string]string) {
	for name, v := range attrs.All() {
		if slices.Contains(c.cfg.ExtensionAttrs, name) {
			ext[name] = v
		} else {
			c.log.Warn("entra: group attribute has no Graph mapping; not written", "key", key, "attr", name)
		}
	}
}

func (c *Client) createGroup(ctx context.Context, o *diff.Object) error {
	if _, ok := c.entry(o.Key); ok {
		return fmt.Errorf("entra: create group %s: %w", o.Key, diff.ErrExists)
	}
	auID, err := c.parentAU(o.Key, o.Parent)
	if err != nil {
		return err
	}
	team := c.isTeamKind(o.Attrs.Get(attr.CatalogueKind))
	body := map[string]any{
		"displayName":     o.Name,
		"mailNickname":    mailNickname(o.Key),
		"securityEnabled": true,
		"mailEnabled":     false,
		"groupTypes":      []string{},
	}
	bind := 20
	if team {
		body["mailEnabled"] = true
		body["groupTypes"] = []string{"Unified"}
		body["visibility"] = "Private"
		var owners []string
		for _, id := range c.teamOwners(o) {
			owners = append(owners, c.objectURL(id))
		}
		body["owners@odata.bind"] = owners
		bind -= len(owners)
	}
	// members known already are bound at creation (up to Graph's limit of
	// 20 members and owners); the AddMember changes for them are then
	// answered from memory without a request.
	var bound []string
	var refs []string
	for _, mk := range o.Members {
		if len(refs) == bind {
			break
		}
		if e, ok := c.entry(mk); ok {
			refs = append(refs, c.objectURL(e.id))
			bound = append(bound, mk)
		}
	}
	if len(refs) > 0 {
		body["members@odata.bind"] = refs
	}
	ext := map[string]string{keyExt: o.Key}
	c.groupExt(o.Key, o.Attrs, ext)
	c.extWrite(body, nil, ext)
	op := "create group " + o.Key
	lookup := func(ctx context.Context) (response, bool, error) {
		m, err := c.lookupByKey(ctx, diff.Group, o.Key)
		if err != nil || m == nil {
			return response{}, false, err
		}
		return response{status: http.StatusOK, body: m, recovered: true}, true, nil
	}
	var r response
	inUnit := false
	if auID != "" && !c.noUnitCreate.Load() {
		r, inUnit, err = c.createGroupInUnit(ctx, op, auID, body, lookup)
		if err != nil {
			return err
		}
	}
	if !inUnit {
		r, err = c.send(ctx, request{op: op, recover: lookup, lag: len(refs) > 0,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				ri, err := c.gs.Groups().ToPostRequestInformation(ctx, models.NewGroup(), nil)
				return withJSON(ri, err, body)
			}})
		if err != nil {
			return err
		}
	}
	id := r.str("id")
	if r.recovered {
		bound = nil // recovered: an earlier attempt made it; members unknown
	}
	c.setEntry(o.Key, &entry{kind: diff.Group, id: id, ext: ext, members: set(bound)})
	if inUnit {
		c.update(o.Key, func(e *entry) { e.parent = o.Parent })
	} else if auID != "" {
		if err := c.auLink(ctx, o.Key, id, auID, true); err != nil {
			return err
		}
		c.update(o.Key, func(e *entry) { e.parent = o.Parent })
	}
	if team {
		return c.makeTeam(ctx, o.Key, id)
	}
	return nil
}

// createGroupInUnit creates a group inside its administrative unit in one
// request (POST /directory/administrativeUnits/{id}/members with the group
// as body, which Graph v1.0 allows for groups only), saving the separate
// link. It needs the Groups or User Administrator role scoped on the unit:
// when Graph refuses with 403 — or with a 400 that is not replication lag,
// since the reference documents only the group's core properties for this
// body, not extension properties or members@odata.bind — it warns once,
// turns the shortcut off for the client and reports ok false, so that the
// caller creates the group and links it (a body Graph refuses anyway is
// then refused by POST /groups too). A recovered create (lost answer) is
// found by its key; created this way it is in the unit already.
func (c *Client) createGroupInUnit(ctx context.Context, op, auID string, body map[string]any,
	lookup func(context.Context) (response, bool, error)) (response, bool, error) {
	inUnit := make(map[string]any, len(body)+1)
	for k, v := range body {
		inUnit[k] = v
	}
	inUnit["@odata.type"] = "#microsoft.graph.group"
	r, err := c.send(ctx, request{op: op + " in administrative unit " + auID, recover: lookup, lag: true,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			ri, err := c.gs.Directory().AdministrativeUnits().ByAdministrativeUnitId(auID).Members().ToPostRequestInformation(ctx, models.NewDirectoryObject(), nil)
			return withJSON(ri, err, inUnit)
		}})
	var ge *GraphError
	if err != nil && errors.As(err, &ge) && (ge.Status == http.StatusForbidden || (ge.Status == http.StatusBadRequest && !ge.lagging())) {
		if !c.noUnitCreate.Swap(true) {
			c.log.Warn("entra: creating groups inside their administrative unit was refused (the app needs the Groups Administrator or User Administrator role scoped on the units, docs/PERMISSIONS.md); creating and linking them in two requests from now on",
				"op", op, "err", err)
		}
		return response{}, false, nil
	}
	return r, err == nil, err
}

func set(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// makeTeam makes a team of a group, retrying the 404 a young group
// answers (Graph needs up to ~15 minutes to replicate a new group to
// Teams). A team that exists already (409) counts as made.
func (c *Client) makeTeam(ctx context.Context, key, id string) error {
	wait := c.cfg.TeamBackoff
	var err error
	for try := 1; try <= c.cfg.TeamRetries; try++ {
		_, err = c.send(ctx, request{op: "create team for " + key,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				if tpl := c.teamTemplate(key); tpl != "" {
					return c.templateTeamRequest(ctx, id, tpl)
				}
				ri, err := c.gs.Groups().ByGroupId(id).Team().ToPutRequestInformation(ctx, models.NewTeam(), nil)
				return withJSON(ri, err, map[string]any{})
			},
			accept: func(e *GraphError) bool { return e.Status == http.StatusConflict }})
		var ge *GraphError
		if err == nil {
			c.update(key, func(e *entry) { e.team = true })
			c.mu.Lock()
			delete(c.pending, key)
			c.mu.Unlock()
			return nil
		}
		if !errors.As(err, &ge) || ge.Status != http.StatusNotFound {
			return err
		}
		c.log.Debug("entra: group not ready for a team yet", "key", key, "try", try, "wait", wait)
		if serr := c.sleep(ctx, wait); serr != nil {
			return errors.Join(err, serr)
		}
		wait = min(wait*2, time.Minute)
	}
	c.mu.Lock()
	c.pending[key] = true
	c.mu.Unlock()
	return fmt.Errorf("entra: create team for %s: %w: group still not ready after %d tries: %w", key, diff.ErrTemporary, c.cfg.TeamRetries, err)
}

// PendingTeams returns the keys of groups that should be teams but are not
// yet (found by Read, or left by a team creation that ran out of retries).
func (c *Client) PendingTeams() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(mapKeys(c.pending))
}

// EnsureTeams makes the pending teams (see PendingTeams). Run it after
// Apply; Read alone never writes.
func (c *Client) EnsureTeams(ctx context.Context) error {
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, key := range c.PendingTeams() {
		e, ok := c.entry(key)
		if !ok {
			continue
		}
		wg.Go(func() {
			if err := c.makeTeam(ctx, key, e.id); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *Client) createAU(ctx context.Context, o *diff.Object) error {
	if !c.cfg.AdministrativeUnits || !instKeyRe.MatchString(o.Key) {
		return fmt.Errorf("entra: create container %s: %w: only ou/inst/<num> containers (administrative units) are supported", o.Key, diff.ErrConstraint)
	}
	if o.Parent != "" {
		return fmt.Errorf("entra: create container %s: %w: administrative units cannot be nested (parent %q)", o.Key, diff.ErrConstraint, o.Parent)
	}
	if _, ok := c.entry(o.Key); ok {
		return fmt.Errorf("entra: create container %s: %w", o.Key, diff.ErrExists)
	}
	ext := map[string]string{keyExt: o.Key}
	c.groupExt(o.Key, o.Attrs, ext)
	body := map[string]any{"displayName": o.Name, "description": "orgsync " + o.Key}
	if c.cfg.HiddenMembership {
		body["visibility"] = "HiddenMembership"
	}
	c.extWrite(body, nil, ext)
	lookup := func(ctx context.Context) (response, bool, error) {
		m, err := c.lookupByKey(ctx, diff.Container, o.Key)
		if err != nil || m == nil {
			return response{}, false, err
		}
		return response{status: http.StatusOK, body: m, recovered: true}, true, nil
	}
	r, err := c.send(ctx, request{op: "create administrative unit " + o.Key, recover: lookup,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			ri, err := c.gs.Directory().AdministrativeUnits().ToPostRequestInformation(ctx, models.NewAdministrativeUnit(), nil)
			return withJSON(ri, err, body)
		}})
	if err != nil {
		return err
	}
	c.setEntry(o.Key, &entry{kind: diff.Container, id: r.str("id"), ext: ext})
	return nil
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

package entra

// Creating users, groups (with their teams) and administrative units.

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/naming"
)

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

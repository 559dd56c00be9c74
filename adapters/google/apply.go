package google

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	admin "google.golang.org/api/admin/directory/v1"
	licensing "google.golang.org/api/licensing/v1"
)

// Apply carries out one change. It refuses (diff.ErrUnmanaged) to touch an
// object that Read did not report as managed, except to Create or Adopt it,
// and writes the mark in the same request that creates an object (for
// shared drives, see createDrive). Every change is safe to repeat: a create
// that finds its own object, a member already present or a licence already
// assigned counts as done.
func (c *Client) Apply(ctx context.Context, ch diff.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := ch.Action.String() + " " + string(ch.Kind)
	_, known := c.get(ch.Key)
	switch ch.Action {
	case diff.NoOp:
		return nil
	case diff.Create:
		if known {
			return fail(op, ch.Key, diff.ErrExists, "key is already in the directory")
		}
	case diff.Adopt:
		if ch.Before == nil || ch.Before.ID == "" {
			return fail(op, ch.Key, diff.ErrInvalidPlan, "adopt needs Before.ID")
		}
	default:
		if ch.Before != nil && !ch.Before.Managed {
			return fail(op, ch.Key, diff.ErrUnmanaged, "object %s is not marked as orgsync's", ch.Before.ID)
		}
		if !known {
			return fail(op, ch.Key, diff.ErrNotFound, "key not known from Read or an earlier create")
		}
	}
	switch ch.Action {
	case diff.Delete, diff.AddMember, diff.RemoveMember:
	default:
		if ch.After == nil && ch.Before != nil {
			// A change that names only the attributes: the object after it
			// is the object before with those attributes changed.
			a := ch.Before.Clone()
			a.Managed = true
			for _, at := range ch.Attrs {
				a.Attrs.Set(at.Name, at.After)
			}
			ch.After = &a
		}
		if ch.After == nil {
			return fail(op, ch.Key, diff.ErrInvalidPlan, "change has no After object")
		}
	}
	var err error
	switch ch.Kind {
	case diff.User:
		err = c.applyUser(ctx, op, ch)
	case diff.Group:
		err = c.applyGroup(ctx, op, ch)
	case diff.Container:
		err = c.applyContainer(ctx, op, ch)
	case Drive, Folder:
		err = c.applyDrive(ctx, op, ch)
	default:
		err = fail(op, ch.Key, diff.ErrInvalidPlan, "unknown kind %q", ch.Kind)
	}
	return wrap(op, ch.Key, err)
}

// retries is how often a create whose answer was lost is checked and sent
// again.
const retries = 4

// createOnce sends a non-idempotent create. After an answer that leaves it
// open whether the object was made (5xx, no answer) or a duplicate answer,
// it looks for the object by its mark: found means done. It returns the
// create's error when the object is not ours.
func createOnce(ctx context.Context, create func(ctx context.Context) error, lookup func(ctx context.Context) (bool, error)) error {
	var err error
	for range retries {
		err = create(withNoRetry5xx(ctx))
		if err == nil {
			return nil
		}
		if !uncertain(err) && code(err) != 409 {
			return err
		}
		found, lerr := lookup(ctx)
		if lerr != nil && code(lerr) != 404 {
			return errors.Join(err, lerr)
		}
		if found {
			return nil
		}
		if code(err) == 409 {
			return err
		}
	}
	return err
}

// ---- users ----

// userEmail is the primary email of a desired user.
func (c *Client) userEmail(o *diff.Object) string {
	if e := o.Attrs.Get(attr.Email); e != "" {
		return e
	}
	if u := o.Attrs.Get(attr.Username); u != "" {
		return u + "@" + c.cfg.Domain
	}
	return ""
}

// displayName is the Directory display name of a desired user.
func displayName(o *diff.Object) string {
	if d, ok := o.Attrs.Lookup(attr.DisplayName); ok {
		return d
	}
	return o.Name
}

// organizations are the contact-card organisations of a user: one per
// institution, the first primary.
func (c *Client) organizations(o *diff.Object) []map[string]any {
	var out []map[string]any
	for i, inst := range splitList(o.Attrs.Get(attr.Institutions)) {
		name := c.cfg.InstitutionNames[inst]
		if name == "" {
			name = inst
		}
		org := map[string]any{"name": name, "department": inst, "type": "work", "primary": i == 0}
		if t := o.Attrs.Get(attr.Title); t != "" {
			org["title"] = t
		}
		out = append(out, org)
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *Client) applyUser(ctx context.Context, op string, ch diff.Change) error {
	a := ch.After
	switch ch.Action {
	case diff.Create:
		return c.createUser(ctx, op, a)
	case diff.Adopt:
		return c.adoptUser(ctx, a, ch.Before.ID)
	case diff.Delete:
		return c.deleteUser(ctx, op, ch.Key)
	}
	e, _ := c.get(ch.Key)
	p := &admin.User{}
	licence := false
	switch ch.Action {
	case diff.Update:
		for _, at := range ch.Attrs {
			switch at.Name {
			case attr.GivenName, attr.FamilyName, attr.DisplayName:
				g, f, _ := nativeNames(a)
				p.Name = &admin.UserName{GivenName: g, FamilyName: f, DisplayName: displayName(a)}
				p.CustomSchemas = c.userSchema(a)
			case attr.Email, attr.Username:
				p.PrimaryEmail = c.userEmail(a)
				if at.Name == attr.Username {
					p.CustomSchemas = c.userSchema(a)
				}
			case AttrGAL:
				p.IncludeInGlobalAddressList = a.Attrs.Get(AttrGAL) != "false"
				p.ForceSendFields = append(p.ForceSendFields, "IncludeInGlobalAddressList")
			case AttrLicence:
				licence = true
			case attr.Institutions, attr.Title:
				p.Organizations = c.organizations(a)
				if p.Organizations == nil {
					p.NullFields = append(p.NullFields, "Organizations")
				}
				p.CustomSchemas = c.userSchema(a)
			default:
				if !slices.Contains(schemaUserAttrs, at.Name) {
					return fail(op, ch.Key, diff.ErrConstraint, "attribute %q is not stored in Google Workspace (run Prepare on the desired state)", at.Name)
				}
				p.CustomSchemas = c.userSchema(a)
			}
		}
	case diff.Rename:
		p.CustomSchemas = c.userSchema(a)
		if !a.Attrs.Has(attr.DisplayName) {
			g, f, _ := nativeNames(a)
			p.Name = &admin.UserName{GivenName: g, FamilyName: f, DisplayName: a.Name}
		}
	case diff.Move:
		path, err := c.containerPath(ctx, a.Parent)
		if err != nil {
			return err
		}
		p.OrgUnitPath = path
	case diff.Enable, diff.Disable:
		p.Suspended = ch.Action == diff.Disable
		p.ForceSendFields = []string{"Suspended"}
		p.CustomSchemas = c.userSchema(a)
	default:
		return fail(op, ch.Key, diff.ErrInvalidPlan, "action not valid for a user")
	}
	if p.Name != nil || p.PrimaryEmail != "" || p.CustomSchemas != nil || p.OrgUnitPath != "" || len(p.ForceSendFields) > 0 || p.Organizations != nil || len(p.NullFields) > 0 {
		u, err := c.dir.Users.Patch(e.id, p).Context(ctx).Do()
		if err != nil {
			return err
		}
		c.update(ch.Key, func(e *entry) { e.email = u.PrimaryEmail })
	}
	switch {
	case ch.Action == diff.Disable:
		return c.removeLicence(ctx, ch.Key)
	case ch.Action == diff.Enable, licence:
		if a.Disabled {
			return c.removeLicence(ctx, ch.Key)
		}
		return c.setLicence(ctx, ch.Key, c.wantLicence(a))
	}
	return nil
}

// wantLicence is the licence a desired user should hold.
func (c *Client) wantLicence(o *diff.Object) string {
	if l, ok := o.Attrs.Lookup(AttrLicence); ok {
		return l
	}
	return c.cfg.Licences.sku(o.Attrs.Get(diff.AttrGlobalRole))
}

func (c *Client) newUser(a *diff.Object) (*admin.User, error) {
	email := c.userEmail(a)
	if email == "" {
		return nil, fmt.Errorf("neither email nor username is set")
	}
	path, ok := c.path(a.Parent)
	if !ok {
		return nil, fmt.Errorf("parent container %q is not known: %w", a.Parent, diff.ErrNotFound)
	}
	given, family, _ := nativeNames(a)
	pw, err := c.cfg.Password()
	if err != nil {
		return nil, err
	}
	u := &admin.User{
		PrimaryEmail:               email,
		Name:                       &admin.UserName{GivenName: given, FamilyName: family, DisplayName: displayName(a)},
		Password:                   pw,
		ChangePasswordAtNextLogin:  true,
		OrgUnitPath:                path,
		Suspended:                  a.Disabled,
		IncludeInGlobalAddressList: a.Attrs.Get(AttrGAL) != "false",
		ExternalIds:                c.userExternalIDs(nil, a.Key),
		CustomSchemas:              c.userSchema(a),
		ForceSendFields:            []string{"IncludeInGlobalAddressList"},
	}
	if orgs := c.organizations(a); orgs != nil {
		u.Organizations = orgs
	}
	return u, nil
}

func (c *Client) createUser(ctx context.Context, op string, a *diff.Object) error {
	if err := c.ensureSchema(ctx); err != nil {
		return err
	}
	u, err := c.newUser(a)
	if errors.Is(err, diff.ErrNotFound) {
		return fail(op, a.Key, diff.ErrNotFound, "%v", err)
	}
	if err != nil {
		return fail(op, a.Key, diff.ErrConstraint, "%v", err)
	}
	var made *admin.User
	err = createOnce(ctx,
		func(ctx context.Context) error {
			var err error
			made, err = c.dir.Users.Insert(u).Context(ctx).Do()
			return err
		},
		func(ctx context.Context) (bool, error) {
			got, err := c.dir.Users.Get(u.PrimaryEmail).Projection("full").Context(ctx).Do()
			if err != nil {
				return false, err
			}
			key, _, _, _, ok := c.readUserSchema(got)
			if ok && key == a.Key {
				made = got
				return true, nil
			}
			return false, nil
		})
	if err != nil {
		return err
	}
	c.put(a.Key, &entry{kind: diff.User, id: made.Id, email: made.PrimaryEmail})
	if !a.Disabled {
		return c.setLicence(ctx, a.Key, c.wantLicence(a))
	}
	return nil
}

func (c *Client) adoptUser(ctx context.Context, a *diff.Object, id string) error {
	if err := c.ensureSchema(ctx); err != nil {
		return err
	}
	cur, err := c.dir.Users.Get(id).Projection("full").Context(ctx).Do()
	if err != nil {
		return err
	}
	if key, _, _, _, ok := c.readUserSchema(cur); ok && key != a.Key {
		return fmt.Errorf("user %s already carries key %q: %w", id, key, diff.ErrExists)
	}
	p := &admin.User{ExternalIds: c.userExternalIDs(cur.ExternalIds, a.Key), CustomSchemas: c.userSchema(a)}
	u, err := c.dir.Users.Patch(id, p).Context(ctx).Do()
	if err != nil {
		return err
	}
	c.put(a.Key, &entry{kind: diff.User, id: u.Id, email: u.PrimaryEmail})
	return nil
}

func (c *Client) deleteUser(ctx context.Context, op, key string) error {
	e, _ := c.get(key)
	// Deleting cannot be undone: check the mark once more on the live object.
	cur, err := c.dir.Users.Get(e.id).Projection("full").Context(ctx).Do()
	if code(err) == 404 {
		c.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	if k, _, _, _, ok := c.readUserSchema(cur); !ok || k != key {
		return fail(op, key, diff.ErrUnmanaged, "user %s no longer carries the mark for this key", cur.PrimaryEmail)
	}
	if err := c.dir.Users.Delete(e.id).Context(ctx).Do(); err != nil && code(err) != 404 {
		return err
	}
	c.forget(key)
	return nil
}

// setLicence makes the user hold exactly the licence want ("product/sku",
// "" for none).
func (c *Client) setLicence(ctx context.Context, key, want string) error {
	if c.cfg.Licences.Product == "" {
		return nil
	}
	e, ok := c.get(key)
	if !ok {
		return fmt.Errorf("licence: unknown user: %w", diff.ErrNotFound)
	}
	c.mu.Lock()
	have, email := e.licence, e.email
	c.mu.Unlock()
	if have == want {
		return nil
	}
	if want == "" {
		return c.removeLicence(ctx, key)
	}
	wp, ws, _ := strings.Cut(want, "/")
	hp, hs, _ := strings.Cut(have, "/")
	var err error
	switch {
	case have != "" && hp == wp:
		_, err = c.lic.LicenseAssignments.Patch(hp, hs, email, &licensing.LicenseAssignment{ProductId: wp, SkuId: ws}).Context(ctx).Do()
	default:
		if have != "" {
			if err := c.removeLicence(ctx, key); err != nil {
				return err
			}
		}
		_, err = c.lic.LicenseAssignments.Insert(wp, ws, &licensing.LicenseAssignmentInsert{UserId: email}).Context(ctx).Do()
		if code(err) == 409 {
			err = nil // already assigned (a retried insert that had taken effect)
		}
		if code(err) == 412 {
			err = c.replaceUnknownLicence(ctx, email, wp, ws)
		}
	}
	if err != nil {
		return fmt.Errorf("licence %s: %w", want, err)
	}
	c.update(key, func(e *entry) { e.licence = want })
	return nil
}

// replaceUnknownLicence moves a user who holds another SKU of the product
// (not seen by Read) to SKU ws.
func (c *Client) replaceUnknownLicence(ctx context.Context, email, product, ws string) error {
	l := c.cfg.Licences
	for _, s := range []string{l.Student, l.Employee, l.External} {
		if s == "" || s == ws {
			continue
		}
		if _, err := c.lic.LicenseAssignments.Get(product, s, email).Context(ctx).Do(); err == nil {
			_, err = c.lic.LicenseAssignments.Patch(product, s, email, &licensing.LicenseAssignment{ProductId: product, SkuId: ws}).Context(ctx).Do()
			return err
		}
	}
	return fail("assign licence", email, diff.ErrConstraint, "user holds a SKU of product %s that orgsync does not manage", product)
}

// removeLicence takes the user's licence away.
func (c *Client) removeLicence(ctx context.Context, key string) error {
	if c.cfg.Licences.Product == "" {
		return nil
	}
	e, ok := c.get(key)
	if !ok {
		return nil
	}
	c.mu.Lock()
	have, email := e.licence, e.email
	c.mu.Unlock()
	if have == "" {
		return nil
	}
	p, s, _ := strings.Cut(have, "/")
	if _, err := c.lic.LicenseAssignments.Delete(p, s, email).Context(ctx).Do(); err != nil && code(err) != 404 {
		return fmt.Errorf("licence %s: %w", have, err)
	}
	c.update(key, func(e *entry) { e.licence = "" })
	return nil
}

// ensureSchema creates the custom schema, or adds missing fields to it,
// once per client.
func (c *Client) ensureSchema(ctx context.Context) error {
	c.ensure.Lock()
	defer c.ensure.Unlock()
	if c.ensured {
		return nil
	}
	want := c.schemaDef()
	cur, err := c.dir.Schemas.Get(c.cfg.Customer, c.cfg.Mark).Context(ctx).Do()
	switch {
	case code(err) == 404:
		_, err = c.dir.Schemas.Insert(c.cfg.Customer, want).Context(ctx).Do()
		if code(err) == 409 {
			err = nil
		}
	case err == nil:
		var missing []*admin.SchemaFieldSpec
		for _, f := range want.Fields {
			if !slices.ContainsFunc(cur.Fields, func(g *admin.SchemaFieldSpec) bool { return g.FieldName == f.FieldName }) {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			cur.Fields = append(cur.Fields, missing...)
			_, err = c.dir.Schemas.Update(c.cfg.Customer, c.cfg.Mark, cur).Context(ctx).Do()
		}
	}
	if err != nil {
		return wrap("ensure custom schema", c.cfg.Mark, err)
	}
	c.ensured = true
	return nil
}

// EnsureSchema creates orgsync's custom user schema if it is missing (Apply
// does this on its first user create or adopt).
func (c *Client) EnsureSchema(ctx context.Context) error { return c.ensureSchema(ctx) }

// ---- containers ----

// containerPath returns the org unit path of a container key, creating a
// missing dated quarantine container (ou/disabled/<date>, ou/retired/<date>)
// on the way.
func (c *Client) containerPath(ctx context.Context, key string) (string, error) {
	if p, ok := c.path(key); ok {
		return p, nil
	}
	parent, name, found := cutLast(key)
	if !found || !(strings.HasPrefix(key, "ou/disabled/") || strings.HasPrefix(key, "ou/retired/")) {
		return "", fmt.Errorf("container %q is not known: %w", key, diff.ErrNotFound)
	}
	if _, err := c.containerPath(ctx, parent); err != nil {
		return "", err
	}
	o := &diff.Object{Kind: diff.Container, Key: key, Name: name, Parent: parent}
	if err := c.createContainer(ctx, "create container", o); err != nil {
		return "", err
	}
	p, _ := c.path(key)
	return p, nil
}

func cutLast(key string) (string, string, bool) {
	i := strings.LastIndex(key, "/")
	if i < 0 {
		return "", "", false
	}
	parent := key[:i]
	if parent == "ou" {
		parent = ""
	}
	return parent, key[i+1:], true
}

// lockParent serialises the changes that put a name into one container,
// so that clearName sees its siblings' current names.
func (c *Client) lockParent(key string) func() {
	c.mu.Lock()
	l := c.parentLocks[key]
	if l == nil {
		l = &sync.Mutex{}
		c.parentLocks[key] = l
	}
	c.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// clearName makes name free among the org units under parent before self
// takes it. Google requires sibling org units to have distinct names, but a
// plan renames and moves siblings in an order that may want a name before
// its holder gives it up (at the year roll the new 0A is created and 0A is
// renamed 1A while the old 1A is still called so). The managed sibling that
// holds the name is parked under "<name> ~<hash of its key>"; its own change
// in the same plan then gives it its final name. An unmanaged holder is
// left alone (the change then fails with diff.ErrExists).
func (c *Client) clearName(ctx context.Context, parent, name, self string) error {
	c.mu.Lock()
	var holder string
	var he *entry
	for k, e := range c.objs {
		if e.kind == diff.Container && e.parent == parent && k != self && strings.EqualFold(e.name, name) {
			holder, he = k, e
			break
		}
	}
	c.mu.Unlock()
	if he == nil {
		return nil
	}
	h := sha256.Sum256([]byte(holder))
	parked := fmt.Sprintf("%s ~%x", cut(name, 40), h[:3])
	if _, err := c.dir.Orgunits.Patch(c.cfg.Customer, he.id, &admin.OrgUnit{Name: parked}).Context(ctx).Do(); err != nil {
		return fmt.Errorf("park org unit %s to free the name %q: %w", holder, name, err)
	}
	c.update(holder, func(e *entry) { e.name = parked })
	return nil
}

func (c *Client) createContainer(ctx context.Context, op string, a *diff.Object) error {
	defer c.lockParent(a.Parent)()
	if err := c.clearName(ctx, a.Parent, a.Name, a.Key); err != nil {
		return err
	}
	parentPath, ok := c.path(a.Parent)
	if !ok {
		return fail(op, a.Key, diff.ErrNotFound, "parent container %q is not known", a.Parent)
	}
	ou := &admin.OrgUnit{Name: a.Name, ParentOrgUnitPath: parentPath, Description: c.encodeMark(a)}
	var made *admin.OrgUnit
	err := createOnce(ctx,
		func(ctx context.Context) error {
			var err error
			made, err = c.dir.Orgunits.Insert(c.cfg.Customer, ou).Context(ctx).Do()
			return err
		},
		func(ctx context.Context) (bool, error) {
			got, err := c.dir.Orgunits.Get(c.cfg.Customer, strings.TrimPrefix(strings.TrimRight(parentPath, "/")+"/"+a.Name, "/")).Context(ctx).Do()
			if err != nil {
				return false, err
			}
			if m, ok := c.decodeMark(got.Description); ok && m.key == a.Key {
				made = got
				return true, nil
			}
			return false, nil
		})
	if err != nil {
		return err
	}
	c.put(a.Key, &entry{kind: diff.Container, id: made.OrgUnitId, name: made.Name, parent: a.Parent})
	return nil
}

func (c *Client) applyContainer(ctx context.Context, op string, ch diff.Change) error {
	a := ch.After
	switch ch.Action {
	case diff.Create:
		return c.createContainer(ctx, op, a)
	case diff.Adopt:
		if _, err := c.dir.Orgunits.Patch(c.cfg.Customer, ch.Before.ID, &admin.OrgUnit{Description: c.encodeMark(a)}).Context(ctx).Do(); err != nil {
			return err
		}
		c.put(a.Key, &entry{kind: diff.Container, id: ch.Before.ID, name: ch.Before.Name, parent: a.Parent})
		return nil
	case diff.Delete:
		e, _ := c.get(ch.Key)
		if err := c.dir.Orgunits.Delete(c.cfg.Customer, e.id).Context(ctx).Do(); err != nil && code(err) != 404 {
			return err
		}
		c.forget(ch.Key)
		return nil
	}
	e, _ := c.get(ch.Key)
	p := &admin.OrgUnit{Description: c.encodeMark(a)}
	switch ch.Action {
	case diff.Rename:
		c.mu.Lock()
		parent := e.parent
		c.mu.Unlock()
		defer c.lockParent(parent)()
		if err := c.clearName(ctx, parent, a.Name, ch.Key); err != nil {
			return err
		}
		p.Name = a.Name
	case diff.Move:
		path, err := c.containerPath(ctx, a.Parent)
		if err != nil {
			return err
		}
		defer c.lockParent(a.Parent)()
		c.mu.Lock()
		name := e.name
		c.mu.Unlock()
		if err := c.clearName(ctx, a.Parent, name, ch.Key); err != nil {
			return err
		}
		p.ParentOrgUnitPath = path
	case diff.Update, diff.Enable, diff.Disable:
	default:
		return fail(op, ch.Key, diff.ErrInvalidPlan, "action not valid for a container")
	}
	if _, err := c.dir.Orgunits.Patch(c.cfg.Customer, e.id, p).Context(ctx).Do(); err != nil {
		return err
	}
	c.update(ch.Key, func(e *entry) {
		if ch.Action == diff.Rename {
			e.name = a.Name
		}
		if ch.Action == diff.Move {
			e.parent = a.Parent
		}
	})
	return nil
}

// ---- groups ----

// groupEmail is the email of a desired group: its email attribute (set by
// the projection or by Prepare), else an address made from its key, which
// is stable and unique.
func (c *Client) groupEmail(o *diff.Object) string {
	if e := o.Attrs.Get(attr.Email); e != "" {
		return e
	}
	return slug(strings.ReplaceAll(o.Key, "/", "-")) + "@" + c.cfg.GroupDomain
}

func (c *Client) groupMark(key string) []*admin.ExternalId {
	return []*admin.ExternalId{{Namespace: c.cfg.Mark, Id: key}}
}

func (c *Client) ownsGroup(g *admin.Group, key string) bool {
	for _, x := range g.ExternalIds {
		if x != nil && x.Namespace == c.cfg.Mark && x.Id == key {
			return true
		}
	}
	return false
}

func (c *Client) applyGroup(ctx context.Context, op string, ch diff.Change) error {
	a := ch.After
	switch ch.Action {
	case diff.Create:
		email := c.groupEmail(a)
		g := &admin.Group{Email: email, Name: a.Name, Description: c.encodeMark(a), ExternalIds: c.groupMark(a.Key)}
		var made *admin.Group
		create := func() error {
			return createOnce(ctx,
				func(ctx context.Context) error {
					var err error
					made, err = c.dir.Groups.Insert(g).Context(ctx).Do()
					return err
				},
				func(ctx context.Context) (bool, error) {
					got, err := c.dir.Groups.Get(email).Context(ctx).Do()
					if err != nil {
						return false, err
					}
					made = got
					return c.ownsGroup(got, a.Key), nil
				})
		}
		if err := c.withFreeEmail(ctx, email, a.Key, create); err != nil {
			return err
		}
		c.put(a.Key, &entry{kind: diff.Group, id: made.Id, email: made.Email})
		return nil
	case diff.Adopt:
		g, err := c.dir.Groups.Patch(ch.Before.ID, &admin.Group{Description: c.encodeMark(a), ExternalIds: c.groupMark(a.Key)}).Context(ctx).Do()
		if err != nil {
			return err
		}
		c.put(a.Key, &entry{kind: diff.Group, id: g.Id, email: g.Email})
		return nil
	case diff.Delete:
		e, _ := c.get(ch.Key)
		if err := c.dir.Groups.Delete(e.id).Context(ctx).Do(); err != nil && code(err) != 404 {
			return err
		}
		c.forget(ch.Key)
		return nil
	case diff.AddMember, diff.RemoveMember:
		return c.groupMember(ctx, op, ch)
	}
	e, _ := c.get(ch.Key)
	p := &admin.Group{Description: c.encodeMark(a)}
	switch ch.Action {
	case diff.Rename:
		p.Name = a.Name
	case diff.Update:
		if email := a.Attrs.Get(attr.Email); email != "" && !strings.EqualFold(email, e.email) {
			p.Email = email
		}
	case diff.Move, diff.Enable, diff.Disable:
	default:
		return fail(op, ch.Key, diff.ErrInvalidPlan, "action not valid for a group")
	}
	var g *admin.Group
	patch := func() error {
		var err error
		g, err = c.dir.Groups.Patch(e.id, p).Context(ctx).Do()
		return err
	}
	if err := c.withFreeEmail(ctx, p.Email, ch.Key, patch); err != nil {
		return err
	}
	c.update(ch.Key, func(e *entry) { e.email = g.Email })
	if p.Email != "" && ch.Before != nil && ch.Before.Attrs.Get(attr.Email) != "" {
		// Google keeps the old address as an alias; orgsync's groups answer
		// to their current address only, so that a later class can take it.
		if err := c.dir.Groups.Aliases.Delete(e.id, ch.Before.Attrs.Get(attr.Email)).Context(ctx).Do(); err != nil && code(err) != 404 {
			c.cfg.Logger.Warn("google: could not drop the old group address", "key", ch.Key, "error", err)
		}
	}
	return nil
}

// withFreeEmail runs do (a create or an address change) and, when it fails
// because another of orgsync's groups holds the address (as its address or
// an alias: at the year roll a retired class may still hold the address a
// new class wants), frees the address and runs do once more. A group
// without orgsync's mark is never changed: its address stays taken
// (diff.ErrExists).
func (c *Client) withFreeEmail(ctx context.Context, email, self string, do func() error) error {
	err := do()
	if code(err) != 409 || email == "" {
		return err
	}
	holder, gerr := c.dir.Groups.Get(email).Context(ctx).Do()
	if gerr != nil {
		return errors.Join(err, gerr)
	}
	key := ""
	for _, x := range holder.ExternalIds {
		if x != nil && x.Namespace == c.cfg.Mark {
			key = x.Id
		}
	}
	if key == "" || key == self {
		return err
	}
	if strings.EqualFold(holder.Email, email) {
		h := sha256.Sum256([]byte(key))
		local, domain, _ := strings.Cut(email, "@")
		parked := fmt.Sprintf("%s-%x@%s", cut(local, 50), h[:3], domain)
		if _, perr := c.dir.Groups.Patch(holder.Id, &admin.Group{Email: parked}).Context(ctx).Do(); perr != nil {
			return errors.Join(err, perr)
		}
		c.update(key, func(e *entry) { e.email = parked })
	}
	if derr := c.dir.Groups.Aliases.Delete(holder.Id, email).Context(ctx).Do(); derr != nil && code(derr) != 404 {
		return errors.Join(err, derr)
	}
	return do()
}

func (c *Client) groupMember(ctx context.Context, op string, ch diff.Change) error {
	g, _ := c.get(ch.Key)
	m, ok := c.get(ch.Member)
	if !ok {
		if ch.Action == diff.RemoveMember {
			return nil // the member is gone already
		}
		return fail(op, ch.Key, diff.ErrNotFound, "member %q is not known", ch.Member)
	}
	if ch.Action == diff.AddMember {
		_, err := c.dir.Members.Insert(g.id, &admin.Member{Id: m.id, Role: "MEMBER"}).Context(ctx).Do()
		if code(err) == 409 {
			return nil
		}
		return err
	}
	err := c.dir.Members.Delete(g.id, m.id).Context(ctx).Do()
	if code(err) == 404 {
		return nil
	}
	return err
}

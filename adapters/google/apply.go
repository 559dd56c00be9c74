package google

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
		// users.update, not users.patch: patch cannot clear a repeated
		// field such as organizations (a leaver's last institution would
		// stay on the contact card); update has patch semantics otherwise
		u, err := c.dir.Users.Update(e.id, p).Context(ctx).Do()
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
	u, err := c.dir.Users.Update(id, p).Context(ctx).Do()
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

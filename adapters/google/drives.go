package google

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
	drive "google.golang.org/api/drive/v3"
)

const folderMime = "application/vnd.google-apps.folder"

// requestID is the drives.create request id for a key: stable, so that a
// create repeated after a lost answer or a crash cannot make a second
// drive. n moves to a fresh id when the old one is spent (the drive made
// with it was deleted).
func (c *Client) requestID(key string, n int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("orgsync\x00%s\x00%s\x00%s\x00%d", c.cfg.Customer, c.cfg.Mark, key, n)))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (c *Client) driveProps(key string, kind diff.Kind) map[string]string {
	return map[string]string{c.propManaged(): "true", c.propKey(): key, c.propKind(): string(kind)}
}

// driveQuote quotes a value for a Drive query.
func driveQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func (c *Client) applyDrive(ctx context.Context, op string, ch diff.Change) error {
	a := ch.After
	switch ch.Action {
	case diff.Create:
		if len(c.propKey())+len(a.Key) > 124 {
			return fail(op, a.Key, diff.ErrConstraint, "key longer than a Drive property allows")
		}
		if ch.Kind == Drive {
			return c.createDrive(ctx, op, a)
		}
		return c.createFolder(ctx, op, a)
	case diff.Adopt:
		return fail(op, ch.Key, diff.ErrInvalidPlan, "adopting shared drives or folders is not supported")
	case diff.Delete:
		return c.deleteDriveObject(ctx, op, ch)
	case diff.AddMember, diff.RemoveMember:
		return c.driveMember(ctx, op, ch)
	}
	e, _ := c.get(ch.Key)
	switch ch.Action {
	case diff.Rename:
		if ch.Kind == Drive {
			if _, err := c.drv.Drives.Update(e.id, &drive.Drive{Name: a.Name}).UseDomainAdminAccess(true).Fields("id,name").Context(ctx).Do(); err != nil {
				return err
			}
		} else if _, err := c.drv.Files.Update(e.id, &drive.File{Name: a.Name}).SupportsAllDrives(true).Fields("id,name").Context(ctx).Do(); err != nil {
			return err
		}
		c.update(ch.Key, func(e *entry) { e.name = a.Name })
		return nil
	case diff.Move:
	case diff.Update:
		for _, at := range ch.Attrs {
			if at.Name == AttrDrive && ch.Kind == Folder {
				if p, ok := c.get(at.After); !ok || p.id != e.drive {
					return fail(op, ch.Key, diff.ErrConstraint, "a folder cannot move to another shared drive")
				}
			}
			if at.Name == AttrRole {
				if err := c.setRoles(ctx, ch.Kind, e, at.After); err != nil {
					return err
				}
				c.update(ch.Key, func(e *entry) { e.role = at.After })
			}
		}
	case diff.Enable, diff.Disable:
	default:
		return fail(op, ch.Key, diff.ErrInvalidPlan, "action not valid for a %s", ch.Kind)
	}
	// The mark (description of the marker file or folder) holds parent and
	// attributes.
	markID := e.id
	if ch.Kind == Drive {
		markID = e.marker
	}
	_, err := c.drv.Files.Update(markID, &drive.File{Description: c.encodeMark(a)}).SupportsAllDrives(true).Fields("id").Context(ctx).Do()
	return err
}

// createDrive makes a shared drive and its marker file. drives.create takes
// a request id and answers 409 when the id was used before, without saying
// which drive it made; then the drive is looked up by name among the drives
// without a marker (the only way a create can be left half done).
func (c *Client) createDrive(ctx context.Context, op string, a *diff.Object) error {
	c.mu.Lock()
	c.creating[a.Key] = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.creating, a.Key)
		c.mu.Unlock()
	}()
	var id string
	for n := 0; n < 3 && id == ""; n++ {
		d, err := c.drv.Drives.Create(c.requestID(a.Key, n), &drive.Drive{Name: a.Name}).Fields("id,name").Context(ctx).Do()
		if err == nil {
			id = d.Id
			break
		}
		if code(err) != 409 {
			return err
		}
		orphan, err := c.orphanDrive(ctx, a.Name)
		if err != nil {
			return err
		}
		id = orphan
	}
	if id == "" {
		return fail(op, a.Key, diff.ErrExists, "request ids for this drive are spent and no unmarked drive named %q exists", a.Name)
	}
	marker := &drive.File{
		Name: "." + c.cfg.Mark, MimeType: "text/plain", Parents: []string{id},
		Properties: c.driveProps(a.Key, Drive), Description: c.encodeMark(a),
	}
	var made *drive.File
	err := createOnce(ctx,
		func(ctx context.Context) error {
			var err error
			made, err = c.drv.Files.Create(marker).SupportsAllDrives(true).Fields("id").Context(ctx).Do()
			return err
		},
		func(ctx context.Context) (bool, error) {
			f, err := c.findMarked(ctx, id, a.Key)
			made = f
			return f != nil, err
		})
	if err != nil {
		return err
	}
	c.put(a.Key, &entry{kind: Drive, id: id, marker: made.Id, name: a.Name, perms: map[string]string{}, role: a.Attrs.Get(AttrRole)})
	return nil
}

// waitForDrive returns the entry of a drive key. Drives and folders are
// created in the same stage of a plan, so a folder may have to wait a
// moment for its drive; after a while the wait ends with
// diff.ErrTemporary (diff.Apply then tries the folder again) or, for a key
// nobody is creating, diff.ErrNotFound.
func (c *Client) waitForDrive(ctx context.Context, key string) (*entry, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		e, ok := c.get(key)
		if ok && e.kind == Drive {
			return e, nil
		}
		c.mu.Lock()
		_, pending := c.creating[key]
		c.mu.Unlock()
		if !pending && key == "" {
			return nil, diff.ErrNotFound
		}
		if time.Now().After(deadline) {
			if pending {
				return nil, diff.ErrTemporary
			}
			return nil, diff.ErrNotFound
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
		if !pending && time.Now().After(deadline.Add(-28*time.Second)) {
			// Nobody has started to create it after two seconds.
			if _, ok := c.get(key); !ok {
				return nil, diff.ErrNotFound
			}
		}
	}
}

// orphanDrive finds the one drive named name that carries no marker and is
// not known to the client.
func (c *Client) orphanDrive(ctx context.Context, name string) (string, error) {
	known := map[string]bool{}
	c.mu.Lock()
	for _, e := range c.objs {
		if e.kind == Drive {
			known[e.id] = true
		}
	}
	c.mu.Unlock()
	var found []string
	err := c.drv.Drives.List().UseDomainAdminAccess(true).Q("name = "+driveQuote(name)).PageSize(100).Fields("nextPageToken", "drives(id,name)").Pages(ctx, func(l *drive.DriveList) error {
		for _, d := range l.Drives {
			if known[d.Id] {
				continue
			}
			fl, err := c.drv.Files.List().Corpora("drive").DriveId(d.Id).IncludeItemsFromAllDrives(true).SupportsAllDrives(true).
				Q(fmt.Sprintf("properties has { key='%s' and value='true' }", c.propManaged())).PageSize(1).Fields("files(id)").Context(ctx).Do()
			if code(err) == 404 {
				continue // not a member: not a drive we made
			}
			if err != nil {
				return err
			}
			if len(fl.Files) == 0 {
				found = append(found, d.Id)
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(found) > 1 {
		return "", fail("find drive", name, diff.ErrExists, "%d unmarked drives are named %q", len(found), name)
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return "", nil
}

// findMarked finds the file in a drive that carries key.
func (c *Client) findMarked(ctx context.Context, driveID, key string) (*drive.File, error) {
	q := fmt.Sprintf("properties has { key='%s' and value=%s } and trashed = false", c.propKey(), driveQuote(key))
	l, err := c.drv.Files.List().Corpora("drive").DriveId(driveID).IncludeItemsFromAllDrives(true).SupportsAllDrives(true).
		Q(q).PageSize(10).Fields("files(id,name,driveId)").Context(ctx).Do()
	if err != nil || len(l.Files) == 0 {
		return nil, err
	}
	return l.Files[0], nil
}

func (c *Client) createFolder(ctx context.Context, op string, a *diff.Object) error {
	p, err := c.waitForDrive(ctx, a.Attrs.Get(AttrDrive))
	if err != nil {
		return fail(op, a.Key, err, "drive %q: %v", a.Attrs.Get(AttrDrive), err)
	}
	f := &drive.File{Name: a.Name, MimeType: folderMime, Parents: []string{p.id}, Properties: c.driveProps(a.Key, Folder), Description: c.encodeMark(a)}
	var made *drive.File
	err = createOnce(ctx,
		func(ctx context.Context) error {
			var err error
			made, err = c.drv.Files.Create(f).SupportsAllDrives(true).Fields("id,name").Context(ctx).Do()
			return err
		},
		func(ctx context.Context) (bool, error) {
			got, err := c.findMarked(ctx, p.id, a.Key)
			made = got
			return got != nil, err
		})
	if err != nil {
		return err
	}
	c.put(a.Key, &entry{kind: Folder, id: made.Id, drive: p.id, name: a.Name, perms: map[string]string{}, role: a.Attrs.Get(AttrRole)})
	return nil
}

func (c *Client) deleteDriveObject(ctx context.Context, op string, ch diff.Change) error {
	e, _ := c.get(ch.Key)
	if !c.cfg.Drives.DeleteContents {
		call := c.drv.Files.List().Corpora("drive").DriveId(e.drive).IncludeItemsFromAllDrives(true).SupportsAllDrives(true).PageSize(2).Fields("files(id)")
		if ch.Kind == Drive {
			call = c.drv.Files.List().Corpora("drive").DriveId(e.id).IncludeItemsFromAllDrives(true).SupportsAllDrives(true).PageSize(2).Fields("files(id)")
		} else {
			call = call.Q(driveQuote(e.id) + " in parents")
		}
		l, err := call.Context(ctx).Do()
		if err != nil && code(err) != 404 {
			return err
		}
		if l != nil {
			for _, f := range l.Files {
				if f.Id != e.marker {
					return fail(op, ch.Key, diff.ErrConstraint, "%s still holds files; set drives.deleteContents to delete them", ch.Kind)
				}
			}
		}
	}
	var err error
	if ch.Kind == Drive {
		err = c.drv.Drives.Delete(e.id).UseDomainAdminAccess(true).AllowItemDeletion(true).Context(ctx).Do()
	} else {
		err = c.drv.Files.Delete(e.id).SupportsAllDrives(true).Context(ctx).Do()
	}
	if err != nil && code(err) != 404 {
		return err
	}
	c.forget(ch.Key)
	return nil
}

func (c *Client) driveMember(ctx context.Context, op string, ch diff.Change) error {
	e, _ := c.get(ch.Key)
	m, ok := c.get(ch.Member)
	if !ok {
		if ch.Action == diff.RemoveMember {
			return nil
		}
		return fail(op, ch.Key, diff.ErrNotFound, "member %q is not known", ch.Member)
	}
	email := strings.ToLower(m.email)
	typ := "user"
	if m.kind == diff.Group {
		typ = "group"
	}
	if ch.Action == diff.AddMember {
		c.mu.Lock()
		role := e.role
		c.mu.Unlock()
		if ch.After != nil && ch.After.Attrs.Get(AttrRole) != "" {
			role = ch.After.Attrs.Get(AttrRole)
		}
		if role == "" {
			role = "writer"
		}
		call := c.drv.Permissions.Create(e.id, &drive.Permission{Type: typ, Role: role, EmailAddress: m.email}).
			SupportsAllDrives(true).SendNotificationEmail(false).Fields("id,emailAddress,role")
		if ch.Kind == Drive {
			call = call.UseDomainAdminAccess(true)
		}
		p, err := call.Context(ctx).Do()
		if err != nil {
			return err
		}
		c.update(ch.Key, func(e *entry) { e.perms[email] = p.Id })
		return nil
	}
	c.mu.Lock()
	pid := e.perms[email]
	c.mu.Unlock()
	if pid == "" {
		call := c.drv.Permissions.List(e.id).SupportsAllDrives(true).PageSize(100).Fields("nextPageToken", "permissions(id,emailAddress)")
		if ch.Kind == Drive {
			call = call.UseDomainAdminAccess(true)
		}
		err := call.Pages(ctx, func(l *drive.PermissionList) error {
			for _, p := range l.Permissions {
				if strings.EqualFold(p.EmailAddress, email) {
					pid = p.Id
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if pid == "" {
			return nil
		}
	}
	call := c.drv.Permissions.Delete(e.id, pid).SupportsAllDrives(true)
	if ch.Kind == Drive {
		call = call.UseDomainAdminAccess(true)
	}
	if err := call.Context(ctx).Do(); err != nil && code(err) != 404 {
		return err
	}
	c.update(ch.Key, func(e *entry) { delete(e.perms, email) })
	return nil
}

// setRoles changes the role of every member permission of a drive or
// folder.
func (c *Client) setRoles(ctx context.Context, kind diff.Kind, e *entry, role string) error {
	c.mu.Lock()
	ids := make([]string, 0, len(e.perms))
	for _, id := range e.perms {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	for _, id := range ids {
		call := c.drv.Permissions.Update(e.id, id, &drive.Permission{Role: role}).SupportsAllDrives(true).Fields("id")
		if kind == Drive {
			call = call.UseDomainAdminAccess(true)
		}
		if _, err := call.Context(ctx).Do(); err != nil && code(err) != 404 {
			return err
		}
	}
	return nil
}

package google

// Org units: paths from container keys, creating, moving and renaming them.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/diff"
	admin "google.golang.org/api/admin/directory/v1"
)

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

package google

// Groups and their members.

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	admin "google.golang.org/api/admin/directory/v1"
)

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

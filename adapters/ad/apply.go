package ad

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/naming"
)

// adNameMax is the longest cn or ou value AD accepts (UTF-16 code units).
const adNameMax = 64

// groupTypeGlobalSecurity is groupType for a global security group
// (GLOBAL_GROUP | SECURITY_ENABLED).
const groupTypeGlobalSecurity = "-2147483646"

// Apply carries out one change. It is safe to call concurrently for the
// changes of one plan stage. Semantics per action:
//
//   - Create: adds an organizationalUnit, user or group (global security,
//     with a sAMAccountName from Config.GroupSAM) with the management
//     mark and Key in the same add. A user gets
//     sAMAccountName, userPrincipalName, the mapped attributes, an initial
//     password (unicodePwd, only over LDAPS or StartTLS), pwdLastSet 0
//     (change at next logon) and userAccountControl 512 (514 when
//     created disabled). Adding an object that is already there with the
//     same Key succeeds, so a plan interrupted mid-apply can run again.
//   - Adopt: writes the mark and Key onto the unmanaged object Before.ID.
//   - Update: replaces (or, for "", clears) the mapped attributes;
//     username changes sAMAccountName and userPrincipalName together.
//   - Rename and Move: ModifyDN, so objectGUID, group memberships and
//     everything else survive.
//   - Enable / Disable: sets or clears the ACCOUNTDISABLE bit of a user's
//     userAccountControl and writes or clears the disabled-date attribute;
//     groups and OUs only get the date.
//   - AddMember / RemoveMember: modify of the group's member attribute.
//     Concurrent member changes of one group are sent as one modify; a
//     member that is already there (or already gone) is not an error.
//   - Delete: deletes the object; an object that is already gone is not
//     an error.
//
// Any change but Create and Adopt on an object without the mark fails with
// diff.ErrUnmanaged. Failures are *Error values naming the Key and, when
// known, the AD attribute, wrapping a diff sentinel (ErrNotFound,
// ErrExists, ErrConstraint, ErrTemporary). Temporary failures are retried
// Config.Retries times with backoff before they are returned.
func (c *Client) Apply(ctx context.Context, ch diff.Change) error {
	var err error
	switch ch.Action {
	case diff.NoOp:
		return nil
	case diff.Create:
		err = c.create(ctx, ch)
	case diff.Adopt:
		err = c.adopt(ctx, ch)
	case diff.Update, diff.Rename, diff.Move, diff.Enable, diff.Disable,
		diff.AddMember, diff.RemoveMember, diff.Delete:
		err = c.change(ctx, ch)
	default:
		err = &Error{Op: ch.Action.String(), Key: ch.Key, Kind: diff.ErrInvalidPlan, Err: errors.New("unknown action")}
	}
	if err == nil && ch.Kind == diff.User {
		c.hook(ctx, ch)
	}
	return err
}

func rdnAttr(k diff.Kind) string {
	if k == diff.Container {
		return "OU"
	}
	return "CN"
}

// checkName returns an error when AD would refuse name as a cn/ou value.
func checkName(op string, o *diff.Object) error {
	attr := strings.ToLower(rdnAttr(o.Kind))
	switch {
	case o.Name == "":
		return &Error{Op: op, Key: o.Key, Attr: attr, Kind: diff.ErrConstraint, Err: errors.New("empty name")}
	case len(utf16.Encode([]rune(o.Name))) > adNameMax:
		return &Error{Op: op, Key: o.Key, Attr: attr, Kind: diff.ErrConstraint,
			Err: fmt.Errorf("name %q is longer than %d characters", o.Name, adNameMax)}
	}
	return nil
}

// parentDN returns the DN of the container with the given Key ("" is
// Base).
func (c *Client) parentDN(ctx context.Context, key string) (string, error) {
	if key == "" {
		return c.cfg.Base, nil
	}
	if e, ok := c.state.get(key); ok {
		return e.dn, nil
	}
	e, err := c.locate(ctx, key)
	if err != nil {
		return "", err
	}
	return e.dn, nil
}

// locate finds a managed object by its Key on the server and remembers it.
func (c *Client) locate(ctx context.Context, key string) (entry, error) {
	req := ldap.NewSearchRequest(c.cfg.Domain, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, 0, false,
		"("+c.cfg.Mark+"="+naming.EscapeFilter(c.cfg.MarkPrefix+key)+")",
		[]string{"objectClass", "objectGUID", "userAccountControl", c.storeAttr()}, nil)
	var found []entry
	err := c.search(ctx, req, func(e *ldap.Entry) error {
		en := entry{dn: e.DN, guid: formatGUID(e.GetRawAttributeValue("objectGUID"))}
		for _, v := range e.GetAttributeValues(c.cfg.Store) {
			if h, ok := strings.CutPrefix(v, homePrefix); ok {
				en.home = h
			}
		}
		en.uac, _ = strconv.Atoi(e.GetAttributeValue("userAccountControl"))
		for _, oc := range e.GetAttributeValues("objectClass") {
			switch strings.ToLower(oc) {
			case "organizationalunit":
				en.kind = diff.Container
			case "group":
				en.kind = diff.Group
			case "user":
				if en.kind == "" {
					en.kind = diff.User
				}
			}
		}
		found = append(found, en)
		return nil
	})
	if err != nil {
		return entry{}, opError("locate", key, "", err)
	}
	switch len(found) {
	case 0:
		return entry{}, &Error{Op: "locate", Key: key, Kind: diff.ErrNotFound, Err: fmt.Errorf("no object under %s carries the mark", c.cfg.Base)}
	case 1:
		c.state.put(key, found[0])
		return found[0], nil
	}
	return entry{}, &Error{Op: "locate", Key: key, Kind: diff.ErrConstraint, Err: fmt.Errorf("%d objects carry the same key", len(found))}
}

func (c *Client) markValue(key string) string { return c.cfg.MarkPrefix + key }

func (c *Client) create(ctx context.Context, ch diff.Change) error {
	o := ch.After
	if o == nil {
		return &Error{Op: "create", Key: ch.Key, Kind: diff.ErrInvalidPlan, Err: errors.New("no After object")}
	}
	if err := checkName("create", o); err != nil {
		return err
	}
	parent, err := c.parentDN(ctx, o.Parent)
	if err != nil {
		return &Error{Op: "create", Key: o.Key, Kind: diff.ErrNotFound, Err: fmt.Errorf("parent %q: %w", o.Parent, err)}
	}
	dn := rdnAttr(o.Kind) + "=" + naming.EscapeDN(o.Name) + "," + parent
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute(c.cfg.Mark, []string{c.markValue(o.Key)})
	attrs := []string{c.cfg.Mark, "cn", "ou", "name"}
	addMapped := func() {
		var packed []string
		for n, v := range o.Attrs.All() {
			a, generic, ok := c.stored(o.Kind, n)
			switch {
			case v == "" || !ok:
			case generic:
				packed = append(packed, n+"="+v)
			default:
				req.Attribute(a, c.values(o.Kind, n, v))
				attrs = append(attrs, a)
			}
		}
		if o.Kind == diff.User && c.cfg.Store != "" {
			packed = append(packed, homePrefix+o.Parent)
		}
		if len(packed) > 0 {
			slices.Sort(packed)
			req.Attribute(c.cfg.Store, packed)
			attrs = append(attrs, c.cfg.Store)
		}
	}
	en := entry{kind: o.Kind, dn: dn}
	if o.Kind == diff.User && c.cfg.Store != "" {
		en.home = o.Parent
	}
	var password string
	switch o.Kind {
	case diff.Container:
		req.Attribute("objectClass", []string{"top", "organizationalUnit"})
		addMapped()
	case diff.Group:
		req.Attribute("objectClass", []string{"top", "group"})
		req.Attribute("groupType", []string{groupTypeGlobalSecurity})
		req.Attribute("sAMAccountName", []string{c.groupSAM(o)})
		attrs = append(attrs, "sAMAccountName")
		addMapped()
	case diff.User:
		username := o.Attrs.Get(attr.Username)
		if err := naming.ValidSAMAccountName(username); err != nil {
			return &Error{Op: "create", Key: o.Key, Attr: "sAMAccountName", Kind: diff.ErrConstraint, Err: err}
		}
		req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
		req.Attribute("userPrincipalName", []string{username + "@" + c.cfg.UPNDomain})
		attrs = append(attrs, "userPrincipalName", "unicodePwd", "userAccountControl", "pwdLastSet")
		addMapped()
		if c.cfg.NewPassword != nil {
			password, err = c.cfg.NewPassword(o.Key)
		} else {
			password, err = naming.Password(nil, naming.PasswordPolicy{})
		}
		if err != nil {
			return &Error{Op: "create", Key: o.Key, Attr: "unicodePwd", Err: err}
		}
		en.uac = uacNormal
		if o.Disabled {
			en.uac |= uacDisabled
		}
		if !c.cfg.SeparatePasswordSet {
			req.Attribute("unicodePwd", []string{unicodePwd(password)})
			req.Attribute("pwdLastSet", []string{"0"})
			req.Attribute("userAccountControl", []string{strconv.Itoa(en.uac)})
		} else {
			req.Attribute("userAccountControl", []string{strconv.Itoa(uacNormal | uacDisabled)})
		}
	default:
		return &Error{Op: "create", Key: o.Key, Kind: diff.ErrInvalidPlan, Err: fmt.Errorf("kind %q is not supported", o.Kind)}
	}
	tries := 0
	err = c.do(ctx, func(conn *ldap.Conn) error {
		tries++
		if password != "" && !isTLS(conn) {
			return errPlain
		}
		return conn.Add(req)
	})
	if err != nil && tries > 1 && errors.Is(sentinel(err), diff.ErrExists) {
		// Our earlier attempt's answer was lost (dropped connection): if
		// the object there is ours with this Key, that attempt worked.
		if e, lerr := c.locate(ctx, o.Key); lerr == nil && sameDN(e.dn, dn) {
			c.state.put(o.Key, en)
			return nil
		}
	}
	if err != nil {
		return opError("create", o.Key, dn, err, attrs...)
	}
	c.state.put(o.Key, en)
	if o.Kind == diff.User && c.cfg.SeparatePasswordSet {
		mod := ldap.NewModifyRequest(dn, nil)
		mod.Replace("unicodePwd", []string{unicodePwd(password)})
		mod.Replace("pwdLastSet", []string{"0"})
		if err := c.modify(ctx, o.Key, mod, true); err != nil {
			return err
		}
		if en.uac&uacDisabled == 0 {
			mod := ldap.NewModifyRequest(dn, nil)
			mod.Replace("userAccountControl", []string{strconv.Itoa(en.uac)})
			if err := c.modify(ctx, o.Key, mod, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// modify sends mod for key, relocating the object once if its DN is stale.
func (c *Client) modify(ctx context.Context, key string, mod *ldap.ModifyRequest, secret bool) error {
	names := make([]string, 0, len(mod.Changes))
	for _, ch := range mod.Changes {
		names = append(names, ch.Modification.Type)
	}
	err := c.do(ctx, func(conn *ldap.Conn) error {
		if secret && !isTLS(conn) {
			return errPlain
		}
		return conn.Modify(mod)
	})
	if err != nil && stale(err) && key != "" {
		if e, lerr := c.locate(ctx, key); lerr == nil && !sameDN(e.dn, mod.DN) {
			mod.DN = e.dn
			err = c.do(ctx, func(conn *ldap.Conn) error { return conn.Modify(mod) })
		}
	}
	return opError("modify", key, mod.DN, err, names...)
}

func (c *Client) adopt(ctx context.Context, ch diff.Change) error {
	if ch.Before == nil || ch.Before.ID == "" {
		return &Error{Op: "adopt", Key: ch.Key, Kind: diff.ErrInvalidPlan, Err: errors.New("no Before.ID")}
	}
	dn, ok := c.state.unmanagedDN(ch.Before.ID)
	if !ok {
		return &Error{Op: "adopt", Key: ch.Key, Kind: diff.ErrNotFound, Err: fmt.Errorf("object %s was not read as an adoption candidate", ch.Before.ID)}
	}
	mod := ldap.NewModifyRequest(dn, nil)
	mod.Replace(c.cfg.Mark, []string{c.markValue(ch.Key)})
	if err := c.modify(ctx, "", mod, false); err != nil {
		return retag(err, "adopt", ch.Key)
	}
	c.state.put(ch.Key, entry{kind: ch.Kind, dn: dn, guid: ch.Before.ID})
	return nil
}

// retag sets Op and Key of an *Error.
func retag(err error, op, key string) error {
	var e *Error
	if errors.As(err, &e) {
		e.Op, e.Key = op, key
	}
	return err
}

// managedEntry returns the entry of a change's object, refusing objects
// without the mark.
func (c *Client) managedEntry(ctx context.Context, ch diff.Change) (entry, error) {
	op := ch.Action.String()
	if ch.Before != nil && !ch.Before.Managed {
		return entry{}, &Error{Op: op, Key: ch.Key, DN: ch.Before.ID, Kind: diff.ErrUnmanaged}
	}
	if e, ok := c.state.get(ch.Key); ok {
		return e, nil
	}
	e, err := c.locate(ctx, ch.Key)
	if err != nil {
		return entry{}, retag(err, op, ch.Key)
	}
	return e, nil
}

func (c *Client) change(ctx context.Context, ch diff.Change) error {
	e, err := c.managedEntry(ctx, ch)
	if err != nil {
		if ch.Action == diff.Delete && errors.Is(err, diff.ErrNotFound) {
			return nil // already gone
		}
		return err
	}
	switch ch.Action {
	case diff.Update:
		return c.update(ctx, ch, e)
	case diff.Rename:
		return c.rename(ctx, ch, e)
	case diff.Move:
		return c.move(ctx, ch, e)
	case diff.Enable, diff.Disable:
		return c.setDisabled(ctx, ch, e)
	case diff.AddMember, diff.RemoveMember:
		if ch.Member == "" {
			return &Error{Op: ch.Action.String(), Key: ch.Key, Kind: diff.ErrInvalidPlan, Err: errors.New("no member")}
		}
		m, err := c.managedEntry(ctx, diff.Change{Action: ch.Action, Key: ch.Member})
		if err != nil {
			if ch.Action == diff.RemoveMember && errors.Is(err, diff.ErrNotFound) {
				return nil // AD removed the link with the object
			}
			return retag(err, ch.Action.String()+" "+ch.Member+" to", ch.Key)
		}
		return c.batch.do(ctx, ch.Action == diff.AddMember, ch.Key, e.dn, ch.Member, m.dn)
	case diff.Delete:
		err := c.do(ctx, func(conn *ldap.Conn) error { return conn.Del(ldap.NewDelRequest(e.dn, nil)) })
		if err != nil && errors.Is(sentinel(err), diff.ErrNotFound) {
			err = nil
		}
		if err != nil {
			return opError("delete", ch.Key, e.dn, err)
		}
		c.state.remove(ch.Key)
		return nil
	}
	return nil
}

func (c *Client) update(ctx context.Context, ch diff.Change, e entry) error {
	mod := ldap.NewModifyRequest(e.dn, nil)
	var packed map[string]string // generic attributes after the change
	for _, ac := range ch.Attrs {
		if ch.Kind == diff.User && ac.Name == attr.Username {
			if err := naming.ValidSAMAccountName(ac.After); err != nil {
				return &Error{Op: "update", Key: ch.Key, Attr: "sAMAccountName", Kind: diff.ErrConstraint, Err: err}
			}
			mod.Replace("sAMAccountName", []string{ac.After})
			mod.Replace("userPrincipalName", []string{ac.After + "@" + c.cfg.UPNDomain})
			continue
		}
		a, generic, ok := c.stored(ch.Kind, ac.Name)
		switch {
		case !ok:
			c.cfg.Logger.Debug("ad: attribute not stored in AD; call Prepare on desired objects", "key", ch.Key, "attribute", ac.Name)
		case generic:
			if packed == nil {
				var err error
				if packed, err = c.packedNow(ctx, ch, e); err != nil {
					return err
				}
			}
			if ac.After == "" {
				delete(packed, ac.Name)
			} else {
				packed[ac.Name] = ac.After
			}
		default:
			mod.Replace(a, c.values(ch.Kind, ac.Name, ac.After))
		}
	}
	if packed != nil {
		vals := make([]string, 0, len(packed))
		for n, v := range packed {
			vals = append(vals, n+"="+v)
		}
		slices.Sort(vals)
		mod.Replace(c.cfg.Store, vals)
	}
	if len(mod.Changes) == 0 {
		return nil
	}
	return retag(c.modify(ctx, ch.Key, mod, false), "update", ch.Key)
}

func (c *Client) rename(ctx context.Context, ch diff.Change, e entry) error {
	if ch.After == nil {
		return &Error{Op: "rename", Key: ch.Key, Kind: diff.ErrInvalidPlan, Err: errors.New("no After object")}
	}
	if err := checkName("rename", ch.After); err != nil {
		return err
	}
	rdn := rdnAttr(ch.Kind) + "=" + naming.EscapeDN(ch.After.Name)
	return c.moddn(ctx, "rename", ch.Key, e, rdn, "")
}

func (c *Client) move(ctx context.Context, ch diff.Change, e entry) error {
	if ch.After == nil {
		return &Error{Op: "move", Key: ch.Key, Kind: diff.ErrInvalidPlan, Err: errors.New("no After object")}
	}
	parent, err := c.parentDN(ctx, ch.After.Parent)
	if err != nil {
		return &Error{Op: "move", Key: ch.Key, Kind: diff.ErrNotFound, Err: fmt.Errorf("parent %q: %w", ch.After.Parent, err)}
	}
	rdn, _ := splitDN(e.dn)
	if err := c.moddn(ctx, "move", ch.Key, e, rdn, parent); err != nil {
		return err
	}
	if ch.Kind == diff.User && c.cfg.Store != "" && e.home != ch.After.Parent {
		return c.setHome(ctx, ch.Key, e, ch.After.Parent)
	}
	return nil
}

// homeAttr is the reserved name under which Config.Store keeps the Key of
// the container orgsync last put a user in.
const (
	homeAttr   = "@home"
	homePrefix = homeAttr + "="
)

// setHome records the container orgsync put a user in (for the hand-move
// rule, see Read): it rewrites the "@home=" value of Config.Store, keeping
// the other values as the server has them.
func (c *Client) setHome(ctx context.Context, key string, e entry, home string) error {
	e, _ = c.state.get(key) // current DN after the move
	var vals []string
	req := ldap.NewSearchRequest(e.dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{c.cfg.Store}, nil)
	err := c.search(ctx, req, func(en *ldap.Entry) error {
		vals = en.GetAttributeValues(c.cfg.Store)
		return nil
	})
	if err == nil {
		vals = slices.DeleteFunc(vals, func(v string) bool { return strings.HasPrefix(v, homePrefix) })
		mod := ldap.NewModifyRequest(e.dn, nil)
		mod.Replace(c.cfg.Store, append(vals, homePrefix+home))
		err = c.do(ctx, func(conn *ldap.Conn) error { return conn.Modify(mod) })
	}
	if err != nil {
		return opError("move", key, e.dn, err, c.cfg.Store)
	}
	c.state.setHome(key, home)
	return nil
}

// moddn gives the object a new RDN and/or parent (newSup "" keeps it).
func (c *Client) moddn(ctx context.Context, op, key string, e entry, rdn, newSup string) error {
	for attempt := 0; ; attempt++ {
		oldRDN, oldParent := splitDN(e.dn)
		parent := oldParent
		if newSup != "" {
			parent = newSup
		}
		if sameRDN(oldRDN, rdn) && sameDN(oldParent, parent) {
			return nil // already there
		}
		newDN := rdn + "," + parent
		err := c.do(ctx, func(conn *ldap.Conn) error {
			return conn.ModifyDN(ldap.NewModifyDNRequest(e.dn, rdn, true, newSup))
		})
		if err == nil {
			c.state.moved(key, newDN)
			return nil
		}
		if attempt == 0 && stale(err) {
			// moved by someone else or by a concurrent change of a parent,
			// or our earlier answer was lost
			if ne, lerr := c.locate(ctx, key); lerr == nil && !sameDN(ne.dn, e.dn) {
				e = ne
				continue
			}
		}
		return opError(op, key, e.dn, err, "cn", "ou", "name")
	}
}

func (c *Client) setDisabled(ctx context.Context, ch diff.Change, e entry) error {
	op := ch.Action.String()
	mod := ldap.NewModifyRequest(e.dn, nil)
	disable := ch.Action == diff.Disable
	uac := e.uac
	if ch.Kind == diff.User {
		if uac == 0 {
			uac = uacNormal
		}
		if disable {
			uac |= uacDisabled
		} else {
			uac &^= uacDisabled
		}
		mod.Replace("userAccountControl", []string{strconv.Itoa(uac)})
	}
	if a := c.cfg.Attributes.DisabledDate; a != "" {
		date := ""
		if ch.After != nil {
			date = ch.After.Attrs.Get(attr.DisabledDate)
		}
		if date == "" {
			mod.Replace(a, []string{})
		} else {
			mod.Replace(a, []string{date})
		}
	}
	if len(mod.Changes) == 0 {
		return nil
	}
	if err := c.modify(ctx, ch.Key, mod, false); err != nil {
		return retag(err, op, ch.Key)
	}
	if ch.Kind == diff.User {
		c.state.setUAC(ch.Key, uac)
	}
	return nil
}

// sameRDN reports whether two RDNs have the same type and exactly the same
// value, however they are escaped.
func sameRDN(a, b string) bool {
	da, errA := ldap.ParseDN(a)
	db, errB := ldap.ParseDN(b)
	if errA != nil || errB != nil || len(da.RDNs) != 1 || len(db.RDNs) != 1 {
		return a == b
	}
	return da.RDNs[0].Equal(db.RDNs[0])
}

// sameDN reports whether two DNs name the same entry (AD compares names
// case-insensitively), however they are escaped.
func sameDN(a, b string) bool {
	da, errA := ldap.ParseDN(a)
	db, errB := ldap.ParseDN(b)
	if errA != nil || errB != nil {
		return strings.EqualFold(a, b)
	}
	return da.EqualFold(db)
}

// stored returns the AD attribute that holds the neutral attribute name of
// kind: its own mapping, or (generic) Config.Store. ok is false when the
// attribute is not stored at all.
func (c *Client) stored(kind diff.Kind, name string) (adAttr string, generic, ok bool) {
	if a, ok := c.attrs[kind][name]; ok {
		return a, false, true
	}
	if slices.Contains(c.cfg.Attributes.Omit, name) {
		return "", false, false
	}
	if name == attr.CPR || c.cfg.Store == "" || name == "" || strings.Contains(name, "=") || strings.HasPrefix(name, "@") {
		return "", false, false
	}
	return c.cfg.Store, true, true
}

// packedNow returns the generic attributes the object holds now: from the
// change's Before when it has one, otherwise from the server.
func (c *Client) packedNow(ctx context.Context, ch diff.Change, e entry) (map[string]string, error) {
	out := map[string]string{}
	if ch.Before != nil {
		for n, v := range ch.Before.Attrs.All() {
			if _, generic, ok := c.stored(ch.Kind, n); ok && generic {
				out[n] = v
			}
		}
		if e.home != "" {
			out[homeAttr] = e.home
		}
		return out, nil
	}
	req := ldap.NewSearchRequest(e.dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{c.cfg.Store}, nil)
	err := c.search(ctx, req, func(en *ldap.Entry) error {
		for _, v := range en.GetAttributeValues(c.cfg.Store) {
			if n, val, ok := strings.Cut(v, "="); ok {
				out[n] = val // includes @home
			}
		}
		return nil
	})
	if err != nil {
		return nil, opError("update", ch.Key, e.dn, err)
	}
	return out, nil
}

// stale reports whether err may come from a DN that changed under us (the
// object or a parent was moved or renamed, perhaps by a concurrent change
// of the same stage): AD answers 32, Samba also 80 "parent does not
// exist". The caller looks the object up by its mark and tries again.
func stale(err error) bool {
	switch resultCode(err) {
	case ldap.LDAPResultNoSuchObject, ldap.LDAPResultOther:
		return true
	}
	return false
}

// storeAttr is Config.Store, or a harmless attribute name when there is
// none (searches need a name).
func (c *Client) storeAttr() string {
	if c.cfg.Store == "" {
		return "1.1"
	}
	return c.cfg.Store
}

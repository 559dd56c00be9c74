package ad

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/naming"
)

// uacDisabled is the ACCOUNTDISABLE bit of userAccountControl.
const uacDisabled = 0x2

// uacNormal is a normal, enabled account (NORMAL_ACCOUNT).
const uacNormal = 0x200

// Read returns every object under Config.Base that carries the management
// mark, with its Key, Name, Parent, the attributes the adapter maps,
// Disabled (users) and, for groups, the Keys of their managed members
// (members orgsync does not manage are not reported and never removed).
// Unmanaged users with the adoption attribute (Config.AdoptBy) are
// returned as candidates with Managed false and no Key.
//
// Read uses one paged search on a connection of its own (see wire.go)
// and follows AD's ranged retrieval for groups with more than 1500
// members. A Base that does not exist reads as empty (and is logged):
// nothing is managed there yet. It also refreshes the Key → DN map Apply
// works from.
//
// A user moved by hand into an OU of another of their own institutions
// (Attrs "institutions") is reported in the container orgsync last put
// them in (remembered in Config.Store as "@home=<Key>"), so the plan
// leaves them where they are. A user moved anywhere else is reported where
// they are, and the plan moves them back.
func (c *Client) Read(ctx context.Context) ([]diff.Object, error) {
	delay := c.cfg.RetryDelay
	for attempt := 0; ; attempt++ {
		objs, err := c.read(ctx)
		if err == nil || ctx.Err() != nil || !temporary(err) || attempt >= c.cfg.Retries {
			return objs, err
		}
		c.cfg.Logger.Warn("ad: read failed, retrying", "err", err, "attempt", attempt+1)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// raw is one entry as read, before parents and members are resolved.
type raw struct {
	obj     diff.Object
	dn      string
	parent  string // parent DN
	members []string
	uac     int
	home    string // users: Key of the container orgsync last put it in
	stray   bool   // managed, found outside Base (see Config.Strays)
}

func (c *Client) read(ctx context.Context) ([]diff.Object, error) {
	// The update sequence number is taken before the search: a change
	// made while it runs is read again by the next delta (ReadDelta).
	mark, markErr := c.usnMark(ctx)
	var raws []raw
	lower := map[string]string{} // attribute name as sent → lower case
	err := c.wireSearch(ctx, c.cfg.Base, c.readFilter(), c.readAttrs(), func(e *wireEntry) error {
		r, ok, err := c.decode(ctx, e, lower)
		if ok {
			raws = append(raws, r)
		}
		return err
	})
	if err != nil && len(raws) == 0 && resultCode(err) == ldap.LDAPResultNoSuchObject {
		// No base yet: nothing is managed. Creates will need it (EnsureBase).
		c.cfg.Logger.Warn("ad: the base does not exist; reading it as empty", "base", c.cfg.Base)
		c.state.replace(map[string]*entry{}, map[string]string{})
		c.delta.reset()
		return nil, nil
	}
	if err != nil {
		c.delta.reset()
		return nil, opError("read", "", c.cfg.Base, err)
	}
	strays, err := c.readStrays(ctx, lower)
	if err != nil {
		c.delta.reset()
		return nil, err
	}
	raws = append(raws, strays...)
	if markErr != nil {
		c.cfg.Logger.Warn("ad: no update sequence number; the next delta read reads everything", "err", markErr)
		c.delta.reset()
	} else {
		c.delta.keep(mark, raws)
	}
	return c.resolve(raws), nil
}

// resolve turns the raw entries of a read (in Base, and managed strays
// found under Domain) into objects: parents, institutions and members are
// resolved, and the Key → DN map Apply works from is replaced. A stray
// with the Key of an object in Base is ignored. raws is not changed.
func (c *Client) resolve(all []raw) []diff.Object {
	seen := make(map[string]bool, len(all))
	for i := range all {
		if all[i].obj.Managed && !all[i].stray {
			seen[all[i].obj.Key] = true
		}
	}
	raws := make([]raw, 0, len(all))
	for _, r := range all {
		if r.stray && seen[r.obj.Key] {
			c.cfg.Logger.Warn("ad: a managed object outside the base has the key of one inside it; ignored", "key", r.obj.Key, "dn", r.dn)
			continue
		}
		raws = append(raws, r)
	}

	// DNs as the server sent them find their entries directly; a DN
	// spelled differently (case, escaping) is looked up by its lower case,
	// in a map built only when such a DN turns up.
	byDN := make(map[string]*raw, len(raws))
	var byLower map[string]*raw
	find := func(dn string) *raw {
		if r, ok := byDN[dn]; ok {
			return r
		}
		if byLower == nil {
			byLower = make(map[string]*raw, len(raws))
			for i := range raws {
				byLower[strings.ToLower(raws[i].dn)] = &raws[i]
			}
		}
		return byLower[strings.ToLower(dn)]
	}
	entries := make([]entry, len(raws))
	byKey := make(map[string]*entry, len(raws))
	unmanaged := map[string]string{}
	for i := range raws {
		r := &raws[i]
		byDN[r.dn] = r
		if r.obj.Managed {
			entries[i] = entry{kind: r.obj.Kind, dn: r.dn, guid: r.obj.ID, uac: r.uac, home: r.home}
			byKey[r.obj.Key] = &entries[i]
		} else {
			unmanaged[r.obj.ID] = r.dn
		}
	}
	isBase := func(dn string) bool { return strings.EqualFold(dn, c.cfg.Base) }
	managedContainer := func(dn string) *raw {
		if isBase(dn) {
			return nil
		}
		p := find(dn)
		if p != nil && p.obj.Managed && p.obj.Kind == diff.Container {
			return p
		}
		return nil
	}
	// institution returns the number of the nearest managed institution
	// container at or above dn (remembered per DN: siblings share it).
	insts := map[string]string{}
	institution := func(dn string) string {
		if n, ok := insts[dn]; ok {
			return n
		}
		n := ""
		for d := dn; d != "" && !isBase(d); _, d = splitDN(d) {
			if p := managedContainer(d); p != nil {
				if n = institutionOf(p.obj.Key); n != "" {
					break
				}
			}
		}
		insts[dn] = n
		return n
	}
	out := make([]diff.Object, 0, len(raws))
	for i := range raws {
		r := &raws[i]
		o := r.obj
		switch p := managedContainer(r.parent); {
		case p != nil:
			o.Parent = p.obj.Key
		case isBase(r.parent):
			o.Parent = ""
		case r.stray && c.cfg.Strays == "leave" && o.Kind == diff.User && r.home != "":
			// left where it is: reported at home, so the plan leaves it
			c.cfg.Logger.Warn("ad: a managed user was moved out of the base by hand; left there (ad strays: leave)", "key", o.Key, "dn", r.dn)
			o.Parent = r.home
		default:
			// not a container orgsync manages (also outside Base): the
			// plan moves it back
			if r.stray {
				c.cfg.Logger.Warn("ad: a managed object was moved out of the base by hand; the plan moves it back", "key", o.Key, "dn", r.dn)
			}
			o.Parent = "dn:" + r.parent
		}
		if o.Kind != diff.Container || !isInstitutionKey(o.Key) {
			o.Institution = institution(r.parent)
		} else {
			o.Institution = institutionOf(o.Key)
		}
		if o.Institution == "" && o.Kind == diff.User {
			if insts := o.Attrs.Get(attr.Institutions); insts != "" {
				o.Institution, _, _ = strings.Cut(insts, ",")
			}
		}
		if len(r.members) > 0 {
			o.Members = make([]string, 0, len(r.members))
			for _, m := range r.members {
				if mr := find(m); mr != nil && mr.obj.Managed {
					o.Members = append(o.Members, mr.obj.Key)
				}
			}
			slices.Sort(o.Members)
			if len(o.Members) == 0 {
				o.Members = nil
			}
		}
		if o.Kind == diff.User && o.Managed {
			homeDN := ""
			if h := byKey[r.home]; h != nil {
				homeDN = h.dn
			}
			c.keepHandMove(&o, r, homeDN, institution)
		}
		out = append(out, o)
	}
	c.state.replace(byKey, unmanaged)
	return out
}

// keepHandMove applies the hand-move rule to a managed user: a user found
// in an OU of one of their own institutions (Attrs "institutions") other
// than the institution of the container orgsync last put them in (their
// home) is reported at home, so the plan leaves them where they are —
// unless the plan wants them somewhere else anyway.
func (c *Client) keepHandMove(o *diff.Object, r *raw, homeDN string, institution func(string) string) {
	if r.home == "" || o.Parent == r.home {
		return
	}
	here := institution(r.parent)
	if here == "" || !slices.Contains(splitList(o.Attrs.Get(attr.Institutions)), here) {
		return
	}
	there := institutionOf(r.home)
	if homeDN != "" {
		if n := institution(homeDN); n != "" {
			there = n
		}
	}
	if there == here {
		return // same institution, wrong OU: the plan moves them back
	}
	c.cfg.Logger.Debug("ad: user moved by hand into another of their institutions; leaving them there",
		"key", o.Key, "parent", o.Parent, "institution", here)
	o.Parent = r.home
}

// institutionOf returns the institution number in a container Key of the
// layouts diff/desired produces ("ou/inst/N", "ou/inst/N/…",
// "ou/students/N", "ou/employees/N"), or "".
func institutionOf(key string) string {
	parts := strings.Split(key, "/")
	if len(parts) >= 3 && parts[0] == "ou" && (parts[1] == "inst" || (len(parts) == 3 && (parts[1] == "students" || parts[1] == "employees"))) {
		return parts[2]
	}
	return ""
}

func isInstitutionKey(key string) bool { return institutionOf(key) != "" }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func (c *Client) readFilter() string {
	mark := "(" + c.cfg.Mark + "=" + naming.EscapeFilter(c.cfg.MarkPrefix) + "*)"
	adopt := c.adoptAttr()
	if adopt == "" {
		return mark
	}
	return "(|" + mark + "(&(objectCategory=person)(objectClass=user)(" + adopt + "=*)))"
}

// adoptAttr is the AD attribute of the adoption match, or "".
func (c *Client) adoptAttr() string {
	switch c.cfg.AdoptBy {
	case attr.Username:
		return "sAMAccountName"
	case attr.CPR:
		return c.cfg.Attributes.CPR
	}
	return ""
}

func (c *Client) readAttrs() []string {
	set := map[string]bool{"objectClass": true, "objectGUID": true, "name": true,
		"userAccountControl": true, "member": true, c.cfg.Mark: true}
	if c.cfg.Store != "" {
		set[c.cfg.Store] = true
	}
	for _, m := range c.attrs {
		for _, a := range m {
			set[a] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// decode turns an entry into a raw object; ok is false for entries Read
// does not report. lower caches the lower case of attribute names.
func (c *Client) decode(ctx context.Context, e *wireEntry, lower map[string]string) (r raw, ok bool, err error) {
	r.dn = e.dn
	_, r.parent = splitDN(e.dn)
	var kind diff.Kind
	for _, oc := range e.values("objectClass") {
		switch {
		case strings.EqualFold(oc, "organizationalUnit"):
			kind = diff.Container
		case strings.EqualFold(oc, "group"):
			kind = diff.Group
		case strings.EqualFold(oc, "user"):
			if kind == "" {
				kind = diff.User
			}
		case strings.EqualFold(oc, "computer"):
			return raw{}, false, nil
		}
	}
	if kind == "" {
		return raw{}, false, nil
	}
	o := diff.Object{Kind: kind, Name: e.value("name"), ID: formatGUID(e.value("objectGUID"))}
	if mark := e.value(c.cfg.Mark); strings.HasPrefix(mark, c.cfg.MarkPrefix) {
		o.Key = mark[len(c.cfg.MarkPrefix):]
		o.Managed = true
	} else if kind != diff.User {
		return raw{}, false, nil
	}
	rev := c.rev[kind]
	store := strings.ToLower(c.cfg.Store)
	// Collect the attributes unordered, then sort once: cheaper than
	// keeping them sorted while reading thousands of entries.
	attrs := make(diff.Attrs, 0, len(e.attrs))
	set := func(n, v string) { attrs = append(attrs, diff.Attr{Name: n, Value: v}) }
	for _, a := range e.attrs {
		name, ok := lower[a.name]
		if !ok {
			name = strings.ToLower(a.name)
			lower[a.name] = name
		}
		if n, ok := rev[name]; ok && len(a.vals) > 0 {
			if len(a.vals) > 1 && c.multi(kind, n) {
				vals := slices.Clone(a.vals) // one value per item: sorted, as the plan writes lists
				slices.Sort(vals)
				set(n, strings.Join(vals, ","))
			} else {
				set(n, strings.Join(a.vals, ","))
			}
		}
		if name == store && store != "" {
			for _, v := range a.vals {
				if h, ok := strings.CutPrefix(v, homePrefix); ok {
					r.home = h
					continue
				}
				if n, val, ok := strings.Cut(v, "="); ok {
					if _, mapped := c.attrs[kind][n]; !mapped && n != attr.CPR {
						set(n, val)
					}
				}
			}
		}
		if kind == diff.Group && (name == "member" || strings.HasPrefix(name, "member;range=")) {
			r.members = append(r.members, a.vals...)
			if strings.HasPrefix(name, "member;range=") && !strings.HasSuffix(name, "-*") {
				more, err := c.rangedMembers(ctx, e.dn, name)
				if err != nil {
					return raw{}, false, err
				}
				r.members = append(r.members, more...)
			}
		}
	}
	o.Attrs = sortAttrs(attrs)
	if kind == diff.User {
		r.uac, _ = strconv.Atoi(e.value("userAccountControl"))
		o.Disabled = r.uac&uacDisabled != 0
	}
	r.obj = o
	return r, true, nil
}

// rangedMembers fetches the rest of a group's members after the first
// range AD returned (attribute "member;range=0-1499").
func (c *Client) rangedMembers(ctx context.Context, dn, first string) ([]string, error) {
	var out []string
	next := rangeEnd(first) + 1
	for next > 0 {
		attr := fmt.Sprintf("member;range=%d-*", next)
		req := ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=*)", []string{attr}, nil)
		next = -1
		err := c.search(ctx, req, func(e *ldap.Entry) error {
			for _, a := range e.Attributes {
				name := strings.ToLower(a.Name)
				if !strings.HasPrefix(name, "member;range=") {
					continue
				}
				out = append(out, a.Values...)
				if !strings.HasSuffix(name, "-*") {
					next = rangeEnd(name) + 1
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rangeEnd parses the upper bound of "member;range=0-1499".
func rangeEnd(attr string) int {
	i := strings.LastIndexByte(attr, '-')
	n, err := strconv.Atoi(attr[i+1:])
	if err != nil {
		return -2
	}
	return n
}

// search runs a paged search on one pooled connection, calling fn for each
// entry. Referrals (Samba returns some) are ignored. The search stops when
// ctx ends.
func (c *Client) search(ctx context.Context, req *ldap.SearchRequest, fn func(*ldap.Entry) error) error {
	s := c.pick()
	conn, err := s.get(ctx, c)
	if err != nil {
		return err
	}
	paging := ldap.NewControlPaging(uint32(c.cfg.PageSize))
	req.Controls = append(req.Controls, paging)
	for {
		resp := conn.SearchAsync(ctx, req, 256)
		var controls []ldap.Control
		for resp.Next() {
			if e := resp.Entry(); e != nil {
				if err := fn(e); err != nil {
					return err
				}
			}
			if cs := resp.Controls(); len(cs) > 0 {
				controls = cs
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := resp.Err(); err != nil {
			if network(err) {
				s.drop(conn)
			}
			return err
		}
		pc, _ := ldap.FindControl(controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if pc == nil || len(pc.Cookie) == 0 {
			return nil
		}
		paging.SetCookie(pc.Cookie)
	}
}

// formatGUID renders AD's objectGUID bytes in the usual string form
// (the first three groups little-endian); "" when they are not 16 bytes.
func formatGUID[B string | []byte](b B) string {
	if len(b) != 16 {
		return ""
	}
	const hexDigits = "0123456789abcdef"
	var out [36]byte
	i := 0
	for j, k := range [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15} {
		if j == 4 || j == 6 || j == 8 || j == 10 {
			out[i] = '-'
			i++
		}
		out[i], out[i+1] = hexDigits[b[k]>>4], hexDigits[b[k]&0xf]
		i += 2
	}
	return string(out[:])
}

// splitDN splits a DN into its first RDN and the parent DN, honouring
// backslash escapes.
func splitDN(dn string) (rdn, parent string) {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			return dn[:i], strings.TrimLeft(dn[i+1:], " ")
		}
	}
	return dn, ""
}

// sortAttrs sorts a by name in place and keeps the last value of a name
// given more than once (a Store value repeated by hand); nil when empty.
func sortAttrs(a diff.Attrs) diff.Attrs {
	if len(a) == 0 {
		return nil
	}
	slices.SortStableFunc(a, func(x, y diff.Attr) int { return strings.Compare(x.Name, y.Name) })
	out := a[:0]
	for i, x := range a {
		if i+1 < len(a) && a[i+1].Name == x.Name {
			continue // a later value of the same name wins
		}
		out = append(out, x)
	}
	return out
}

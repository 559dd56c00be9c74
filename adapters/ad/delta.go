package ad

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
)

// ErrNoDelta is returned (wrapped) by ReadDelta's inner steps when a delta
// cannot stand in for a full read; ReadDelta itself then reads everything.
var ErrNoDelta = errors.New("ad: no delta read possible")

// controlShowDeleted is LDAP_SERVER_SHOW_DELETED_OID: a search sees
// tombstones under CN=Deleted Objects.
const controlShowDeleted = "1.2.840.113556.1.4.417"

// usnMark is where a read left off: the server it read from (its
// dsServiceName; update sequence numbers are per domain controller), the
// domain naming context, and the highestCommittedUSN taken before it read.
type usnMark struct {
	server string
	domain string
	usn    int64
}

// deltaCache holds the raw entries of the last read (full or delta) by
// objectGUID, and the mark it was taken at. Only the Client's reads touch
// it, under mu.
type deltaCache struct {
	mu    sync.Mutex
	ok    bool
	mark  usnMark
	byID  map[string]raw
	order []string // objectGUIDs in the order first read
	last  bool     // the last read was a delta (for tests)
}

func (d *deltaCache) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ok, d.byID, d.order, d.last = false, nil, nil, false
}

func (d *deltaCache) keep(m usnMark, raws []raw) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ok, d.mark, d.last = true, m, false
	d.byID = make(map[string]raw, len(raws))
	d.order = make([]string, 0, len(raws))
	for _, r := range raws {
		if _, dup := d.byID[r.obj.ID]; !dup {
			d.order = append(d.order, r.obj.ID)
		}
		d.byID[r.obj.ID] = r
	}
}

// usnMark reads the rootDSE: dsServiceName, defaultNamingContext and
// highestCommittedUSN.
func (c *Client) usnMark(ctx context.Context) (usnMark, error) {
	var m usnMark
	err := c.do(ctx, func(conn *ldap.Conn) error {
		res, err := conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=*)", []string{"dsServiceName", "defaultNamingContext", "highestCommittedUSN"}, nil))
		if err != nil {
			return err
		}
		if len(res.Entries) != 1 {
			return fmt.Errorf("rootDSE: %d entries", len(res.Entries))
		}
		e := res.Entries[0]
		m.server = e.GetAttributeValue("dsServiceName")
		m.domain = e.GetAttributeValue("defaultNamingContext")
		m.usn, err = strconv.ParseInt(e.GetAttributeValue("highestCommittedUSN"), 10, 64)
		if err != nil {
			return fmt.Errorf("rootDSE highestCommittedUSN: %w", err)
		}
		return nil
	})
	return m, err
}

// ReadDelta returns what Read would return now, reading only the entries
// that changed since the last read of this Client: those with uSNChanged
// above the highestCommittedUSN taken before that read, the tombstones of
// deleted ones (with the show-deleted control, under CN=Deleted Objects),
// and nothing else. The entries not changed come from the last read.
//
// It reads everything (as Read) when there is no earlier read, when the
// server answering is not the one read last time (update sequence numbers
// are per domain controller), when a managed container was renamed, moved
// or deleted since (its descendants' DNs change without their uSNChanged),
// or when a step fails; ErrNoDelta is logged with the reason. The service
// account must be able to list CN=Deleted Objects (see docs/AD-RIGHTS.md);
// where it may not, the search for tombstones fails and every delta read
// is a full read.
//
// A delta read's objects are the objects a full read would have returned
// at the same moment (tested against Samba); whoever relies on it still
// runs a full read on a schedule (the nightly run), which also renews the
// cache ReadDelta works from.
func (c *Client) ReadDelta(ctx context.Context) ([]diff.Object, error) {
	objs, err := c.readDelta(ctx)
	if err == nil {
		return objs, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if !errors.Is(err, ErrNoDelta) {
		c.cfg.Logger.Warn("ad: delta read failed; reading everything", "err", err)
	} else {
		c.cfg.Logger.Info("ad: reading everything", "reason", err)
	}
	return c.Read(ctx)
}

// strayRoot is where strays are looked for, or "" when Config says not to
// (see readStrays).
func (c *Client) strayRoot() string {
	if c.cfg.Domain == "" || !under(c.cfg.Base, c.cfg.Domain) || strings.EqualFold(c.cfg.Domain, c.cfg.Base) {
		return ""
	}
	return c.cfg.Domain
}

func (c *Client) readDelta(ctx context.Context) ([]diff.Object, error) {
	c.delta.mu.Lock()
	defer c.delta.mu.Unlock()
	d := &c.delta
	if !d.ok {
		return nil, fmt.Errorf("%w: no earlier read", ErrNoDelta)
	}
	now, err := c.usnMark(ctx)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(now.server, d.mark.server) || now.usn < d.mark.usn {
		return nil, fmt.Errorf("%w: another domain controller (%s, was %s)", ErrNoDelta, now.server, d.mark.server)
	}
	since := "(uSNChanged>=" + strconv.FormatInt(d.mark.usn+1, 10) + ")"
	byID := make(map[string]raw, len(d.byID))
	for id, r := range d.byID {
		byID[id] = r
	}
	order := d.order
	renamed := map[string]string{} // old DN (lower case) → new DN
	// gone drops an entry that changed; a managed container that moved or
	// went away ends the delta.
	gone := func(id, dn string) error {
		r, ok := byID[id]
		if !ok {
			return nil
		}
		if dn != r.dn {
			if r.obj.Kind == diff.Container && r.obj.Managed {
				return fmt.Errorf("%w: managed container %s renamed, moved or deleted", ErrNoDelta, r.dn)
			}
			renamed[strings.ToLower(r.dn)] = dn
		}
		delete(byID, id)
		return nil
	}
	// Every entry of the domain that changed: dropped here, read again
	// below if it still belongs to the read.
	err = c.wireSearch(ctx, now.domain, since, []string{"objectGUID"}, func(e *wireEntry) error {
		return gone(formatGUID(e.value("objectGUID")), e.dn)
	})
	if err != nil {
		return nil, opError("read changes", "", now.domain, err)
	}
	// Tombstones of entries deleted since.
	req := ldap.NewSearchRequest("CN=Deleted Objects,"+now.domain, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(isDeleted=TRUE)"+since+")", []string{"objectGUID"}, []ldap.Control{ldap.NewControlString(controlShowDeleted, true, "")})
	tombstones := 0
	err = c.search(ctx, req, func(e *ldap.Entry) error {
		tombstones++
		return gone(formatGUID(e.GetRawAttributeValue("objectGUID")), "")
	})
	if err != nil {
		return nil, fmt.Errorf("%w: deleted objects not readable: %v", ErrNoDelta, err)
	}
	if tombstones == 0 {
		// An account that may not list the tombstones finds none, without
		// an error: a deletion would go unseen. Trust "none deleted" only
		// from an account that sees some tombstone.
		if ok, err := c.seesTombstones(ctx, now.domain); err != nil || !ok {
			return nil, fmt.Errorf("%w: no tombstone visible under CN=Deleted Objects (see docs/AD-RIGHTS.md)", ErrNoDelta)
		}
	}
	// The changed entries that belong to the read: under Base as Read
	// filters them, and managed strays under Domain.
	lower := map[string]string{}
	add := func(r raw) {
		if _, ok := d.byID[r.obj.ID]; !ok {
			order = append(order, r.obj.ID)
		}
		byID[r.obj.ID] = r
	}
	err = c.wireSearch(ctx, c.cfg.Base, "(&"+since+c.readFilter()+")", c.readAttrs(), func(e *wireEntry) error {
		r, ok, err := c.decode(ctx, e, lower)
		if ok {
			add(r)
		}
		return err
	})
	if err != nil {
		return nil, opError("read changes", "", c.cfg.Base, err)
	}
	if root := c.strayRoot(); root != "" {
		filter := "(&" + since + "(" + c.cfg.Mark + "=" + naming.EscapeFilter(c.cfg.MarkPrefix) + "*))"
		err = c.wireSearch(ctx, root, filter, c.readAttrs(), func(e *wireEntry) error {
			if under(e.dn, c.cfg.Base) {
				return nil
			}
			r, ok, err := c.decode(ctx, e, lower)
			if err != nil || !ok || !r.obj.Managed {
				return err
			}
			r.stray = true
			add(r)
			return nil
		})
		if err != nil {
			return nil, opError("read changes outside the base", "", root, err)
		}
	}
	// A user renamed or moved is a member of its groups under its new DN,
	// which the server changed without touching the groups.
	raws := make([]raw, 0, len(byID))
	kept := order[:0:0]
	for _, id := range order {
		r, ok := byID[id]
		if !ok {
			continue
		}
		if len(renamed) > 0 && len(r.members) > 0 {
			members := make([]string, len(r.members))
			for i, m := range r.members {
				if n, ok := renamed[strings.ToLower(m)]; ok && n != "" {
					m = n
				}
				members[i] = m
			}
			r.members = members
			byID[id] = r
		}
		kept = append(kept, id)
		raws = append(raws, r)
	}
	d.mark, d.byID, d.order, d.last = now, byID, kept, true
	return c.resolve(raws), nil
}

// seesTombstones reports whether the account sees at least one tombstone
// under CN=Deleted Objects of domain.
func (c *Client) seesTombstones(ctx context.Context, domain string) (bool, error) {
	found := false
	err := c.do(ctx, func(conn *ldap.Conn) error {
		res, err := conn.Search(ldap.NewSearchRequest("CN=Deleted Objects,"+domain, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 1, 0, false,
			"(isDeleted=TRUE)", []string{"objectGUID"}, []ldap.Control{ldap.NewControlString(controlShowDeleted, true, "")}))
		if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
			found = true
			return nil
		}
		if err != nil {
			return err
		}
		found = len(res.Entries) > 0
		return nil
	})
	return found, err
}

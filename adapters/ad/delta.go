package ad

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
)

// errNoDelta says (wrapped, with the reason) that a delta cannot stand
// in for a full read; ReadDelta then reads everything and logs why.
var errNoDelta = errors.New("ad: no delta read possible")

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
	// lookups is how many update sequence numbers the last delta looked
	// up by equality, -1 when it searched the open range (for tests).
	lookups int64
	// sees is whether the account sees tombstones, asked once after
	// each full read (the question is slow to answer on a busy domain).
	sees, asked bool
}

func (d *deltaCache) reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ok, d.byID, d.order, d.last = false, nil, nil, false
}

func (d *deltaCache) keep(m usnMark, raws []raw) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ok, d.mark, d.last, d.asked = true, m, false, false
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
// that changed since the last read of this Client: those whose uSNChanged
// lies between the highestCommittedUSN taken before that read and the one
// taken now, with the show-deleted control so that the tombstones of
// entries deleted since come in the same answer. When there are at most
// 2,000 such numbers they are looked up by equality (ORs of 250
// (uSNChanged=N) terms: uSNChanged is indexed, so this costs what changed),
// else with one search for uSNChanged at or above the first (which the
// server may answer by scanning the domain). Changes committed while it
// reads are looked up too, for up to three rounds. The entries not changed
// come from the last read (kept in memory by Read and ReadDelta).
//
// It reads everything (as Read) when there is no earlier read, when the
// server answering is not the one read last time (update sequence numbers
// are per domain controller), when Base is not in the domain's naming
// context, when a managed container was renamed, moved or deleted since
// (its descendants' DNs change without their uSNChanged), when the service
// account sees no tombstone at all (it may not list CN=Deleted Objects, so
// a deletion would go unseen; see docs/AD-RIGHTS.md), or when a step
// fails; the reason is logged (errNoDelta).
//
// A delta read's objects are the objects a full read would have returned
// at the same moment (TestReadDeltaMatchesRead checks it against Samba,
// plans included); whoever relies on it still runs a full read on a
// schedule (the nightly run), which also renews what ReadDelta works from.
func (c *Client) ReadDelta(ctx context.Context) ([]diff.Object, error) {
	objs, err := c.readDelta(ctx)
	if err == nil {
		return objs, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if !errors.Is(err, errNoDelta) {
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

// usnTerms is the most update sequence numbers a delta looks up by
// equality, in filters of usnChunk terms; a larger gap since the last read
// is read with one range search. maxUSNRounds bounds the look-ups of
// changes committed during a delta read.
const (
	usnTerms     = 2000
	usnChunk     = 250
	maxUSNRounds = 3
)

// usnFilters returns the filters that find every entry whose uSNChanged is
// in [from, to]: ORs of equality terms when there are at most usnTerms
// numbers (uSNChanged is indexed for equality in AD and Samba), else the
// open range (uSNChanged>=from), which also finds later changes. None when
// the range is empty.
func usnFilters(from, to int64) []string {
	if to < from {
		return nil
	}
	if to-from+1 > usnTerms {
		return []string{"(uSNChanged>=" + strconv.FormatInt(from, 10) + ")"}
	}
	var out []string
	for lo := from; lo <= to; lo += usnChunk {
		hi := min(lo+usnChunk-1, to)
		if lo == hi {
			out = append(out, "(uSNChanged="+strconv.FormatInt(lo, 10)+")")
			continue
		}
		var b strings.Builder
		b.WriteString("(|")
		for n := lo; n <= hi; n++ {
			b.WriteString("(uSNChanged=")
			b.WriteString(strconv.FormatInt(n, 10))
			b.WriteString(")")
		}
		b.WriteString(")")
		out = append(out, b.String())
	}
	return out
}

func (c *Client) readDelta(ctx context.Context) ([]diff.Object, error) {
	c.delta.mu.Lock()
	defer c.delta.mu.Unlock()
	d := &c.delta
	if !d.ok {
		return nil, fmt.Errorf("%w: no earlier read", errNoDelta)
	}
	now, err := c.usnMark(ctx)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(now.server, d.mark.server) || now.usn < d.mark.usn {
		return nil, fmt.Errorf("%w: another domain controller (%s, was %s)", errNoDelta, now.server, d.mark.server)
	}
	if !under(c.cfg.Base, now.domain) {
		return nil, fmt.Errorf("%w: base %s is not in the domain %s", errNoDelta, c.cfg.Base, now.domain)
	}
	t0 := time.Now()
	var steps []any
	step := func(name string) { steps = append(steps, name, time.Since(t0)) }
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
				return fmt.Errorf("%w: managed container %s renamed, moved or deleted", errNoDelta, r.dn)
			}
			renamed[strings.ToLower(r.dn)] = dn
		}
		delete(byID, id)
		return nil
	}
	// One search over the domain, tombstones included: every entry that
	// changed is dropped, and read again when it still belongs to the read
	// (under Base as Read filters them, or a managed stray under Domain).
	lower := map[string]string{}
	add := func(r raw) {
		if _, ok := d.byID[r.obj.ID]; !ok {
			order = append(order, r.obj.ID)
		}
		byID[r.obj.ID] = r
	}
	strays := c.strayRoot()
	adopt := c.adoptAttr()
	attrs := append(c.readAttrs(), "isDeleted", "objectCategory")
	tombstones := 0
	each := func(le *ldap.Entry) error {
		e := toWire(le)
		id := formatGUID(e.value("objectGUID"))
		if strings.EqualFold(e.value("isDeleted"), "TRUE") {
			tombstones++
			return gone(id, "")
		}
		if err := gone(id, e.dn); err != nil {
			return err
		}
		inBase := under(e.dn, c.cfg.Base)
		if !inBase && (strays == "" || !under(e.dn, strays)) {
			return nil
		}
		r, ok, err := c.decode(ctx, e, lower)
		if err != nil || !ok {
			return err
		}
		switch {
		case inBase && r.obj.Managed:
			add(r)
		case inBase:
			// an adoption candidate, as readFilter selects them
			if adopt != "" && e.value(adopt) != "" && hasPrefixFold(e.value("objectCategory"), "CN=Person,") {
				add(r)
			}
		case r.obj.Managed:
			r.stray = true
			add(r)
		}
		return nil
	}
	// The changes since the mark, up to now.usn: by equality on each
	// update sequence number when they are few (an indexed look-up each),
	// else one range search (which Samba answers by scanning the domain).
	// Changes committed while we search are looked up too, for a few
	// rounds, so that what is read is as of the last mark taken.
	from := d.mark.usn + 1
	var lookups int64
	for round := 0; ; round++ {
		fs := usnFilters(from, now.usn)
		switch {
		case len(fs) == 1 && strings.Contains(fs[0], ">="):
			lookups = -1
		case lookups >= 0 && len(fs) > 0:
			lookups += now.usn - from + 1
		}
		for _, f := range fs {
			req := ldap.NewSearchRequest(now.domain, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
				f, attrs, []ldap.Control{ldap.NewControlString(controlShowDeleted, true, "")})
			if err := c.search(ctx, req, each); err != nil {
				if errors.Is(err, errNoDelta) {
					return nil, err
				}
				return nil, opError("read changes", "", now.domain, err)
			}
		}
		if round == maxUSNRounds {
			break
		}
		again, err := c.usnMark(ctx)
		if err != nil {
			return nil, err
		}
		if again.usn <= now.usn || !strings.EqualFold(again.server, now.server) {
			break
		}
		from, now = now.usn+1, again
	}
	step("changed")
	if tombstones == 0 {
		// An account that may not list the tombstones finds none, without
		// an error: a deletion would go unseen. Trust "none deleted" only
		// from an account that sees some tombstone.
		if !d.asked {
			ok, err := c.seesTombstones(ctx, now.domain)
			if err != nil {
				return nil, err
			}
			d.sees, d.asked = ok, true
		}
		if !d.sees {
			return nil, fmt.Errorf("%w: no tombstone visible under CN=Deleted Objects (see docs/AD-RIGHTS.md)", errNoDelta)
		}
	}
	step("entries")
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
	d.mark, d.byID, d.order, d.last, d.lookups = now, byID, kept, true, lookups
	out := c.resolve(raws)
	step("resolved")
	c.cfg.Logger.Debug("ad: delta read", append([]any{"entries", len(out), "usn", now.usn}, steps...)...)
	return out, nil
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

// toWire turns a go-ldap entry into the form decode reads.
func toWire(e *ldap.Entry) *wireEntry {
	w := wireEntry{dn: e.DN, attrs: make([]wireAttr, len(e.Attributes))}
	for i, a := range e.Attributes {
		w.attrs[i] = wireAttr{name: a.Name, vals: a.Values}
	}
	return &w
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

package ad

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// This file is Read's own LDAP client for its one big paged search.
//
// go-ldap decodes every response into a tree of ber.Packet values (a
// struct, a buffer and a decoded value per BER element, some 250
// allocations for one user entry), which made decoding and garbage
// collection the larger part of a 20,000-entry read. Read only needs the
// DN and the attribute values as strings, so wireConn reads each message
// into one string and slices the values out of it: a handful of
// allocations per entry. Requests (bind, StartTLS, search) are still
// encoded with go-ldap's BER package; everything else the adapter does
// goes through go-ldap as before.

// maxMessage bounds one LDAP message read from the server (64 MiB; AD
// sends at most 1,500 values of an attribute per entry).
const maxMessage = 64 << 20

// BER identifier octets as they appear on the wire.
const (
	tagBoolean     = 0x01
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagEnumerated  = 0x0a
	tagSequence    = 0x30 // constructed
	tagSet         = 0x31 // constructed
)

// LDAP protocol op tags (application class, constructed unless noted).
const (
	tagBindResponse     = 0x61
	tagSearchEntry      = 0x64
	tagSearchDone       = 0x65
	tagSearchReference  = 0x73
	tagExtendedResponse = 0x78
	tagIntermediate     = 0x79
	tagControls         = 0xa0 // [0] Controls in LDAPMessage
)

// wireEntry is one SearchResultEntry: its DN and attributes. All strings
// share the memory of the message they were read from, so an object Read
// returns keeps its entry's message (about a kilobyte, most of it values
// the object holds anyway) alive.
type wireEntry struct {
	dn    string
	attrs []wireAttr
}

// wireAttr is one attribute of a wireEntry with its values.
type wireAttr struct {
	name string
	vals []string
}

// values returns the values of the attribute name (case-insensitive).
func (e *wireEntry) values(name string) []string {
	for i := range e.attrs {
		if strings.EqualFold(e.attrs[i].name, name) {
			return e.attrs[i].vals
		}
	}
	return nil
}

// value returns the first value of the attribute name, or "".
func (e *wireEntry) value(name string) string {
	if v := e.values(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

var errBER = errors.New("malformed BER")

// tlv splits the first BER element off s: its tag, its content and what
// follows it. LDAP uses single-byte tags and definite lengths only.
func tlv(s string) (tag byte, val, rest string, err error) {
	if len(s) < 2 {
		return 0, "", "", errBER
	}
	tag = s[0]
	if tag&0x1f == 0x1f {
		return 0, "", "", errBER
	}
	n := int(s[1])
	s = s[2:]
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(s) < k {
			return 0, "", "", errBER
		}
		n = 0
		for i := range k {
			n = n<<8 | int(s[i])
		}
		s = s[k:]
	}
	if n > len(s) {
		return 0, "", "", errBER
	}
	return tag, s[:n], s[n:], nil
}

// expect is tlv requiring the tag want.
func expect(s string, want byte) (val, rest string, err error) {
	tag, val, rest, err := tlv(s)
	if err == nil && tag != want {
		err = fmt.Errorf("%w: tag 0x%02x, want 0x%02x", errBER, tag, want)
	}
	return val, rest, err
}

// berInt decodes the content of a BER INTEGER or ENUMERATED.
func berInt(s string) (int64, error) {
	if len(s) == 0 || len(s) > 8 {
		return 0, errBER
	}
	n := int64(int8(s[0])) // sign-extend the first byte
	for i := 1; i < len(s); i++ {
		n = n<<8 | int64(s[i])
	}
	return n, nil
}

// parseMessage splits the content of an LDAPMessage into its message ID,
// the tag and content of its protocol op, and its controls (the content
// of the [0] element, "" without).
func parseMessage(m string) (id int64, op byte, body, controls string, err error) {
	v, rest, err := expect(m, tagInteger)
	if err != nil {
		return 0, 0, "", "", err
	}
	if id, err = berInt(v); err != nil {
		return 0, 0, "", "", err
	}
	if op, body, rest, err = tlv(rest); err != nil {
		return 0, 0, "", "", err
	}
	if rest != "" {
		if controls, _, err = expect(rest, tagControls); err != nil {
			return 0, 0, "", "", err
		}
	}
	return id, op, body, controls, nil
}

// parseEntry decodes the content of a SearchResultEntry.
func parseEntry(body string) (wireEntry, error) {
	dn, rest, err := expect(body, tagOctetString)
	if err != nil {
		return wireEntry{}, err
	}
	list, _, err := expect(rest, tagSequence)
	if err != nil {
		return wireEntry{}, err
	}
	// Count first, so that one slice of attributes and one of values do.
	na, nv := 0, 0
	for s := list; s != ""; {
		var a string
		if a, s, err = expect(s, tagSequence); err != nil {
			return wireEntry{}, err
		}
		_, a, err = expect(a, tagOctetString)
		if err != nil {
			return wireEntry{}, err
		}
		set, _, err := expect(a, tagSet)
		if err != nil {
			return wireEntry{}, err
		}
		for set != "" {
			if _, set, err = expect(set, tagOctetString); err != nil {
				return wireEntry{}, err
			}
			nv++
		}
		na++
	}
	e := wireEntry{dn: dn, attrs: make([]wireAttr, 0, na)}
	vals := make([]string, 0, nv)
	for s := list; s != ""; {
		a, next, _ := expect(s, tagSequence)
		s = next
		name, a, _ := expect(a, tagOctetString)
		set, _, _ := expect(a, tagSet)
		start := len(vals)
		for set != "" {
			var v string
			v, set, _ = expect(set, tagOctetString)
			vals = append(vals, v)
		}
		e.attrs = append(e.attrs, wireAttr{name: name, vals: vals[start:len(vals):len(vals)]})
	}
	return e, nil
}

// parseResult decodes an LDAPResult (the content of SearchResultDone,
// BindResponse, ExtendedResponse) into nil or an *ldap.Error, as go-ldap
// reports it.
func parseResult(body string) error {
	v, rest, err := expect(body, tagEnumerated)
	if err != nil {
		return err
	}
	code, err := berInt(v)
	if err != nil {
		return err
	}
	matched, rest, err := expect(rest, tagOctetString)
	if err != nil {
		return err
	}
	diag, _, err := expect(rest, tagOctetString)
	if err != nil {
		return err
	}
	if code == ldap.LDAPResultSuccess {
		return nil
	}
	if code < 0 || code > 0xffff {
		return errBER
	}
	return &ldap.Error{ResultCode: uint16(code), MatchedDN: matched, Err: errors.New(diag)}
}

// pagingCookie returns the cookie of the paged-results control among
// controls (the content of a Controls element); "" when there is none.
func pagingCookie(controls string) (string, error) {
	for s := controls; s != ""; {
		c, next, err := expect(s, tagSequence)
		if err != nil {
			return "", err
		}
		s = next
		oid, c, err := expect(c, tagOctetString)
		if err != nil {
			return "", err
		}
		if oid != ldap.ControlTypePaging {
			continue
		}
		if tag, _, r, err := tlv(c); err == nil && tag == tagBoolean {
			c = r // criticality
		}
		value, _, err := expect(c, tagOctetString)
		if err != nil {
			return "", err
		}
		seq, _, err := expect(value, tagSequence)
		if err != nil {
			return "", err
		}
		_, seq, err = expect(seq, tagInteger)
		if err != nil {
			return "", err
		}
		cookie, _, err := expect(seq, tagOctetString)
		return cookie, err
	}
	return "", nil
}

// wireConn is one TLS connection speaking LDAP for Read's search.
type wireConn struct {
	conn    net.Conn
	r       *bufio.Reader
	buf     []byte
	id      int64
	timeout time.Duration
}

// readMessage reads one LDAPMessage and returns its content as a string.
func (w *wireConn) readMessage() (string, error) {
	if err := w.conn.SetReadDeadline(time.Now().Add(w.timeout)); err != nil {
		return "", err
	}
	tag, err := w.r.ReadByte()
	if err != nil {
		return "", err
	}
	if tag != tagSequence {
		return "", fmt.Errorf("%w: message tag 0x%02x", errBER, tag)
	}
	b, err := w.r.ReadByte()
	if err != nil {
		return "", err
	}
	n := int(b)
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 {
			return "", fmt.Errorf("%w: message length", errBER)
		}
		n = 0
		for range k {
			if b, err = w.r.ReadByte(); err != nil {
				return "", err
			}
			n = n<<8 | int(b)
		}
	}
	if n > maxMessage {
		return "", fmt.Errorf("ldap message of %d bytes is larger than %d", n, maxMessage)
	}
	if cap(w.buf) < n {
		w.buf = make([]byte, n)
	}
	if _, err := io.ReadFull(w.r, w.buf[:n]); err != nil {
		return "", err
	}
	return string(w.buf[:n]), nil
}

// send writes one LDAPMessage with the given protocol op and controls.
func (w *wireConn) send(op *ber.Packet, controls ...*ber.Packet) (int64, error) {
	w.id++
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, w.id, "MessageID"))
	p.AppendChild(op)
	if len(controls) > 0 {
		cs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
		for _, c := range controls {
			cs.AppendChild(c)
		}
		p.AppendChild(cs)
	}
	if err := w.conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, err
	}
	_, err := w.conn.Write(p.Bytes())
	return w.id, err
}

// result waits for the response to request id and returns its result.
func (w *wireConn) result(id int64, want byte) error {
	for {
		m, err := w.readMessage()
		if err != nil {
			return err
		}
		mid, op, body, _, err := parseMessage(m)
		if err != nil {
			return err
		}
		if mid == 0 && op == tagExtendedResponse { // notice of disconnection
			return ldap.NewError(ldap.LDAPResultUnavailable, fmt.Errorf("server disconnects: %w", parseResult(body)))
		}
		if mid == id && op == want {
			return parseResult(body)
		}
	}
}

// netError marks err as a network failure (go-ldap's ErrorNetwork), so
// that Read retries it like a dropped go-ldap connection.
func netError(err error) error {
	var le *ldap.Error
	if err == nil || errors.As(err, &le) {
		return err
	}
	return ldap.NewError(ldap.ErrorNetwork, err)
}

// dialWire opens, secures and binds a connection like dial does for
// go-ldap. It closes the connection when ctx ends.
func (c *Client) dialWire(ctx context.Context) (*wireConn, func(), error) {
	u, err := url.Parse(c.cfg.URL)
	if err != nil {
		return nil, nil, err
	}
	host := u.Host
	if u.Port() == "" {
		port := "636"
		if u.Scheme == "ldap" {
			port = "389"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := &net.Dialer{Timeout: c.cfg.Timeout}
	raw, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, nil, netError(err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	closeAll := func() {
		stop()
		raw.Close()
	}
	fail := func(err error) (*wireConn, func(), error) {
		closeAll()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, netError(err)
	}
	w := &wireConn{conn: raw, r: bufio.NewReaderSize(raw, 64<<10), timeout: c.cfg.Timeout}
	if c.cfg.StartTLS {
		op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationExtendedRequest, nil, "Start TLS")
		op.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, "1.3.6.1.4.1.1466.20037", "TLS Extended Command"))
		id, err := w.send(op)
		if err == nil {
			err = w.result(id, tagExtendedResponse)
		}
		if err != nil {
			return fail(err)
		}
	} else if u.Scheme != "ldaps" {
		return fail(errPlain)
	}
	tc := tls.Client(raw, c.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		return fail(err)
	}
	w.conn, w.r = tc, bufio.NewReaderSize(tc, 64<<10)
	stop()
	stop = context.AfterFunc(ctx, func() { tc.Close() })
	closeAll = func() {
		stop()
		tc.Close()
	}
	bind := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationBindRequest, nil, "Bind Request")
	bind.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 3, "Version"))
	bind.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, c.cfg.BindDN, "User Name"))
	bind.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, c.cfg.Password, "Password"))
	id, err := w.send(bind)
	if err == nil {
		err = w.result(id, tagBindResponse)
	}
	if err != nil {
		var le *ldap.Error
		if errors.As(err, &le) {
			closeAll()
			return nil, nil, &Error{Op: "dial " + c.cfg.URL + " as " + c.cfg.BindDN, Kind: sentinel(err), Err: err}
		}
		return fail(err)
	}
	return w, closeAll, nil
}

// wireSearch runs a paged subtree search under base on its own
// connection, calling fn for each entry (referrals are ignored). fn must
// not keep the entry's attrs slice beyond the call, but may keep strings.
func (c *Client) wireSearch(ctx context.Context, base, filter string, attrs []string, fn func(*wireEntry) error) error {
	fp, err := ldap.CompileFilter(filter)
	if err != nil {
		return err
	}
	w, closeConn, err := c.dialWire(ctx)
	if err != nil {
		return err
	}
	defer closeConn()
	err = w.search(base, fp, attrs, c.cfg.PageSize, fn)
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // the connection was closed for it
	}
	return err
}

// search runs the paged search on w; see wireSearch.
func (w *wireConn) search(base string, fp *ber.Packet, attrs []string, pageSize int, fn func(*wireEntry) error) error {
	paging := ldap.NewControlPaging(uint32(pageSize))
	for {
		req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchRequest, nil, "Search Request")
		req.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, base, "Base DN"))
		req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(ldap.ScopeWholeSubtree), "Scope"))
		req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(ldap.NeverDerefAliases), "Deref Aliases"))
		req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, "Size Limit"))
		req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 0, "Time Limit"))
		req.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, false, "Types Only"))
		req.AppendChild(fp)
		al := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
		for _, a := range attrs {
			al.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a, "Attribute"))
		}
		req.AppendChild(al)
		id, err := w.send(req, paging.Encode())
		if err != nil {
			return netError(err)
		}
		cookie := ""
		for done := false; !done; {
			m, err := w.readMessage()
			if err != nil {
				return netError(err)
			}
			mid, op, body, controls, err := parseMessage(m)
			if err != nil {
				return err
			}
			if mid != id {
				if mid == 0 && op == tagExtendedResponse {
					return ldap.NewError(ldap.LDAPResultUnavailable, fmt.Errorf("server disconnects: %w", parseResult(body)))
				}
				continue
			}
			switch op {
			case tagSearchEntry:
				e, err := parseEntry(body)
				if err != nil {
					return err
				}
				if err := fn(&e); err != nil {
					return err
				}
			case tagSearchDone:
				if err := parseResult(body); err != nil {
					return err
				}
				if cookie, err = pagingCookie(controls); err != nil {
					return err
				}
				done = true
			case tagSearchReference, tagIntermediate:
			default:
				return fmt.Errorf("%w: unexpected protocol op 0x%02x", errBER, op)
			}
		}
		if cookie == "" {
			_, _ = w.send(ber.Encode(ber.ClassApplication, ber.TypePrimitive, ldap.ApplicationUnbindRequest, nil, "Unbind"))
			return nil
		}
		paging.SetCookie([]byte(cookie))
	}
}

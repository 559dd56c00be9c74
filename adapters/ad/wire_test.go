package ad

import (
	"bufio"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/diff"
)

// Encoders for what a server sends, built with go-ldap's BER package so
// that the hand-written decoder is checked against an independent encoder.

func berMessage(id int64, op *ber.Packet, controls ...*ber.Packet) *ber.Packet {
	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	p.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	p.AppendChild(op)
	if len(controls) > 0 {
		cs := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "Controls")
		for _, c := range controls {
			cs.AppendChild(c)
		}
		p.AppendChild(cs)
	}
	return p
}

// berEntry encodes a SearchResultEntry; each attr is a name followed by
// its values.
func berEntry(dn string, attrs ...[]string) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "Entry")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "DN"))
	list := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes")
	for _, a := range attrs {
		seq := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attribute")
		seq.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a[0], "Type"))
		set := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "Values")
		for _, v := range a[1:] {
			set.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, "Value"))
		}
		seq.AppendChild(set)
		list.AppendChild(seq)
	}
	op.AppendChild(list)
	return op
}

func berResult(app ber.Tag, code int64, diag string) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, app, nil, "Result")
	op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, code, "Code"))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "Matched DN"))
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, diag, "Diagnostic"))
	return op
}

func berReference(uri string) *ber.Packet {
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultReference, nil, "Reference")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, uri, "URI"))
	return op
}

func berPaging(cookie string) *ber.Packet {
	p := ldap.NewControlPaging(0)
	p.SetCookie([]byte(cookie))
	return p.Encode()
}

// content strips the outer SEQUENCE header of an encoded message.
func content(t testing.TB, p *ber.Packet) string {
	t.Helper()
	tag, val, rest, err := tlv(string(p.Bytes()))
	if err != nil || tag != tagSequence || rest != "" {
		t.Fatalf("re-reading encoded message: tag %x, rest %q, %v", tag, rest, err)
	}
	return val
}

func TestParseEntry(t *testing.T) {
	long := strings.Repeat("x", 300)   // two-byte length
	huge := strings.Repeat("y", 70000) // three-byte length
	cases := []struct {
		name  string
		dn    string
		attrs [][]string
	}{
		{"no attributes", "CN=a,DC=x", nil},
		{"one value", "CN=a,DC=x", [][]string{{"sAMAccountName", "anho"}}},
		{"several", "CN=Å\\, b,OU=c,DC=x", [][]string{{"objectClass", "top", "person", "user"}, {"name", "Å, b"}, {"objectGUID", "\x00\x01\xff\x80"}}},
		{"empty value set", "CN=a", [][]string{{"member"}, {"sn", ""}}},
		{"long values", "CN=" + long, [][]string{{"description", long, huge}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, op, body, controls, err := parseMessage(content(t, berMessage(7, berEntry(tc.dn, tc.attrs...))))
			if err != nil || id != 7 || op != tagSearchEntry || controls != "" {
				t.Fatalf("parseMessage = %d, %x, controls %q, %v", id, op, controls, err)
			}
			e, err := parseEntry(body)
			if err != nil {
				t.Fatal(err)
			}
			if e.dn != tc.dn {
				t.Errorf("dn = %q, want %q", e.dn, tc.dn)
			}
			var got [][]string
			for _, a := range e.attrs {
				got = append(got, append([]string{a.name}, a.vals...))
			}
			if d := cmp.Diff(tc.attrs, got); d != "" {
				t.Errorf("attributes (-want +got):\n%s", d)
			}
			for _, a := range tc.attrs {
				if got := e.values(strings.ToUpper(a[0])); len(got) != len(a)-1 {
					t.Errorf("values(%s) = %q", strings.ToUpper(a[0]), got)
				}
			}
		})
	}
}

func TestParseResult(t *testing.T) {
	cases := []struct {
		name string
		code int64
		want error
	}{
		{"success", 0, nil},
		{"no such object", 32, diff.ErrNotFound},
		{"busy", 51, diff.ErrTemporary},
		{"constraint", 19, diff.ErrConstraint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, op, body, _, err := parseMessage(content(t, berMessage(1, berResult(ldap.ApplicationSearchResultDone, tc.code, "because"))))
			if err != nil || op != tagSearchDone {
				t.Fatalf("parseMessage: op %x, %v", op, err)
			}
			err = parseResult(body)
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("parseResult = %v", err)
				}
				return
			}
			if resultCode(err) != int(tc.code) || !strings.Contains(err.Error(), "because") || !errors.Is(sentinel(err), tc.want) {
				t.Errorf("parseResult = %v (code %d, sentinel %v)", err, resultCode(err), sentinel(err))
			}
		})
	}
}

func TestPagingCookie(t *testing.T) {
	other := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Control")
	other.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "1.2.3", "OID"))
	critical := berPaging("crit")
	critical.Children = append(critical.Children[:1], append([]*ber.Packet{ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, "Criticality")}, critical.Children[1:]...)...)
	cases := []struct {
		name     string
		controls []*ber.Packet
		want     string
	}{
		{"none", nil, ""},
		{"cookie", []*ber.Packet{berPaging("abc\x00\xff")}, "abc\x00\xff"},
		{"last page", []*ber.Packet{berPaging("")}, ""},
		{"after another control", []*ber.Packet{other, berPaging("z")}, "z"},
		{"with criticality", []*ber.Packet{critical}, "crit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, controls, err := parseMessage(content(t, berMessage(3, berResult(ldap.ApplicationSearchResultDone, 0, ""), tc.controls...)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := pagingCookie(controls)
			if err != nil || got != tc.want {
				t.Errorf("pagingCookie = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestBerInt(t *testing.T) {
	for in, want := range map[string]int64{"\x00": 0, "\x7f": 127, "\x00\x80": 128, "\xff": -1, "\x80": -128, "\x01\x00": 256} {
		if got, err := berInt(in); err != nil || got != want {
			t.Errorf("berInt(% x) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "123456789"} {
		if _, err := berInt(in); err == nil {
			t.Errorf("berInt(% x) accepted", in)
		}
	}
}

// fakeServer answers search requests on one end of a pipe: each request
// gets the next of pages (a list of messages, written with the request's
// message ID; a nil op closes the connection). It records the paging
// cookies the client sent.
type fakeServer struct {
	pages   [][]*ber.Packet
	cookies []string
}

func (f *fakeServer) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for _, page := range f.pages {
		req, err := ber.ReadPacket(r)
		if err != nil {
			return
		}
		id := req.Children[0].Value.(int64)
		cookie := ""
		if len(req.Children) > 2 {
			if c, err := ldap.DecodeControl(req.Children[2].Children[0]); err == nil {
				if pc, ok := c.(*ldap.ControlPaging); ok {
					cookie = string(pc.Cookie)
				}
			}
		}
		f.cookies = append(f.cookies, cookie)
		for _, op := range page {
			if op == nil {
				return
			}
			mid := id
			if op.Tag == ldap.ApplicationExtendedResponse {
				mid = 0 // unsolicited notification
			}
			if _, err := conn.Write(berMessage(mid, op.Children[0], op.Children[1:]...).Bytes()); err != nil {
				return
			}
		}
	}
	_, _ = ber.ReadPacket(r) // unbind
}

// reply wraps op and controls for fakeServer.pages.
func reply(op *ber.Packet, controls ...*ber.Packet) *ber.Packet {
	p := ber.Encode(ber.ClassApplication, ber.TypeConstructed, op.Tag, nil, "reply")
	p.AppendChild(op)
	for _, c := range controls {
		p.AppendChild(c)
	}
	return p
}

func TestWireSearch(t *testing.T) {
	done := func(code int64, cookie string) *ber.Packet {
		return reply(berResult(ldap.ApplicationSearchResultDone, code, "diag"), berPaging(cookie))
	}
	entry := func(dn string) *ber.Packet { return reply(berEntry(dn, []string{"name", dn})) }
	notice := reply(berResult(ldap.ApplicationExtendedResponse, 52, "shutting down"))
	notice.Tag = ldap.ApplicationExtendedResponse
	cases := []struct {
		name    string
		pages   [][]*ber.Packet
		want    []string // DNs
		cookies []string
		code    int // result code of the error, 0 for none
	}{
		{"two pages with a referral", [][]*ber.Packet{
			{entry("CN=a"), reply(berReference("ldap://other/DC=x")), entry("CN=b"), done(0, "c1")},
			{entry("CN=c"), done(0, "")},
		}, []string{"CN=a", "CN=b", "CN=c"}, []string{"", "c1"}, 0},
		{"empty", [][]*ber.Packet{{done(0, "")}}, nil, []string{""}, 0},
		{"error on the second page", [][]*ber.Packet{
			{entry("CN=a"), done(0, "c1")},
			{done(51, "")},
		}, []string{"CN=a"}, []string{"", "c1"}, ldap.LDAPResultBusy},
		{"no such base", [][]*ber.Packet{{done(32, "")}}, nil, []string{""}, ldap.LDAPResultNoSuchObject},
		{"dropped connection", [][]*ber.Packet{{entry("CN=a"), nil}}, []string{"CN=a"}, []string{""}, ldap.ErrorNetwork},
		{"notice of disconnection", [][]*ber.Packet{{entry("CN=a"), notice}}, []string{"CN=a"}, []string{""}, ldap.LDAPResultUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, server := net.Pipe()
			f := &fakeServer{pages: tc.pages}
			served := make(chan struct{})
			go func() { f.serve(server); close(served) }()
			w := &wireConn{conn: client, r: bufio.NewReader(client), timeout: 5 * time.Second}
			fp, err := ldap.CompileFilter("(objectClass=*)")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			err = w.search("DC=x", fp, []string{"name"}, 2, func(e *wireEntry) error {
				if e.value("name") != e.dn {
					t.Errorf("entry %s: name %q", e.dn, e.value("name"))
				}
				got = append(got, e.dn)
				return nil
			})
			client.Close()
			<-served
			if resultCode(err) != tc.code && !(tc.code == 0 && err == nil) {
				t.Errorf("search error = %v (code %d), want code %d", err, resultCode(err), tc.code)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("entries (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.cookies, f.cookies); d != "" {
				t.Errorf("cookies sent (-want +got):\n%s", d)
			}
		})
	}
}

// FuzzWireMessage: the decoder never panics or reads out of bounds on
// any input, and what it accepts as an entry re-encodes to the same
// bytes.
func FuzzWireMessage(f *testing.F) {
	for _, p := range []*ber.Packet{
		berMessage(1, berEntry("CN=a,DC=x", []string{"objectClass", "top", "user"}, []string{"name", strings.Repeat("n", 200)})),
		berMessage(2, berResult(ldap.ApplicationSearchResultDone, 0, ""), berPaging("cookie")),
		berMessage(3, berResult(ldap.ApplicationSearchResultDone, 32, "no such object")),
		berMessage(4, berReference("ldap://x")),
	} {
		f.Add(p.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tag, m, _, err := tlv(string(data))
		if err != nil || tag != tagSequence {
			return
		}
		_, op, body, controls, err := parseMessage(m)
		if err != nil {
			return
		}
		_, _ = pagingCookie(controls)
		_ = parseResult(body)
		if op != tagSearchEntry {
			return
		}
		e, err := parseEntry(body)
		if err != nil {
			return
		}
		var attrs [][]string
		for _, a := range e.attrs {
			attrs = append(attrs, append([]string{a.name}, a.vals...))
		}
		_, reBody, _, err := tlv(string(berEntry(e.dn, attrs...).Bytes()))
		if err != nil {
			t.Fatalf("re-encoded entry: %v", err)
		}
		again, err := parseEntry(reBody)
		if err != nil {
			t.Fatalf("re-encoded entry: %v", err)
		}
		if again.dn != e.dn || len(again.attrs) != len(e.attrs) {
			t.Fatalf("re-encoded entry differs: %+v vs %+v", again, e)
		}
	})
}

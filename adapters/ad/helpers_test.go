package ad_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// server is the Samba AD DC the integration tests run against.
type server struct {
	url, bind, password, base, ca string
}

// samba returns the server from ORGSYNC_AD_* or skips the test.
func samba(tb testing.TB) server {
	tb.Helper()
	s := server{
		url:      os.Getenv("ORGSYNC_AD_URL"),
		bind:     os.Getenv("ORGSYNC_AD_BIND"),
		password: os.Getenv("ORGSYNC_AD_PASSWORD"),
		base:     os.Getenv("ORGSYNC_AD_BASE"),
		ca:       os.Getenv("ORGSYNC_AD_CA"),
	}
	if s.url == "" {
		tb.Skip("ORGSYNC_AD_URL not set; run eval \"$(.ci/servers/samba.sh start)\"")
	}
	return s
}

// testOU returns a fresh OU DN under OU=orgsync-tests for one test and
// removes it (with everything below) when the test ends.
func (s server) testOU(tb testing.TB, name string) string {
	tb.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	dn := "OU=" + name + "-" + hex.EncodeToString(b) + ",OU=orgsync-tests," + s.base
	tb.Cleanup(func() { s.deleteTree(tb, dn) })
	return dn
}

// deleteTree deletes dn and everything below it: with the tree-delete
// control when the tree is small, else entry by entry (groups first, then
// the deepest entries), spread over a few connections. A tree delete of
// thousands of users runs into Samba's time limit and is rolled back, so
// trying it first only wastes minutes.
func (s server) deleteTree(tb testing.TB, dn string) {
	tb.Helper()
	conn := s.conn(tb)
	defer conn.Close()
	res, err := conn.SearchWithPaging(ldap.NewSearchRequest(dn, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"objectClass"}, nil), 1000)
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return
	}
	if err != nil {
		tb.Errorf("delete %s: %v", dn, err)
		return
	}
	if len(res.Entries) <= 1000 {
		err = conn.Del(ldap.NewDelRequest(dn, []ldap.Control{ldap.NewControlString(ldap.ControlTypeMicrosoftTreeDelete, true, "")}))
		if err == nil || ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return
		}
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultTimeLimitExceeded) {
			tb.Errorf("delete %s: %v", dn, err)
			return
		}
	}
	// Groups first (each drops all its links at once), then by depth.
	depth := func(e *ldap.Entry) int {
		if slices.ContainsFunc(e.GetAttributeValues("objectClass"), func(c string) bool { return strings.EqualFold(c, "group") }) {
			return 1 << 20
		}
		return strings.Count(e.DN, ",")
	}
	slices.SortFunc(res.Entries, func(a, b *ldap.Entry) int { return depth(b) - depth(a) })
	conns := []*ldap.Conn{conn}
	for range 3 {
		c := s.conn(tb)
		defer c.Close()
		conns = append(conns, c)
	}
	var firstErr error
	var mu sync.Mutex
	for i := 0; i < len(res.Entries); {
		// one level at a time: everything below is gone before its parent
		j := i + 1
		for j < len(res.Entries) && depth(res.Entries[j]) == depth(res.Entries[i]) {
			j++
		}
		var wg sync.WaitGroup
		for k, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for x := i + k; x < j; x += len(conns) {
					err := c.Del(ldap.NewDelRequest(res.Entries[x].DN, nil))
					if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		i = j
	}
	if firstErr != nil {
		tb.Errorf("delete %s: %v", dn, firstErr)
	}
}

// config returns a Config for base with test-friendly settings.
func (s server) config(base string) ad.Config {
	return ad.Config{
		URL:        s.url,
		BindDN:     s.bind,
		Password:   s.password,
		CAFile:     s.ca,
		Base:       base,
		Domain:     base, // tests share the mark prefix: look for strays only in their own OU
		UPNDomain:  "skole.test",
		RetryDelay: 10 * time.Millisecond,
		Attributes: ad.AttributeMap{
			CPR:          "employeeID",
			Institutions: "departmentNumber",
			UNIID:        "employeeNumber",
			Roles:        "businessCategory",
			GlobalRole:   "employeeType",
			StartYear:    "division",
			DisabledDate: "adminDisplayName",
		},
	}
}

// client dials a Client for a fresh test OU (created) and closes it at
// the end of the test.
func (s server) client(tb testing.TB, name string) (*ad.Client, string) {
	tb.Helper()
	base := s.testOU(tb, name)
	return s.clientAt(tb, s.config(base)), base
}

func (s server) clientAt(tb testing.TB, cfg ad.Config) *ad.Client {
	tb.Helper()
	ctx := context.Background()
	c, err := ad.Dial(ctx, cfg)
	if err != nil {
		tb.Fatalf("Dial: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	if err := c.EnsureBase(ctx); err != nil {
		tb.Fatalf("EnsureBase: %v", err)
	}
	return c
}

// conn opens a raw, bound LDAPS connection for looking at the directory
// the way an administrator would.
func (s server) conn(tb testing.TB) *ldap.Conn {
	tb.Helper()
	pool := x509.NewCertPool()
	if s.ca != "" {
		pem, err := os.ReadFile(s.ca)
		if err != nil {
			tb.Fatal(err)
		}
		pool.AppendCertsFromPEM(pem)
	}
	host := strings.TrimPrefix(s.url, "ldaps://")
	host, _, _ = strings.Cut(host, ":")
	conn, err := ldap.DialURL(s.url, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: host}))
	if err != nil {
		tb.Fatal(err)
	}
	if err := conn.Bind(s.bind, s.password); err != nil {
		conn.Close()
		tb.Fatal(err)
	}
	return conn
}

// entry reads one entry by filter under base; nil when there is none.
func (s server) entry(tb testing.TB, base, filter string, attrs ...string) *ldap.Entry {
	tb.Helper()
	conn := s.conn(tb)
	defer conn.Close()
	res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil))
	if err != nil {
		tb.Fatalf("search %s under %s: %v", filter, base, err)
	}
	switch len(res.Entries) {
	case 0:
		return nil
	case 1:
		return res.Entries[0]
	}
	tb.Fatalf("search %s under %s: %d entries", filter, base, len(res.Entries))
	return nil
}

// byKey indexes objects by Key (managed only).
func byKey(objs []diff.Object) map[string]diff.Object {
	m := map[string]diff.Object{}
	for _, o := range objs {
		if o.Managed {
			m[o.Key] = o
		}
	}
	return m
}

// apply applies changes in order, failing the test on the first error.
func apply(tb testing.TB, c *ad.Client, changes ...diff.Change) {
	tb.Helper()
	for _, ch := range changes {
		if err := c.Apply(context.Background(), ch); err != nil {
			tb.Fatalf("apply %s %s: %v", ch.Action, ch.Key, err)
		}
	}
}

func read(tb testing.TB, c *ad.Client) []diff.Object {
	tb.Helper()
	objs, err := c.Read(context.Background())
	if err != nil {
		tb.Fatalf("Read: %v", err)
	}
	return objs
}

func create(o diff.Object) diff.Change {
	return diff.Change{Action: diff.Create, Kind: o.Kind, Key: o.Key, After: &o}
}

func ou(key, name, parent string) diff.Object {
	return diff.Object{Kind: diff.Container, Key: key, Name: name, Parent: parent}
}

func user(key, parent, username, given, family string, extra ...string) diff.Object {
	attrs := map[string]string{
		"username": username, "givenName": given, "familyName": family,
		"displayName": given + " " + family,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		attrs[extra[i]] = extra[i+1]
	}
	return diff.Object{Kind: diff.User, Key: key, Parent: parent,
		Name: given + " " + family + " (" + username + ")", Attrs: diff.AttrsFrom(attrs)}
}

func group(key, name, parent string) diff.Object {
	return diff.Object{Kind: diff.Group, Key: key, Name: name, Parent: parent}
}

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// adminConn is a bound LDAPS connection to the test Samba.
func adminConn(t testing.TB) *ldap.Conn {
	t.Helper()
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(os.Getenv("ORGSYNC_AD_CA")); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	conn, err := ldap.DialURL(os.Getenv("ORGSYNC_AD_URL"), ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Bind(os.Getenv("ORGSYNC_AD_BIND"), os.Getenv("ORGSYNC_AD_PASSWORD")); err != nil {
		conn.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// samba sets up a fresh base, a config with a mark prefix of its own and a
// sync function running the binary.
type sambaRun struct {
	base, mark, snap string
	sync             func(args ...string) (int, string)
	conn             *ldap.Conn
}

func newSambaRun(t *testing.T, s *orgmodel.Snapshot) *sambaRun {
	t.Helper()
	url := os.Getenv("ORGSYNC_AD_URL")
	if url == "" {
		t.Skip("ORGSYNC_AD_URL not set; run eval \"$(.ci/servers/samba.sh start)\"")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	r := &sambaRun{
		base: "OU=adsync-" + hex.EncodeToString(b) + ",OU=orgsync-tests," + os.Getenv("ORGSYNC_AD_BASE"),
		mark: "orgsync-" + hex.EncodeToString(b) + ":",
		conn: adminConn(t),
	}
	t.Cleanup(func() { deleteTree(t, r.base) })
	dir := t.TempDir()
	r.snap = filepath.Join(dir, "snap.json")
	writeSnapshot(t, r.snap, s)
	cfg := filepath.Join(dir, "ad-sync.yaml")
	writeFile(t, cfg, `snapshot: `+r.snap+`
state: `+filepath.Join(dir, "state.json")+`
auditLog: `+filepath.Join(dir, "audit.jsonl")+`
concurrency: 16
ad:
  url: `+url+`
  bindDN: `+os.Getenv("ORGSYNC_AD_BIND")+`
  caFile: `+os.Getenv("ORGSYNC_AD_CA")+`
  base: "`+r.base+`"
  markPrefix: "`+r.mark+`"
  createBase: true
  upnDomain: skole.test
usernames:
  standard: "d{first:3}{last:3}{n}"
  salt: "`+hex.EncodeToString(b)+`"
`)
	now := synth.ReferenceTime(s.SchoolYear)
	r.sync = func(args ...string) (int, string) {
		var so, se bytes.Buffer
		code := run(context.Background(), append([]string{"-config", cfg}, args...), &so, &se, now)
		return code, so.String() + se.String()
	}
	return r
}

// addUser adds an account outside orgsync (deleted at the end).
func (r *sambaRun) addUser(t *testing.T, parent, sam string) {
	t.Helper()
	dn := "CN=" + sam + "," + parent
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	req.Attribute("sAMAccountName", []string{sam})
	if err := r.conn.Add(req); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.conn.Del(ldap.NewDelRequest(dn, nil)) })
}

func (r *sambaRun) find(t *testing.T, base, key string, attrs ...string) *ldap.Entry {
	t.Helper()
	res, err := r.conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(adminDescription="+ldap.EscapeFilter(r.mark+key)+")", attrs, nil))
	if err != nil || len(res.Entries) != 1 {
		return nil
	}
	return res.Entries[0]
}

// plannedUsername returns the username a rendered plan gives key.
func plannedUsername(out, key string) string {
	m := regexp.MustCompile(`(?m)create user ` + regexp.QuoteMeta(key) + ` .*\n(?:\s+\w+: .*\n)*?\s+username: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return strings.Trim(m[1], `"`)
}

func pupils(s *orgmodel.Snapshot, n int) []string {
	var out []string
	s.Index()
	now := synth.ReferenceTime(s.SchoolYear)
	for _, a := range s.Affiliations {
		if slices.Contains(a.Roles, orgmodel.Elev) && !slices.Contains(out, a.PersonID) && len(s.AffiliationsOf(a.PersonID, now)) > 0 {
			out = append(out, a.PersonID)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// TestOneBadRecordSamba is the first "done when": one run over a
// snapshot with a 70-character given name, a pupil whose username is
// already taken in CN=Users, and a managed user moved out of the base by
// hand: the name is shortened, the pupil gets the next free username, the
// user is moved back; the second run plans nothing.
func TestOneBadRecordSamba(t *testing.T) {
	s := synth.Generate(synth.Config{Seed: 11, Persons: 60, Schools: 1, Daycares: -1, FUs: -1})
	ps := pupils(s, 3)
	if len(ps) < 3 {
		t.Fatal("too few pupils")
	}
	long, newcomer, mover := ps[0], ps[1], ps[2]
	// Run 0: everyone but the newcomer.
	s0 := *s
	s0.Affiliations = slices.DeleteFunc(slices.Clone(s.Affiliations), func(a orgmodel.Affiliation) bool { return a.PersonID == newcomer })
	r := newSambaRun(t, &s0)
	if code, out := r.sync("-apply"); code != 0 {
		t.Fatalf("first apply: exit %d\n%s", code, out)
	}
	if r.find(t, os.Getenv("ORGSYNC_AD_BASE"), "user/"+newcomer) != nil {
		t.Fatalf("newcomer %s created in the first run", newcomer)
	}
	// Someone moves a managed pupil out of the base by hand.
	e := r.find(t, r.base, "user/"+mover)
	if e == nil {
		t.Fatal("mover not created")
	}
	outside := "OU=outside-" + r.mark[8:16] + ",OU=orgsync-tests," + os.Getenv("ORGSYNC_AD_BASE")
	req := ldap.NewAddRequest(outside, nil)
	req.Attribute("objectClass", []string{"top", "organizationalUnit"})
	if err := r.conn.Add(req); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteTree(t, outside) })
	rdn, _, _ := strings.Cut(e.DN, ",OU=")
	if err := r.conn.ModifyDN(ldap.NewModifyDNRequest(e.DN, rdn, true, outside)); err != nil {
		t.Fatal(err)
	}
	// The snapshot of run 1: a 70-character given name, and the newcomer.
	longName := strings.Repeat("Åbenrå", 11) + "Anne" // 70 characters
	for i := range s.Persons {
		if s.Persons[i].ID == long {
			s.Persons[i].GivenName = longName
		}
	}
	s.Index()
	writeSnapshot(t, r.snap, s)
	code, out := r.sync()
	want := plannedUsername(out, "user/"+newcomer)
	if code != 0 || want == "" {
		t.Fatalf("dry run: exit %d, username %q\n%s", code, want, out)
	}
	// The username the newcomer would get is taken in CN=Users.
	r.addUser(t, "CN=Users,"+os.Getenv("ORGSYNC_AD_BASE"), want)

	if code, out := r.sync("-apply"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if e := r.find(t, r.base, "user/"+long, "givenName"); e == nil || len(utf16.Encode([]rune(e.GetAttributeValue("givenName")))) != 64 {
		t.Errorf("long given name: %v", e)
	}
	e = r.find(t, os.Getenv("ORGSYNC_AD_BASE"), "user/"+newcomer, "sAMAccountName")
	if e == nil || strings.EqualFold(e.GetAttributeValue("sAMAccountName"), want) {
		t.Errorf("newcomer: %v, want a username other than %q", e, want)
	}
	if r.find(t, r.base, "user/"+mover) == nil {
		t.Error("the user moved out of the base was not moved back")
	}
	if code, out := r.sync(); code != 0 || !strings.Contains(out, "Nothing to do") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}
}

// TestPersistentFaultSamba is the second "done when": a fault that
// really recurs (the source reserves a username that another account in
// the domain holds): the run applies every independent change and names
// the record and field; the second run reports the same single problem
// with the persistent exit code and applies nothing else; once fixed, the
// run converges.
func TestPersistentFaultSamba(t *testing.T) {
	s := synth.Generate(synth.Config{Seed: 12, Persons: 60, Schools: 1, Daycares: -1, FUs: -1})
	victim := pupils(s, 1)[0]
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	held := "held" + hex.EncodeToString(b)
	for i := range s.Persons {
		if s.Persons[i].ID == victim {
			s.Persons[i].Username = held
		}
	}
	s.Index()
	r := newSambaRun(t, s)
	r.addUser(t, "CN=Users,"+os.Getenv("ORGSYNC_AD_BASE"), held)
	code, out := r.sync("-apply")
	if code != runner.ExitPartial || !strings.Contains(out, "user/"+victim) || !strings.Contains(out, "sAMAccountName") {
		t.Fatalf("first apply: exit %d, want %d naming the record and field\n%s", code, runner.ExitPartial, out)
	}
	if !regexp.MustCompile(`applied \d+, failed 1, blocked \d+, skipped 0`).MatchString(out) {
		t.Errorf("first apply did not apply everything else:\n%s", out)
	}
	code, out = r.sync("-apply")
	if code != runner.ExitPersistent || !strings.Contains(out, "applied 0, failed 1 (1 persistent)") {
		t.Fatalf("second apply: exit %d, want %d with the same single problem\n%s", code, runner.ExitPersistent, out)
	}
	// The fix: the other account gives the username up.
	if err := r.conn.Del(ldap.NewDelRequest("CN="+held+",CN=Users,"+os.Getenv("ORGSYNC_AD_BASE"), nil)); err != nil {
		t.Fatal(err)
	}
	if code, out := r.sync("-apply"); code != 0 {
		t.Fatalf("after the fix: exit %d\n%s", code, out)
	}
	if code, out := r.sync(); code != 0 || !strings.Contains(out, "Nothing to do") {
		t.Errorf("not converged: exit %d\n%s", code, out)
	}
}

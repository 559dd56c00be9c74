package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/orgmodel"
)

// population is the hand-made municipality of the done-when test: two
// schools, 101 (adopted) and 102 (left alone).
func population(h string) *orgmodel.Snapshot {
	emp := func(p, inst string, groups ...string) orgmodel.Affiliation {
		return orgmodel.Affiliation{PersonID: p, Institution: inst, Roles: []orgmodel.Role{orgmodel.Laerer}, GroupIDs: groups}
	}
	return &orgmodel.Snapshot{
		SchoolYear: "2025-2026",
		Institutions: []orgmodel.Institution{
			{Number: "101", Name: "Nordskolen", Type: orgmodel.School},
			{Number: "102", Name: "Sydskolen", Type: orgmodel.School},
		},
		Persons: []orgmodel.Person{
			{ID: "p1", CPR: "0101801111", GivenName: "Ann", FamilyName: "Andersen"},
			{ID: "p2", CPR: "0202802222", GivenName: "Bo", FamilyName: "Berg", Username: "bo" + h},
			{ID: "p3", CPR: "0303803333", GivenName: "Cy", FamilyName: "Carlsen"},
			{ID: "p4", CPR: "0404804444", GivenName: "Di", FamilyName: "Dam"},
			{ID: "p5", CPR: "0505805555", GivenName: "Ed", FamilyName: "Eriksen"},
			{ID: "p6", CPR: "0606126666", GivenName: "Fi", FamilyName: "Fisker"},
		},
		Affiliations: []orgmodel.Affiliation{
			emp("p1", "101", "7A"), emp("p2", "101"), emp("p3", "102"), emp("p4", "102"), emp("p5", "102"),
			{PersonID: "p6", Institution: "101", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "7", MainGroupID: "7A", GroupIDs: []string{"7A"}},
		},
		Groups: []orgmodel.Group{{ID: "7A", Institution: "101", Name: "7.A", Type: orgmodel.Hovedgruppe, Level: "7"}},
	}
}

func adminConn(t *testing.T) *ldap.Conn {
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

func add(t *testing.T, conn *ldap.Conn, dn string, attrs map[string][]string) {
	t.Helper()
	req := ldap.NewAddRequest(dn, nil)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range attrs {
			if !yield(k) {
				return
			}
		}
	}) {
		req.Attribute(k, attrs[k])
	}
	if err := conn.Add(req); err != nil {
		t.Fatalf("add %s: %v", dn, err)
	}
}

// one returns the single entry filter finds under base.
func one(t *testing.T, conn *ldap.Conn, base, filter string, attrs ...string) *ldap.Entry {
	t.Helper()
	res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("search %s under %s: %v (%d entries)", filter, base, err, len(res.Entries))
	}
	return res.Entries[0]
}

// TestMigrationDoneWhen is the done-when test against Samba: the
// report lists a hand-made population correctly; adopting school 101
// marks its accounts as managed, keeps their usernames and old groups,
// moves them into the new tree and nests the new class group in the old
// group; school 102 and the orphan are untouched.
func TestMigrationDoneWhen(t *testing.T) {
	url := os.Getenv("ORGSYNC_AD_URL")
	if url == "" {
		t.Skip("ORGSYNC_AD_URL not set; run eval \"$(.ci/servers/samba.sh start)\"")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	top := "OU=migrate-" + h + ",OU=orgsync-tests," + os.Getenv("ORGSYNC_AD_BASE")
	base, old, outside := "OU=base,"+top, "OU=Gamle,OU=base,"+top, "OU=outside,"+top
	mark := "orgsync-" + h + ":"
	conn := adminConn(t)
	t.Cleanup(func() {
		req := ldap.NewDelRequest(top, []ldap.Control{ldap.NewControlString(ldap.ControlTypeMicrosoftTreeDelete, true, "")})
		if err := conn.Del(req); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			t.Errorf("cleanup %s: %v", top, err)
		}
	})
	for _, dn := range []string{top, base, old, outside} {
		add(t, conn, dn, map[string][]string{"objectClass": {"organizationalUnit"}})
	}
	user := func(parent, sam, cpr string) string {
		dn := "CN=" + sam + "," + parent
		a := map[string][]string{"objectClass": {"top", "person", "organizationalPerson", "user"}, "sAMAccountName": {sam}}
		if cpr != "" {
			a["employeeID"] = []string{cpr}
		}
		add(t, conn, dn, a)
		return dn
	}
	ann := user(old, "ann"+h, "0101801111") // p1 by CPR
	bo := user(old, "bo"+h, "")             // p2 by username (no CPR)
	user(old, "cya"+h, "0303803333")        // p3 twice: ambiguous
	user(old, "cyb"+h, "0303803333")
	di := user(outside, "di"+h, "0404804444") // p4 outside the base
	ed := user(old, "ed"+h, "0505805555")     // p5, school 102: not adopted
	orphan := user(old, "orp"+h, "")          // nobody
	oldGroup := "CN=laerere" + h + "," + old
	add(t, conn, oldGroup, map[string][]string{"objectClass": {"top", "group"}, "sAMAccountName": {"laerere" + h},
		"member": {ann, bo}})

	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	js, err := json.Marshal(population(h))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(snap, js, 0o600); err != nil {
		t.Fatal(err)
	}
	cfgText := `snapshot: ` + snap + `
state: ` + filepath.Join(dir, "state.json") + `
usernames:
  standard: "m{first:3}{last:3}{n}"
  salt: "` + h + `"
ad:
  url: ` + url + `
  bindDN: ` + os.Getenv("ORGSYNC_AD_BIND") + `
  caFile: ` + os.Getenv("ORGSYNC_AD_CA") + `
  base: "` + base + `"
  domain: "` + top + `"
  markPrefix: "` + mark + `"
  upnDomain: skole.test
  attributes:
    cpr: employeeID
`
	cfg := filepath.Join(dir, "migrate.yaml")
	write := func(extra string) {
		if err := os.WriteFile(cfg, []byte(cfgText+extra), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	now := time.Date(2025, time.September, 15, 12, 0, 0, 0, time.UTC)
	run := func(args ...string) string {
		t.Helper()
		var so, se bytes.Buffer
		if code := run(context.Background(), append([]string{"-config", cfg}, args...), &so, &se, now); code != runner.ExitOK {
			t.Fatalf("migrate %v: exit %d\n%s%s", args, code, so.String(), se.String())
		}
		return so.String() + se.String()
	}

	// The report: nothing written.
	out := run()
	for _, want := range []string{
		"| p1 | Ann Andersen | 101 | matched | cpr | ann" + h + " | " + ann + " |",
		"| p2 | Bo Berg | 101 | matched | username | bo" + h + " | " + bo + " |",
		"| p3 | Cy Carlsen | 102 | ambiguous | cpr |  |",
		"| p4 | Di Dam | 102 | outside | cpr | di" + h + " | " + di + " |",
		"| p5 | Ed Eriksen | 102 | matched | cpr | ed" + h + " | " + ed + " |",
		"| p6 | Fi Fisker | 101 | unmatched |  |  |  |",
		"| " + orphan + " | orp" + h + " |",
		"0 accounts outside the base match nobody",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if res, err := conn.Search(ldap.NewSearchRequest(top, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(adminDescription="+ldap.EscapeFilter(mark)+"*)", nil, nil)); err != nil || len(res.Entries) != 0 {
		t.Fatalf("the report wrote to AD: %v, %d marked entries", err, len(res.Entries))
	}

	// The plan of school 101 names the class group; map the old group to it.
	out = run("-adopt", "101")
	m := regexp.MustCompile(`create group (group/\S*7A\S*)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no class group in the plan:\n%s", out)
	}
	write("migration:\n  groups:\n    - old: \"" + oldGroup + "\"\n      new: \"" + m[1] + "\"\n")
	out = run("-adopt", "101", "-apply")

	// School 101: adopted, usernames and the old group kept, moved into the new tree.
	for _, c := range []struct{ key, sam, was string }{{"user/p1", "ann" + h, ann}, {"user/p2", "bo" + h, bo}} {
		e := one(t, conn, top, "(sAMAccountName="+c.sam+")", "adminDescription", "memberOf")
		if got := e.GetAttributeValue("adminDescription"); got != mark+c.key {
			t.Errorf("%s: mark %q, want %q\n%s", c.sam, got, mark+c.key, out)
		}
		if e.DN == c.was || !strings.HasSuffix(e.DN, base) || strings.HasSuffix(e.DN, old) {
			t.Errorf("%s: at %s, want moved into the new tree under %s", c.sam, e.DN, base)
		}
		if !slices.Contains(e.GetAttributeValues("memberOf"), oldGroup) {
			t.Errorf("%s: no longer in the old group: %v", c.sam, e.GetAttributeValues("memberOf"))
		}
	}
	p6 := one(t, conn, base, "(adminDescription="+ldap.EscapeFilter(mark+"user/p6")+")", "sAMAccountName")
	if !strings.HasPrefix(p6.GetAttributeValue("sAMAccountName"), "mfi") {
		t.Errorf("p6: username %q, want a new one", p6.GetAttributeValue("sAMAccountName"))
	}
	// The old group contains the new class group.
	cls := one(t, conn, base, "(adminDescription="+ldap.EscapeFilter(mark+m[1])+")")
	g := one(t, conn, top, "(sAMAccountName=laerere"+h+")", "member")
	if !slices.Contains(g.GetAttributeValues("member"), cls.DN) {
		t.Errorf("old group members %v lack the new group %s", g.GetAttributeValues("member"), cls.DN)
	}
	// School 102, the duplicates, the outside account and the orphan: untouched.
	for _, sam := range []string{"cya" + h, "cyb" + h, "di" + h, "ed" + h, "orp" + h} {
		e := one(t, conn, top, "(sAMAccountName="+sam+")", "adminDescription")
		if e.GetAttributeValue("adminDescription") != "" || !(strings.HasSuffix(e.DN, old) || strings.HasSuffix(e.DN, outside)) {
			t.Errorf("%s changed: %s mark %q", sam, e.DN, e.GetAttributeValue("adminDescription"))
		}
	}
	if res, err := conn.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=organizationalUnit)(name=Sydskolen))", nil, nil)); err != nil || len(res.Entries) != 0 {
		t.Errorf("school 102 got an OU: %v %d", err, len(res.Entries))
	}
}

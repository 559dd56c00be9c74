package ad_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// domainClient dials a client that looks at the whole domain, with a mark
// prefix of its own (so other tests' objects are not its strays).
func (s server) domainClient(t *testing.T, name string, strays string) (*ad.Client, ad.Config) {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	cfg := s.config(s.testOU(t, name))
	cfg.Domain = ""
	cfg.MarkPrefix = "orgsync-" + hex.EncodeToString(b) + ":"
	cfg.Strays = strays
	return s.clientAt(t, cfg), cfg
}

// addOU creates an OU (deleted at the end of the test).
func (s server) addOU(t *testing.T, name string) string {
	t.Helper()
	dn := s.testOU(t, name)
	conn := s.conn(t)
	defer conn.Close()
	req := ldap.NewAddRequest(dn, nil)
	req.Attribute("objectClass", []string{"top", "organizationalUnit"})
	if err := conn.Add(req); err != nil {
		t.Fatal(err)
	}
	return dn
}

// TestStrayMovedBack: a managed user moved out of the base by hand is
// found by its mark and moved back, never created again; with strays
// "leave" it stays where it is.
func TestStrayMovedBack(t *testing.T) {
	s := samba(t)
	for _, policy := range []string{"move", "leave"} {
		t.Run(policy, func(t *testing.T) {
			c, cfg := s.domainClient(t, "stray-"+policy, policy)
			outside := s.addOU(t, "outside-"+policy)
			objs := []diff.Object{ou("ou/a", "A", ""), user("user/s", "ou/a", "st"+suffix(t), "Sif", "Stray")}
			now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
			plan := func() *diff.Plan {
				t.Helper()
				p, err := diff.Compute(objs, read(t, c), diff.Options{Now: now})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			if _, err := diff.Apply(context.Background(), c, plan(), diff.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			conn := s.conn(t)
			defer conn.Close()
			e := s.entry(t, cfg.Base, "(adminDescription="+cfg.MarkPrefix+"user/s)")
			rdn, _, _ := strings.Cut(e.DN, ",OU=")
			if err := conn.ModifyDN(ldap.NewModifyDNRequest(e.DN, rdn, true, outside)); err != nil {
				t.Fatal(err)
			}
			p := plan()
			if policy == "leave" {
				if !p.Empty() {
					t.Fatalf("leave: plan %+v, want none", p.Changes)
				}
				if s.entry(t, outside, "(adminDescription="+cfg.MarkPrefix+"user/s)") == nil {
					t.Error("leave: the user is not where it was put")
				}
				return
			}
			if len(p.Changes) != 1 || p.Changes[0].Action != diff.Move {
				t.Fatalf("plan %+v, want one move back", p.Changes)
			}
			if _, err := diff.Apply(context.Background(), c, p, diff.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			if s.entry(t, cfg.Base, "(adminDescription="+cfg.MarkPrefix+"user/s)") == nil {
				t.Error("the user was not moved back under the base")
			}
			if p := plan(); !p.Empty() {
				t.Errorf("second plan %+v", p.Changes)
			}
		})
	}
}

// TestUsernamesDomainWide: a username taken by an account outside the
// base (as in CN=Users) is reported.
func TestUsernamesDomainWide(t *testing.T) {
	s := samba(t)
	c, _ := s.domainClient(t, "usernames", "")
	outside := s.addOU(t, "users")
	name := "tk" + suffix(t)
	conn := s.conn(t)
	defer conn.Close()
	req := ldap.NewAddRequest("CN="+name+","+outside, nil)
	req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	req.Attribute("sAMAccountName", []string{name})
	req.Attribute("userPrincipalName", []string{"upn" + name + "@skole.test"})
	if err := conn.Add(req); err != nil {
		t.Fatal(err)
	}
	got, err := c.Usernames(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, name) || !slices.Contains(got, "upn"+name) || !slices.Contains(got, "Administrator") {
		t.Errorf("Usernames lacks %q, its UPN or Administrator (%d names)", name, len(got))
	}
}

// TestGroupSAMAccountName: groups get a sAMAccountName from the template,
// at most 20 characters, different for groups of the same name.
func TestGroupSAMAccountName(t *testing.T) {
	s := samba(t)
	c, base := s.client(t, "groupsam")
	apply(t, c, create(ou("ou/1", "Skole 1", "")), create(ou("ou/2", "Skole 2", "")),
		create(group("group/1/4a", "4A", "ou/1")), create(group("group/2/4a", "4A", "ou/2")),
		create(group("group/long", "Alle elever på Næsby Skole og Dagtilbud", "ou/1")))
	names := map[string]bool{}
	for _, key := range []string{"group/1/4a", "group/2/4a", "group/long"} {
		e := s.entry(t, base, "(adminDescription=orgsync:"+key+")", "sAMAccountName")
		sam := e.GetAttributeValue("sAMAccountName")
		if sam == "" || strings.HasPrefix(sam, "$") || utf8.RuneCountInString(sam) > 20 || names[sam] {
			t.Errorf("%s: sAMAccountName %q", key, sam)
		}
		names[sam] = true
	}
}

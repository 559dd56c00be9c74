package ad_test

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/targettest"
	"github.com/orgsync/orgsync/naming"
)

// TestConformance runs the suite every diff.Target passes against Samba,
// each case in a fresh OU.
func TestConformance(t *testing.T) {
	conformance(t, samba(t), nil)
}

// TestConformanceDelegated runs the same suite as a service account with
// only the rights docs/AD-RIGHTS.md lists, delegated on a parent OU with
// samba-tool dsacl (inherited by each case's base, which the account
// creates itself); seeding is done by hand as the administrator.
func TestConformanceDelegated(t *testing.T) {
	s := samba(t)
	if _, err := exec.LookPath("samba-tool"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but samba-tool is not installed (.ci/servers/samba.sh installs it)")
		}
		t.Skip("samba-tool not installed")
	}
	parent := s.testOU(t, "conf-delegated")
	conn := s.conn(t)
	add := ldap.NewAddRequest(parent, nil)
	add.Attribute("objectClass", []string{"organizationalUnit"})
	err := conn.Add(add)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	bind, pw := s.delegate(t, parent)
	conformance(t, s, func(cfg *ad.Config) {
		cfg.Base = strings.Replace(cfg.Base, ",OU=orgsync-tests,", ","+parent[:strings.Index(parent, ",OU=orgsync-tests,")]+",OU=orgsync-tests,", 1)
		cfg.Domain = cfg.Base
		cfg.BindDN, cfg.Password = bind, pw
	})
}

// conformance runs diff/targettest against Samba; with delegated set, each
// target's Config is changed by it (bind as another account, base
// elsewhere) before the Client is dialled.
func conformance(t *testing.T, s server, delegated func(*ad.Config)) {
	var mu sync.Mutex
	bases := map[diff.Target]string{}
	prev := ""
	targettest.Run(t, targettest.Harness{
		// The suite uses the same usernames in every target, but
		// sAMAccountName is unique in the whole domain: a new target
		// retires the previous one (the suite never uses two at once).
		New: func(t *testing.T) diff.Target {
			mu.Lock()
			if prev != "" {
				s.deleteTree(t, prev)
			}
			mu.Unlock()
			cfg := s.config(s.testOU(t, "conformance"))
			cfg.AdoptBy = "username"
			if delegated != nil {
				delegated(&cfg)
			}
			c := s.clientAt(t, cfg)
			mu.Lock()
			defer mu.Unlock()
			bases[c] = cfg.Base
			prev = cfg.Base
			return c
		},
		Seed: func(t *testing.T, tgt diff.Target, o diff.Object) {
			mu.Lock()
			base := bases[tgt]
			mu.Unlock()
			conn := s.conn(t)
			defer conn.Close()
			req := ldap.NewAddRequest("CN="+naming.EscapeDN(o.Name)+","+base, nil)
			req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
			for n, a := range map[string]string{"username": "sAMAccountName", "givenName": "givenName",
				"familyName": "sn", "email": "mail", "title": "title"} {
				if v := o.Attrs.Get(n); v != "" {
					req.Attribute(a, []string{v})
				}
			}
			if err := conn.Add(req); err != nil {
				t.Fatalf("seed %s: %v", o.Name, err)
			}
		},
		// The delegated run repeats the suite for the rights, not for
		// more random cases: one is enough there.
		Iterations: map[bool]int{false: 2, true: 1}[delegated != nil],
	})
}

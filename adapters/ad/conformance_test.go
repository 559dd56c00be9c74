package ad_test

import (
	"sync"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/targettest"
	"github.com/orgsync/orgsync/naming"
)

// TestConformance runs the suite every diff.Target passes against Samba,
// each case in a fresh OU.
func TestConformance(t *testing.T) {
	s := samba(t)
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
		Iterations: 2,
	})
}

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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeSnapshot(t *testing.T, path string, s *orgmodel.Snapshot) {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b))
}

// TestBadConfiguration: configuration mistakes stop the run before
// anything is read or written, with exit code 4.
func TestBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	writeSnapshot(t, snap, synth.Generate(synth.Tiny))
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown key", "snapshot: " + snap + "\nad:\n  urll: ldaps://x\n", "urll"},
		{"no password", "snapshot: " + snap + "\nad:\n  url: ldaps://127.0.0.1:1\n  passwordEnv: ORGSYNC_TEST_UNSET\n", "bind password is not set"},
		{"CPR without attribute", "snapshot: " + snap + "\nprojection:\n  includeCPR: true\nad:\n  url: ldaps://127.0.0.1:1\n", "includeCPR"},
		{"missing fields", "snapshot: " + snap + "\nad:\n  passwordFile: " + snap + "\n", "config URL: required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(dir, "c.yaml")
			writeFile(t, cfg, tc.yaml)
			var so, se bytes.Buffer
			code := run(context.Background(), []string{"-config", cfg}, &so, &se, time.Now())
			if code != runner.ExitInput || !strings.Contains(se.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, se.String(), runner.ExitInput, tc.want)
			}
		})
	}
}

// TestAgainstSamba runs the binary like an administrator would: dry run,
// apply, nothing left to do, and a refused plan.
func TestAgainstSamba(t *testing.T) {
	url := os.Getenv("ORGSYNC_AD_URL")
	if url == "" {
		t.Skip("ORGSYNC_AD_URL not set; run eval \"$(.ci/servers/samba.sh start)\"")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	base := "OU=adsync-" + hex.EncodeToString(b) + ",OU=orgsync-tests," + os.Getenv("ORGSYNC_AD_BASE")
	t.Cleanup(func() { deleteTree(t, base) })

	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	mini := synth.Config{Seed: 7, Persons: 60, Schools: 1, Daycares: 1, FUs: -1}
	s := synth.Generate(mini)
	writeSnapshot(t, snap, s)
	cfg := filepath.Join(dir, "ad-sync.yaml")
	writeFile(t, cfg, `snapshot: `+snap+`
state: `+filepath.Join(dir, "state.json")+`
auditLog: `+filepath.Join(dir, "audit.jsonl")+`
concurrency: 16
ad:
  url: `+url+`
  bindDN: `+os.Getenv("ORGSYNC_AD_BIND")+`
  caFile: `+os.Getenv("ORGSYNC_AD_CA")+`
  base: "`+base+`"
  markPrefix: "orgsync-`+hex.EncodeToString(b)+`:"
  createBase: true
  upnDomain: skole.test
usernames:
  standard: prefix
  prefix: a`+hex.EncodeToString(b[:2])+`
`)
	now := synth.ReferenceTime(s.SchoolYear)
	sync := func(args ...string) (int, string) {
		var so, se bytes.Buffer
		code := run(context.Background(), append([]string{"-config", cfg}, args...), &so, &se, now)
		return code, so.String() + se.String()
	}
	if code, out := sync(); code != 0 || !strings.Contains(out, "Dry run") || !strings.Contains(out, "create") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if code, out := sync("-apply"); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if code, out := sync(); code != 0 || !strings.Contains(out, "Nothing to do") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	// A source that lost its school is refused.
	school := ""
	for _, in := range s.Institutions {
		if in.Type == orgmodel.School {
			school = in.Number
		}
	}
	s.Affiliations = slices.DeleteFunc(s.Affiliations, func(a orgmodel.Affiliation) bool { return a.Institution == school })
	writeSnapshot(t, snap, s)
	if code, out := sync("-apply"); code != runner.ExitThreshold || !strings.Contains(out, "nothing was applied") {
		t.Fatalf("lost school: exit %d\n%s", code, out)
	}
}

func deleteTree(t testing.TB, dn string) {
	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(os.Getenv("ORGSYNC_AD_CA")); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	conn, err := ldap.DialURL(os.Getenv("ORGSYNC_AD_URL"), ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close()
	if err := conn.Bind(os.Getenv("ORGSYNC_AD_BIND"), os.Getenv("ORGSYNC_AD_PASSWORD")); err != nil {
		t.Error(err)
		return
	}
	req := ldap.NewDelRequest(dn, []ldap.Control{ldap.NewControlString(ldap.ControlTypeMicrosoftTreeDelete, true, "")})
	if err := conn.Del(req); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		t.Errorf("cleanup %s: %v", dn, err)
	}
}

// TestExampleConfig keeps ad-sync.example.yaml loadable and complete.
func TestExampleConfig(t *testing.T) {
	fc := fileConfig{Config: provision.Defaults()}
	if err := runner.LoadYAML("ad-sync.example.yaml", &fc); err != nil {
		t.Fatal(err)
	}
	cfg, err := fc.AD.client(nil, func(string) string { return "secret" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Base != "OU=Skoledata,DC=kommune,DC=dk" || cfg.Attributes.DisabledDate != "adminDisplayName" ||
		cfg.Hooks.Create == nil || !cfg.Hooks.Create.JSON || cfg.Hooks.Create.Timeout != 30*time.Second || cfg.Password != "secret" {
		t.Errorf("example config: %+v", cfg)
	}
	if _, err := naming.StandardByName(fc.Usernames.Standard, fc.Usernames.Prefix); err != nil {
		t.Errorf("usernames: %v", err)
	}
	if _, err := fc.Projection.Compile(); err != nil {
		t.Errorf("projection: %v", err)
	}
}

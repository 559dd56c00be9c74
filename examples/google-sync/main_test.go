package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
	"google.golang.org/api/option"
)

// TestRun drives the binary against the fake Google service: a dry run
// changes nothing, -apply applies, a second run has nothing to do.
func TestRun(t *testing.T) {
	f := googlefake.New(googlefake.Options{Domain: "skole.test"})
	defer f.Close()
	f.AddOrgUnit("/Skoledata", "")
	dir := t.TempDir()
	snap := synth.Generate(synth.Tiny)
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	snapPath := filepath.Join(dir, "snapshot.json")
	if err := os.WriteFile(snapPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `snapshot: ` + snapPath + `
auditLog: ` + filepath.Join(dir, "audit.jsonl") + `
usernames: {seed: 1}
google:
  domain: skole.test
  root: /Skoledata
  endpoint: ` + f.URL() + `
  licences: {product: "101031", student: "1010310008", employee: "1010310009"}
  drives: {model: per-institution}
  queriesPerMinute: 1000000
  burst: 1000
`
	cfgPath := filepath.Join(dir, "google-sync.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	now := synth.ReferenceTime(snap.SchoolYear)
	extra := []option.ClientOption{option.WithHTTPClient(f.Client())}
	exec := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb, now, func(string) string { return "" }, extra)
		return code, out.String(), errb.String()
	}

	code, out, stderr := exec("-config", cfgPath)
	if code != runner.ExitOK || !strings.Contains(out, "Dry run") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	if n := len(f.Users()); n != 1 {
		t.Fatalf("dry run created %d users", n-1)
	}
	code, out, stderr = exec("-config", cfgPath, "-apply")
	if code != runner.ExitOK || !strings.Contains(stderr, "applied") {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, stderr)
	}
	if n := len(f.Users()); n < 100 {
		t.Fatalf("apply created only %d users", n-1)
	}
	if len(f.Drives()) == 0 {
		t.Error("no shared drives")
	}
	code, out, stderr = exec("-config", cfgPath, "-apply")
	if code != runner.ExitOK || !strings.Contains(out, "Nothing to do") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, stderr)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ yaml, want string }{
		"no key":       {"snapshot: x.json\ngoogle: {domain: skole.test}\n", "no service account key"},
		"unknown key":  {"snapshot: x.json\ngoogle: {domian: skole.test}\n", "domian"},
		"bad model":    {"snapshot: x.json\ngoogle: {domain: skole.test, endpoint: http://127.0.0.1:1, drives: {model: per-class}}\n", "drives.model"},
		"empty domain": {"snapshot: x.json\ngoogle: {endpoint: http://127.0.0.1:1}\n", "domain"},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".yaml")
			if err := os.WriteFile(p, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"-config", p}, &out, &errb, synth.ReferenceTime(""), func(string) string { return "" }, nil)
			if code != runner.ExitInput || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), runner.ExitInput, tc.want)
			}
		})
	}
}

// TestExampleConfig keeps the example configuration valid.
func TestExampleConfig(t *testing.T) {
	fc := fileConfig{Config: provision.Defaults()}
	if err := runner.LoadYAML("google-sync.example.yaml", &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Google.Domain == "" || fc.Google.Drives.Model == "" || fc.Google.Subject == "" {
		t.Errorf("example config lost fields: %+v", fc.Google)
	}
}

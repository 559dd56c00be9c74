package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/provision"
)

func TestExampleConfigParses(t *testing.T) {
	b, err := os.ReadFile("broker.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := parseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Clients) != 3 || fc.Clients[1].AD == nil || fc.Clients[1].AD.Base == "" {
		t.Errorf("ad client: %+v", fc.Clients)
	}
	if g := fc.Clients[2].Google; g == nil || g.Domain == "" || g.Subject == "" || g.Drives.Model == "" {
		t.Errorf("google client: %+v", fc.Clients[2])
	}
	c := fc.Clients[0]
	if c.Delta != 15*time.Minute || *c.FullSyncHour != 2 || c.Usernames.Standard != "name+digits:2" || fc.Mail.StaleAfter != 24*time.Hour {
		t.Errorf("parsed: %+v", c)
	}
	// Keys left out keep the pipeline's defaults.
	if d := provision.Defaults(); c.Projection.Layout != d.Projection.Layout {
		t.Errorf("projection not defaulted: %+v", c.Projection)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	base := "state: /tmp/x\nclients:\n  - name: a\n    type: memdir\n    path: a.json\n"
	for _, tc := range []struct{ yaml, want string }{
		{base + "colour: red\n", "colour"},
		{base + "    delat: 5m\n", "delat"},
		{base + "tick: often\n", "often"},
		{"clients:\n  - name: a\n    type: memdir\n    path: a.json\n", "state: required"},
		{"state: x\nclients:\n  - name: a\n    type: ldap\n    path: a\n", "clients[0].type: unknown type \"ldap\""},
		{"state: x\nclients:\n  - name: a\n    type: memdir\n", "clients[0].path"},
		{"state: x\nclients:\n  - {name: a, type: memdir, path: a}\n  - {name: a, type: memdir, path: b}\n", "clients[1].name: \"a\" is used twice"},
		{base + "    fullSyncHour: 25\n", "clients[0].fullSyncHour"},
		{base + "    delta: -5m\n", "clients[0].delta"},
		{base + "    snapshot: s.json\n", "clients[0]: snapshot and state"},
		{base + "tokens:\n  - {id: x, role: boss, tokenEnv: X}\n", "tokens[0].role: unknown role \"boss\""},
		{base + "tokens:\n  - {id: x, role: importer}\n", "tokens[0]: tokenEnv or tokenFile"},
		{base + "tokens:\n  - {id: x, role: agent, client: nope, tokenEnv: X}\n", "tokens[0].client: an agent token names one of agents"},
		{base + "tokens:\n  - {id: x, role: importer, client: a, tokenEnv: X}\n", "tokens[0].client: only for a token of role agent"},
		{base + "agents:\n  - {name: a}\n", "clients[0].name: \"a\" is used twice"},
		{base + "agents:\n  - {name: s, fullSyncHour: 30}\n", "agents[0].fullSyncHour"},
		{base + "mail:\n  server: s:587\n  from: a@b\n", "mail.to"},
		{"state: x\nclients:\n  - {name: a, type: ad}\n", "clients[0].ad: required"},
		{"state: x\nclients:\n  - {name: a, type: ad, ad: {url: x, bindDN: b, base: c, upnDomain: d}}\n", "clients[0].ad.url"},
		{"state: x\nclients:\n  - {name: a, type: ad, ad: {url: ldaps://x, bindDN: b, base: c, upnDomain: d, colour: red}}\n", "colour"},
		{base + "    ad: {url: ldaps://x}\n", "clients[0].ad: only for a client of type ad"},
		{base + "mail:\n  server: s:587\n  from: a@b\n  to: [c@d]\n  summaryHour: 24\n", "mail.summaryHour"},
		{base + "sources:\n  guard:\n    minShare: 2\n", "sources.guard.minShare"},
		{base + "sources:\n  stil:\n    institutions: [\"1\"]\n    times: [a, b, c, d, e]\n    folder: x\n", "sources.stil.times: want 1 to 4"},
		{base + "sources:\n  stil:\n    institutions: [\"1\"]\n    times: [\"25:00\"]\n    folder: x\n", "sources.stil.times[0]"},
		{base + "sources:\n  stil:\n    times: [\"05:00\"]\n    folder: x\n", "sources.stil.institutions"},
		{base + "sources:\n  stil:\n    institutions: [\"1\"]\n    times: [\"05:00\"]\n", "certFile and keyFile"},
		{base + "database:\n  instance: a\n", "database.dsnEnv: required"},
		{base + "database:\n  dsnEnv: X\n  leaseTTL: 10s\n", "database.leaseTTL: must be longer than tick"},
		{base + "database:\n  dsnEnv: X\n  colour: red\n", "colour"},
		{base + "audit:\n  keyFile: k\n", "audit.file: required"},
		{base + "audit:\n  file: a.jsonl\n", "audit.keyFile: required"},
		{base + "audit:\n  file: a\n  keyFile: k\n  reviewRoles: [boss]\n", "audit.reviewRoles[0]: unknown role \"boss\""},
		{base + "audit:\n  file: a\n  keyFile: k\n  purposes: [\" \"]\n", "audit.purposes[0]"},
		{base + "audit:\n  file: a\n  keyFile: k\n  colour: red\n", "colour"},
	} {
		_, err := parseConfig([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, provision.ErrConfig) {
			t.Errorf("config\n%s\nerror %v, want one naming %q", tc.yaml, err, tc.want)
		}
	}
}

// TestDemoBuildWithoutGraphSDK: the demo's build does not compile the
// Microsoft Graph SDK, so it starts in seconds on a fresh machine.
func TestDemoBuildWithoutGraphSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "msgraph") || strings.Contains(dep, "adapters/entra") || strings.Contains(dep, "kiota") {
			t.Errorf("examples/broker depends on %s", dep)
		}
	}
}

// TestSIGTERM builds the binary, runs the demo, waits for its first sync,
// sends SIGTERM and checks that it exits 0 with the state saved.
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "broker")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	state := filepath.Join(dir, "state")
	cmd := exec.Command(bin, "-demo", "-listen", "127.0.0.1:0", "-state", state)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var url, token string
	for sc.Scan() && (url == "" || token == "") {
		line := sc.Text()
		if u, ok := strings.CutPrefix(line, "orgsync broker listening on "); ok {
			url = u
		}
		if tk, ok := strings.CutPrefix(line, "administrator token: "); ok {
			token = tk
		}
	}
	if url == "" || token == "" {
		t.Fatalf("no URL or token printed; stderr:\n%s", stderr.String())
	}
	// Wait for both clients' first successful sync.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/clients", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if ctx.Err() != nil {
			t.Fatalf("no sync within a minute; stderr:\n%s", stderr.String())
		}
		ok := 0
		if err == nil {
			var cs []struct {
				Status struct {
					LastSuccess time.Time `json:"lastSuccess"`
				} `json:"status"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&cs)
			resp.Body.Close()
			for _, c := range cs {
				if !c.Status.LastSuccess.IsZero() {
					ok++
				}
			}
		}
		if ok == 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resp, err := http.Get(url + "/ui/login"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the demo's admin UI login: %v %v", resp, err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "DEMO") {
			t.Error("the demo login is not marked as such")
		}
	}
	if resp, err := http.Get(url + "/api/v1/clients"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unauthenticated request: %v %v", resp, err)
	}
	// Personal data needs a purpose and is recorded in the demo's
	// accountability log; the administrator reads the anomaly report.
	for _, c := range []struct {
		path, purpose string
		want          int
	}{
		{"/api/v1/keepalive", "", http.StatusBadRequest},
		{"/api/v1/keepalive", "support case", http.StatusOK},
		{"/api/v1/audit/anomalies?format=csv", "", http.StatusOK},
	} {
		req, _ := http.NewRequest("GET", url+c.path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if c.purpose != "" {
			req.Header.Set("X-Orgsync-Purpose", c.purpose)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET %s (purpose %q): %d, want %d", c.path, c.purpose, resp.StatusCode, c.want)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit within 30 s of SIGTERM")
	}
	if !strings.Contains(stderr.String(), "state saved") {
		t.Errorf("no 'state saved' log line:\n%s", stderr.String())
	}
	for _, f := range []string{"school-directory.json", "broker/client%2Fschool-directory%2Fstatus.json", "broker/source-version.json", "broker/client%2Fschool-directory%2Fstate.json"} {
		if fi, err := os.Stat(filepath.Join(state, f)); err != nil || fi.Size() == 0 {
			t.Errorf("state file %s: %v", f, err)
		}
	}
	key, err := readAuditKey(filepath.Join(state, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(state, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auditlog.Verify(bytes.NewReader(raw), auditlog.VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey), Final: true}); err != nil {
		t.Errorf("the demo's audit log does not verify: %v", err)
	}
	if !bytes.Contains(raw, []byte(`"purpose":"support case"`)) || !bytes.Contains(raw, []byte(`"what":"anomaly report`)) {
		t.Errorf("the look-up or the report's access is not in the audit log:\n%s", raw)
	}
}

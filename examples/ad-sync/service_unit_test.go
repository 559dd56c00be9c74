package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit checks the example unit: it starts the agent with
// Type=notify (internal/service.Run sends READY=1), restarts on failure,
// and, where systemd-analyze is installed, passes `systemd-analyze
// verify` without a warning (with ExecStart pointed at an existing binary).
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("orgsync-agent.service")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(unit))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys[k] = v
		}
	}
	for k, want := range map[string]string{"Type": "notify", "Restart": "on-failure", "NoNewPrivileges": "yes"} {
		if keys[k] != want {
			t.Errorf("%s=%q, want %q", k, keys[k], want)
		}
	}
	if f := strings.Fields(keys["ExecStart"]); len(f) < 2 || filepath.Base(f[0]) != "ad-sync" || f[1] != "agent" {
		t.Errorf("ExecStart=%q, want ad-sync agent …", keys["ExecStart"])
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	dir := t.TempDir()
	copyPath := filepath.Join(dir, "orgsync-agent.service")
	if err := os.WriteFile(copyPath, bytes.ReplaceAll(unit, []byte("/usr/local/bin/ad-sync"), []byte("/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	// verify exits 0 on many warnings ("Failed to parse service type,
	// ignoring"): any output is a finding.
	if out, err := exec.Command(analyze, "verify", copyPath).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

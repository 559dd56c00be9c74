package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestDryRunApplyConverge runs the binary against the fake Graph service:
// a dry run changes nothing, -apply applies, and the next run has nothing
// to do.
func TestDryRunApplyConverge(t *testing.T) {
	srv := graphfake.New(graphfake.Options{Seed: 1, Domains: []string{"skole.test"}, YoungGroupAttempts: 1})
	defer srv.Close()
	owner := srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Teams",
		"userPrincipalName": "svc@skole.test", "mailNickname": "svc"})
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
entra:
  baseURL: ` + srv.BaseURL() + `
  domain: skole.test
  mark: orgsync
  appId: 0f0e0d0c-0b0a-4908-8706-050403020100
  teamOwners: [` + owner + `]
  teamBackoff: 1ms
  hideStudents: true
`
	cfgPath := filepath.Join(dir, "entra-sync.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	now := synth.ReferenceTime(snap.SchoolYear)
	exec := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"-config", cfgPath}, args...), &out, &errOut, now, srv.Client())
		return code, out.String(), errOut.String()
	}

	code, out, errOut := exec()
	if code != runner.ExitOK || !strings.Contains(out, "Dry run") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if w := srv.Counts().Writes; len(w) != 0 {
		t.Fatalf("the dry run wrote: %v", w)
	}
	code, out, errOut = exec("-apply")
	if code != runner.ExitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "applied") || len(srv.Objects("group")) == 0 {
		t.Fatalf("apply made no progress output or no groups:\n%s", errOut)
	}
	code, out, errOut = exec("-apply")
	if code != runner.ExitOK || !strings.Contains(out, "Nothing to do") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = exec("-extensions")
	if code != runner.ExitOK || !strings.Contains(out, "extension_0f0e0d0c0b0a49088706050403020100_orgsyncKey") {
		t.Fatalf("-extensions: exit %d\n%s", code, out)
	}
}

// TestConfigRefusesOUs: a layout with OUs is refused before anything runs.
func TestConfigRefusesOUs(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfgPath, []byte("snapshot: x.json\nprojection: {layout: institutions-first, includeCPR: true}\nentra: {domain: d.test, mark: m, appId: 0f0e0d0c-0b0a-4908-8706-050403020100, teamKinds: []}\n"), 0o600)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-config", cfgPath}, &out, &errOut, synth.ReferenceTime("2025-2026"), nil)
	if code != runner.ExitInput || !strings.Contains(errOut.String(), "layout") || !strings.Contains(errOut.String(), "writeCPR") {
		t.Fatalf("exit %d, want %d naming layout and writeCPR:\n%s", code, runner.ExitInput, errOut.String())
	}
}

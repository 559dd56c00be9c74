package main

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/runner"
)

// TestAgentServiceCommands: install and uninstall manage the Windows
// service; elsewhere they say so and exit with the input code.
func TestAgentServiceCommands(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("would register a real service")
	}
	for _, what := range []string{"install", "uninstall"} {
		var so, se bytes.Buffer
		code := run(context.Background(), []string{"agent", what, "-config", "x.yaml"}, &so, &se, time.Now())
		if code != runner.ExitInput || !strings.Contains(se.String(), "not supported") {
			t.Errorf("%s: exit %d, %q", what, code, se.String())
		}
	}
}

// TestAgentConfigErrors: the agent section is checked before anything
// is dialled.
func TestAgentConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"no agent section": {"ad: {url: ldaps://x}\n", "needs broker"},
		"plain http":       {"agent: {broker: 'http://b', client: c, tokenFile: /dev/null}\n", "HTTPS only"},
		"no credentials":   {"agent: {broker: 'https://b', client: c}\n", "no credentials"},
		"half a cert":      {"agent: {broker: 'https://b', client: c, certFile: a.pem}\n", "go together"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := t.TempDir() + "/ad-sync.yaml"
			writeFile(t, cfg, tc.yaml)
			var so, se bytes.Buffer
			code := run(context.Background(), []string{"agent", "-config", cfg, "-once"}, &so, &se, time.Now())
			if code != runner.ExitInput || !strings.Contains(se.String(), tc.want) {
				t.Errorf("exit %d, %q; want %d and %q", code, se.String(), runner.ExitInput, tc.want)
			}
		})
	}
}

func TestTeeHandler(t *testing.T) {
	var a, b bytes.Buffer
	log := slog.New(teeHandler{
		slog.NewTextHandler(&a, &slog.HandlerOptions{Level: slog.LevelInfo}),
		slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelWarn}),
	}).With("client", "site")
	log.Info("applied", "n", 3)
	log.Warn("retrying")
	if !strings.Contains(a.String(), "applied") || !strings.Contains(a.String(), "retrying") || !strings.Contains(a.String(), "client=site") {
		t.Errorf("info handler: %q", a.String())
	}
	if strings.Contains(b.String(), "applied") || !strings.Contains(b.String(), "retrying") {
		t.Errorf("warn handler: %q", b.String())
	}
}

//go:build entra

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// TestEntraClient (go test -tags entra): an entra client from the
// broker's YAML syncs a synthetic municipality into the fake Graph
// service, and the next run plans nothing.
func TestEntraClient(t *testing.T) {
	srv := graphfake.New(graphfake.Options{Seed: 1, Domains: []string{"skole.test"}, YoungGroupAttempts: 1})
	defer srv.Close()
	owner := srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Teams",
		"userPrincipalName": "svc@skole.test", "mailNickname": "svc"})
	entraHTTP = srv.Client()
	defer func() { entraHTTP = nil }()
	fc, err := parseConfig([]byte(`state: x
clients:
  - name: tenant
    type: entra
    usernames: {seed: 1}
    entra:
      baseURL: ` + srv.BaseURL() + `
      domain: skole.test
      mark: orgsync
      appId: 0f0e0d0c-0b0a-4908-8706-050403020100
      teamOwners: [` + owner + `]
      teamBackoff: 1ms
      hideStudents: true
`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := fc.Clients[0]
	tgt, after, _, err := target(ctx, c, log, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	snap := synth.Generate(synth.Tiny)
	now := synth.ReferenceTime(snap.SchoolYear)
	b, err := broker.New(ctx, broker.Options{Clock: func() time.Time { return now }, Log: log},
		broker.Client{Name: c.Name, Target: tgt, Config: c.Config, FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	rep, err := b.Run(ctx, c.Name)
	if err != nil || rep.Error != "" || rep.Applied == 0 || rep.Failed != 0 {
		t.Fatalf("first run: %+v %v", rep, err)
	}
	if err := after(); err != nil {
		t.Fatalf("teams: %v", err)
	}
	if len(srv.Objects("group")) == 0 {
		t.Fatal("no groups in the fake after the first run")
	}
	rep, err = b.Run(ctx, c.Name)
	if err != nil || rep.Error != "" || rep.Planned != 0 {
		t.Fatalf("second run: %+v %v", rep, err)
	}
}

func TestEntraConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"state: x\nclients:\n  - {name: a, type: entra}\n", "clients[0].entra.domain: required"},
		{"state: x\nclients:\n  - {name: a, type: entra, entra: {domain: d, colour: red}}\n", "colour"},
		{"state: x\nclients:\n  - {name: a, type: entra, entra: {domain: d}, projection: {layout: institutions-first}}\n", "clients[0].projection.layout"},
	} {
		_, err := parseConfig([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, provision.ErrConfig) {
			t.Errorf("config\n%s\nerror %v, want one naming %q", tc.yaml, err, tc.want)
		}
	}
}

// TestExampleEntraClientParses: the commented entra client of
// broker.example.yaml parses in the entra build.
func TestExampleEntraClientParses(t *testing.T) {
	b, err := os.ReadFile("broker.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	in := false
	for i, l := range lines {
		if strings.HasPrefix(l, "  # - name: entra") {
			in = true
		}
		if in && !strings.HasPrefix(l, "  # ") {
			break
		}
		if in {
			lines[i] = "  " + strings.TrimPrefix(l, "  # ")
		}
	}
	if !in {
		t.Fatal("no entra client in broker.example.yaml")
	}
	fc, err := parseConfig([]byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	c := fc.Clients[len(fc.Clients)-1]
	if c.Type != "entra" || c.Entra.TenantID == "" || c.Entra.AppID == "" || c.Concurrency != 64 {
		t.Errorf("entra client: %+v", c)
	}
}

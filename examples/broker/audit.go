package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/broker/ui"
	"github.com/orgsync/orgsync/provision"
)

// auditConfig is "audit": the accountability log (package auditlog) that
// records every look-up of personal data through the API and the UI, and
// serves the audit trail and the anomaly report to its review roles.
// Without it the API records nothing and the UI logs its look-ups as
// log lines.
type auditConfig struct {
	// File is the log (append-only JSON lines, fsync per batch); an
	// existing file is verified and continued.
	File string `yaml:"file"`
	// KeyFile holds the ed25519 key that signs checkpoints (the seed in
	// hex, as "audit keygen" writes it). Keep it outside the log's
	// folder, readable by the broker only; the public half verifies
	// ("audit verify -pub").
	KeyFile string `yaml:"keyFile"`
	// CheckpointEvery is the number of records between checkpoints
	// (default 1000); the broker writes one more when it stops.
	CheckpointEvery int `yaml:"checkpointEvery"`
	// Purposes is the list a look-up's purpose is chosen from (default:
	// password reset, class list, support case, export, data
	// correction). The UI's own page purposes are added.
	Purposes []string `yaml:"purposes"`
	// ReviewRoles may read the log through the API (default
	// privacy-officer and municipal-admin); every attempt is recorded.
	ReviewRoles []string `yaml:"reviewRoles"`
}

// check adds the section's errors.
func (a *auditConfig) check(bad func(key, format string, args ...any)) {
	if a == nil {
		return
	}
	if a.File == "" {
		bad("audit.file", "required: the log file")
	}
	if a.KeyFile == "" {
		bad("audit.keyFile", "required: the key that signs checkpoints (audit keygen -out KEY)")
	}
	if a.CheckpointEvery < 0 {
		bad("audit.checkpointEvery", "must not be negative")
	}
	for i, p := range a.Purposes {
		if strings.TrimSpace(p) == "" {
			bad(fmt.Sprintf("audit.purposes[%d]", i), "empty purpose")
		}
	}
	for i, r := range a.ReviewRoles {
		if !slices.Contains(knownRoles, api.Role(r)) {
			bad(fmt.Sprintf("audit.reviewRoles[%d]", i), "unknown role %q (want one of %v)", r, knownRoles)
		}
	}
}

// auditTrail is the open accountability log.
type auditTrail struct {
	log  *auditlog.Log
	sink *auditlog.FileSink
	path string
	// search are the purposes a search may give (the configured list).
	search []string
}

// openAudit verifies and continues (or starts) the log of c.
func openAudit(c *auditConfig) (*auditTrail, error) {
	key, err := readAuditKey(c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: audit.keyFile: %w", provision.ErrConfig, err)
	}
	search := c.Purposes
	if len(search) == 0 {
		search = auditlog.DefaultPurposes
	}
	purposes := slices.Clone(search)
	for _, p := range ui.PagePurposes {
		if !slices.Contains(purposes, p) {
			purposes = append(purposes, p)
		}
	}
	review := c.ReviewRoles
	if len(review) == 0 {
		review = []string{string(api.PrivacyOfficer), string(api.MunicipalAdmin)}
	}
	prev, err := os.ReadFile(c.File)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("audit: %w", err)
	}
	sink, err := auditlog.OpenFile(c.File)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	opt := auditlog.Options{Key: key, Every: c.CheckpointEvery, Purposes: purposes, ReviewRoles: review}
	lg, err := auditlog.Resume(bytes.NewReader(prev), sink, opt)
	if err != nil {
		_ = sink.Close()
		return nil, fmt.Errorf("audit: %s: %w", c.File, err)
	}
	return &auditTrail{log: lg, sink: sink, path: c.File, search: search}, nil
}

// access is what the API's audit routes need.
func (t *auditTrail) access() *api.AuditAccess {
	return &api.AuditAccess{Log: t.log, Open: func(context.Context) (io.ReadCloser, error) { return os.Open(t.path) }}
}

// close writes the final checkpoint and closes the file.
func (t *auditTrail) close(ctx context.Context) error {
	return errors.Join(t.log.Close(ctx), t.sink.Close())
}

// readAuditKey reads an ed25519 seed in hex.
func readAuditKey(path string) (ed25519.PrivateKey, error) {
	s, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(s)))
	if err != nil || len(b) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: want an ed25519 seed of %d bytes in hex (audit keygen -out KEY)", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// demoAuditKey writes a fresh checkpoint key for -demo unless the file
// exists (a demo only: production keys are made with audit keygen and
// kept away from the log).
func demoAuditKey(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(hex.EncodeToString(priv.Seed())+"\n"), 0o600)
}

// staffDirectory is the anomaly report's knowledge of who may see what:
// the broker's own principals, from the configured tokens at start and
// from every sign-in and request later (api.StaffDirectory, kept in the
// broker's store under "audit/staff/").
func staffDirectory(ctx context.Context, store broker.Store, tokens api.Tokens) (*api.StaffDirectory, error) {
	d := &api.StaffDirectory{Store: store}
	now := time.Now()
	for _, p := range tokens {
		if err := d.Observe(ctx, &p, now); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
	return d, nil
}

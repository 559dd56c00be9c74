package snapstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/atomicfile"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/history"
)

// Rewritable is a snapshot store whose stored snapshots can be listed,
// read and replaced: what purging needs. FileStore and SQLStore implement
// it.
type Rewritable interface {
	List(ctx context.Context) ([]string, error)
	Load(ctx context.Context, id string) (*orgmodel.Snapshot, error)
	Replace(ctx context.Context, id string, s *orgmodel.Snapshot) error
}

// Forgetter is anything else that keeps data about persons by person ID
// and must forget purged persons: the provision state (provision.State
// Forget through a small adapter), a broker store.
type Forgetter interface {
	Forget(ctx context.Context, personIDs []string) error
}

// Purger deletes the data of persons gone from every source once their
// retention has ended (see history.Gone): from every stored snapshot,
// then from each of Also, and writes one audit record of the purge — when
// and how many, never who or what.
type Purger struct {
	Store Rewritable
	// Months is the retention after a person left every source (default
	// history.DefaultRetentionMonths, 13).
	Months int
	// Also are further stores to purge (the provision state, ...).
	Also []Forgetter
	// Auditor receives the purge record; nil writes none.
	Auditor diff.Auditor
	// Actor is the audit record's actor (default "orgsync-purge").
	Actor string
}

// PurgeResult is what Purge did.
type PurgeResult struct {
	// Persons are the IDs purged (for the caller; the audit record has
	// only their number).
	Persons []string
	// Snapshots is the number of stored snapshots rewritten.
	Snapshots int
}

// savedAt is the time a stored snapshot's ID starts with.
func savedAt(id string) (time.Time, error) {
	return time.Parse("20060102T150405.000000000Z", strings.TrimRight(id, "+"))
}

// Purge purges at now. It is idempotent: a second call finds nothing.
func (p *Purger) Purge(ctx context.Context, now time.Time) (PurgeResult, error) {
	var res PurgeResult
	ids, err := p.Store.List(ctx)
	if err != nil {
		return res, fmt.Errorf("snapstore: purge: %w", err)
	}
	hist := make([]history.Dated, 0, len(ids))
	for _, id := range ids {
		at, err := savedAt(id)
		if err != nil {
			return res, fmt.Errorf("snapstore: purge: snapshot id %q: %w", id, err)
		}
		s, err := p.Store.Load(ctx, id)
		if err != nil {
			return res, fmt.Errorf("snapstore: purge: %w", err)
		}
		hist = append(hist, history.Dated{At: at, Snapshot: s})
	}
	res.Persons = history.Gone(hist, now, p.Months)
	if len(res.Persons) == 0 {
		return res, nil
	}
	gone := make(map[string]bool, len(res.Persons))
	for _, id := range res.Persons {
		gone[id] = true
	}
	for i, d := range hist {
		s, changed := history.Without(d.Snapshot, gone)
		if !changed {
			continue
		}
		if err := p.Store.Replace(ctx, ids[i], s); err != nil {
			return res, fmt.Errorf("snapstore: purge: %w", err)
		}
		res.Snapshots++
	}
	for _, f := range p.Also {
		if err := f.Forget(ctx, res.Persons); err != nil {
			return res, fmt.Errorf("snapstore: purge: %w", err)
		}
	}
	if p.Auditor != nil {
		months := p.Months
		if months <= 0 {
			months = history.DefaultRetentionMonths
		}
		actor := p.Actor
		if actor == "" {
			actor = "orgsync-purge"
		}
		rec := diff.AuditRecord{Time: now, Phase: diff.PhasePurge, Op: "purge/" + now.UTC().Format(time.RFC3339), Actor: actor, Action: diff.NoOp,
			Name: fmt.Sprintf("purged %d persons gone from every source for %d months: %d stored snapshots rewritten, %d further stores",
				len(res.Persons), months, res.Snapshots, len(p.Also))}
		if err := p.Auditor.Record(ctx, rec); err != nil {
			return res, fmt.Errorf("snapstore: purge: audit: %w", err)
		}
	}
	return res, nil
}

// Replace overwrites the stored snapshot id with s (for purging); the id
// and its time stay.
func (f *FileStore) Replace(ctx context.Context, id string, s *orgmodel.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if strings.ContainsAny(id, `/\`) {
		return fmt.Errorf("snapstore: replace %q: %w", id, os.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	path := filepath.Join(f.dir, snapPrefix+id+snapSuffix)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("snapstore: replace %s: %w", id, err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("snapstore: replace %s: %w", id, err)
	}
	if err := atomicfile.WriteFile(path, b, 0o640); err != nil {
		return fmt.Errorf("snapstore: replace %s: %w", id, err)
	}
	return nil
}

// List returns the IDs of the stored snapshots, oldest first.
func (q *SQLStore) List(ctx context.Context) ([]string, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id FROM orgsync_snapshot ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("snapstore: list: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("snapstore: list: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("snapstore: list: %w", err)
	}
	return out, nil
}

// Replace overwrites the stored snapshot id with s (for purging).
func (q *SQLStore) Replace(ctx context.Context, id string, s *orgmodel.Snapshot) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("snapstore: replace %s: %w", id, err)
	}
	if _, err := q.db.ExecContext(ctx, `UPDATE orgsync_snapshot SET persons = ?, body = ? WHERE id = ?`, len(s.Persons), b, id); err != nil {
		return fmt.Errorf("snapstore: replace %s: %w", id, err)
	}
	return nil
}

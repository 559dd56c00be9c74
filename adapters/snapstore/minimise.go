package snapstore

import (
	"context"
	"fmt"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/history"
)

// Minimiser removes the protected fields (CPR numbers, addresses,
// protected names and phone numbers: see history.Minimise) from the stored
// snapshots that newer ones replaced more than Months months ago, and
// writes one audit record of what it removed — how many fields of each
// kind in how many snapshots, never whose or which. The newest snapshot is
// never touched. FileStore and SQLStore both serve as its Store.
type Minimiser struct {
	Store Rewritable
	// Months is how long a replaced snapshot keeps its protected fields
	// (default history.DefaultProtectedMonths, 13).
	Months int
	// DryRun counts what would be removed and changes nothing (no
	// snapshot rewritten, no audit record).
	DryRun bool
	// Auditor receives the record; nil writes none.
	Auditor diff.Auditor
	// Actor is the audit record's actor (default "orgsync-purge").
	Actor string
}

// MinimiseResult is what Minimise did (or, in a dry run, would do).
type MinimiseResult struct {
	// Due is the number of stored snapshots old enough to be minimised.
	Due int
	// Snapshots is the number of those that held protected fields (and
	// were rewritten, unless in a dry run).
	Snapshots int
	// Fields counts the fields removed.
	Fields history.Stripped
}

// Minimise minimises at now. It is idempotent: a second call finds
// nothing and writes no record. Snapshots already minimised are read
// again on every run (the stores keep no mark); that is one read per
// stored snapshot older than the retention.
func (m *Minimiser) Minimise(ctx context.Context, now time.Time) (MinimiseResult, error) {
	var res MinimiseResult
	ids, err := m.Store.List(ctx)
	if err != nil {
		return res, fmt.Errorf("snapstore: minimise: %w", err)
	}
	at := make([]time.Time, len(ids))
	for i, id := range ids {
		if at[i], err = savedAt(id); err != nil {
			return res, fmt.Errorf("snapstore: minimise: snapshot id %q: %w", id, err)
		}
	}
	res.Due = history.MinimiseDue(at, now, m.Months)
	for _, id := range ids[:res.Due] {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("snapstore: minimise: %w", err)
		}
		s, err := m.Store.Load(ctx, id)
		if err != nil {
			return res, fmt.Errorf("snapstore: minimise: %w", err)
		}
		out, n, changed := history.Minimise(s)
		if !changed {
			continue
		}
		if !m.DryRun {
			if err := m.Store.Replace(ctx, id, out); err != nil {
				return res, fmt.Errorf("snapstore: minimise: %w", err)
			}
		}
		res.Snapshots++
		res.Fields = res.Fields.Add(n)
	}
	if m.DryRun || m.Auditor == nil || res.Snapshots == 0 {
		return res, nil
	}
	months := m.Months
	if months <= 0 {
		months = history.DefaultProtectedMonths
	}
	actor := m.Actor
	if actor == "" {
		actor = "orgsync-purge"
	}
	f := res.Fields
	rec := diff.AuditRecord{Time: now, Phase: diff.PhasePurge, Op: "minimise/" + now.UTC().Format(time.RFC3339), Actor: actor, Action: diff.NoOp,
		Name: fmt.Sprintf("minimised %d stored snapshots replaced more than %d months ago: removed %d CPR numbers, %d addresses, %d protected names, %d protected phone numbers",
			res.Snapshots, months, f.CPR, f.Addresses, f.Names, f.Phones)}
	if err := m.Auditor.Record(ctx, rec); err != nil {
		return res, fmt.Errorf("snapstore: minimise: audit: %w", err)
	}
	return res, nil
}

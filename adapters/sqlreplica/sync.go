package sqlreplica

import (
	"context"
	"fmt"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
)

// SyncOptions configure Sync.
type SyncOptions struct {
	// Plan configures diff.Compute; Plan.Now defaults to the at of Sync.
	// Retention decides how long rows of leavers stay (disabled, with
	// disabled_date) before they are deleted.
	Plan diff.Options
	// Apply configures diff.Apply. Concurrency defaults to 4096: the
	// replica writes the changes applied at the same time in one
	// transaction (group commit), so more concurrency means larger
	// transactions, not more connections.
	Apply diff.ApplyOptions
	// DryRun plans only: nothing is written.
	DryRun bool
}

// Sync brings the replica in step with the snapshot through the plan/apply
// machinery: it projects the snapshot (Objects), prepares it, reads the
// replica, computes the plan and, unless DryRun, applies it change by
// change, each in its own transaction. A changed person is one Update of
// one row; rows no longer in the snapshot are disabled first and deleted
// after the retention. The report is nil for a dry run.
func Sync(ctx context.Context, r *Replica, s *orgmodel.Snapshot, at time.Time, o SyncOptions) (*diff.Plan, *diff.Report, error) {
	desired := r.Prepare(Objects(s, at, r.opt))
	actual, err := r.Read(ctx)
	if err != nil {
		return nil, nil, err
	}
	if o.Plan.Now.IsZero() {
		o.Plan.Now = at
	}
	plan, err := diff.Compute(desired, actual, o.Plan)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlreplica: plan: %w", err)
	}
	if o.DryRun || plan.Empty() {
		return plan, nil, nil
	}
	if o.Apply.Concurrency == 0 {
		o.Apply.Concurrency = 4096
	}
	rep, err := diff.Apply(ctx, r, plan, o.Apply)
	if err != nil {
		return plan, rep, fmt.Errorf("sqlreplica: apply: %w", err)
	}
	return plan, rep, nil
}

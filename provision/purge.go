package provision

import (
	"context"
	"fmt"

	"github.com/orgsync/orgsync/orgmodel/history"
)

// Forget removes what st keeps about the persons ids: their usernames
// and their records in the previous snapshot. The accounts themselves
// follow the plan's delete-after-retention rules (plan.retentionDays).
func (st *State) Forget(ids []string) {
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
		delete(st.Usernames, id)
	}
	if st.Previous != nil {
		st.Previous, _ = history.Without(st.Previous, gone)
	}
}

// StateForgetter makes a StateStore forget purged persons
// (snapstore.Forgetter): it loads the state, forgets and saves it.
type StateForgetter struct{ Store StateStore }

// Forget loads the state, removes the persons ids and saves it.
func (f StateForgetter) Forget(ctx context.Context, ids []string) error {
	st, err := f.Store.LoadState(ctx)
	if err != nil {
		return fmt.Errorf("forget in state: %w", err)
	}
	st.Forget(ids)
	if err := f.Store.SaveState(ctx, st); err != nil {
		return fmt.Errorf("forget in state: %w", err)
	}
	return nil
}

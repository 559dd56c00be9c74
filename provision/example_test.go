package provision_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// A dry run's outcome is a plan to review; a later run applies exactly
// that plan, or nothing when the target changed in between.
func ExampleJob_savedPlan() {
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	now := synth.ReferenceTime(snap.SchoolYear)
	dir := memdir.New()
	state := &provision.MemoryState{}
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1

	dry := &provision.Job{Config: cfg, Snapshot: snap, Target: dir, State: state, Now: now}
	reviewed, err := dry.Run(ctx)
	if err != nil {
		panic(err)
	}
	// provision.WriteSavedPlan keeps it in a file, ReadSavedPlan reads it back.
	saved := &provision.SavedPlan{Plan: reviewed.Plan, State: reviewed.State}

	apply := &provision.Job{Config: cfg, Target: dir, State: state, Now: now, Apply: true, Saved: saved}
	out, err := apply.Run(ctx)
	fmt.Println(err, out.Report.Applied == len(reviewed.Plan.Changes))

	// Applying it a second time finds every object it creates already there.
	_, err = apply.Run(ctx)
	fmt.Println(errors.Is(err, diff.ErrStalePlan))
	// Output:
	// <nil> true
	// true
}

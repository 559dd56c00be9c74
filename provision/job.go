package provision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/yearroll"
)

// ErrInput is wrapped by errors about bad input files (snapshot, state,
// saved plan).
var ErrInput = errors.New("invalid input")

// ErrPartial is returned when some changes of an applied plan failed; the
// error also wraps the *diff.ApplyError.
var ErrPartial = errors.New("plan applied partially")

// Job is one run of the pipeline against one target.
type Job struct {
	// Config is the configuration (start from Defaults).
	Config Config
	// Snapshot, when set, is used instead of loading Config.Snapshot.
	Snapshot *orgmodel.Snapshot
	// Target is the directory to read and change. When it implements
	// diff.Preparer, the desired state is prepared by it before planning.
	Target diff.Target
	// State keeps the deployment state between runs; nil keeps it in the
	// file Config.StatePath().
	State StateStore
	// Now is the instant the run is for (validity periods, dates).
	Now time.Time
	// Apply carries the plan out; false is a dry run that only prints it.
	Apply bool
	// Override applies a plan that exceeds the safety thresholds.
	Override bool
	// Saved, when set, is a plan saved by an earlier dry run (see
	// SavedPlan): the run applies exactly it (when Apply is set) instead
	// of planning, and refuses with diff.ErrStalePlan when the target
	// changed since it was made.
	Saved *SavedPlan
	// Roles, when set, is the role model input (instead of the files of
	// Config.Roles): its role groups are provisioned, and a run whose
	// effective assignments break a segregation-of-duties rule is refused
	// with rolemodel.ErrSoD before anything is planned or applied
	// (Override does not pass it: a rule is not a safety rail).
	Roles *Roles
	// Out receives the rendered plan and report; nil discards them.
	Out io.Writer
	// Progress, when set, is called after each applied change.
	Progress func(diff.Progress)
	// Log receives structured progress; nil uses slog.Default().
	Log *slog.Logger
	// Sleep overrides the retry wait of diff.Apply (tests).
	Sleep func(context.Context, time.Duration) error
	// Clock gives the time of audit records; nil is time.Now.
	Clock func() time.Time
	// Taken, when set, lists the usernames taken in the target beyond
	// what Read returns (e.g. ad.Client.Usernames: every account in the
	// domain), so that no new person is given one of them.
	Taken func(ctx context.Context) ([]string, error)
	// Primary overrides persons' primary institutions (person ID to
	// institution number; see desired.Input.Primary).
	Primary map[string]string
	// Delta reads the target by its ReadDelta when it implements
	// DeltaReader (ad.Client, or a target wrapped by Remember): a run
	// that costs what changed. Leave it false for the scheduled full run
	// (the nightly one), which also renews what the delta reads from.
	Delta bool
}

// Outcome is what a Run did.
type Outcome struct {
	// Plan is the plan computed (or the saved plan applied).
	Plan *diff.Plan
	// Report is the apply report; nil for a dry run or a refused plan.
	Report *diff.Report
	// Roll is the year-roll result when the school year changed.
	Roll *yearroll.Result
	// State is the deployment state the plan was computed with: saved
	// before an apply, and kept in a SavedPlan for a later apply.
	State *State
	// ProtectedNamesShown is the number of name-protected persons the
	// plan shows by their real names (projection.ignoreNameProtection).
	// A SavedPlan keeps it, so that applying it later puts the choice on
	// record as a direct apply does.
	ProtectedNamesShown int
}

// Run executes the pipeline: load the snapshot and the state, read the
// target, roll the year when the school year moved on, assign usernames
// (those already in the target win over the state), add the payroll
// groups, build the desired state, let the target prepare it, plan, check
// the safety thresholds, print the plan, and apply it when asked (with
// the audit log). The state is saved before anything is applied, so that
// a crash during apply never loses an assigned username or class
// identity. With Saved set it applies that plan instead (see Job.Saved).
//
// Errors match ErrConfig, ErrInput, orgmodel.ErrInvalid,
// desired.ErrBuild or desired.ErrConfig (bad configuration or input:
// nothing applied), diff.ErrThreshold or diff.ErrStalePlan (refused:
// nothing applied), ErrPartial (some changes failed: run again to
// converge), or none of these (I/O, the target).
func (j *Job) Run(ctx context.Context) (*Outcome, error) {
	if j.Target == nil {
		return nil, fmt.Errorf("%w: job has no target", ErrConfig)
	}
	r := &run{Job: j, log: j.Log, out: j.Out, store: j.State}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.out == nil {
		r.out = io.Discard
	}
	if r.store == nil {
		r.store = StateFile(j.Config.StatePath())
	}
	if j.Saved != nil {
		return r.applySaved(ctx)
	}
	return r.planAndApply(ctx)
}

// run is one Run's working set.
type run struct {
	*Job
	log    *slog.Logger
	out    io.Writer
	store  StateStore
	actual []diff.Object // what Read returned, for reconciling open intents
	// shownProtected counts the name-protected persons shown by their
	// real names (desired.Config.IgnoreNameProtection), for the audit log.
	shownProtected int
}

func (r *run) read(ctx context.Context) ([]diff.Object, error) {
	r.log.Info("reading target", "delta", r.Delta)
	actual, delta, err := r.readActual(ctx)
	if err != nil {
		return nil, fmt.Errorf("read target: %w", err)
	}
	r.log.Info("read target", "objects", len(actual), "delta", delta)
	r.actual = actual
	return actual, nil
}

func (r *run) planAndApply(ctx context.Context) (*Outcome, error) {
	cfg := &r.Config
	proj, err := cfg.Projection.Compile()
	if err != nil {
		return nil, err
	}
	snap := r.Snapshot
	if snap == nil {
		if snap, err = LoadSnapshot(cfg.Snapshot); err != nil {
			return nil, err
		}
	}
	if err := snap.Validate(); err != nil {
		return nil, fmt.Errorf("validate snapshot: %w", err)
	}
	r.warnEndedSchoolYear(snap)
	st, err := r.store.LoadState(ctx)
	if err != nil {
		return nil, err
	}
	actual, err := r.read(ctx)
	if err != nil {
		return nil, err
	}
	res := &Outcome{State: st}
	if res.Roll, err = r.yearRoll(st, snap); err != nil {
		return nil, err
	}
	usernamesFromTarget(st.Usernames, actual)
	var taken []string
	if r.Taken != nil {
		if taken, err = r.Taken(ctx); err != nil {
			return nil, fmt.Errorf("read taken usernames: %w", err)
		}
		dropTakenUsernames(st.Usernames, actual, taken, r.log)
	}
	gen, err := cfg.Usernames.Generator(actual, st.Usernames, snap, taken...)
	if err != nil {
		return nil, err
	}
	if st.Usernames, err = desired.AssignUsernames(ctx, snap, r.Now, st.Usernames, gen); err != nil {
		return nil, err
	}
	extra, err := cfg.payrollGroups(snap, r.Now, r.out)
	if err != nil {
		return nil, err
	}
	roles, err := r.roleGroups(snap)
	if err != nil {
		return nil, err
	}
	extra = append(extra, roles...)
	if r.shownProtected = proj.ProtectedNamesShown(snap); r.shownProtected > 0 {
		fmt.Fprintf(r.out, "NOTICE: name protection is ignored for this target (projection.ignoreNameProtection): %d name-protected person(s) are shown by their real names. An apply records this in the audit log.\n\n", r.shownProtected)
		r.log.Warn("name protection ignored for this target", "persons", r.shownProtected)
	}
	res.ProtectedNamesShown = r.shownProtected
	want, err := proj.Build(snap, desired.Input{At: r.Now, Usernames: st.Usernames, ClassIDs: st.ClassIDs, Extra: extra, Primary: r.Primary})
	if err != nil {
		return nil, err
	}
	want = diff.Prepare(r.Target, want)
	opts := cfg.DiffOptions()
	opts.Now = r.Now
	plan, err := diff.Compute(want, actual, opts)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	res.Plan = plan
	st.SchoolYear = snap.SchoolYear
	st.Previous = withoutCPR(snap)
	st.PreviousAt = r.Now
	if err := plan.Render(r.out); err != nil {
		return res, err
	}
	return r.checkAndApply(ctx, res)
}

// applySaved applies a saved plan when the target still is as it was.
func (r *run) applySaved(ctx context.Context) (*Outcome, error) {
	sp := r.Saved
	if sp.Plan == nil || sp.State == nil {
		return nil, fmt.Errorf("%w: saved plan: plan or state missing", ErrInput)
	}
	actual, err := r.read(ctx)
	if err != nil {
		return nil, err
	}
	res := &Outcome{Plan: sp.Plan, State: sp.State, ProtectedNamesShown: sp.ProtectedNamesShown}
	if r.shownProtected = sp.ProtectedNamesShown; r.shownProtected > 0 {
		fmt.Fprintf(r.out, "NOTICE: the saved plan ignores name protection (projection.ignoreNameProtection): %d name-protected person(s) are shown by their real names. An apply records this in the audit log.\n\n", r.shownProtected)
		r.log.Warn("name protection ignored by the saved plan", "persons", r.shownProtected)
	}
	if err := sp.Plan.CheckCurrent(actual); err != nil {
		fmt.Fprintf(r.out, "Refused: %v\nNothing was applied. Make a new plan and review it.\n", err)
		return res, fmt.Errorf("apply saved plan: %w", err)
	}
	if res.State.Usernames == nil {
		res.State.Usernames = map[string]string{}
	}
	fmt.Fprintf(r.out, "Applying the saved plan made for %s.\n", sp.Plan.Now.Format(diff.DateLayout))
	if err := sp.Plan.Render(r.out); err != nil {
		return res, err
	}
	return r.checkAndApply(ctx, res)
}

// checkAndApply checks the thresholds once, then applies (or not).
func (r *run) checkAndApply(ctx context.Context, res *Outcome) (*Outcome, error) {
	cfg := &r.Config
	plan := res.Plan
	if err := plan.Check(cfg.Thresholds.Thresholds()); err != nil {
		if !r.Override {
			fmt.Fprintf(r.out, "\nRefused: %v\nNothing was applied. Check the source data; if the change is intended, run again with -override.\n", err)
			return res, err
		}
		fmt.Fprintf(r.out, "\nWarning: %v\nApplying anyway because of -override.\n", err)
	}
	if plan.Empty() {
		fmt.Fprintln(r.out, "\nNothing to do: the target is in step with the source.")
		return res, r.saveIfApply(ctx, res.State)
	}
	if !r.Apply {
		fmt.Fprintln(r.out, "\nDry run: nothing was applied. Run again with -apply to apply this plan.")
		return res, nil
	}
	if err := r.store.SaveState(ctx, res.State); err != nil {
		return res, err
	}
	clock := r.Clock
	if clock == nil {
		clock = time.Now
	}
	var (
		auditor diff.Auditor
		open    []diff.AuditRecord // intents a crashed run left open
	)
	if cfg.AuditLog != "" {
		f, err := os.OpenFile(cfg.AuditLog, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o600)
		if err != nil {
			return res, fmt.Errorf("open audit log: %w", err)
		}
		defer f.Close()
		a, err := diff.ResumeJSONLAuditor(f, f)
		if err != nil {
			return res, fmt.Errorf("open audit log: %w", err)
		}
		auditor = a
		open = a.Open()
		if r.shownProtected > 0 {
			// The choice to show protected persons' real names is on record
			// with every apply it affects.
			rec := diff.AuditRecord{Time: clock(), Actor: cfg.Actor, Action: diff.NoOp,
				After: fmt.Sprintf("ignoreNameProtection: %d name-protected person(s) shown by their real names", r.shownProtected)}
			if err := a.Record(ctx, rec); err != nil {
				return res, fmt.Errorf("audit name protection: %w", err)
			}
		}
	}
	rep, err := diff.Apply(ctx, r.Target, plan, diff.ApplyOptions{
		Concurrency: cfg.Concurrency,
		Progress:    r.Progress,
		Auditor:     auditor,
		Actor:       cfg.Actor,
		Sleep:       r.Sleep,
		Clock:       clock,
		Previous:    res.State.Failures,
		Open:        open,
		Actual:      r.actual,
	})
	res.Report = rep
	if rep != nil {
		// Remember this run's failures, so that the next run can tell a
		// failure that recurs (persistent) from a transient one.
		res.State.Failures = rep.Failures()
		if serr := r.store.SaveState(ctx, res.State); serr != nil && err == nil {
			err = serr
		}
	}
	if rep != nil {
		if rerr := rep.Render(r.out); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		var ae *diff.ApplyError
		if errors.As(err, &ae) {
			return res, fmt.Errorf("%w: %w", ErrPartial, err)
		}
		return res, err
	}
	return res, nil
}

// saveIfApply saves the state of an empty plan on an applying run, so
// that the state follows the source (the year roll's previous snapshot)
// even when the target needed nothing.
func (r *run) saveIfApply(ctx context.Context, st *State) error {
	if !r.Apply {
		return nil
	}
	return r.store.SaveState(ctx, st)
}

// warnEndedSchoolYear warns loudly when the snapshot's school year has
// ended: its classes and other groups are no longer valid, so they would
// be left out silently.
func (r *run) warnEndedSchoolYear(snap *orgmodel.Snapshot) {
	first, ok := orgmodel.ParseSchoolYear(snap.SchoolYear)
	if !ok {
		return
	}
	end := time.Date(first+1, time.August, 1, 0, 0, 0, 0, r.Now.Location())
	if r.Now.Before(end) {
		return
	}
	fmt.Fprintf(r.out, "WARNING: the snapshot is for school year %s, which ended on %d-07-31: classes and other groups of an ended school year are left out. Fetch a current export (examples/stil-import) before applying.\n\n", snap.SchoolYear, first+1)
	r.log.Warn("snapshot school year has ended", "schoolYear", snap.SchoolYear, "now", r.Now.Format(time.DateOnly))
}

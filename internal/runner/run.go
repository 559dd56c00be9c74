package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/orgsync/orgsync/adapters/payroll"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/yearroll"
)

// ErrInput is wrapped by errors about bad input files (snapshot, state).
var ErrInput = errors.New("invalid input")

// ErrPartial is returned when some changes of an applied plan failed.
var ErrPartial = errors.New("plan applied partially")

// Exit codes of the starter binaries.
const (
	ExitOK        = 0 // success: the plan was printed (dry run) or applied
	ExitError     = 1 // the run failed: target unreachable, I/O error
	ExitThreshold = 2 // the plan exceeds a safety threshold; nothing applied
	ExitPartial   = 3 // the plan was applied, but some changes failed
	ExitInput     = 4 // bad configuration or input data; nothing applied
	// ExitPersistent: the plan was applied except for changes that failed
	// the same way as in the previous run (and those that depend on them);
	// re-running alone will not help: fix the record or configuration the
	// report names.
	ExitPersistent = 5
)

// ExitCode maps the error a Run returned to the documented exit code.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, diff.ErrThreshold):
		return ExitThreshold
	case errors.Is(err, ErrPartial) && errors.Is(err, diff.ErrPersistent):
		return ExitPersistent
	case errors.Is(err, ErrPartial):
		return ExitPartial
	case errors.Is(err, ErrConfig), errors.Is(err, ErrInput), errors.Is(err, orgmodel.ErrInvalid),
		errors.Is(err, desired.ErrBuild), errors.Is(err, desired.ErrConfig):
		return ExitInput
	}
	return ExitError
}

// Job is one run of the pipeline against one target.
type Job struct {
	// Config is the shared configuration (see Defaults and LoadYAML).
	Config Config
	// Snapshot, when set, is used instead of loading Config.Snapshot.
	Snapshot *orgmodel.Snapshot
	// Target is the directory to read and change.
	Target diff.Target
	// Now is the instant the run is for (validity periods, dates).
	Now time.Time
	// Apply carries the plan out; false is a dry run that only prints it.
	Apply bool
	// Override applies a plan that exceeds the safety thresholds.
	Override bool
	// Out receives the rendered plan and report; nil discards them.
	Out io.Writer
	// Progress, when set, is called after each applied change.
	Progress func(diff.Progress)
	// Log receives structured progress; nil uses slog.Default().
	Log *slog.Logger
	// Sleep overrides the retry wait of diff.Apply (tests).
	Sleep func(context.Context, time.Duration) error
	// Shape, when set, adjusts the desired objects before planning: a
	// target adds objects of its own kinds (e.g. Google shared drives) or
	// target-specific attributes.
	Shape func([]diff.Object) []diff.Object
	// Taken, when set, lists the usernames taken in the target beyond
	// what Read returns (e.g. ad.Client.Usernames: every account in the
	// domain), so that no new person is given one of them.
	Taken func(ctx context.Context) ([]string, error)
}

// Outcome is what a Run did.
type Outcome struct {
	Plan   *diff.Plan
	Report *diff.Report
	// Roll is the year-roll result when the school year changed.
	Roll *yearroll.Result
}

// Run executes the pipeline: load, read, assign usernames, roll the year if
// the school year changed, build, plan, check, print, and apply when asked.
// The state file is saved before anything is applied, so that a crash
// during apply never loses an assigned username or class identity.
func (j *Job) Run(ctx context.Context) (*Outcome, error) {
	log := j.Log
	if log == nil {
		log = slog.Default()
	}
	out := j.Out
	if out == nil {
		out = io.Discard
	}
	cfg := &j.Config
	proj, err := cfg.Projection.Compile()
	if err != nil {
		return nil, err
	}
	snap := j.Snapshot
	if snap == nil {
		if snap, err = LoadSnapshot(cfg.Snapshot); err != nil {
			return nil, err
		}
	}
	if err := snap.Validate(); err != nil {
		return nil, fmt.Errorf("validate snapshot: %w", err)
	}
	if first, ok := orgmodel.ParseSchoolYear(snap.SchoolYear); ok {
		end := time.Date(first+1, time.August, 1, 0, 0, 0, 0, j.Now.Location())
		if !j.Now.Before(end) {
			fmt.Fprintf(out, "WARNING: the snapshot is for school year %s, which ended on %d-07-31: classes and other groups of an ended school year are left out. Fetch a current export (examples/stil-import) before applying.\n\n", snap.SchoolYear, first+1)
			log.Warn("snapshot school year has ended", "schoolYear", snap.SchoolYear, "now", j.Now.Format(time.DateOnly))
		}
	}
	st, err := LoadState(cfg.statePath())
	if err != nil {
		return nil, err
	}
	log.Info("reading target")
	actual, err := j.Target.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read target: %w", err)
	}
	log.Info("read target", "objects", len(actual))

	res := &Outcome{}
	if st.Previous != nil && st.SchoolYear != "" && snap.SchoolYear != "" && st.SchoolYear != snap.SchoolYear {
		prevAt := st.PreviousAt
		if prevAt.IsZero() {
			prevAt = j.Now
		}
		oldC, newC := yearroll.FromSnapshotsAt(st.Previous, prevAt, snap, j.Now)
		roll := yearroll.Roll(oldC, newC, yearroll.Options{})
		res.Roll = &roll
		st.ClassIDs = desired.CarryClassIDs(st.ClassIDs, roll.Lineage())
		fmt.Fprintf(out, "School year changed %s -> %s: year roll\n", st.SchoolYear, snap.SchoolYear)
		if err := roll.Explain(out); err != nil {
			return nil, err
		}
	}

	// Usernames already in the target win over the state file: a crash
	// after a create but before the state was saved loses nothing.
	for _, o := range actual {
		if pid := desired.PersonID(o.Key); pid != "" && o.Managed && o.Attrs.Get(diff.AttrUsername) != "" {
			st.Usernames[pid] = o.Attrs.Get(diff.AttrUsername)
		}
	}
	var taken []string
	if j.Taken != nil {
		if taken, err = j.Taken(ctx); err != nil {
			return nil, fmt.Errorf("read taken usernames: %w", err)
		}
		dropTakenUsernames(st.Usernames, actual, taken, log)
	}
	gen, err := cfg.Usernames.Generator(actual, st.Usernames, snap, taken...)
	if err != nil {
		return nil, err
	}
	st.Usernames, err = desired.AssignUsernames(ctx, snap, j.Now, st.Usernames, gen)
	if err != nil {
		return nil, err
	}
	extra, err := cfg.payrollGroups(snap, j.Now, out)
	if err != nil {
		return nil, err
	}
	want, err := proj.Build(snap, desired.Input{At: j.Now, Usernames: st.Usernames, ClassIDs: st.ClassIDs, Extra: extra})
	if err != nil {
		return nil, err
	}
	if j.Shape != nil {
		want = j.Shape(want)
	}
	opts := cfg.DiffOptions()
	opts.Now = j.Now
	plan, err := diff.Compute(want, actual, opts)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	res.Plan = plan
	if err := plan.Render(out); err != nil {
		return res, err
	}
	th := cfg.Thresholds.Thresholds()
	if err := plan.Check(actual, th); err != nil {
		if !j.Override {
			fmt.Fprintf(out, "\nRefused: %v\nNothing was applied. Check the source data; if the change is intended, run again with -override.\n", err)
			return res, err
		}
		fmt.Fprintf(out, "\nWarning: %v\nApplying anyway because of -override.\n", err)
	}
	if plan.Empty() {
		fmt.Fprintln(out, "\nNothing to do: the target is in step with the source.")
		return res, nil
	}
	if !j.Apply {
		fmt.Fprintln(out, "\nDry run: nothing was applied. Run again with -apply to apply this plan.")
		return res, nil
	}
	st.SchoolYear = snap.SchoolYear
	st.Previous = withoutCPR(snap)
	st.PreviousAt = j.Now
	if err := SaveJSON(cfg.statePath(), st); err != nil {
		return res, err
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
	}
	rep, err := diff.Apply(ctx, j.Target, plan, diff.ApplyOptions{
		Concurrency: cfg.Concurrency,
		Progress:    j.Progress,
		Auditor:     auditor,
		Actor:       cfg.Actor,
		Thresholds:  &th,
		Actual:      actual,
		Override:    j.Override,
		Sleep:       j.Sleep,
		Clock:       time.Now,
		Previous:    st.Failures,
		Open:        open,
	})
	res.Report = rep
	if rep != nil {
		// Remember this run's failures, so that the next run can tell a
		// failure that recurs (persistent) from a transient one.
		st.Failures = rep.Failures()
		if serr := SaveJSON(cfg.statePath(), st); serr != nil && err == nil {
			err = serr
		}
	}
	if rep != nil {
		if rerr := rep.Render(out); rerr != nil && err == nil {
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

// payrollGroups reads the payroll export, if configured, and returns the
// active and inactive employee groups.
func (c *Config) payrollGroups(s *orgmodel.Snapshot, now time.Time, out io.Writer) ([]orgmodel.LogicalGroup, error) {
	if c.Payroll == nil || c.Payroll.File == "" {
		return nil, nil
	}
	f, err := os.Open(c.Payroll.File)
	if err != nil {
		return nil, fmt.Errorf("payroll: %w", err)
	}
	defer f.Close()
	var emps []payroll.Employment
	switch c.Payroll.Format {
	case "opus", "":
		emps, err = payroll.ReadOPUS(f)
	case "csv":
		emps, err = payroll.ReadCSV(f)
	default:
		return nil, fmt.Errorf("%w: payroll.format %q: want opus or csv", ErrConfig, c.Payroll.Format)
	}
	if err != nil {
		return nil, fmt.Errorf("payroll %s: %w: %w", c.Payroll.File, ErrInput, err)
	}
	res := payroll.Groups(s, emps, now)
	fmt.Fprintf(out, "Payroll check: %d active, %d inactive employees; %d active employments match nobody.\n",
		len(res.Active.Members), len(res.Inactive.Members), len(res.Unmatched))
	return []orgmodel.LogicalGroup{res.Active, res.Inactive}, nil
}

// ProgressPrinter returns a diff.ApplyOptions.Progress function that prints
// a line to w at most every interval (and when the last change is done), so
// that a long first sync shows it is alive.
func ProgressPrinter(w io.Writer, interval time.Duration) func(diff.Progress) {
	var (
		mu              sync.Mutex
		last            time.Time
		failed, blocked int
	)
	return func(p diff.Progress) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case errors.Is(p.Err, diff.ErrBlocked):
			blocked++
		case p.Err != nil:
			failed++
		}
		if p.Done == p.Total || time.Since(last) >= interval {
			last = time.Now()
			fmt.Fprintf(w, "applied %d/%d changes (stage %d/%d, %d failed, %d blocked)\n", p.Done, p.Total, p.Stage, p.Stages, failed, blocked)
		}
	}
}

package runner

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/provision"
	"github.com/orgsync/orgsync/rolemodel"
)

// Exit codes of the starter binaries.
const (
	ExitOK        = 0 // success: the plan was printed (dry run) or applied
	ExitError     = 1 // the run failed: target unreachable, I/O error
	ExitThreshold = 2 // the plan exceeds a safety threshold or breaks a segregation-of-duties rule; nothing applied
	ExitPartial   = 3 // the plan was applied, but some changes failed
	ExitInput     = 4 // bad configuration or input data; nothing applied
	// ExitPersistent: the plan was applied except for changes that failed
	// the same way as in the previous run (and those that depend on them);
	// re-running alone will not help: fix the record or configuration the
	// report names.
	ExitPersistent = 5
	ExitStale      = 6 // the saved plan no longer fits the target; nothing applied
)

// ExitCode maps the error a provision.Job's Run returned to the
// documented exit code.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, diff.ErrThreshold), errors.Is(err, rolemodel.ErrSoD):
		return ExitThreshold
	case errors.Is(err, diff.ErrStalePlan):
		return ExitStale
	case errors.Is(err, provision.ErrPartial) && errors.Is(err, diff.ErrPersistent):
		return ExitPersistent
	case errors.Is(err, provision.ErrPartial):
		return ExitPartial
	case errors.Is(err, provision.ErrConfig), errors.Is(err, provision.ErrInput), errors.Is(err, orgmodel.ErrInvalid),
		errors.Is(err, desired.ErrBuild), errors.Is(err, desired.ErrConfig), errors.Is(err, rolemodel.ErrInvalid):
		return ExitInput
	}
	return ExitError
}

// Flags are the command-line flags every starter binary shares.
type Flags struct {
	// Config is the YAML configuration file.
	Config string
	// Snapshot overrides the configuration's snapshot path.
	Snapshot string
	// Apply carries the plan out; without it the run is a dry run.
	Apply bool
	// Override applies a plan that exceeds a safety threshold.
	Override bool
	// Out, when set, is where the plan is saved for review (see
	// provision.SavedPlan).
	Out string
	// Plan, when set, is a saved plan to apply exactly, instead of
	// planning anew; it is refused when the target changed since.
	Plan string
	// Verbose turns on structured logs on standard error.
	Verbose bool
}

// NewFlagSet returns a flag set for the binary name with the shared flags
// bound to f; the binary may add its own flags before parsing.
func NewFlagSet(name string, stderr io.Writer, f *Flags) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.Config, "config", name+".yaml", "YAML configuration file")
	fs.StringVar(&f.Snapshot, "snapshot", "", "snapshot JSON file (overrides the configuration's snapshot)")
	fs.BoolVar(&f.Apply, "apply", false, "apply the plan (default: dry run, print the plan only)")
	fs.BoolVar(&f.Override, "override", false, "apply even though the plan exceeds a safety threshold")
	fs.StringVar(&f.Out, "out", "", "save the plan to this file for review; apply it later with -plan")
	fs.StringVar(&f.Plan, "plan", "", "apply exactly the plan saved in this file by -out (refused when the target changed since)")
	fs.BoolVar(&f.Verbose, "v", false, "structured logs on standard error")
	return fs
}

// Logger returns the binary's logger: warnings only, or everything from
// info up with -v.
func (f *Flags) Logger(stderr io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if f.Verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// Run runs the job as the flags say: -apply and -override, -plan (apply
// a saved plan; implies -apply) and -out (save what was planned, also
// when a threshold refused it, so that it can be reviewed).
func (f *Flags) Run(ctx context.Context, job *provision.Job) (*provision.Outcome, error) {
	if f.Plan != "" && f.Out != "" {
		return nil, fmt.Errorf("%w: -plan and -out exclude each other", provision.ErrConfig)
	}
	job.Apply = job.Apply || f.Apply
	job.Override = job.Override || f.Override
	if f.Plan != "" {
		sp, err := provision.ReadSavedPlan(f.Plan)
		if err != nil {
			return nil, err
		}
		job.Saved = sp
		job.Apply = true
	}
	out, err := job.Run(ctx)
	if f.Out != "" && out != nil && out.Plan != nil && (err == nil || errors.Is(err, diff.ErrThreshold)) {
		if werr := provision.WriteSavedPlan(f.Out, out); werr != nil {
			return out, errors.Join(err, werr)
		}
	}
	return out, err
}

// Fail prints err for the binary name, adds a plain sentence for a refused
// plan, and returns the documented exit code.
func Fail(name string, stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	var te *diff.ThresholdError
	if errors.As(err, &te) {
		fmt.Fprintf(stderr, "%s: plan refused by a safety threshold; nothing was applied (check the plan; if it is intended, run again with -override)\n", name)
	}
	if errors.Is(err, diff.ErrStalePlan) {
		fmt.Fprintf(stderr, "%s: the saved plan is stale; nothing was applied: make a new plan and review it\n", name)
	}
	return ExitCode(err)
}

// LoadYAML reads a YAML configuration file into v, which should embed
// provision.Config inline; unknown fields are an error so that typos do
// not pass silently. Fields of Config.Projection that the file leaves out
// keep their defaults.
func LoadYAML(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("load config %s: %w: %w", path, provision.ErrConfig, err)
	}
	return nil
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

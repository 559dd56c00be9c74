package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/orgsync/orgsync/diff"
)

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

// Fail prints err for the binary name, adds a plain sentence for a refused
// plan, and returns the documented exit code.
func Fail(name string, stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	var te *diff.ThresholdError
	if errors.As(err, &te) {
		fmt.Fprintf(stderr, "%s: plan refused by a safety threshold; nothing was applied (check the plan; if it is intended, run again with -override)\n", name)
	}
	return ExitCode(err)
}

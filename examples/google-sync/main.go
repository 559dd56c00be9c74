// Command google-sync brings a Google Workspace domain in step with school
// data: it reads a YAML configuration and an organisation snapshot (the
// JSON form of orgmodel.Snapshot, e.g. written by examples/stil-import),
// reads what orgsync manages in Google (users, org units, groups,
// licences, shared drives), plans, prints the plan and — only with -apply —
// applies it, politely paced below Google's quota.
//
//	google-sync -config google-sync.yaml                   # dry run: print the plan
//	google-sync -config google-sync.yaml -apply            # apply it
//	google-sync -config google-sync.yaml -apply -override  # apply past a safety threshold
//	google-sync -config google-sync.yaml -out plan.json    # dry run, plan saved for review
//	google-sync -config google-sync.yaml -plan plan.json   # apply exactly the reviewed plan
//
// Credentials: a service account with domain-wide delegation acting as a
// Workspace administrator (google.keyFile or $ORGSYNC_GOOGLE_KEY_FILE, and
// google.subject); see google.DelegatedCredentials for the one-time set-up
// in the Admin console. This path is documented, not tested against the
// cloud; the tests run the binary against the fake in
// adapters/google/googlefake (google.endpoint).
//
// Exit codes: 0 success (plan printed, applied, or nothing to do); 1 error
// (Google unreachable, I/O); 2 the plan exceeds a safety threshold and
// nothing was applied; 3 the plan was applied but some changes failed; 4
// bad configuration or input, nothing applied; 5 the saved plan given
// with -plan no longer fits the target, nothing applied.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/provision"
	"google.golang.org/api/option"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now(), os.Getenv, nil)
	stop()
	os.Exit(code)
}

// fileConfig is the YAML file: the shared runner settings inline, the
// Google connection and mapping under "google".
type fileConfig struct {
	provision.Config `yaml:",inline"`
	Google           googleConfig `yaml:"google"`
}

// googleConfig is the "google" section: the adapter's Config plus the
// credentials.
type googleConfig struct {
	google.Config `yaml:",inline"`
	// KeyFile is the service account's JSON key; default
	// $ORGSYNC_GOOGLE_KEY_FILE.
	KeyFile string `yaml:"keyFile"`
	// Subject is the administrator the service account acts as.
	Subject string `yaml:"subject"`
}

// run is main without the process: it returns the exit code. extra client
// options are for tests (the fake's HTTP client).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time, getenv func(string) string, extra []option.ClientOption) int {
	var fl runner.Flags
	fs := runner.NewFlagSet("google-sync", stderr, &fl)
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	log := fl.Logger(stderr)
	fail := func(err error) int { return runner.Fail("google-sync", stderr, err) }

	fc := fileConfig{Config: provision.Defaults()}
	fc.Projection.Layout = desired.InstitutionsLast
	if err := runner.LoadYAML(fl.Config, &fc); err != nil {
		return fail(err)
	}
	if fl.Snapshot != "" {
		fc.Snapshot = fl.Snapshot
	}
	opts, err := google.ClientOptions(ctx, fc.Google.Config, fc.Google.KeyFile, fc.Google.Subject, getenv)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", provision.ErrConfig, err))
	}
	fc.Google.Config.Logger = log
	client, err := google.New(ctx, fc.Google.Config, append(opts, extra...)...)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", provision.ErrConfig, err))
	}
	job := &provision.Job{Config: fc.Config, Target: client, Now: now,
		Out: stdout, Log: log, Progress: runner.ProgressPrinter(stderr, 2*time.Second)}
	if _, err := fl.Run(ctx, job); err != nil {
		return fail(err)
	}
	st := client.Stats()
	fmt.Fprintf(stderr, "google-sync: %d requests, %d retried, %d rate-limited, %s waiting for the rate limiter\n",
		st.Requests, st.Retries, st.Throttled, st.Waited.Round(time.Millisecond))
	return runner.ExitOK
}

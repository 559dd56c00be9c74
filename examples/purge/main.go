// Command purge deletes the personal data of persons gone from every
// source once the retention period has ended: from the snapshot history
// (a snapstore folder, as written by stil-import -store), from the
// provision state file, with one purge record in the audit log (when and
// how many, never who). It also minimises the history: a stored snapshot
// replaced by a newer one more than -protected-months ago (default 13)
// loses its protected fields (CPR numbers, addresses, protected names and
// phone numbers), with one record of how many fields were removed.
//
//	purge -history /var/lib/orgsync/history -state state.json -audit audit.jsonl
//	purge -history DIR -months 13 -protected-months 13 -dry-run
//	purge -dsn-env ORGSYNC_DSN -audit audit.jsonl   # the broker's history in MariaDB
//
// Run it daily from a scheduler; a run that finds nobody writes nothing.
// Exit codes: 0 done, 1 error, 4 bad flags.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/history"
	"github.com/orgsync/orgsync/provision"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now())
	stop()
	os.Exit(code)
}

// dryStore reads a store and never writes it.
type dryStore struct{ snapstore.Rewritable }

func (dryStore) Replace(context.Context, string, *orgmodel.Snapshot) error { return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("history", "", "the snapshot history folder (this or -dsn-env is required)")
	dsnEnv := fs.String("dsn-env", "", "the environment variable holding the MariaDB DSN of a snapshot history kept in the database (examples/broker's database section)")
	state := fs.String("state", "", "the provision state file to purge as well")
	auditPath := fs.String("audit", "", "the audit log to append the purge record to")
	months := fs.Int("months", history.DefaultRetentionMonths, "retention after a person left every source, in months")
	protectedMonths := fs.Int("protected-months", history.DefaultProtectedMonths,
		"how long a replaced snapshot keeps CPR numbers, addresses and protected names, in months; 0 keeps them")
	dry := fs.Bool("dry-run", false, "report how many persons and snapshots are due, change nothing")
	actor := fs.String("actor", "orgsync-purge", "the audit record's actor")
	if err := fs.Parse(args); err != nil {
		return runner.ExitInput
	}
	if (*dir == "") == (*dsnEnv == "") || *months <= 0 || *protectedMonths < 0 {
		fmt.Fprintln(stderr, "purge: one of -history and -dsn-env is required, -months must be positive and -protected-months not negative")
		return runner.ExitInput
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "purge:", err)
		return runner.ExitError
	}
	var store snapstore.Rewritable
	if *dsnEnv != "" {
		dsn := os.Getenv(*dsnEnv)
		if dsn == "" {
			fmt.Fprintf(stderr, "purge: -dsn-env: $%s is empty\n", *dsnEnv)
			return runner.ExitInput
		}
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			return fail(err)
		}
		defer db.Close()
		sq, err := snapstore.OpenSQL(ctx, db)
		if err != nil {
			return fail(err)
		}
		store = sq
	} else {
		fst, err := snapstore.OpenFiles(*dir)
		if err != nil {
			return fail(err)
		}
		store = fst
	}
	p := &snapstore.Purger{Store: store, Months: *months, Actor: *actor}
	m := &snapstore.Minimiser{Store: store, Months: *protectedMonths, DryRun: *dry, Actor: *actor}
	if *dry {
		p.Store = dryStore{store}
	} else {
		if *state != "" {
			p.Also = append(p.Also, provision.StateForgetter{Store: provision.StateFile(*state)})
		}
		if *auditPath != "" {
			f, err := os.OpenFile(*auditPath, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o600)
			if err != nil {
				return fail(err)
			}
			defer f.Close()
			a, err := diff.ResumeJSONLAuditor(f, f)
			if err != nil {
				return fail(err)
			}
			p.Auditor, m.Auditor = a, a
		}
	}
	res, err := p.Purge(ctx, now)
	if err != nil {
		return fail(err)
	}
	verb := "purged"
	if *dry {
		verb = "due for purging (dry run, nothing changed):"
	}
	fmt.Fprintf(stdout, "%s %d persons gone from every source for %d months; %d stored snapshots\n", verb, len(res.Persons), *months, res.Snapshots)
	if *protectedMonths == 0 {
		return runner.ExitOK
	}
	// After the purge, so that the fields of the persons purged are not
	// counted again (a dry run purges nothing and counts them).
	mr, err := m.Minimise(ctx, now)
	if err != nil {
		return fail(err)
	}
	verb = "minimised"
	if *dry {
		verb = "due for minimising (dry run, nothing changed):"
	}
	f := mr.Fields
	fmt.Fprintf(stdout, "%s %d stored snapshots replaced more than %d months ago: %d CPR numbers, %d addresses, %d protected names, %d protected phone numbers\n",
		verb, mr.Snapshots, *protectedMonths, f.CPR, f.Addresses, f.Names, f.Phones)
	return runner.ExitOK
}

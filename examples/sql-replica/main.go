// Command sql-replica keeps a MariaDB/MySQL replica of the organisation
// model in step with a snapshot: it migrates the schema, plans the rows
// that differ and applies the plan, one transaction per batch of changes.
//
//	sql-replica -schema                                    # print the schema (DDL)
//	sql-replica -dsn 'user:pw@tcp(host:3306)/orgsync' -snapshot snapshot.json           # dry run
//	sql-replica -dsn 'user:pw@tcp(host:3306)/orgsync' -snapshot snapshot.json -apply
//
//	sql-replica -dsn ... -snapshot snapshot.json -apply -every 5m -full-every 288  # long-lived
//
// With -every the program stays running and syncs every interval (-runs
// limits the number of runs; 0 runs until interrupted), re-reading the
// snapshot file each time. A long-lived process remembers the replica's
// rows between runs and reads only what changed (see package sqlreplica:
// delta reads); -full-every N reads every table at least every N runs, and
// always when someone else has written to the replica. Each run prints
// whether it read fully or by delta, and how long it took.
//
// The account needs the TRIGGER privilege besides the usual ones (schema
// migration 3 puts triggers on the tables that count others' writes; with
// binary logging on, also SUPER or log_bin_trust_function_creators=1).
//
// The DSN can come from ORGSYNC_MYSQL_DSN. -write-protected writes CPR
// numbers, addresses and real names of name-protected persons (an explicit
// decision; off by default). Exit codes: 0 done (or nothing to do), 1
// failed, 2 usage, 5 some changes failed (run again to converge).
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/orgsync/orgsync/adapters/sqlreplica"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, time.Now)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) int {
	fs := flag.NewFlagSet("sql-replica", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("dsn", os.Getenv("ORGSYNC_MYSQL_DSN"), "MariaDB/MySQL DSN (go-sql-driver form)")
	snapPath := fs.String("snapshot", "", "snapshot JSON")
	apply := fs.Bool("apply", false, "apply the plan (default: dry run, print it)")
	schema := fs.Bool("schema", false, "print the schema and exit")
	writeProtected := fs.Bool("write-protected", false, "write CPR numbers, addresses and real names of protected persons")
	retention := fs.Int("retention", 60, "days the rows of leavers stay (disabled) before they are deleted")
	every := fs.Duration("every", 0, "sync again every interval (0: once)")
	runs := fs.Int("runs", 0, "with -every: stop after this many runs (0: until interrupted)")
	fullEvery := fs.Int("full-every", 0, "read every table at least every N runs (0: 100; 1: always)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *schema {
		fmt.Fprint(stdout, sqlreplica.Schema())
		return 0
	}
	if *dsn == "" || *snapPath == "" || fs.NArg() > 0 || *every < 0 || *runs < 0 || *fullEvery < 0 {
		fs.Usage()
		return 2
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "sql-replica:", err); return 1 }
	cfg, err := mysql.ParseDSN(*dsn)
	if err != nil {
		return fail(err)
	}
	cfg.InterpolateParams = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(8)
	r, err := sqlreplica.Open(ctx, db, sqlreplica.Options{WriteProtected: *writeProtected, FullReadEvery: *fullEvery})
	if err != nil {
		return fail(err)
	}
	opt := sqlreplica.SyncOptions{DryRun: !*apply, Plan: diff.Options{DefaultRetention: *retention, GroupRetention: *retention}}
	for n := 1; ; n++ {
		code := once(ctx, r, *snapPath, opt, stdout, stderr, now())
		if *every == 0 || *runs > 0 && n >= *runs {
			return code
		}
		select {
		case <-ctx.Done():
			return code
		case <-time.After(*every):
		}
	}
}

// once runs one sync: read the snapshot, plan, apply (or print the plan).
func once(ctx context.Context, r *sqlreplica.Replica, snapPath string, opt sqlreplica.SyncOptions, stdout, stderr io.Writer, now time.Time) int {
	fail := func(err error) int { fmt.Fprintln(stderr, "sql-replica:", err); return 1 }
	snap, err := provision.LoadSnapshot(snapPath)
	if err != nil {
		return fail(err)
	}
	start := time.Now()
	plan, rep, err := sqlreplica.Sync(ctx, r, snap, now, opt)
	read := "delta read"
	if st := r.LastRead(); st.Full {
		read = "full read (" + st.Reason + ")"
	}
	if plan != nil {
		if opt.DryRun {
			if rerr := plan.Render(stdout); rerr != nil {
				return fail(rerr)
			}
		}
		fmt.Fprintln(stdout, plan.Summary())
	}
	if rep != nil {
		if rerr := rep.Render(stdout); rerr != nil {
			return fail(rerr)
		}
	}
	fmt.Fprintf(stdout, "%s: %s, %s\n", now.Format(time.RFC3339), read, time.Since(start).Round(time.Millisecond))
	if err != nil {
		if rep != nil && rep.Failed > 0 && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "sql-replica:", err)
			return 5
		}
		return fail(err)
	}
	return 0
}

// Command sql-replica keeps a MariaDB/MySQL replica of the organisation
// model in step with a snapshot: it migrates the schema, plans the rows
// that differ and applies the plan, one transaction per batch of changes.
//
//	sql-replica -schema                                    # print the schema (DDL)
//	sql-replica -dsn 'user:pw@tcp(host:3306)/orgsync' -snapshot snapshot.json           # dry run
//	sql-replica -dsn 'user:pw@tcp(host:3306)/orgsync' -snapshot snapshot.json -apply
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
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/orgsync/orgsync/adapters/sqlreplica"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("sql-replica", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("dsn", os.Getenv("ORGSYNC_MYSQL_DSN"), "MariaDB/MySQL DSN (go-sql-driver form)")
	snapPath := fs.String("snapshot", "", "snapshot JSON")
	apply := fs.Bool("apply", false, "apply the plan (default: dry run, print it)")
	schema := fs.Bool("schema", false, "print the schema and exit")
	writeProtected := fs.Bool("write-protected", false, "write CPR numbers, addresses and real names of protected persons")
	retention := fs.Int("retention", 60, "days the rows of leavers stay (disabled) before they are deleted")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *schema {
		fmt.Fprint(stdout, sqlreplica.Schema())
		return 0
	}
	if *dsn == "" || *snapPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "sql-replica:", err); return 1 }
	f, err := os.Open(*snapPath)
	if err != nil {
		return fail(err)
	}
	snap, err := orgmodel.ReadSnapshotJSON(f)
	f.Close()
	if err != nil {
		return fail(err)
	}
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
	r, err := sqlreplica.Open(ctx, db, sqlreplica.Options{WriteProtected: *writeProtected})
	if err != nil {
		return fail(err)
	}
	opt := sqlreplica.SyncOptions{DryRun: !*apply, Plan: diff.Options{DefaultRetention: *retention, GroupRetention: *retention}}
	plan, rep, err := sqlreplica.Sync(ctx, r, snap, now, opt)
	if plan != nil {
		if !*apply {
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
	if err != nil {
		if rep != nil && rep.Failed > 0 && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "sql-replica:", err)
			return 5
		}
		return fail(err)
	}
	return 0
}

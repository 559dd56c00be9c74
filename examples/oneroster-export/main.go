// Command oneroster-export writes a OneRoster 1.1 CSV bulk zip from a
// snapshot and checks it with the independent reader (package orcheck)
// before it is written.
//
//	oneroster-export -snapshot snapshot.json -dry-run     # counts and first rows
//	oneroster-export -snapshot snapshot.json -o oneroster.zip
//
// Exit codes: 0 written, 1 failed (bad model data or a finding of the
// check: nothing written), 2 usage.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/orgsync/orgsync/adapters/oneroster"
	"github.com/orgsync/orgsync/adapters/oneroster/orcheck"
	"github.com/orgsync/orgsync/internal/runner"
	"github.com/orgsync/orgsync/provision"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}

func run(_ context.Context, args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("oneroster-export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	snapPath := fs.String("snapshot", "", "snapshot JSON to export (required)")
	out := fs.String("o", "oneroster.zip", "zip to write")
	dry := fs.Bool("dry-run", false, "show what would be written (row counts and the first rows of each file); write nothing")
	system := fs.String("system", "orgsync", "manifest source.systemName and source.systemCode")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *snapPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "oneroster-export:", err); return 1 }
	snap, err := provision.LoadSnapshot(*snapPath)
	if err != nil {
		return fail(err)
	}
	e, err := oneroster.Build(snap, oneroster.Options{At: now, SystemName: *system, SystemCode: *system})
	if err != nil {
		return fail(err)
	}
	var zb bytes.Buffer
	if err := e.WriteZip(&zb, now); err != nil {
		return fail(err)
	}
	rep, err := orcheck.Check(zb.Bytes())
	if err != nil {
		return fail(err)
	}
	if err := rep.Err(); err != nil {
		return fail(err)
	}
	if *dry {
		first := func(w io.Writer, name string) error { // header and first rows, as CSV
			cw := csv.NewWriter(w)
			_ = cw.Write(oneroster.Headers[name])
			return cw.WriteAll(e.Rows[name][:min(3, len(e.Rows[name]))])
		}
		if err := runner.PreviewFiles(stdout, oneroster.DataFiles, func(n string) int { return len(e.Rows[n]) }, first, 4); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "would write %s (%d bytes); the check found no problem\n", *out, zb.Len())
		return 0
	}
	if err := os.WriteFile(*out, zb.Bytes(), 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes): %d users, %d classes, %d enrollments\n", *out, zb.Len(),
		rep.Rows["users.csv"], rep.Rows["classes.csv"], rep.Rows["enrollments.csv"])
	return 0
}

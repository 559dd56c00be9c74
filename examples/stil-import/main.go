// Command stil-import reads saved STIL WS-17 exports ("fuld myndighed"),
// validates them and writes the organisation snapshot JSON that the starter
// binaries read (their "snapshot:" setting).
//
//	go run ./examples/stil-import -o snapshot.json export-280101.xml export-280201.xml
//
// With -store DIR the snapshot is also committed to a snapshot history in
// DIR: institutions whose head count dropped to -guard (default 0.5) of the
// previous snapshot's are held back at their previous data, and a change
// proposal is printed; approve it with -approve ID and run again. A change
// of school year is reported: the cue for the year roll.
//
// Per-record isolation: a record that cannot be used is left out and
// reported; every other record and institution proceeds. An institution is
// held back (its previous data stays in force) when its export is empty, has
// no ImportSource, is older than the one last applied, the model rejects
// it, more than -max-bad of its records had to be left out, or (-strict) it
// has any problem. The previous data comes from the history (-store) or,
// without one, from the snapshot already in the -o file; a held institution
// without previous data is left out of the snapshot. Every problem is
// printed on stdout as one "PROBLEM" line naming institution, record
// (person or group id, never a CPR) and field; -problems FILE writes them
// as a JSON array too ("-": the JSON alone on stdout, the lines on stderr). "NOTICE" lines (an identity change
// followed) are not problems.
//
// Previous data also keeps identities: a person whose UNI-Login id changed
// (same CPR) stays the same person (see package stil). -unilogin-usernames
// makes the UNI-Login id each person's username.
//
// Exit status:
//
//	0  snapshot written, no problem
//	3  snapshot written with problems: records left out, warnings, or
//	   institutions held back (see the PROBLEM and HELD lines)
//	1  failed: nothing written (unreadable or malformed input, an invalid
//	   snapshot that cannot be pinned to one institution, I/O errors)
//	2  usage error
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/adapters/stil"
	"github.com/orgsync/orgsync/orgmodel"
)

type typeFlag map[string]orgmodel.InstitutionType

func (t typeFlag) String() string { return fmt.Sprint(map[string]orgmodel.InstitutionType(t)) }

func (t typeFlag) Set(v string) error {
	num, typ, ok := strings.Cut(v, "=")
	it := orgmodel.InstitutionType(strings.ToUpper(typ))
	if !ok || num == "" || !it.Valid() {
		return fmt.Errorf("want NUMBER=SCHOOL|DAYCARE|FU|MUNICIPALITY, got %q", v)
	}
	t[num] = it
	return nil
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("stil-import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "snapshot.json", "write the snapshot JSON to this file")
	strict := fs.Bool("strict", false, "reject an institution with any bad record (its previous data stays in force with -store)")
	store := fs.String("store", "", "commit to the snapshot history in this directory (guard, events, year change)")
	share := fs.Float64("guard", 0.5, "with -store: hold back an institution whose head count drops to this share or less")
	approve := fs.String("approve", "", "with -store: approve the pending proposal with this ID, then exit")
	by := fs.String("by", os.Getenv("USER"), "with -approve: who approves")
	maxBad := fs.Float64("max-bad", stil.DefaultMaxBadShare, "hold back an institution when more than this share of its records must be left out")
	sharedCPR := fs.String("shared-cpr", string(stil.SharedCPRLink), "several user ids with one CPR: link (one account each, linked as one human) or hold (extra accounts held back)")
	uniUsernames := fs.Bool("unilogin-usernames", false, "use each person's UNI-Login user id as their username")
	problemsOut := fs.String("problems", "", `write the problems as JSON to this file ("-": stdout)`)
	synthName := fs.String("synth", "", "write a synthetic municipality instead of reading exports: tiny, small or medium (school year of today)")
	current := fs.Bool("current", false, "move the exports' dates by whole years to the school year running today (for test exports)")
	types := typeFlag{}
	fs.Var(types, "type", "institution type, NUMBER=SCHOOL|DAYCARE|FU|MUNICIPALITY (repeatable; default: inferred)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stil-import [flags] export.xml [export.xml ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	var hist *snapstore.History
	if *store != "" {
		st, err := snapstore.OpenFiles(*store)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		hist = &snapstore.History{Store: st, Guard: snapstore.Guard{MinShare: *share}, Logger: log}
	}
	if *approve != "" {
		if hist == nil {
			fmt.Fprintln(stderr, "stil-import: -approve needs -store")
			return 2
		}
		if err := hist.Approve(ctx, *approve, *by, now); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "approved %s; it takes effect at the next import\n", *approve)
		return 0
	}
	if *synthName != "" {
		snap, err := synthPreset(*synthName, now)
		if err != nil {
			fmt.Fprintln(stderr, "stil-import:", err)
			return 2
		}
		b, err := jsonIndent(snap)
		if err == nil {
			err = snapstore.WriteFileAtomic(*out, b, 0o640)
		}
		if err != nil {
			fmt.Fprintln(stderr, "stil-import:", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s: synthetic %s municipality, %d institution(s), %d person(s), %d group(s), school year %s\n",
			*out, *synthName, len(snap.Institutions), len(snap.Persons), len(snap.Groups), snap.SchoolYear)
		return 0
	}
	if p := stil.SharedCPRPolicy(*sharedCPR); p != stil.SharedCPRLink && p != stil.SharedCPRHold {
		fmt.Fprintf(stderr, "stil-import: -shared-cpr %q: want link or hold\n", *sharedCPR)
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}

	all := &stil.Result{}
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(stderr, "stil-import:", err)
			return 1
		}
		res, err := stil.Decode(f, stil.Options{Strict: *strict, InstitutionTypes: types, MaxBadShare: *maxBad})
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "stil-import: %s: %v\n", path, err)
			return 1
		}
		all.Exports = append(all.Exports, res.Exports...)
	}
	prev, err := previous(ctx, hist, *out)
	if err != nil {
		fmt.Fprintln(stderr, "stil-import:", err)
		return 1
	}
	snap, merge, err := all.Build(stil.MergeOptions{Previous: prev, SharedCPR: stil.SharedCPRPolicy(*sharedCPR), UNILoginUsernames: *uniUsernames})
	problems := append(all.Problems(), merge...)
	report := stdout // the human-readable lines
	if *problemsOut == "-" {
		report = stderr // stdout carries the JSON alone
	}
	nProblems := 0
	for _, p := range problems {
		if p.Notice() {
			fmt.Fprintln(report, "NOTICE", describe(p))
			continue
		}
		nProblems++
		fmt.Fprintln(report, "PROBLEM", describe(p))
	}
	if err != nil {
		fmt.Fprintln(stderr, "stil-import:", err)
		return 1
	}
	held := 0
	for _, e := range all.Failed() {
		held++
		kept := "its previous data stays in force"
		if _, ok := snap.Institution(e.Institution.Number); !ok {
			kept = "no previous data: left out of the snapshot"
		}
		fmt.Fprintf(report, "HELD institution %s (%s): %v\n", orDash(e.Institution.Number), kept, e.Err)
	}
	if *current {
		if d := shiftToCurrent(&snap, now); d != 0 {
			fmt.Fprintf(report, "moved every date by %d year(s): school year %s\n", d, snap.SchoolYear)
		}
	}
	if *problemsOut != "" {
		if err := writeProblems(*problemsOut, stdout, problems); err != nil {
			fmt.Fprintln(stderr, "stil-import:", err)
			return 1
		}
	}

	if hist != nil {
		res, err := hist.Commit(ctx, &snap, now)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		snap = res.Snapshot
		fmt.Fprintf(report, "history: saved=%v id=%s, %d change event(s)\n", res.Saved, res.Meta.ID, len(res.Events))
		for _, p := range res.Held {
			fmt.Fprintf(report, "HELD institution %s: %d -> %d persons (create %d, remove %d); approve with: -store %s -approve %s\n",
				p.Institution, p.PreviousCount, p.NewCount, len(p.Create), len(p.Remove), *store, p.ID)
		}
		if yc := res.YearChange; yc != nil {
			fmt.Fprintf(report, "SCHOOL YEAR CHANGE %s -> %s (institutions %s): run the year roll\n", yc.From, yc.To, strings.Join(yc.Institutions, ", "))
		}
	}
	b, err := jsonIndent(&snap)
	if err != nil {
		fmt.Fprintln(stderr, "stil-import:", err)
		return 1
	}
	if err := snapstore.WriteFileAtomic(*out, b, 0o640); err != nil {
		fmt.Fprintln(stderr, "stil-import:", err)
		return 1
	}
	fmt.Fprintf(report, "wrote %s: %d institution(s), %d person(s), %d group(s), school year %s, %d problem(s), %d institution(s) held back\n",
		*out, len(snap.Institutions), len(snap.Persons), len(snap.Groups), snap.SchoolYear, nProblems, held)
	if nProblems > 0 || held > 0 {
		return exitProblems
	}
	return 0
}

// exitProblems is the exit status of a run that wrote its snapshot but met
// problems.
const exitProblems = 3

// previous returns the snapshot last applied: the history's latest, or the
// one in the output file; nil when there is none.
func previous(ctx context.Context, hist *snapstore.History, out string) (*orgmodel.Snapshot, error) {
	if hist != nil {
		s, _, err := hist.Store.Latest(ctx)
		if errors.Is(err, snapstore.ErrEmpty) {
			return nil, nil
		}
		return s, err
	}
	s, err := snapstore.ReadSnapshotFile(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return s, err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// describe renders a problem as "institution N person P field F: message".
func describe(p *stil.RecordError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "institution %s", orDash(p.Institution))
	switch {
	case p.PersonID != "":
		fmt.Fprintf(&b, " person %s", p.PersonID)
	case p.GroupID != "":
		fmt.Fprintf(&b, " group %s", p.GroupID)
	default: // a record without an id: name it by its place
		fmt.Fprintf(&b, " record %s", p.Path)
	}
	if f := p.Field(); f != "" {
		fmt.Fprintf(&b, " field %s", f)
	}
	action := "warning"
	switch {
	case p.Skipped:
		action = "left out"
	case p.Notice():
		action = "notice"
	}
	fmt.Fprintf(&b, " (%s, line %d): %v", action, p.Line, p.Err)
	return b.String()
}

// writeProblems writes the problems as a JSON array to path ("-": w).
func writeProblems(path string, w io.Writer, problems []*stil.RecordError) error {
	if problems == nil {
		problems = []*stil.RecordError{}
	}
	b, err := json.MarshalIndent(problems, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = w.Write(b)
		return err
	}
	return snapstore.WriteFileAtomic(path, b, 0o640)
}

var errNil = errors.New("nil snapshot")

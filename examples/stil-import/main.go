// Command stil-import reads saved STIL WS-17 exports ("fuld myndighed"),
// validates them and writes the organisation snapshot JSON that the starter
// binaries read (their "snapshot:" setting).
//
//	go run ./examples/stil-import -o snapshot.json export-280101.xml export-280201.xml
//
// To try orgsync without real exports: -synth tiny|small|medium writes a
// synthetic municipality (about 200, 5,000 or 60,000 persons, invented
// names and CPR numbers) for the school year running now, and -current
// moves the dates of saved exports (such as the test exports in
// adapters/stil/testdata) by whole years to the school year running now,
// so that their classes are current.
//
// With -store DIR the snapshot is also committed to a snapshot history in
// DIR: institutions whose head count dropped to -guard (default 0.5) of the
// previous snapshot's are held back at their previous data, and a change
// proposal is printed; approve it with -approve ID and run again. A change
// of school year is reported: the cue for the year roll.
//
// Exit status: 0 on success; 1 on bad input (nothing written; with -store,
// an institution that failed in -strict mode is held at its previous data
// and the rest is written, still with status 1); 2 on usage errors.
package main

import (
	"context"
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
		res, err := stil.Decode(f, stil.Options{Strict: *strict, InstitutionTypes: types})
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "stil-import: %s: %v\n", path, err)
			return 1
		}
		all.Exports = append(all.Exports, res.Exports...)
	}
	for _, p := range all.Problems() {
		fmt.Fprintln(stderr, "problem:", p)
	}
	for _, e := range all.Failed() {
		fmt.Fprintln(stderr, "institution not used:", e.Err)
	}
	if len(all.Failed()) > 0 && hist == nil {
		// Without a history there is no previous data to keep in force, and
		// a snapshot without the institution would retire all its people.
		fmt.Fprintln(stderr, "stil-import: nothing written: an institution failed; use -store to keep its previous data")
		return 1
	}
	snap, merge := all.Snapshot()
	for _, p := range merge {
		fmt.Fprintln(stderr, "problem:", p)
	}
	if *current {
		if d := shiftToCurrent(&snap, now); d != 0 {
			fmt.Fprintf(stdout, "moved every date by %d year(s): school year %s\n", d, snap.SchoolYear)
		}
	}
	if err := snap.Validate(); err != nil {
		fmt.Fprintln(stderr, "stil-import:", err)
		return 1
	}

	if hist != nil {
		res, err := hist.Commit(ctx, &snap, now)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		snap = res.Snapshot
		fmt.Fprintf(stdout, "history: saved=%v id=%s, %d change event(s)\n", res.Saved, res.Meta.ID, len(res.Events))
		for _, p := range res.Held {
			fmt.Fprintf(stdout, "HELD institution %s: %d -> %d persons (create %d, remove %d); approve with: -store %s -approve %s\n",
				p.Institution, p.PreviousCount, p.NewCount, len(p.Create), len(p.Remove), *store, p.ID)
		}
		if yc := res.YearChange; yc != nil {
			fmt.Fprintf(stdout, "SCHOOL YEAR CHANGE %s -> %s (institutions %s): run the year roll\n", yc.From, yc.To, strings.Join(yc.Institutions, ", "))
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
	fmt.Fprintf(stdout, "wrote %s: %d institution(s), %d person(s), %d group(s), school year %s, %d problem(s)\n",
		*out, len(snap.Institutions), len(snap.Persons), len(snap.Groups), snap.SchoolYear, len(all.Problems()))
	if len(all.Failed()) > 0 {
		return 1
	}
	return 0
}

var errNil = errors.New("nil snapshot")

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/anomaly"
)

// reviewFlags are the flags of the commands that read look-ups: who asks,
// in which role, and the log their access is recorded in.
type reviewFlags struct {
	as, role, access string
}

func (r *reviewFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.as, "as", "", "your user id (required)")
	fs.StringVar(&r.role, "role", "", "your role: privacy or security (required)")
	fs.StringVar(&r.access, "access", "", "audit log that records this access (default: the log read)")
}

// authorize records the access in the access log and refuses roles other
// than privacy and security.
func (r *reviewFlags) authorize(logPath, what string) error {
	path := r.access
	if path == "" {
		path = logPath
	}
	prev, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	sink, err := auditlog.OpenFile(path)
	if err != nil {
		return err
	}
	defer sink.Close()
	l, err := auditlog.Resume(bytes.NewReader(prev), sink, auditlog.Options{})
	if err != nil {
		return err
	}
	return l.Authorize(context.Background(), auditlog.Caller{Actor: auditlog.Actor{ID: r.as}, Role: r.role}, what)
}

// readLog verifies the log and returns its look-ups and actions.
func readLog(path string) ([]anomaly.Event, []anomaly.Action, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if _, err := auditlog.Verify(bytes.NewReader(b), auditlog.VerifyOptions{}); err != nil {
		return nil, nil, err
	}
	return anomaly.Read(bytes.NewReader(b))
}

func report(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf reviewFlags
	rf.register(fs)
	dirFile := fs.String("directory", "", "JSON file of persons and staff (anomaly.Directory)")
	asCSV := fs.Bool("csv", false, "write CSV instead of JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || *dirFile == "" {
		fmt.Fprintln(stderr, "usage: audit report -as USER -role ROLE -directory DIR.json [-csv] [-access FILE] FILE")
		return exitInput
	}
	return reviewed(&rf, fs.Arg(0), "anomaly report", stderr, func() error {
		var dir anomaly.Directory
		b, err := os.ReadFile(*dirFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &dir); err != nil {
			return fmt.Errorf("%s: %w", *dirFile, err)
		}
		events, actions, err := readLog(fs.Arg(0))
		if err != nil {
			return err
		}
		rep := anomaly.Analyze(events, actions, dir, anomaly.Config{})
		if *asCSV {
			return rep.WriteCSV(stdout)
		}
		return rep.WriteJSON(stdout)
	})
}

func spotcheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spotcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf reviewFlags
	rf.register(fs)
	period := fs.String("period", "", "month to sample, YYYY-MM")
	n := fs.Int("n", 25, "sample size")
	secret := fs.String("secret", "", "the supervisor's secret that seeds the draw")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || *period == "" || *secret == "" {
		fmt.Fprintln(stderr, "usage: audit spotcheck -as USER -role ROLE -period YYYY-MM -n 25 -secret S [-access FILE] FILE")
		return exitInput
	}
	return reviewed(&rf, fs.Arg(0), "spot check "+*period, stderr, func() error {
		in, err := anomaly.Month(*period, time.Local)
		if err != nil {
			return err
		}
		events, _, err := readLog(fs.Arg(0))
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		for _, e := range anomaly.SpotCheck(events, *period, in, *n, []byte(*secret)) {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// reviewed runs f after recording the access; a refused role exits 4.
func reviewed(rf *reviewFlags, logPath, what string, stderr io.Writer, f func() error) int {
	if err := rf.authorize(logPath, what); err != nil {
		fmt.Fprintln(stderr, "audit:", err)
		if errors.Is(err, auditlog.ErrTampered) {
			return exitTampered
		}
		return exitInput
	}
	if err := f(); err != nil {
		fmt.Fprintln(stderr, "audit:", err)
		if errors.Is(err, auditlog.ErrTampered) {
			return exitTampered
		}
		return exitInput
	}
	return exitOK
}

package diff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// ApplyOptions configures Apply. The zero value applies with 4 workers, 3
// retries of temporary errors starting at one second, no thresholds and no
// audit.
type ApplyOptions struct {
	// Concurrency is the number of changes of one stage applied at the
	// same time; default 4.
	Concurrency int
	// Retries is how often a change that failed with ErrTemporary is
	// retried; default 3, negative for none.
	Retries int
	// Backoff is the wait before the first retry, doubled for each further
	// one; default 1s.
	Backoff time.Duration
	// Sleep waits between retries; it must return early with ctx's error
	// when ctx is done. Default: a timer. Tests inject a fake.
	Sleep func(ctx context.Context, d time.Duration) error
	// Clock gives the time written into audit records; default returns the
	// plan's Now, so the core never reads the wall clock itself. It is
	// called one call at a time.
	Clock func() time.Time
	// Progress is called after every change has been carried out (or has
	// finally failed), one call at a time.
	Progress func(Progress)
	// Auditor records every change attempted; nil records nothing.
	Auditor Auditor
	// Actor names who or what applies the plan, for the audit records.
	Actor string
	// Thresholds, when set, are checked (Plan.Check, against the totals
	// the plan was computed from) before anything is applied; a plan that
	// exceeds them is refused with a *ThresholdError. Leave it nil to
	// apply a plan the caller has checked or decided to override.
	Thresholds *Thresholds
	// DryRun checks the plan and reports what would be done; nothing is
	// applied and nothing is audited.
	DryRun bool
}

// Progress reports one finished change to ApplyOptions.Progress.
type Progress struct {
	// Stage counts the stages from 1 (the plan's Change.Stage values need
	// not be consecutive); Stages is the number of stages in the plan.
	Stage, Stages int
	// Done counts changes finished so far (including this one); Total is
	// the number of changes in the plan.
	Done, Total int
	// Change is the change finished.
	Change Change
	// Err is its error, nil when it was applied.
	Err error
}

// Status is what became of a change in Apply.
type Status int

// Statuses of a Result.
const (
	// Skipped: not attempted (an earlier stage failed, the context was
	// cancelled, or the plan was refused).
	Skipped Status = iota
	// Applied: the target carried the change out.
	Applied
	// Failed: the target returned an error (after any retries).
	Failed
	// DryRun: the change would have been applied (ApplyOptions.DryRun).
	DryRun
)

var statusNames = [...]string{"skipped", "applied", "failed", "dry-run"}

// String returns the status's lower-case name.
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("status(%d)", int(s))
	}
	return statusNames[s]
}

// MarshalText encodes the status by name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Result is the outcome of one change.
type Result struct {
	Change Change `json:"change"`
	Status Status `json:"status"`
	// Err is the target's last error for a failed change.
	Err error `json:"-"`
	// Attempts is the number of calls to the target (0 when skipped).
	Attempts int `json:"attempts"`
}

// MarshalJSON writes the result with its error as the string "error".
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	out := struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain: plain(r)}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return json.Marshal(out)
}

// Report is the outcome of Apply: one Result per change, in plan order.
type Report struct {
	Results []Result `json:"results"`
	// Applied, Failed and Skipped count the results by status; dry-run
	// results count as skipped.
	Applied int `json:"applied"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// Render writes the report for people: the counts, then every failed
// change with its error, then a count of the changes not attempted.
func (r *Report) Render(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "applied %d, failed %d, skipped %d of %d changes\n", r.Applied, r.Failed, r.Skipped, len(r.Results))
	for _, res := range r.Results {
		if res.Status == Failed {
			fmt.Fprintf(ew, "  failed stage %d %s %s %s", res.Change.Stage, res.Change.Action, res.Change.Kind, res.Change.Key)
			if res.Change.Member != "" {
				fmt.Fprintf(ew, " member %s", res.Change.Member)
			}
			fmt.Fprintf(ew, " after %d attempt(s): %v\n", res.Attempts, res.Err)
		}
	}
	dry := 0
	for _, res := range r.Results {
		if res.Status == DryRun {
			dry++
		}
	}
	if dry > 0 {
		fmt.Fprintf(ew, "  dry run: %d changes would have been applied\n", dry)
	}
	for _, res := range r.Results {
		if res.Status == Skipped {
			fmt.Fprintf(ew, "  not attempted: %d changes from stage %d on\n", r.Skipped-dry, res.Change.Stage)
			break
		}
	}
	return ew.err
}

// ApplyError reports the changes that failed in the stage where Apply
// stopped. Unwrap gives their errors, so errors.Is(err, ErrUnmanaged) and
// the like work.
type ApplyError struct {
	// Stage is the stage that failed.
	Stage int
	// Failed are the failed results of that stage.
	Failed []Result
}

// Error summarises the failures.
func (e *ApplyError) Error() string {
	s := fmt.Sprintf("diff: apply: %d change(s) failed in stage %d", len(e.Failed), e.Stage)
	for i, r := range e.Failed {
		if i == 3 {
			s += "; ..."
			break
		}
		s += fmt.Sprintf("; %s %s: %v", r.Change.Action, r.Change.Key, r.Err)
	}
	return s
}

// Unwrap returns the errors of the failed changes.
func (e *ApplyError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, r := range e.Failed {
		errs[i] = r.Err
	}
	return errs
}

func (o *ApplyOptions) defaults(p *Plan) {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Clock == nil {
		now := p.Now
		o.Clock = func() time.Time { return now }
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Apply carries out a plan on a target, stage by stage.
//
// With Thresholds set it first checks the plan (Plan.Check) and refuses
// with the *ThresholdError (errors.Is(err, ErrThreshold)) before touching
// anything; the refusal is audited. The changes of
// one stage run concurrently (at most Concurrency at a time); a change
// that fails with ErrTemporary is retried with exponential backoff. When a
// stage has failures, Apply finishes that stage and stops: the later
// changes are reported as skipped and the error is an *ApplyError. When
// ctx is cancelled, changes not yet started are skipped and ctx's error is
// returned. Every attempted change is handed to the Auditor with its
// outcome; an audit failure stops Apply after the stage, like a failed
// change.
//
// Apply always returns a Report (also with an error). Because every
// change is planned from the actual state, running Compute and Apply again
// after an interrupted Apply converges.
func Apply(ctx context.Context, t Applier, p *Plan, opt ApplyOptions) (*Report, error) {
	opt.defaults(p)
	rep := &Report{Results: make([]Result, len(p.Changes))}
	for i := range p.Changes {
		rep.Results[i] = Result{Change: p.Changes[i], Status: Skipped}
	}
	finish := func(err error) (*Report, error) {
		rep.Applied, rep.Failed, rep.Skipped = 0, 0, 0
		for _, r := range rep.Results {
			switch r.Status {
			case Applied:
				rep.Applied++
			case Failed:
				rep.Failed++
			default:
				rep.Skipped++
			}
		}
		return rep, err
	}
	if err := p.Validate(); err != nil {
		return finish(err)
	}
	if opt.Thresholds != nil {
		if err := p.Check(*opt.Thresholds); err != nil {
			if opt.Auditor != nil && !opt.DryRun {
				rec := AuditRecord{Time: opt.Clock(), Actor: opt.Actor, Action: NoOp, Err: "plan refused: " + err.Error()}
				if aerr := opt.Auditor.Record(ctx, rec); aerr != nil {
					err = errors.Join(err, fmt.Errorf("diff: apply: audit refusal: %w", aerr))
				}
			}
			return finish(err)
		}
	}
	if opt.DryRun {
		for i := range rep.Results {
			rep.Results[i].Status = DryRun
		}
		return finish(nil)
	}
	stages := p.Stages()
	var (
		mu        sync.Mutex // guards done, Progress calls and audit errors
		done      int
		auditErrs []error
	)
	stageNo := 0
	for start := 0; start < len(p.Changes); {
		end := start + 1
		for end < len(p.Changes) && p.Changes[end].Stage == p.Changes[start].Stage {
			end++
		}
		stageNo++
		if err := ctx.Err(); err != nil {
			return finish(fmt.Errorf("diff: apply: stopped before stage %d: %w", p.Changes[start].Stage, err))
		}
		var g errgroup.Group
		g.SetLimit(opt.Concurrency)
		for i := start; i < end; i++ {
			if ctx.Err() != nil {
				break
			}
			g.Go(func() error {
				res := &rep.Results[i]
				if ctx.Err() != nil {
					return nil
				}
				res.Attempts, res.Err = applyOne(ctx, t, res.Change, &opt)
				if res.Err != nil {
					res.Status = Failed
				} else {
					res.Status = Applied
				}
				var aerr error
				if opt.Auditor != nil {
					mu.Lock()
					at := opt.Clock() // one call at a time
					mu.Unlock()
					aerr = opt.Auditor.Record(ctx, newAuditRecord(at, opt.Actor, res))
				}
				mu.Lock()
				defer mu.Unlock()
				if aerr != nil {
					auditErrs = append(auditErrs, fmt.Errorf("diff: apply: audit %s %s: %w", res.Change.Action, res.Change.Key, aerr))
				}
				done++
				if opt.Progress != nil {
					opt.Progress(Progress{Stage: stageNo, Stages: stages, Done: done, Total: len(p.Changes), Change: res.Change, Err: res.Err})
				}
				return nil
			})
		}
		_ = g.Wait() // workers never return errors; results carry them
		var failed []Result
		for i := start; i < end; i++ {
			if rep.Results[i].Status == Failed {
				failed = append(failed, rep.Results[i])
			}
		}
		var err error
		if len(failed) > 0 {
			err = &ApplyError{Stage: p.Changes[start].Stage, Failed: failed}
		}
		if len(auditErrs) > 0 {
			err = errors.Join(append([]error{err}, auditErrs...)...)
		}
		if cerr := ctx.Err(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("diff: apply: stopped in stage %d: %w", p.Changes[start].Stage, cerr))
		}
		if err != nil {
			return finish(err)
		}
		start = end
	}
	return finish(nil)
}

// applyOne applies a change, retrying temporary errors.
func applyOne(ctx context.Context, t Applier, c Change, opt *ApplyOptions) (attempts int, err error) {
	wait := opt.Backoff
	for {
		attempts++
		err = t.Apply(ctx, c)
		if err == nil || !errors.Is(err, ErrTemporary) || attempts > opt.Retries {
			return attempts, err
		}
		if serr := opt.Sleep(ctx, wait); serr != nil {
			return attempts, errors.Join(err, serr)
		}
		wait *= 2
	}
}

package diff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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
	// Previous are the failures of the previous run (Report.Failures,
	// kept by the caller, e.g. in its state file). A change that fails
	// again with the same error is Persistent: running again alone will
	// not fix it.
	Previous []Failure
	// Open are intent records a crashed run left without an outcome
	// (JSONLAuditor.Open). Apply completes them first, from Actual (see
	// Reconcile), before the threshold check; not in a dry run.
	Open []AuditRecord
	// Actual is the state the plan was computed from. Apply reads it only
	// to reconcile Open intents (did the crashed change happen?); the
	// thresholds use the totals the plan carries.
	Actual []Object
	// RunID names this run in the audit records' Op; default: the first
	// Clock time in RFC 3339 form.
	RunID string
}

// Failure is a change that failed, remembered from one run to the next so
// that a failure that recurs can be told from a transient one. It names
// the change and holds the error text, no attribute values.
type Failure struct {
	Action Action `json:"action"`
	Kind   Kind   `json:"kind"`
	Key    string `json:"key"`
	Member string `json:"member,omitempty"`
	// Err is the change's error text.
	Err string `json:"err"`
}

type failureKey struct {
	action      Action
	kind        Kind
	key, member string
}

func (f Failure) key() failureKey { return failureKey{f.Action, f.Kind, f.Key, f.Member} }

func keyOf(c *Change) failureKey { return failureKey{c.Action, c.Kind, c.Key, c.Member} }

// Failures returns the failed changes of the report (not the blocked
// ones), to be passed as ApplyOptions.Previous to the next run.
func (r *Report) Failures() []Failure {
	var out []Failure
	for _, res := range r.Results {
		if res.Status == Failed && res.Err != nil {
			c := &res.Change
			out = append(out, Failure{Action: c.Action, Kind: c.Kind, Key: c.Key, Member: c.Member, Err: res.Err.Error()})
		}
	}
	return out
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
	// Skipped: not attempted (the context was cancelled, an audit record
	// could not be written, or the plan was refused).
	Skipped Status = iota
	// Applied: the target carried the change out.
	Applied
	// Failed: the target returned an error (after any retries).
	Failed
	// DryRun: the change would have been applied (ApplyOptions.DryRun).
	DryRun
	// Blocked: not attempted because a change it depends on failed or
	// was blocked (see Result.Cause).
	Blocked
)

var statusNames = [...]string{"skipped", "applied", "failed", "dry-run", "blocked"}

// ErrBlocked is the Progress.Err of a change that was not attempted
// because a change it depends on failed.
var ErrBlocked = errors.New("blocked by a failed change it depends on")

// ErrPersistent is matched by an *ApplyError when a change failed the same
// way as in the previous run (Result.Persistent): re-running alone will
// not fix it; the record or configuration named in the error must be.
var ErrPersistent = errors.New("change failed the same way as in the previous run")

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
	// Persistent marks a failed change that failed with the same error in
	// the previous run (ApplyOptions.Previous).
	Persistent bool `json:"persistent,omitempty"`
	// Cause is the reason chain of a blocked change: the change it
	// depends on, that one's, and so on to the failed change at the root
	// (with its error).
	Cause []string `json:"cause,omitempty"`
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
	// Applied, Failed, Blocked and Skipped count the results by status;
	// dry-run results count as skipped. Persistent counts the failed
	// results that are Persistent.
	Applied    int `json:"applied"`
	Failed     int `json:"failed"`
	Blocked    int `json:"blocked"`
	Persistent int `json:"persistent"`
	Skipped    int `json:"skipped"`
}

// Render writes the report for people: the counts, then every failed
// change with its error (marked persistent when it failed the same way in
// the previous run), every blocked change with its reason chain, then a
// count of the changes not attempted.
func (r *Report) Render(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "applied %d, failed %d", r.Applied, r.Failed)
	if r.Persistent > 0 {
		fmt.Fprintf(ew, " (%d persistent)", r.Persistent)
	}
	fmt.Fprintf(ew, ", blocked %d, skipped %d of %d changes\n", r.Blocked, r.Skipped, len(r.Results))
	for _, res := range r.Results {
		if res.Status == Failed {
			kind := "failed"
			if res.Persistent {
				kind = "failed again (persistent)"
			}
			fmt.Fprintf(ew, "  %s: stage %d %s after %d attempt(s): %v\n", kind, res.Change.Stage, describe(&res.Change), res.Attempts, res.Err)
		}
	}
	for _, res := range r.Results {
		if res.Status == Blocked {
			fmt.Fprintf(ew, "  blocked: stage %d %s", res.Change.Stage, describe(&res.Change))
			for _, c := range res.Cause {
				fmt.Fprintf(ew, " <- %s", c)
			}
			fmt.Fprintln(ew)
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

// ApplyError reports the changes that failed (and how many were blocked
// by them). Unwrap gives their errors, so errors.Is(err, ErrUnmanaged) and
// the like work; errors.Is(err, ErrPersistent) reports whether any failure
// is Persistent.
type ApplyError struct {
	// Stage is the first stage with a failed change.
	Stage int
	// Failed are the failed results, in plan order.
	Failed []Result
	// Blocked counts the changes not attempted because of them.
	Blocked int
	// Persistent counts the failed results that are Persistent.
	Persistent int
}

// Is matches ErrPersistent when a failure is persistent.
func (e *ApplyError) Is(target error) bool { return target == ErrPersistent && e.Persistent > 0 }

// Error summarises the failures.
func (e *ApplyError) Error() string {
	s := fmt.Sprintf("diff: apply: %d change(s) failed from stage %d on", len(e.Failed), e.Stage)
	if e.Persistent > 0 {
		s += fmt.Sprintf(" (%d persistent)", e.Persistent)
	}
	if e.Blocked > 0 {
		s += fmt.Sprintf(", %d blocked", e.Blocked)
	}
	for i, r := range e.Failed {
		if i == 3 {
			s += "; ..."
			break
		}
		s += fmt.Sprintf("; %s: %v", describe(&r.Change), r.Err)
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
// that fails with ErrTemporary is retried with exponential backoff.
//
// A failed change blocks only the changes of later stages that depend on
// it (the memberships of a user that could not be created, the children
// of an OU that could not be made; see Result.Cause); every other change
// of this and later stages is applied. The stages stay the order in which
// dependent changes run. When any change failed or was blocked the error
// is an *ApplyError; a failure that equals one in ApplyOptions.Previous
// is Persistent and makes the error match ErrPersistent.
//
// With an Auditor, every change is audited ahead of time: an intent record
// is written before the change is sent to the target, and an outcome
// record after (see AuditRecord). An intent that cannot be written keeps
// the change from being sent, and an audit failure stops Apply after the
// stage. When ctx is cancelled, changes not yet started are skipped and
// ctx's error is returned.
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
	if err := p.Validate(); err != nil {
		return rep.count(), err
	}
	if opt.Auditor != nil && !opt.DryRun {
		for _, r := range Reconcile(opt.Open, opt.Actual) {
			r.Time, r.Actor = opt.Clock(), opt.Actor
			if err := opt.Auditor.Record(ctx, r); err != nil {
				return rep.count(), fmt.Errorf("diff: apply: audit reconciled outcome %s: %w", r.Op, err)
			}
		}
	}
	if opt.Thresholds != nil {
		if err := p.Check(*opt.Thresholds); err != nil {
			if opt.Auditor != nil && !opt.DryRun {
				rec := AuditRecord{Time: opt.Clock(), Actor: opt.Actor, Action: NoOp, Err: "plan refused: " + err.Error()}
				if aerr := opt.Auditor.Record(ctx, rec); aerr != nil {
					err = errors.Join(err, fmt.Errorf("diff: apply: audit refusal: %w", aerr))
				}
			}
			return rep.count(), err
		}
	}
	if opt.DryRun {
		for i := range rep.Results {
			rep.Results[i].Status = DryRun
		}
		return rep.count(), nil
	}
	runID := opt.RunID
	if runID == "" && opt.Auditor != nil {
		runID = opt.Clock().UTC().Format(time.RFC3339Nano)
	}
	previous := make(map[failureKey]string, len(opt.Previous))
	for _, f := range opt.Previous {
		previous[f.key()] = f.Err
	}
	stages := p.Stages()
	var (
		mu        sync.Mutex // guards done, Progress calls and audit errors
		done      int
		auditErrs []error
		blk       = newBlocker()
		by        = make([]int, len(p.Changes)) // index of the result a blocked one waits for
	)
	record := func(r AuditRecord) error {
		mu.Lock()
		r.Time = opt.Clock() // one call at a time
		r.Actor = opt.Actor
		mu.Unlock()
		return opt.Auditor.Record(ctx, r)
	}
	stageNo := 0
	for start := 0; start < len(p.Changes); {
		end := start + 1
		for end < len(p.Changes) && p.Changes[end].Stage == p.Changes[start].Stage {
			end++
		}
		stageNo++
		if err := ctx.Err(); err != nil {
			return rep.finish(fmt.Errorf("diff: apply: stopped before stage %d: %w", p.Changes[start].Stage, err))
		}
		var g errgroup.Group
		g.SetLimit(opt.Concurrency)
		for i := start; i < end; i++ {
			by[i] = -1
			res := &rep.Results[i]
			if j := blk.cause(&res.Change); j >= 0 {
				res.Status, by[i] = Blocked, j
				mu.Lock()
				done++
				if opt.Progress != nil {
					opt.Progress(Progress{Stage: stageNo, Stages: stages, Done: done, Total: len(p.Changes), Change: res.Change, Err: ErrBlocked})
				}
				mu.Unlock()
				continue
			}
			if ctx.Err() != nil {
				break
			}
			g.Go(func() error {
				if ctx.Err() != nil {
					return nil
				}
				var (
					op   string
					aerr error
				)
				if opt.Auditor != nil {
					op = runID + "/" + strconv.Itoa(i+1)
					if aerr = record(newIntentRecord(op, &res.Change)); aerr != nil {
						res.Status, res.Err = Failed, fmt.Errorf("diff: apply: not sent: audit intent: %w", aerr)
					}
				}
				if aerr == nil {
					res.Attempts, res.Err = applyOne(ctx, t, res.Change, &opt)
					if res.Err != nil {
						res.Status = Failed
						if prev, ok := previous[keyOf(&res.Change)]; ok && prev == res.Err.Error() && !errors.Is(res.Err, ErrTemporary) {
							res.Persistent = true
						}
					} else {
						res.Status = Applied
					}
					if opt.Auditor != nil {
						aerr = record(newOutcomeRecord(op, res))
					}
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
		for i := start; i < end; i++ {
			if s := rep.Results[i].Status; s == Failed || s == Blocked {
				blk.undone(&rep.Results[i].Change, i)
			}
		}
		var err error
		if len(auditErrs) > 0 {
			err = errors.Join(auditErrs...)
		}
		if cerr := ctx.Err(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("diff: apply: stopped in stage %d: %w", p.Changes[start].Stage, cerr))
		}
		if err != nil {
			chains(rep.Results, by)
			return rep.finish(err)
		}
		start = end
	}
	chains(rep.Results, by)
	return rep.finish(nil)
}

// count sets the report's counters from its results.
func (r *Report) count() *Report {
	r.Applied, r.Failed, r.Blocked, r.Persistent, r.Skipped = 0, 0, 0, 0, 0
	for _, res := range r.Results {
		switch res.Status {
		case Applied:
			r.Applied++
		case Failed:
			r.Failed++
			if res.Persistent {
				r.Persistent++
			}
		case Blocked:
			r.Blocked++
		default:
			r.Skipped++
		}
	}
	return r
}

// finish counts the results and joins err with an *ApplyError when
// changes failed or were blocked.
func (r *Report) finish(err error) (*Report, error) {
	r.count()
	if r.Failed+r.Blocked == 0 {
		return r, err
	}
	ae := &ApplyError{Blocked: r.Blocked, Persistent: r.Persistent}
	for _, res := range r.Results {
		if res.Status == Failed {
			if ae.Stage == 0 {
				ae.Stage = res.Change.Stage
			}
			ae.Failed = append(ae.Failed, res)
		}
	}
	if err == nil {
		return r, ae
	}
	return r, errors.Join(ae, err)
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

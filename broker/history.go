package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/provision"
)

// RunHistory is how much of each client's run history the broker keeps
// (Options.RunHistory). A run is dropped when either limit is passed.
type RunHistory struct {
	// Max is the number of runs kept per client (0: 500; negative: no
	// history is kept).
	Max int
	// MaxAge drops the runs that started longer ago (0: 90 days).
	MaxAge time.Duration
}

// Default run-history limits.
const (
	DefaultRunHistoryMax    = 500
	DefaultRunHistoryMaxAge = 90 * 24 * time.Hour
)

// Outcomes of a RunRecord.
const (
	// OutcomeOK: the run applied its plan (or had nothing to do).
	OutcomeOK = "ok"
	// OutcomeFailed: the run failed, or some of its changes did.
	OutcomeFailed = "failed"
	// OutcomeRefused: a safety threshold refused the plan; it waits for
	// approval (RunRecord.Approval).
	OutcomeRefused = "refused"
	// OutcomeApproved: an administrator approved a refused plan and it
	// was applied.
	OutcomeApproved = "approved"
	// OutcomeStale: an approved plan was not applied because the target
	// changed since it was made.
	OutcomeStale = "stale"
)

// RunRecord is one run of a client in its history (Broker.Runs): a
// scheduled or manual run, or the apply of an approved plan. It holds
// counts, no persons.
type RunRecord struct {
	Client string    `json:"client"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// Outcome is one of OutcomeOK, OutcomeFailed, OutcomeRefused,
	// OutcomeApproved, OutcomeStale.
	Outcome string `json:"outcome"`
	Full    bool   `json:"full,omitempty"`
	// Summary counts the plan's changes by action and by kind (what was
	// planned; Applied, Failed and Blocked say what became of them).
	Summary diff.Summary `json:"summary"`
	Applied int          `json:"applied"`
	Failed  int          `json:"failed"`
	Blocked int          `json:"blocked"`
	// Approval names the approval item a refused plan became, or the one
	// an approved run applied; By is who approved it.
	Approval string `json:"approval,omitempty"`
	By       string `json:"by,omitempty"`
	Error    string `json:"error,omitempty"`
}

// Changes returns the number of planned changes of kind k.
func (r RunRecord) Changes(k diff.Kind) int {
	n := 0
	for _, c := range r.Summary.Kinds[k] {
		n += c
	}
	return n
}

// runKeyTime is the layout of a run key's start: sorting the keys sorts
// the runs by start.
const runKeyTime = "20060102T150405.000000000Z"

func runPrefix(client string) string { return "runs/" + client + "/" }

// runKeys returns the keys of a client's runs, oldest first.
func (b *Broker) runKeys(ctx context.Context, client string) ([]string, error) {
	prefix := runPrefix(client)
	keys, err := b.opt.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("broker: runs of %s: %w", client, err)
	}
	// A client named "a/b" keeps its runs under "runs/a/b/": not client a's.
	keys = slices.DeleteFunc(keys, func(k string) bool { return strings.Contains(k[len(prefix):], "/") })
	slices.Sort(keys)
	return keys, nil
}

// runKeyStart parses the start out of a run key ("runs/<client>/<start>-<n>").
func runKeyStart(key string) (time.Time, bool) {
	s := key[strings.LastIndexByte(key, '/')+1:]
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		s = s[:i]
	}
	t, err := time.Parse(runKeyTime, s)
	return t, err == nil
}

func (b *Broker) historyLimits() (int, time.Duration) {
	max, age := b.opt.RunHistory.Max, b.opt.RunHistory.MaxAge
	if max == 0 {
		max = DefaultRunHistoryMax
	}
	if age <= 0 {
		age = DefaultRunHistoryMaxAge
	}
	return max, age
}

// recordRun adds a run to the client's history under
// "runs/<client>/<start>-<n>" and drops what the retention no longer
// keeps. A failure is logged: the run happened, and its status says so.
func (b *Broker) recordRun(ctx context.Context, rec RunRecord) {
	max, age := b.historyLimits()
	if max < 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // a run cancelled meanwhile is still recorded
	b.x.histMu.Lock()
	defer b.x.histMu.Unlock()
	if err := b.putRun(ctx, rec, max, age); err != nil {
		b.opt.Log.Warn("run history", "client", rec.Client, "err", err)
	}
}

func (b *Broker) putRun(ctx context.Context, rec RunRecord, max int, age time.Duration) error {
	keys, err := b.runKeys(ctx, rec.Client)
	if err != nil {
		return err
	}
	stamp := runPrefix(rec.Client) + rec.Start.UTC().Format(runKeyTime) + "-"
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, stamp) {
			n++
		}
	}
	key := fmt.Sprintf("%s%04d", stamp, n)
	if err := b.putJSON(ctx, key, rec); err != nil {
		return err
	}
	keys = append(keys, key)
	slices.Sort(keys)
	cut := b.opt.Clock().Add(-age)
	var drop []string
	for i, k := range keys {
		t, ok := runKeyStart(k)
		if len(keys)-i > max || ok && t.Before(cut) {
			drop = append(drop, k)
		}
	}
	for _, k := range drop {
		if err := b.opt.Store.Delete(ctx, k); err != nil {
			return fmt.Errorf("broker: run history %s: %w", k, err)
		}
	}
	return nil
}

// Runs returns a client's run history, newest first: at most limit runs
// (0: all that are kept, see Options.RunHistory).
func (b *Broker) Runs(ctx context.Context, client string, limit int) ([]RunRecord, error) {
	if b.clients[client] == nil {
		return nil, fmt.Errorf("client %q: %w", client, ErrUnknown)
	}
	keys, err := b.runKeys(ctx, client)
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(keys) > limit {
		keys = keys[len(keys)-limit:]
	}
	out := make([]RunRecord, 0, len(keys))
	for i := len(keys) - 1; i >= 0; i-- {
		raw, err := b.opt.Store.Get(ctx, keys[i])
		if errors.Is(err, ErrNotFound) {
			continue // dropped by the retention meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("broker: run history %s: %w", keys[i], err)
		}
		var r RunRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("broker: run history %s: %w: %w", keys[i], provision.ErrInput, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// runRecorded runs a client (Broker.run), records the run in its history
// and plans the client ahead.
func (b *Broker) runRecorded(ctx context.Context, name string, full bool) (*RunReport, error) {
	rep, err := b.run(ctx, name, full)
	if rep != nil {
		b.recordRun(ctx, runRecord(name, rep, b.opt.Clock()))
	}
	b.planAhead(name)
	return rep, err
}

// runRecord is the history's record of a scheduled or manual run.
func runRecord(client string, rep *RunReport, end time.Time) RunRecord {
	r := RunRecord{Client: client, Start: rep.At, End: end, Full: rep.Full, Summary: rep.Summary,
		Applied: rep.Applied, Failed: rep.Failed, Blocked: rep.Blocked, Approval: rep.Approval, Error: rep.Error}
	switch {
	case rep.Refused:
		r.Outcome = OutcomeRefused
	case rep.Error != "" || rep.Failed > 0:
		r.Outcome = OutcomeFailed
	default:
		r.Outcome = OutcomeOK
	}
	return r
}

// approvalRecord is the history's record of an approved plan's apply.
func approvalRecord(a *Approval, by string, start, end time.Time, res *provision.Outcome, err error) RunRecord {
	r := RunRecord{Client: a.Client, Start: start, End: end, Summary: a.Summary, Approval: a.ID, By: by}
	if res != nil && res.Report != nil {
		r.Applied, r.Failed, r.Blocked = res.Report.Applied, res.Report.Failed, res.Report.Blocked
	}
	switch {
	case errors.Is(err, diff.ErrStalePlan):
		r.Outcome = OutcomeStale
	case err != nil || r.Failed > 0:
		r.Outcome = OutcomeFailed
	default:
		r.Outcome = OutcomeApproved
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

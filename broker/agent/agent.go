// Package agent is the outbound-only agent's client loop: it runs next to
// a target the broker cannot reach (Active Directory inside the
// municipality), connects out over HTTPS to the broker's agent API
// (broker/api, Role Agent), fetches its client's plan, applies it to the
// target with the pipeline (provision.Job) and reports the result back.
// It opens no port.
//
// Every plan carries a sequence number the broker issued. The agent keeps
// the last number it saw (Agent.SeqFile) and never applies a plan whose
// number is not above it; the broker refuses a start or a report of any
// plan but the last it issued (409, broker.ErrStale). Either way the
// agent applies nothing and returns an error matching broker.ErrStale.
//
// Network loss and broker restarts are retried with exponential backoff
// (Agent.MaxBackoff), at every step: fetching, confirming the start and
// reporting. A report is idempotent: one repeated after a dropped answer
// is taken once.
//
// The package does the protocol only; the binary wires the target
// (examples/ad-sync's agent mode), the TLS client certificate or token,
// and the local log.
package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/atomicfile"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/provision"
)

// Errors of the agent.
var (
	// ErrConfig: the agent is configured badly (no URL, client, target).
	ErrConfig = errors.New("agent: bad configuration")
	// ErrRefused: the broker refused a request for good (401, 403, 404,
	// 400): retrying does not help.
	ErrRefused = errors.New("agent: the broker refused the request")
)

// Agent is one client's agent. Set the fields, then call Once or Loop.
type Agent struct {
	// URL is the broker's base URL ("https://broker.example.dk").
	URL string
	// Client is the agent client's name in the broker.
	Client string
	// HTTP is the HTTP client; for mutual TLS its transport carries the
	// client certificate (default http.DefaultClient). Its Timeout, or
	// RequestTimeout, bounds each request.
	HTTP *http.Client
	// Token, when set, is sent as a bearer token (the broker's
	// per-client machine token) instead of, or beside, the certificate.
	Token string
	// RequestTimeout bounds each request (default 2 minutes: a plan of a
	// large municipality is tens of megabytes).
	RequestTimeout time.Duration

	// Target is the directory the agent applies to; Config the pipeline's
	// configuration (projection, usernames, thresholds, audit log); State
	// the deployment state kept next to the target; Taken as in
	// provision.Job.
	Target diff.Target
	Config provision.Config
	State  provision.StateStore
	Taken  func(ctx context.Context) ([]string, error)

	// SeqFile keeps the last plan sequence number seen, across restarts
	// of the agent ("" keeps it in memory only).
	SeqFile string
	// Interval is the time between two plans in Loop (default 1 minute).
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait between retries (default
	// 1 second and 1 minute).
	MinBackoff, MaxBackoff time.Duration
	// Bundle, when set, makes the log bundle the broker asks for (a tar.gz
	// archive of the local log).
	Bundle func(ctx context.Context, w io.Writer) error
	// Log receives the agent's own log (default slog.Default()); Clock is
	// the time (default time.Now).
	Log   *slog.Logger
	Clock func() time.Time
	// Sleep waits (default: a timer, cut short by ctx). Tests shorten it.
	Sleep func(ctx context.Context, d time.Duration) error

	lastSeq int64
	loaded  bool
	// snap and digest are the last snapshot received, kept so that an
	// unchanged one need not be sent again.
	snap   *orgmodel.Snapshot
	digest string
}

// Result is one cycle's outcome.
type Result struct {
	Seq    int64             `json:"seq"`
	Report *broker.RunReport `json:"report"`
	// Err is the pipeline's error (also in Report.Error), kept for
	// errors.Is (provision.ErrPartial, diff.ErrThreshold).
	Err error `json:"-"`
}

func (a *Agent) check() error {
	if a.URL == "" || a.Client == "" || a.Target == nil {
		return fmt.Errorf("%w: the broker URL, the client name and the target are required", ErrConfig)
	}
	if strings.ContainsAny(a.Client, "/?#") {
		return fmt.Errorf("%w: client name %q: no /, ? or #", ErrConfig, a.Client)
	}
	return nil
}

func (a *Agent) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

func (a *Agent) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock()
}

func (a *Agent) sleep(ctx context.Context, d time.Duration) error {
	if a.Sleep != nil {
		return a.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Loop runs a cycle every Interval until ctx is done (then it returns
// nil) or the broker calls a plan stale (an error matching
// broker.ErrStale: the service manager restarts the agent, which then
// fetches the newest plan) or refuses the agent (ErrRefused). A cycle
// whose apply failed is reported and the loop goes on.
func (a *Agent) Loop(ctx context.Context) error {
	every := a.Interval
	if every <= 0 {
		every = time.Minute
	}
	for {
		start := a.now()
		res, err := a.Once(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		case res.Err != nil:
			a.log().Warn("agent: plan applied with errors", "seq", res.Seq, "err", res.Err)
		}
		wait := every - a.now().Sub(start)
		if wait > 0 {
			if a.sleep(ctx, wait) != nil {
				return nil
			}
		}
	}
}

// Once runs one cycle: fetch the next plan, check its sequence number,
// confirm the start with the broker, apply it, report, and upload the log
// bundle when the plan asks for it. Network errors and 5xx answers are
// retried until ctx is done. The returned error matches broker.ErrStale
// (nothing applied, or the report came too late), ErrRefused, ErrConfig,
// or is ctx's; the pipeline's own error is in Result.Err and the report.
func (a *Agent) Once(ctx context.Context) (*Result, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if err := a.loadSeq(); err != nil {
		return nil, err
	}
	var plan broker.AgentPlan
	if err := a.call(ctx, "POST", "plan", haveBody{Have: a.digest}, &plan); err != nil {
		return nil, fmt.Errorf("agent: fetch plan: %w", err)
	}
	if plan.Seq <= a.lastSeq {
		return nil, fmt.Errorf("agent: plan %d is not newer than plan %d, already seen: %w", plan.Seq, a.lastSeq, broker.ErrStale)
	}
	switch {
	case plan.Unchanged && a.snap != nil && plan.Digest == a.digest:
		cp := *a.snap // the run re-indexes its copy; the data is shared
		plan.Snapshot = &cp
	case plan.Snapshot == nil:
		return nil, fmt.Errorf("agent: plan %d: %w: no snapshot", plan.Seq, ErrRefused)
	default:
		cp := *plan.Snapshot
		a.snap, a.digest = &cp, plan.Digest
	}
	if err := a.saveSeq(plan.Seq); err != nil {
		return nil, err
	}
	log := a.log().With("seq", plan.Seq)
	if err := a.call(ctx, "POST", "start", seqBody{Seq: plan.Seq}, nil); err != nil {
		return nil, fmt.Errorf("agent: start plan %d: %w", plan.Seq, err)
	}
	res := &Result{Seq: plan.Seq}
	res.Report, res.Err = a.apply(ctx, &plan, log)
	if err := a.call(ctx, "POST", "report", reportBody{Seq: plan.Seq, Report: res.Report}, nil); err != nil {
		return res, fmt.Errorf("agent: report plan %d: %w", plan.Seq, err)
	}
	log.Info("agent: plan reported", "planned", res.Report.Planned, "applied", res.Report.Applied, "failed", res.Report.Failed, "full", plan.Full)
	if plan.LogBundle != "" {
		if err := a.upload(ctx, plan.LogBundle); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			log.Warn("agent: log bundle not uploaded", "id", plan.LogBundle, "err", err)
		}
	}
	return res, nil
}

// apply runs the pipeline with the plan's desired state.
func (a *Agent) apply(ctx context.Context, plan *broker.AgentPlan, log *slog.Logger) (*broker.RunReport, error) {
	now := a.now()
	rep := &broker.RunReport{At: now, Full: plan.Full}
	j := &provision.Job{Config: a.Config, Snapshot: plan.Snapshot, Target: a.Target, State: a.State, Now: now,
		Apply: true, Delta: !plan.Full, Primary: plan.Primary, Taken: a.Taken, Log: log, Clock: a.Clock}
	out, err := j.Run(ctx)
	rep.Duration = a.now().Sub(now)
	if out != nil && out.Plan != nil {
		rep.Summary = out.Plan.Summary()
		rep.Planned = rep.Summary.Total
	}
	if out != nil && out.Report != nil {
		rep.Applied, rep.Failed, rep.Blocked = out.Report.Applied, out.Report.Failed, out.Report.Blocked
	}
	if err != nil {
		rep.Error = err.Error()
		rep.Refused = errors.Is(err, diff.ErrThreshold)
	}
	return rep, err
}

func (a *Agent) upload(ctx context.Context, id string) error {
	if a.Bundle == nil {
		return fmt.Errorf("%w: no log bundle configured", ErrConfig)
	}
	var buf bytes.Buffer
	if err := a.Bundle(ctx, &buf); err != nil {
		return fmt.Errorf("agent: log bundle: %w", err)
	}
	return a.call(ctx, "PUT", "logs/"+url.PathEscape(id), rawBody{buf.Bytes()}, nil)
}

// haveBody is the body of the plan request (api.AgentHave).
type haveBody struct {
	Have string `json:"have"`
}

// seqBody and reportBody are the bodies of start and report (api.AgentSeq
// and api.AgentReport).
type seqBody struct {
	Seq int64 `json:"seq"`
}

type reportBody struct {
	Seq    int64             `json:"seq"`
	Report *broker.RunReport `json:"report"`
}

// rawBody is sent as is (application/gzip), not as JSON.
type rawBody struct{ b []byte }

// call sends one request to the agent API, retrying network errors and
// 5xx answers with backoff until ctx is done.
func (a *Agent) call(ctx context.Context, method, what string, body, out any) error {
	var (
		payload []byte
		ctype   = "application/json"
	)
	switch b := body.(type) {
	case nil:
	case rawBody:
		payload, ctype = b.b, "application/gzip"
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			return err
		}
	}
	u := strings.TrimRight(a.URL, "/") + "/api/v1/agent/" + url.PathEscape(a.Client) + "/" + what
	back := a.MinBackoff
	if back <= 0 {
		back = time.Second
	}
	maxBack := a.MaxBackoff
	if maxBack <= 0 {
		maxBack = time.Minute
	}
	for attempt := 1; ; attempt++ {
		err := a.try(ctx, method, u, ctype, payload, out)
		if err == nil || errors.Is(err, broker.ErrStale) || errors.Is(err, ErrRefused) || ctx.Err() != nil {
			if ctx.Err() != nil && err != nil {
				return ctx.Err()
			}
			return err
		}
		a.log().Warn("agent: broker unreachable; retrying", "request", what, "attempt", attempt, "wait", back, "err", err)
		if err := a.sleep(ctx, back); err != nil {
			return err
		}
		back = min(back*2, maxBack)
	}
}

func (a *Agent) try(ctx context.Context, method, u, ctype string, payload []byte, out any) error {
	to := a.RequestTimeout
	if to <= 0 {
		to = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, to)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	req.Header.Set("Content-Type", ctype)
	if a.Token != "" {
		req.Header.Set("Authorization", "Bearer "+a.Token)
	}
	hc := a.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if out == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			return nil
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("answer of %s: %w", u, err) // cut off: retried
		}
		return nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	text := strings.TrimSpace(string(msg))
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(msg, &e) == nil && e.Error != "" {
		text = e.Error
	}
	switch {
	case resp.StatusCode == http.StatusConflict:
		return fmt.Errorf("%s %s: %w: %s", method, u, broker.ErrStale, text)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, text)
	default:
		return fmt.Errorf("%s %s: %w: %s: %s", method, u, ErrRefused, resp.Status, text)
	}
}

func (a *Agent) loadSeq() error {
	if a.loaded {
		return nil
	}
	a.loaded = true
	if a.SeqFile == "" {
		return nil
	}
	b, err := os.ReadFile(a.SeqFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("agent: sequence file: %w", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%w: sequence file %s: want a number, got %q", ErrConfig, a.SeqFile, strings.TrimSpace(string(b)))
	}
	a.lastSeq = n
	return nil
}

func (a *Agent) saveSeq(n int64) error {
	a.lastSeq = n
	if a.SeqFile == "" {
		return nil
	}
	if err := atomicfile.WriteFile(a.SeqFile, []byte(strconv.FormatInt(n, 10)+"\n"), 0o600); err != nil {
		return fmt.Errorf("agent: sequence file: %w", err)
	}
	return nil
}

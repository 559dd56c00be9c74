package entra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/orgsync/orgsync/diff"
)

// GraphError is a failed Graph request: its HTTP status (of the request,
// or of the item inside a $batch), Graph's error code and message. It
// unwraps to the diff sentinel that matches the status.
type GraphError struct {
	// Op names the operation, e.g. "create user user/42".
	Op string
	// Status is the HTTP status; 0 for a transport failure.
	Status int
	// Code and Message are Graph's error.code and error.message.
	Code, Message string
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Err is the transport error, when there was no answer.
	Err error
}

// Error describes the failure.
func (e *GraphError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("entra: %s: %v", e.Op, e.Err)
	case e.Code != "":
		return fmt.Sprintf("entra: %s: %d %s: %s", e.Op, e.Status, e.Code, e.Message)
	case e.Message != "":
		return fmt.Sprintf("entra: %s: %d: %s", e.Op, e.Status, e.Message)
	}
	return fmt.Sprintf("entra: %s: status %d", e.Op, e.Status)
}

// Unwrap returns the diff sentinel for the status (and the transport
// error, if any).
func (e *GraphError) Unwrap() []error {
	var out []error
	if s := e.sentinel(); s != nil {
		out = append(out, s)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

func (e *GraphError) sentinel() error {
	switch {
	case e.Err != nil || e.Status == 0:
		return diff.ErrTemporary
	case e.Status == http.StatusTooManyRequests, e.Status >= 500:
		return diff.ErrTemporary
	case e.Status == http.StatusFailedDependency:
		// a request not run because its batch was throttled (or a request
		// it depended on failed): sending it again is safe
		return diff.ErrTemporary
	case e.Status == http.StatusNotFound:
		return diff.ErrNotFound
	case e.Status == http.StatusConflict, e.exists():
		return diff.ErrExists
	case e.Status == http.StatusBadRequest, e.Status == http.StatusForbidden:
		return diff.ErrConstraint
	}
	return nil
}

func (e *GraphError) exists() bool {
	return e.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "already exist")
}

// temporary reports whether re-sending may succeed.
func (e *GraphError) temporary() bool { return errors.Is(e.sentinel(), diff.ErrTemporary) }

// maybeDone reports whether the request may have taken effect although it
// failed: no answer, or a 5xx. Graph runs no request it answers 429 or
// 424.
func (e *GraphError) maybeDone() bool {
	return e.Err != nil || e.Status == 0 || e.Status >= 500
}

// lagging reports whether the failure is what replication lag looks like
// right after an object was created: 404 for the object, or 400 "… do not
// exist" for an object a request refers to.
func (e *GraphError) lagging() bool {
	if e.Status == http.StatusNotFound {
		return true
	}
	m := strings.ToLower(e.Message)
	return e.Status == http.StatusBadRequest && (strings.Contains(m, "do not exist") || strings.Contains(m, "does not exist"))
}

// response is the outcome of one request, alone or inside a batch.
type response struct {
	status  int
	headers map[string]string
	body    map[string]any
	err     *GraphError // set when status >= 400 or no answer
	// recovered: an earlier attempt took effect; body is a look-up's.
	recovered bool
}

func (r response) str(name string) string { return asString(r.body[name]) }

// asString takes a string out of a decoded JSON value (the SDK's batch
// decoder yields *string).
func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case *string:
		if x != nil {
			return *x
		}
	}
	return ""
}

func asBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case *bool:
		if x != nil {
			return *x, true
		}
	}
	return false, false
}

// exec sends requests, coalescing concurrent ones into $batch envelopes of
// at most Config.BatchSize from one queue, whatever stage or kind of
// change they come from. A full envelope leaves at once. A partial one
// leaves when its oldest request has waited Config.BatchWindow, but not
// while envelopes are still out (up to holdWindows windows): their answers
// set their callers going again, and the requests those make — the next
// step of a change, or a re-send after throttling — fill the waiting
// envelope instead of going in half-empty ones of their own. At most
// Config.Concurrency envelopes are in flight. Per-item 429/503/504 and
// transport failures are reported to the caller, which re-sends (see
// Client.send); the SDK's own retry handler covers the envelope.
type exec struct {
	c       *Client
	mu      sync.Mutex
	pending []*call
	timer   *time.Timer // armed while pending is not empty
	// out counts the envelopes cut and not yet answered; last is when
	// the latest of them was answered.
	out  int
	last time.Time
	sem  chan struct{}
}

// holdWindows bounds how long a partial envelope waits for the answers of
// the envelopes out, in batch windows.
const holdWindows = 50

type call struct {
	ctx  context.Context
	op   string
	req  *abs.RequestInformation
	at   time.Time // when it joined the queue
	done chan response
}

func newExec(c *Client) *exec {
	return &exec{c: c, sem: make(chan struct{}, c.cfg.Concurrency)}
}

// do sends one request and waits for its response.
func (x *exec) do(ctx context.Context, op string, req *abs.RequestInformation) response {
	if x.c.cfg.BatchSize == 1 {
		return x.single(ctx, op, req)
	}
	cl := &call{ctx: ctx, op: op, req: req, at: time.Now(), done: make(chan response, 1)}
	x.mu.Lock()
	x.pending = append(x.pending, cl)
	full := x.cut(false)
	if len(full) > 0 || x.timer == nil {
		x.arm()
	}
	x.mu.Unlock()
	for _, chunk := range full {
		go x.send(chunk)
	}
	select {
	case r := <-cl.done:
		return r
	case <-ctx.Done():
		return failed(op, ctx.Err())
	}
}

// cut takes the full envelopes off the queue (every request when all is
// set) and counts them out. Caller holds x.mu.
func (x *exec) cut(all bool) [][]*call {
	n := x.c.cfg.BatchSize
	var out [][]*call
	for len(x.pending) >= n || (all && len(x.pending) > 0) {
		k := min(n, len(x.pending))
		out = append(out, slices.Clone(x.pending[:k]))
		x.pending = x.pending[k:]
	}
	if len(x.pending) == 0 {
		x.pending = nil
	}
	x.out += len(out)
	return out
}

// due is when the partial envelope waiting may leave: a window after its
// oldest request and after the last answer; while envelopes are out, not
// before holdWindows windows after its oldest request (an answer arms the
// timer again). Caller holds x.mu; pending is not empty.
func (x *exec) due() time.Time {
	w := x.c.cfg.BatchWindow
	oldest := x.pending[0].at
	at := oldest.Add(w)
	if l := x.last.Add(w); l.After(at) {
		at = l
	}
	if x.out > 0 {
		if h := oldest.Add(holdWindows * w); h.After(at) {
			at = h
		}
	}
	return at
}

// arm sets the timer for the waiting partial envelope. Caller holds x.mu.
func (x *exec) arm() {
	if x.timer != nil {
		x.timer.Stop()
		x.timer = nil
	}
	if len(x.pending) > 0 {
		x.timer = time.AfterFunc(max(time.Until(x.due()), 0), x.flush)
	}
}

// flush sends the partial envelope when it is due.
func (x *exec) flush() {
	x.mu.Lock()
	x.timer = nil
	var chunks [][]*call
	if len(x.pending) > 0 {
		if time.Now().Before(x.due()) {
			x.arm()
		} else {
			chunks = x.cut(true)
		}
	}
	x.mu.Unlock()
	for _, chunk := range chunks {
		go x.send(chunk)
	}
}

// send posts one envelope within the concurrency bound. It runs on the
// context of its first request, without its cancellation: the callers
// stop waiting on their own contexts.
func (x *exec) send(chunk []*call) {
	defer func() {
		x.mu.Lock()
		x.out--
		x.last = time.Now()
		x.arm()
		x.mu.Unlock()
	}()
	ctx := context.WithoutCancel(chunk[0].ctx)
	x.sem <- struct{}{}
	defer func() { <-x.sem }()
	live := chunk[:0:0]
	for _, cl := range chunk {
		if err := cl.ctx.Err(); err != nil {
			cl.done <- failed(cl.op, err)
			continue
		}
		live = append(live, cl)
	}
	if len(live) > 0 {
		x.c.batch(ctx, live)
	}
}

// single sends one request on its own, within the concurrency bound.
func (x *exec) single(ctx context.Context, op string, req *abs.RequestInformation) response {
	select {
	case x.sem <- struct{}{}:
	case <-ctx.Done():
		return failed(op, ctx.Err())
	}
	defer func() { <-x.sem }()
	return x.c.single(ctx, op, req)
}

func failed(op string, err error) response {
	return response{err: &GraphError{Op: op, Err: err}}
}

var errorMapping = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// single sends one request on its own through the SDK's pipeline.
func (c *Client) single(ctx context.Context, op string, req *abs.RequestInformation) response {
	raw, err := c.ad.SendPrimitive(ctx, req, "[]byte", errorMapping)
	if err != nil {
		return response{err: toGraphError(op, err)}
	}
	r := response{status: http.StatusOK}
	if b, ok := raw.([]byte); ok && len(b) > 0 {
		if err := json.Unmarshal(b, &r.body); err != nil {
			return response{err: &GraphError{Op: op, Status: http.StatusOK, Err: fmt.Errorf("decode response: %w", err)}}
		}
	} else {
		r.status = http.StatusNoContent
	}
	return r
}

// toGraphError turns an SDK error into a *GraphError.
func toGraphError(op string, err error) *GraphError {
	ge := &GraphError{Op: op}
	var oe *odataerrors.ODataError
	var ae abs.ApiErrorable
	switch {
	case errors.As(err, &oe):
		ge.Status = oe.GetStatusCode()
		if me := oe.GetErrorEscaped(); me != nil {
			ge.Code, ge.Message = deref(me.GetCode()), deref(me.GetMessage())
		}
		if h := oe.GetResponseHeaders(); h != nil {
			if v := h.Get("Retry-After"); len(v) > 0 {
				ge.RetryAfter = parseRetryAfter(v[0])
			}
		}
	case errors.As(err, &ae):
		ge.Status = ae.GetStatusCode()
		ge.Message = err.Error()
	default:
		ge.Err = err
	}
	if ge.Status == 0 && ge.Err == nil {
		ge.Err = err
	}
	return ge
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// batch sends one $batch envelope and hands every call its item's
// response.
func (c *Client) batch(ctx context.Context, calls []*call) {
	br := msgraphgocore.NewBatchRequest(c.ad)
	ids := make([]string, len(calls))
	for i, cl := range calls {
		item, err := br.AddBatchRequestStep(*cl.req)
		if err != nil {
			cl.done <- response{err: &GraphError{Op: cl.op, Status: http.StatusBadRequest, Code: "clientBatch", Message: err.Error()}}
			continue
		}
		ids[i] = deref(item.GetId())
	}
	resp, err := c.sendBatch(ctx, br)
	if err != nil {
		ge := toGraphError("batch", err)
		for i, cl := range calls {
			if ids[i] != "" {
				e := *ge
				e.Op = cl.op
				cl.done <- response{err: &e}
			}
		}
		return
	}
	// Answers come in any order: each is matched to its call by id. An
	// item that was not run (424) carries no Retry-After of its own; it
	// waits as long as the longest Retry-After of the envelope.
	rs := make([]response, len(calls))
	var longest time.Duration
	for i, cl := range calls {
		if ids[i] == "" {
			continue
		}
		item := resp.GetResponseById(ids[i])
		if item == nil || item.GetStatus() == nil {
			rs[i] = response{err: &GraphError{Op: cl.op, Err: errors.New("batch response has no item for the request")}}
			continue
		}
		r := response{status: int(*item.GetStatus()), headers: item.GetHeaders(), body: item.GetBody()}
		if r.status >= 400 {
			ge := &GraphError{Op: cl.op, Status: r.status}
			if e, ok := r.body["error"].(map[string]any); ok {
				ge.Code, ge.Message = asString(e["code"]), asString(e["message"])
			}
			for k, v := range r.headers {
				if strings.EqualFold(k, "Retry-After") {
					ge.RetryAfter = parseRetryAfter(v)
				}
			}
			longest = max(longest, ge.RetryAfter)
			r.err = ge
		}
		rs[i] = r
	}
	for i, cl := range calls {
		if ids[i] == "" {
			continue
		}
		if e := rs[i].err; e != nil && e.Status == http.StatusFailedDependency && e.RetryAfter == 0 {
			e.RetryAfter = longest
		}
		cl.done <- rs[i]
	}
}

// sendBatch posts a $batch envelope as msgraph-sdk-go-core's
// BatchRequest.Send does, but with request body compression off: the
// SDK's retry handler re-sends a compressed body uncompressed under a
// "Content-Encoding: gzip" header after a 429 or 503, which the service
// rejects with 400.
func (c *Client) sendBatch(ctx context.Context, br msgraphgocore.BatchRequest) (msgraphgocore.BatchResponse, error) {
	ri := abs.NewRequestInformation()
	ri.Method = abs.POST
	ri.UrlTemplate = "{+baseurl}/$batch"
	if err := ri.SetContentFromParsable(ctx, c.ad, "application/json", br); err != nil {
		return nil, err
	}
	ri.Headers.TryAdd("Content-Type", "application/json")
	ri.AddRequestOptions(noCompression)
	res, err := c.ad.Send(ctx, ri, msgraphgocore.CreateBatchResponseDiscriminator, errorMapping)
	if err != nil {
		return nil, err
	}
	resp, ok := res.(msgraphgocore.BatchResponse)
	if !ok {
		return nil, fmt.Errorf("unexpected batch response type %T", res)
	}
	return resp, nil
}

// noCompression turns the SDK's request body compression off (see
// sendBatch).
var noCompression = []abs.RequestOption{khttp.NewCompressionOptionsReference(false)}

// request is one logical request: build makes a fresh RequestInformation
// for every attempt; recover, when set, is asked before a re-send whether
// an earlier attempt took effect after all (a lost response) and returns
// the response to use instead, or ok false to send again.
type request struct {
	op      string
	build   func(context.Context) (*abs.RequestInformation, error)
	recover func(context.Context) (response, bool, error)
	// accept lists error statuses that mean "already done" (e.g. 404 for a
	// delete); the response is then treated as a success.
	accept func(*GraphError) bool
	// direct sends the request on its own, never inside a $batch (paged
	// reads, whose next links are absolute).
	direct bool
	// lag marks a request that may touch an object created moments ago:
	// an answer that looks like replication lag (GraphError.lagging) is
	// re-sent up to Config.LagRetries times.
	lag bool
}

// send performs a request, re-sending it after a temporary failure
// (honouring Retry-After, capped by MaxRetryAfter) up to MaxAttempts, and,
// for a request marked lag, after an answer that looks like replication
// lag, up to Config.LagRetries times. Before re-sending a request whose
// earlier attempt may have taken effect (no answer, 5xx), recover is
// asked whether it did; under replication lag the look-up may miss the new
// object, so it is repeated (LagRetries times, with backoff) before the
// request is sent again. After a 429 or 424 nothing ran and the request
// is re-sent at once.
func (c *Client) send(ctx context.Context, rq request) (response, error) {
	var last *GraphError
	maybeDone := false
	lagTries, lagWait := 0, c.cfg.LagBackoff
	for attempt := 1; ; attempt++ {
		if maybeDone && rq.recover != nil {
			r, ok, err := c.recover(ctx, rq)
			if err != nil || ok {
				return r, err
			}
			maybeDone = false
		}
		ri, err := rq.build(ctx)
		if err != nil {
			return response{}, fmt.Errorf("entra: %s: build request: %w", rq.op, err)
		}
		ri.AddRequestOptions(noCompression)
		var r response
		if rq.direct {
			r = c.x.single(ctx, rq.op, ri)
		} else {
			r = c.x.do(ctx, rq.op, ri)
		}
		c.count(attempt)
		if r.err == nil {
			return r, nil
		}
		if rq.accept != nil && rq.accept(r.err) {
			return r, nil
		}
		last = r.err
		if ctx.Err() != nil {
			return r, last
		}
		if rq.lag && last.lagging() && lagTries < c.cfg.LagRetries {
			lagTries++
			c.log.Debug("entra: object not replicated yet; waiting", "op", rq.op, "try", lagTries, "status", last.Status, "wait", lagWait)
			if err := c.sleep(ctx, lagWait); err != nil {
				return r, errors.Join(last, err)
			}
			lagWait = min(2*lagWait, time.Minute)
			attempt-- // a lag wait is not a failed attempt
			continue
		}
		if !last.temporary() || attempt >= c.cfg.MaxAttempts {
			return r, last
		}
		maybeDone = maybeDone || last.maybeDone()
		// Retry-After when the service gave one, else a growing pause
		wait := min(last.RetryAfter, c.cfg.MaxRetryAfter)
		if last.RetryAfter == 0 {
			wait = min(time.Duration(attempt)*c.backoff, c.cfg.MaxRetryAfter)
		}
		c.log.Debug("entra: re-sending after temporary failure", "op", rq.op, "attempt", attempt, "status", last.Status, "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return r, errors.Join(last, err)
		}
	}
}

// recover asks rq.recover whether an earlier attempt took effect, looking
// again with backoff while the answer may be hidden by replication lag.
func (c *Client) recover(ctx context.Context, rq request) (response, bool, error) {
	wait := c.cfg.LagBackoff
	for try := 0; ; try++ {
		r, ok, err := rq.recover(ctx)
		if err != nil || ok || try >= c.cfg.LagRetries {
			return r, ok, err
		}
		if err := c.sleep(ctx, wait); err != nil {
			return response{}, false, err
		}
		wait = min(2*wait, time.Minute)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

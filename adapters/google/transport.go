package google

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stats counts the HTTP traffic of a Client.
type Stats struct {
	// Requests is the number of HTTP requests sent, retries included.
	Requests int64
	// Retries is the number of requests sent again after a rate-limit,
	// 5xx or network error.
	Retries int64
	// Throttled is the number of rate-limit answers (403
	// userRateLimitExceeded/quotaExceeded/rateLimitExceeded, 429).
	Throttled int64
	// Waited is the total time spent waiting for the rate limiter.
	Waited time.Duration
}

// politeTransport bounds concurrency, paces requests with a token bucket per
// API and retries rate-limit and server errors with exponential backoff and
// full jitter. The Google Go clients have no batch support and (for these
// APIs) no retries of their own, so this is the one place that makes the
// adapter polite.
type politeTransport struct {
	base     http.RoundTripper
	sem      chan struct{}
	attempts int
	backoff  time.Duration
	maxWait  time.Duration
	log      *slog.Logger
	perMin   int
	burst    int

	mu      sync.Mutex
	rnd     *rand.Rand
	buckets map[string]*bucket

	requests, retries, throttled, waited atomic.Int64
}

func newTransport(base http.RoundTripper, c Config) *politeTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	seed := uint64(c.Seed)
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	return &politeTransport{
		base: base, sem: make(chan struct{}, c.Concurrency), attempts: c.MaxAttempts,
		backoff: c.BackoffBase, maxWait: c.BackoffMax, log: c.Logger,
		perMin: c.QueriesPerMinute, burst: c.Burst,
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), buckets: map[string]*bucket{},
	}
}

func (t *politeTransport) stats() Stats {
	return Stats{Requests: t.requests.Load(), Retries: t.retries.Load(), Throttled: t.throttled.Load(), Waited: time.Duration(t.waited.Load())}
}

type noRetry5xxKey struct{}

// withNoRetry5xx marks a request as not idempotent: a 5xx answer or a
// network error may mean it took effect, so the transport hands it back to
// the caller (which checks and retries itself) instead of sending it again.
// Rate-limit answers are still retried: Google refuses those before acting.
func withNoRetry5xx(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetry5xxKey{}, true)
}

// apiOf names the quota bucket of a request: host plus first path segment
// (admin, apps, drive).
func apiOf(r *http.Request) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return r.URL.Host + "/" + seg
}

func (t *politeTransport) bucketFor(r *http.Request) *bucket {
	k := apiOf(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[k]
	if b == nil {
		b = &bucket{interval: time.Minute / time.Duration(t.perMin), burst: t.burst}
		t.buckets[k] = b
	}
	return b
}

// RoundTrip implements http.RoundTripper.
func (t *politeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	noRetry5xx, _ := ctx.Value(noRetry5xxKey{}).(bool)
	b := t.bucketFor(req)
	for attempt := 1; ; attempt++ {
		w, err := b.wait(ctx)
		t.waited.Add(int64(w))
		if err != nil {
			return nil, err
		}
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				if r.Body, err = req.GetBody(); err != nil {
					return nil, err
				}
			}
		}
		select {
		case t.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		t.requests.Add(1)
		resp, err := t.base.RoundTrip(r)
		<-t.sem

		var retryAfter time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || noRetry5xx || attempt >= t.attempts || (req.Body != nil && req.GetBody == nil) {
				return nil, err
			}
			t.log.Debug("google: retrying after network error", "method", req.Method, "path", req.URL.Path, "attempt", attempt, "error", err)
		default:
			throttled, retry := classify(resp)
			if throttled {
				t.throttled.Add(1)
			}
			if !retry || attempt >= t.attempts || (noRetry5xx && !throttled) || (req.Body != nil && req.GetBody == nil) {
				return resp, nil
			}
			retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			_ = resp.Body.Close()
			t.log.Debug("google: retrying", "method", req.Method, "path", req.URL.Path, "status", resp.StatusCode, "attempt", attempt)
		}
		t.retries.Add(1)
		if err := sleep(ctx, max(retryAfter, t.jitter(attempt))); err != nil {
			return nil, err
		}
	}
}

// jitter returns the full-jitter backoff for an attempt: uniform in
// [0, min(max, base·2^(attempt-1))].
func (t *politeTransport) jitter(attempt int) time.Duration {
	d := t.backoff << min(attempt-1, 20)
	if d <= 0 || d > t.maxWait {
		d = t.maxWait
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Duration(t.rnd.Int64N(int64(d) + 1))
}

// rateReasons are the error reasons Google uses for rate limits; Drive
// answers sharingRateLimitExceeded (403) when too many sharing requests
// (permissions) come too fast.
var rateReasons = []string{"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded", "sharingRateLimitExceeded"}

// classify reports whether a response is a rate limit and whether it
// should be retried. A 403 body is read to find the reason and then put
// back.
func classify(resp *http.Response) (throttled, retry bool) {
	switch c := resp.StatusCode; {
	case c == http.StatusTooManyRequests:
		return true, true
	case c == 500 || c == 502 || c == 503 || c == 504:
		return false, true
	case c == http.StatusForbidden:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if isRateLimit(body) {
			return true, true
		}
	}
	return false, false
}

// isRateLimit reports whether a Google error body names a rate-limit
// reason.
func isRateLimit(body []byte) bool {
	var env struct {
		Error struct {
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return false
	}
	for _, e := range env.Error.Errors {
		for _, r := range rateReasons {
			if e.Reason == r {
				return true
			}
		}
	}
	return false
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return time.Until(at)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bucket is a token bucket in its GCRA form: each request reserves the
// next slot of a schedule spaced by interval; up to burst slots may be in
// the past.
type bucket struct {
	mu       sync.Mutex
	interval time.Duration
	burst    int
	tat      time.Time // theoretical arrival time of the next request
}

// wait blocks until the request may go and returns how long it waited.
func (b *bucket) wait(ctx context.Context) (time.Duration, error) {
	b.mu.Lock()
	now := time.Now()
	if b.tat.Before(now) {
		b.tat = now
	}
	at := b.tat.Add(-time.Duration(b.burst-1) * b.interval)
	b.tat = b.tat.Add(b.interval)
	b.mu.Unlock()
	d := at.Sub(now)
	if d <= 0 {
		return 0, nil
	}
	return d, sleep(ctx, d)
}

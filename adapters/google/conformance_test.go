package google_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/targettest"
	"google.golang.org/api/option"
)

// fastConfig returns a Config for tests against fake: a fast limiter and
// millisecond backoff.
func fastConfig(f *googlefake.Fake, cfg google.Config) google.Config {
	if cfg.Domain == "" {
		cfg.Domain = f.Options().Domain
	}
	cfg.Endpoint = f.URL()
	if cfg.QueriesPerMinute == 0 {
		cfg.QueriesPerMinute = 6_000_000
	}
	if cfg.Burst == 0 {
		cfg.Burst = 1000
	}
	cfg.BackoffBase = time.Millisecond
	cfg.BackoffMax = 5 * time.Millisecond
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 20
	}
	cfg.Seed = 1
	return cfg
}

// newClient connects a Client to a fake through the real Google clients.
func newClient(t testing.TB, f *googlefake.Fake, cfg google.Config) *google.Client {
	t.Helper()
	c, err := google.New(context.Background(), fastConfig(f, cfg), option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

func newFake(t testing.TB, o googlefake.Options) *googlefake.Fake {
	t.Helper()
	f := googlefake.New(o)
	t.Cleanup(f.Close)
	return f
}

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	fakes := map[diff.Target]*googlefake.Fake{}
	targettest.Run(t, targettest.Harness{
		New: func(t *testing.T) diff.Target {
			f := newFake(t, googlefake.Options{Domain: "example.org", Seed: 7})
			c := newClient(t, f, google.Config{ReadUnmanaged: true})
			mu.Lock()
			fakes[c] = f
			mu.Unlock()
			return c
		},
		Seed: func(t *testing.T, tgt diff.Target, o diff.Object) {
			mu.Lock()
			f := fakes[tgt]
			mu.Unlock()
			f.AddUser(o.Attrs.Get("email"), o.Attrs.Get("givenName"), o.Attrs.Get("familyName"), "/")
		},
		// Google requires given and family names, so the suite clears
		// title instead (the first attribute after username and email).
		UserAttrs:  []string{"username", "title", "givenName", "familyName", "email"},
		Iterations: 4,
	})
}

func TestConformanceUnderFaults(t *testing.T) {
	// The same suite with a fifth of all calls rate-limited and some 5xx
	// answers, before and after the write took effect.
	targettest.Run(t, targettest.Harness{
		New: func(t *testing.T) diff.Target {
			f := newFake(t, googlefake.Options{Domain: "example.org", Seed: 11, RateLimitShare: 0.2, ServerErrorShare: 0.05, LostResponseShare: 0.05})
			return newClient(t, f, google.Config{})
		},
		UserAttrs:  []string{"username", "title", "givenName", "familyName", "email"},
		Iterations: 2,
	})
}

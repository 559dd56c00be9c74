package broker

import (
	"strings"
	"testing"
	"time"
)

// FuzzRunKeyStart: any key parses or is refused, never a panic, and a
// start written by putRun reads back.
func FuzzRunKeyStart(f *testing.F) {
	for _, k := range []string{"runs/a/20260101T000000.000000000Z-0000", "runs/a/b/x-1", "", "-", "/", "runs/a/20260101T000000.000000000Z"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if at, ok := runKeyStart(key); ok && !strings.Contains(key, at.UTC().Format(runKeyTime)) {
			t.Errorf("%q parsed as %v, which it does not hold", key, at)
		}
	})
}

func TestRunKeyStart(t *testing.T) {
	at := time.Date(2026, 12, 6, 18, 4, 5, 123456789, time.FixedZone("CET", 3600))
	key := runPrefix("a-b") + at.UTC().Format(runKeyTime) + "-0007"
	if got, ok := runKeyStart(key); !ok || !got.Equal(at) {
		t.Errorf("%s: %v %v, want %v", key, got, ok, at)
	}
	if _, ok := runKeyStart("runs/a/yesterday-0001"); ok {
		t.Error("a key without a start parsed")
	}
}

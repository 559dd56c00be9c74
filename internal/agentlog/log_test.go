package agentlog

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func open(t *testing.T, o Options) *Log {
	t.Helper()
	l, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// lines reads every retained file in order and returns the "i" of each record.
func lines(t *testing.T, l *Log) []int {
	t.Helper()
	files, err := l.Files()
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			var r struct{ I int }
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: %v: %q", f, err, sc.Text())
			}
			got = append(got, r.I)
		}
	}
	return got
}

func TestRotateBySize(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	l := open(t, Options{Dir: dir, MaxSize: 300, Now: c.Now, Location: time.UTC})
	log := l.Logger()
	for i := range 20 {
		c.Add(time.Second)
		log.Info("applied", "i", i, "user", "ann")
	}
	files, err := l.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("%d files, want rotation every few records: %v", len(files), files)
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 300 {
			t.Errorf("%s: %d bytes > MaxSize 300", f, st.Size())
		}
	}
	got := lines(t, l)
	for i := range 20 {
		if i >= len(got) || got[i] != i {
			t.Fatalf("records across files = %v, want 0..19 in order", got)
		}
	}
}

func TestRotateByDay(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	l := open(t, Options{Dir: dir, Now: c.Now, Location: time.UTC})
	log := l.Logger()
	log.Info("one", "i", 0)
	c.Add(10 * time.Hour)
	log.Info("same day", "i", 1)
	c.Add(5 * time.Hour) // 00:00 next day
	log.Info("next day", "i", 2)
	files, _ := l.Files()
	if len(files) != 2 {
		t.Fatalf("files = %v, want one rotated at midnight and the current", files)
	}
	if want := filepath.Join(dir, "agent-20260303T000000.000.log"); files[0] != want {
		t.Errorf("rotated = %s, want %s", files[0], want)
	}
	if got := lines(t, l); fmt.Sprint(got) != "[0 1 2]" {
		t.Errorf("records = %v", got)
	}
}

func TestOpenRotatesYesterdaysFile(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	l := open(t, Options{Dir: dir, Now: c.Now, Location: time.UTC})
	l.Logger().Info("before restart", "i", 0)
	l.Close()
	if err := os.Chtimes(l.Path(), c.Now(), c.Now()); err != nil {
		t.Fatal(err)
	}
	c.Add(24 * time.Hour)
	l2 := open(t, Options{Dir: dir, Now: c.Now, Location: time.UTC})
	files, _ := l2.Files()
	if len(files) != 2 {
		t.Fatalf("files = %v, want yesterday's rotated at Open", files)
	}
	l2.Logger().Info("after", "i", 1)
	if got := lines(t, l2); fmt.Sprint(got) != "[0 1]" {
		t.Errorf("records = %v", got)
	}
	// Same day: Open appends.
	l2.Close()
	if err := os.Chtimes(l2.Path(), c.Now(), c.Now()); err != nil {
		t.Fatal(err)
	}
	l3 := open(t, Options{Dir: dir, Now: c.Now, Location: time.UTC})
	l3.Logger().Info("again", "i", 2)
	if got := lines(t, l3); fmt.Sprint(got) != "[0 1 2]" {
		t.Errorf("records = %v", got)
	}
	if files, _ := l3.Files(); len(files) != 2 {
		t.Errorf("files = %v, want no rotation on a same-day Open", files)
	}
}

func TestRetention(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "agent-notes.log")
	if err := os.WriteFile(foreign, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClock()
	l := open(t, Options{Dir: dir, Now: c.Now, Location: time.UTC})
	log := l.Logger()
	for i := range 12 { // one rotation a day for 12 days
		log.Info("day", "i", i)
		c.Add(24 * time.Hour)
	}
	log.Info("day", "i", 12)
	files, _ := l.Files()
	// Rotated at days 1..12 (the rotation on day d holds day d-1's line);
	// at day 12 those rotated before day 2 are past 10 days.
	got := lines(t, l)
	if fmt.Sprint(got) != "[1 2 3 4 5 6 7 8 9 10 11 12]" {
		t.Errorf("retained records = %v (files %v), want days 1..12", got, files)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("a file not of the log's naming was removed: %v", err)
	}
}

func TestBundle(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	l := open(t, Options{Dir: dir, Now: c.Now, Location: time.UTC, MaxSize: 400})
	log := l.Logger()
	for i := range 10 {
		c.Add(time.Minute)
		log.Info("applied", "i", i, "cpr", "0101901234")
	}
	var buf bytes.Buffer
	if err := l.Bundle(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	files, _ := l.Files()
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		want, _ := os.ReadFile(filepath.Join(dir, h.Name))
		if !bytes.Equal(b, want) {
			t.Errorf("%s differs from the file", h.Name)
		}
		if strings.Contains(string(b), "1234") {
			t.Errorf("%s holds the CPR", h.Name)
		}
		names = append(names, filepath.Join(dir, h.Name))
	}
	if fmt.Sprint(names) != fmt.Sprint(files) {
		t.Errorf("bundle = %v, want %v", names, files)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Bundle(ctx, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("Bundle(cancelled) = %v, want context.Canceled", err)
	}
	l.Close()
	if err := l.Bundle(context.Background(), io.Discard); !errors.Is(err, ErrClosed) {
		t.Errorf("Bundle after Close = %v, want ErrClosed", err)
	}
	if _, err := l.Write([]byte("x\n")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	l := open(t, Options{Dir: t.TempDir(), MaxSize: 2000})
	log := l.Logger()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				log.Info("x", "i", g*1000+i)
			}
		})
	}
	wg.Wait()
	if got := lines(t, l); len(got) != 200 {
		t.Errorf("%d records, want 200", len(got))
	}
}

func TestLevel(t *testing.T) {
	l := open(t, Options{Dir: t.TempDir(), Level: slog.LevelWarn})
	l.Logger().Info("dropped", "i", 1)
	l.Logger().Warn("kept", "i", 2)
	if got := lines(t, l); fmt.Sprint(got) != "[2]" {
		t.Errorf("records = %v", got)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(Options{}); err == nil {
		t.Error("Open without Dir succeeded")
	}
	if _, err := Open(Options{Dir: t.TempDir(), Name: "a/b"}); err == nil {
		t.Error("Open with a path in Name succeeded")
	}
}

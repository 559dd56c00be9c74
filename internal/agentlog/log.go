package agentlog

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Defaults for Options.
const (
	DefaultName      = "agent"
	DefaultMaxSize   = 20 << 20
	DefaultRetention = 10 * 24 * time.Hour
)

// ErrClosed is returned by writes to and bundles of a closed Log.
var ErrClosed = errors.New("agentlog: log closed")

// stampLayout is the time in a rotated file's name: sortable, no colons
// (Windows file names hold none).
const stampLayout = "20060102T150405.000"

// Options configure Open. Only Dir is required.
type Options struct {
	// Dir holds the log files; it is created (0o750) if missing.
	Dir string
	// Name is the files' base name (default "agent"): Name.log and
	// Name-<stamp>.log.
	Name string
	// MaxSize is the size in bytes at which the file is rotated (default
	// 20 MiB). A single record larger than MaxSize is still written whole.
	MaxSize int64
	// Retention is how long a rotated file is kept after its rotation
	// (default 10 days).
	Retention time.Duration
	// Level is the least level written (default slog.LevelInfo).
	Level slog.Leveler
	// Location decides when a day begins for the daily rotation (default
	// time.Local).
	Location *time.Location
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

// Log is an open local log. Its methods are safe for concurrent use.
type Log struct {
	opts Options

	mu     sync.Mutex
	f      *os.File
	size   int64
	day    string // the day (Location) the current file was started on
	closed bool
}

// Open opens (appending to) or creates the log in opts.Dir and removes
// rotated files past the retention. A current file left from an earlier
// day is rotated first.
func Open(opts Options) (*Log, error) {
	if opts.Dir == "" {
		return nil, errors.New("agentlog: Options.Dir is empty")
	}
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if strings.ContainsAny(opts.Name, `/\`) {
		return nil, fmt.Errorf("agentlog: Options.Name %q holds a path separator", opts.Name)
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Level == nil {
		opts.Level = slog.LevelInfo
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("agentlog: %w", err)
	}
	l := &Log{opts: opts}
	if err := l.openCurrent(); err != nil {
		return nil, err
	}
	if l.day != l.today() && l.size > 0 {
		if err := l.rotate(); err != nil {
			l.f.Close()
			return nil, err
		}
	} else if err := l.prune(); err != nil {
		l.f.Close()
		return nil, err
	}
	return l, nil
}

// Path is the current file's path.
func (l *Log) Path() string { return filepath.Join(l.opts.Dir, l.opts.Name+".log") }

func (l *Log) today() string { return l.opts.Now().In(l.opts.Location).Format("2006-01-02") }

func (l *Log) openCurrent() error {
	f, err := os.OpenFile(l.Path(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("agentlog: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("agentlog: %w", err)
	}
	l.f, l.size = f, st.Size()
	l.day = l.today()
	if st.Size() > 0 {
		l.day = st.ModTime().In(l.opts.Location).Format("2006-01-02")
	}
	return nil
}

// Write appends p to the current file, rotating first when the day has
// changed or p would take the file past MaxSize. slog's handlers write
// each record with one call, so a record is never split across files.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	if l.size > 0 && (l.day != l.today() || l.size+int64(len(p)) > l.opts.MaxSize) {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("agentlog: %w", err)
	}
	return n, nil
}

// Rotate closes the current file under its rotated name and starts a new
// one; the agent calls it before a bundle when it wants the bundle to end
// at a file boundary. An empty current file is left as it is.
func (l *Log) Rotate() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.size == 0 {
		return nil
	}
	return l.rotate()
}

// rotate renames the current file after now and opens a fresh one; mu held.
func (l *Log) rotate() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("agentlog: %w", err)
	}
	now := l.opts.Now().In(l.opts.Location)
	var dst string
	for i := 0; ; i++ {
		stamp := now.Add(time.Duration(i) * time.Millisecond).Format(stampLayout)
		dst = filepath.Join(l.opts.Dir, l.opts.Name+"-"+stamp+".log")
		if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if err := os.Rename(l.Path(), dst); err != nil {
		// Where an open file cannot be renamed (Windows, while Bundle
		// reads it), keep writing to it; the next write tries again.
		if oerr := l.openCurrent(); oerr != nil {
			return fmt.Errorf("agentlog: rotate: %w", errors.Join(err, oerr))
		}
		return nil
	}
	if err := l.openCurrent(); err != nil {
		return err
	}
	l.day = l.today()
	return l.prune()
}

// rotated lists the rotated files, oldest first, with their rotation times.
func (l *Log) rotated() ([]string, []time.Time, error) {
	ents, err := os.ReadDir(l.opts.Dir)
	if err != nil {
		return nil, nil, fmt.Errorf("agentlog: %w", err)
	}
	prefix := l.opts.Name + "-"
	type rf struct {
		name string
		t    time.Time
	}
	var rs []rf
	for _, e := range ents {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(n, prefix) || !strings.HasSuffix(n, ".log") {
			continue
		}
		t, err := time.ParseInLocation(stampLayout, strings.TrimSuffix(strings.TrimPrefix(n, prefix), ".log"), l.opts.Location)
		if err != nil {
			continue // not ours
		}
		rs = append(rs, rf{n, t})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].t.Before(rs[j].t) })
	names := make([]string, len(rs))
	times := make([]time.Time, len(rs))
	for i, r := range rs {
		names[i], times[i] = filepath.Join(l.opts.Dir, r.name), r.t
	}
	return names, times, nil
}

// prune removes rotated files older than the retention.
func (l *Log) prune() error {
	names, times, err := l.rotated()
	if err != nil {
		return err
	}
	cut := l.opts.Now().Add(-l.opts.Retention)
	var errs []error
	for i, n := range names {
		if times[i].Before(cut) {
			if err := os.Remove(n); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("agentlog: prune: %w", errors.Join(errs...))
	}
	return nil
}

// Files lists the retained files, oldest first, the current one last.
func (l *Log) Files() ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	names, _, err := l.rotated()
	if err != nil {
		return nil, err
	}
	return append(names, l.Path()), nil
}

// Close closes the current file; later writes return ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("agentlog: %w", err)
	}
	return nil
}

// Handler returns a JSON slog.Handler writing to the log at Options.Level
// with ReplaceAttr's redaction.
func (l *Log) Handler() slog.Handler {
	return slog.NewJSONHandler(l, &slog.HandlerOptions{Level: l.opts.Level, ReplaceAttr: ReplaceAttr})
}

// Logger is slog.New(l.Handler()).
func (l *Log) Logger() *slog.Logger { return slog.New(l.Handler()) }

// Bundle writes the retained files, oldest first and the current one
// last, as a gzip-compressed tar to w: each under its base name with its
// modification time. The current file is copied up to its size when
// Bundle starts; records written meanwhile go into the next bundle. The
// files hold only what the handler let through, so the bundle carries no
// more personal data than the log. ctx is checked between files and
// blocks of 1 MiB.
func (l *Log) Bundle(ctx context.Context, w io.Writer) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	names, _, err := l.rotated()
	if err != nil {
		l.mu.Unlock()
		return err
	}
	// Open the current file under the lock, at its size now: the file
	// only grows while open, and a rotation meanwhile renames it under
	// us (or, where an open file cannot be renamed, is put off).
	cur, size := (*os.File)(nil), l.size
	if size > 0 {
		cur, err = os.Open(l.Path())
	}
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("agentlog: bundle: %w", err)
	}
	if cur != nil {
		defer cur.Close()
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		f, err := os.Open(n)
		if errors.Is(err, os.ErrNotExist) {
			continue // pruned meanwhile
		}
		if err != nil {
			return fmt.Errorf("agentlog: bundle: %w", err)
		}
		err = addFile(ctx, tw, f, filepath.Base(n), -1)
		f.Close()
		if err != nil {
			return err
		}
	}
	if cur != nil {
		if err := addFile(ctx, tw, cur, filepath.Base(l.Path()), size); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("agentlog: bundle: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("agentlog: bundle: %w", err)
	}
	return nil
}

// addFile copies the first limit bytes of f (all if limit < 0) into tw
// under name.
func addFile(ctx context.Context, tw *tar.Writer, f *os.File, name string, limit int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("agentlog: bundle: %w", err)
	}
	size := st.Size()
	if limit >= 0 && limit < size {
		size = limit
	}
	hdr := &tar.Header{Name: name, Mode: 0o640, Size: size, ModTime: st.ModTime(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("agentlog: bundle: %w", err)
	}
	buf := make([]byte, 1<<20)
	r := io.LimitReader(f, size)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := tw.Write(buf[:n]); werr != nil {
				return fmt.Errorf("agentlog: bundle %s: %w", name, werr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("agentlog: bundle %s: %w", name, err)
		}
	}
}

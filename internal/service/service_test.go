package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orgsync/orgsync/internal/agentlog"
)

var discard = slog.New(slog.DiscardHandler)

// untilCancelled is a Func that runs until asked to stop.
func untilCancelled(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// run starts execute in the background and returns its requests channel,
// the states reported (read after done) and its result.
func run(ctx context.Context, f Func, timeout time.Duration) (chan request, *[]state, chan error, chan state) {
	reqs := make(chan request)
	var states []state
	seen := make(chan state, 16)
	done := make(chan error, 1)
	go func() {
		done <- execute(ctx, f, reqs, func(s state) { states = append(states, s); seen <- s }, timeout, discard)
	}()
	return reqs, &states, done, seen
}

func waitFor(t *testing.T, seen chan state, want state) {
	t.Helper()
	for s := range seen {
		if s == want {
			return
		}
	}
}

func TestExecute(t *testing.T) {
	boom := errors.New("boom")
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	cases := []struct {
		name    string
		f       Func
		send    []request
		close   bool
		cancel  bool
		want    string
		wantErr error
	}{
		{name: "stop", f: untilCancelled, send: []request{reqStop}, want: "[start-pending running stop-pending stopped]"},
		{name: "shutdown", f: untilCancelled, send: []request{reqShutdown}, want: "[start-pending running stop-pending stopped]"},
		{name: "interrogate then stop", f: untilCancelled, send: []request{reqInterrogate, reqStop}, want: "[start-pending running running stop-pending stopped]"},
		{name: "stop twice", f: func(ctx context.Context) error { <-ctx.Done(); <-time.After(10 * time.Millisecond); return nil }, send: []request{reqStop, reqStop}, want: "[start-pending running stop-pending stopped]"},
		{name: "requests closed", f: untilCancelled, close: true, want: "[start-pending running stop-pending stopped]"},
		{name: "caller cancels", f: untilCancelled, cancel: true, want: "[start-pending running stop-pending stopped]"},
		{name: "fails by itself", f: func(context.Context) error { return boom }, want: "[start-pending running stopped]", wantErr: boom},
		{name: "fails while stopping", f: func(ctx context.Context) error { <-ctx.Done(); return fmt.Errorf("flush: %w", boom) }, send: []request{reqStop}, want: "[start-pending running stop-pending stopped]", wantErr: boom},
		{name: "ignores the stop", f: func(context.Context) error { <-release; return nil }, send: []request{reqStop}, want: "[start-pending running stop-pending stopped]", wantErr: ErrStopTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			reqs, states, done, seen := run(ctx, c.f, 50*time.Millisecond)
			if c.wantErr == nil || len(c.send) > 0 {
				waitFor(t, seen, stateRunning)
			}
			for _, r := range c.send {
				reqs <- r
			}
			if c.close {
				close(reqs)
			}
			if c.cancel {
				cancel()
			}
			err := <-done
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Errorf("execute = %v, want %v", err, c.wantErr)
			}
			if got := fmt.Sprint(*states); got != c.want {
				t.Errorf("states = %s, want %s", got, c.want)
			}
		})
	}
}

func TestRunForeground(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	var notes []string
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- runForeground(context.Background(), func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			return nil
		}, Options{StopTimeout: time.Second, Log: discard}, sigs, func(s string) error { notes = append(notes, s); return nil })
	}()
	<-started
	sigs <- syscall.SIGTERM
	if err := <-done; err != nil {
		t.Fatalf("runForeground = %v", err)
	}
	if got := strings.Join(notes, " "); got != "READY=1 STOPPING=1" {
		t.Errorf("notified %q, want READY=1 then STOPPING=1", got)
	}
}

func TestNotify(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unixgram sockets on Windows; systemd is Linux only")
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if err := notify("READY=1"); err != nil {
		t.Errorf("notify without NOTIFY_SOCKET = %v, want nil", err)
	}
	addrs := []string{filepath.Join(t.TempDir(), "n.sock")}
	if runtime.GOOS == "linux" {
		addrs = append(addrs, fmt.Sprintf("@orgsync-notify-test-%d", os.Getpid()))
	}
	for _, addr := range addrs {
		name := addr
		if strings.HasPrefix(name, "@") {
			name = "\x00" + name[1:]
		}
		l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("NOTIFY_SOCKET", addr)
		if err := notify("READY=1"); err != nil {
			t.Fatalf("notify(%s) = %v", addr, err)
		}
		buf := make([]byte, 64)
		n, err := l.Read(buf)
		l.Close()
		if err != nil || string(buf[:n]) != "READY=1" {
			t.Errorf("%s got %q, %v", addr, buf[:n], err)
		}
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "absent.sock"))
	if err := notify("READY=1"); err == nil {
		t.Error("notify to an absent socket succeeded")
	}
}

type entry struct {
	kind string
	eid  uint32
	msg  string
}

type fakeSink struct{ got []entry }

func (f *fakeSink) Info(eid uint32, msg string) error {
	f.got = append(f.got, entry{"info", eid, msg})
	return nil
}

func (f *fakeSink) Warning(eid uint32, msg string) error {
	f.got = append(f.got, entry{"warning", eid, msg})
	return nil
}

func (f *fakeSink) Error(eid uint32, msg string) error {
	f.got = append(f.got, entry{"error", eid, msg})
	return nil
}

func TestEventHandler(t *testing.T) {
	sink := &fakeSink{}
	log := slog.New(NewEventHandler(sink, &slog.HandlerOptions{ReplaceAttr: agentlog.ReplaceAttr}))
	log.Info("dropped below warn")
	log.Warn("broker unreachable", "attempt", 3)
	log.With("client", "k1").WithGroup("bind").Error("apply failed for 010190-1234", "password", "hunter2", "user", "svc-orgsync")
	want := []entry{
		{"warning", EventWarning, `level=WARN msg="broker unreachable" attempt=3`},
		{"error", EventError, `level=ERROR msg="apply failed for (cpr)" client=k1 bind.password=(hidden) bind.user=svc-orgsync`},
	}
	if fmt.Sprint(sink.got) != fmt.Sprint(want) {
		t.Errorf("entries:\n got %v\nwant %v", sink.got, want)
	}

	info := &fakeSink{}
	slog.New(NewEventHandler(info, &slog.HandlerOptions{Level: slog.LevelInfo})).Info("started", "version", "1")
	if len(info.got) != 1 || info.got[0].kind != "info" || info.got[0].msg != `level=INFO msg=started version=1` {
		t.Errorf("info entries = %v", info.got)
	}
}

func TestManagementOffWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("manages real services on Windows")
	}
	if err := Install(Config{Name: "orgsync-agent"}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Install = %v, want ErrUnsupported", err)
	}
	for name, err := range map[string]error{
		"Uninstall": Uninstall("orgsync-agent"),
		"Start":     Start("orgsync-agent"),
		"Stop":      Stop(context.Background(), "orgsync-agent"),
	} {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s = %v, want ErrUnsupported", name, err)
		}
	}
	if _, err := OpenEventLog("orgsync-agent"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("OpenEventLog = %v, want ErrUnsupported", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, name := range []string{"", `a\b`, "a/b", "a\nb"} {
		if err := (Config{Name: name}).Validate(); err == nil || errors.Is(err, ErrUnsupported) {
			t.Errorf("Validate(%q) = %v, want a config error", name, err)
		}
		if err := Install(Config{Name: name}); err == nil || errors.Is(err, ErrUnsupported) {
			t.Errorf("Install(%q) = %v, want the config error first", name, err)
		}
	}
	if err := (Config{Name: "orgsync-agent"}).Validate(); err != nil {
		t.Errorf("Validate = %v", err)
	}
}

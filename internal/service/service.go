package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Func is the program a service runs. It runs until ctx is cancelled and
// then returns promptly; an error it returns (other than ctx's) is the
// service's failure.
type Func func(ctx context.Context) error

// Sentinel errors.
var (
	// ErrUnsupported: the operation needs the Windows service control
	// manager (Install, Uninstall, Start, Stop, OpenEventLog elsewhere).
	ErrUnsupported = errors.New("service: not supported on this platform")
	// ErrStopTimeout: the Func did not return within Options.StopTimeout
	// after it was asked to stop.
	ErrStopTimeout = errors.New("service: did not stop in time")
	// ErrExists: Install found a service of that name.
	ErrExists = errors.New("service: already installed")
	// ErrNotInstalled: no service of that name.
	ErrNotInstalled = errors.New("service: not installed")
)

// DefaultStopTimeout is how long Run waits for the Func after a stop
// request (Windows' default limit for a service's stop is 20 s; systemd's
// TimeoutStopSec defaults to 90 s).
const DefaultStopTimeout = 15 * time.Second

// Options configure Run.
type Options struct {
	// Name is the service's name (the Windows service name).
	Name string
	// StopTimeout bounds the wait for the Func after a stop request
	// (default DefaultStopTimeout).
	StopTimeout time.Duration
	// Log receives the service's own messages (started, stop requested);
	// nil discards them.
	Log *slog.Logger
}

func (o *Options) defaults() {
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Run runs f until it returns or the service is asked to stop. Started by
// the Windows service control manager it answers the manager (start
// pending, running, stop pending, stopped; stop and shutdown stop it);
// otherwise it runs in the foreground, SIGINT and SIGTERM (os.Interrupt on
// Windows) cancel f's context, and with $NOTIFY_SOCKET set systemd is told
// READY=1 when f starts and STOPPING=1 when it is asked to stop. Run
// returns f's error (nil for a clean stop) or ErrStopTimeout.
func Run(ctx context.Context, f Func, o Options) error {
	o.defaults()
	if managed, err := isWindowsService(); err != nil {
		return fmt.Errorf("service %s: %w", o.Name, err)
	} else if managed {
		return runWindowsService(ctx, f, o)
	}
	sigs, stop := notifySignals()
	defer stop()
	return runForeground(ctx, f, o, sigs, notify)
}

// Config is what Install registers.
type Config struct {
	// Name is the service's name; DisplayName and Description are shown
	// in services.msc.
	Name, DisplayName, Description string
	// Exe is the binary (default: this executable) and Args its
	// arguments when the service starts (e.g. "agent", "-config", path).
	Exe  string
	Args []string
	// Account runs the service as that account (a group managed service
	// account "DOMAIN\name$" needs no Password); empty is LocalSystem.
	Account, Password string
	// Delayed starts it after the other automatic services.
	Delayed bool
}

// Validate reports a Config's missing or malformed fields.
func (c Config) Validate() error {
	if c.Name == "" {
		return errors.New("service: Config.Name is empty")
	}
	for _, r := range c.Name {
		if r == '/' || r == '\\' || r < ' ' {
			return fmt.Errorf("service: Config.Name %q holds %q", c.Name, r)
		}
	}
	return nil
}

func (c Config) exe() (string, error) {
	if c.Exe != "" {
		return c.Exe, nil
	}
	return os.Executable()
}

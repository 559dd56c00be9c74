//go:build !windows

package service

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func isWindowsService() (bool, error) { return false, nil }

func runWindowsService(context.Context, Func, Options) error { return ErrUnsupported }

func notifySignals() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	return c, func() { signal.Stop(c) }
}

// Install registers the Windows service; elsewhere it returns
// ErrUnsupported (use a systemd unit).
func Install(c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return fmt.Errorf("service %s: install: %w (on Linux, use a systemd unit: examples/ad-sync/orgsync-agent.service)", c.Name, ErrUnsupported)
}

// Uninstall removes the Windows service and its event-log source;
// elsewhere it returns ErrUnsupported.
func Uninstall(name string) error {
	return fmt.Errorf("service %s: uninstall: %w", name, ErrUnsupported)
}

// Start starts the installed Windows service; elsewhere it returns
// ErrUnsupported.
func Start(name string) error {
	return fmt.Errorf("service %s: start: %w", name, ErrUnsupported)
}

// Stop asks the Windows service to stop and waits until it has or ctx
// ends; elsewhere it returns ErrUnsupported.
func Stop(ctx context.Context, name string) error {
	return fmt.Errorf("service %s: stop: %w", name, ErrUnsupported)
}

// OpenEventLog opens the Windows event-log source name (registered by
// Install); elsewhere it returns ErrUnsupported.
func OpenEventLog(name string) (interface {
	EventSink
	io.Closer
}, error) {
	return nil, fmt.Errorf("service %s: event log: %w", name, ErrUnsupported)
}

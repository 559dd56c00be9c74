//go:build windows

package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

func isWindowsService() (bool, error) { return svc.IsWindowsService() }

func notifySignals() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	return c, func() { signal.Stop(c) }
}

// handler adapts execute to svc.Handler.
type handler struct {
	ctx context.Context
	f   Func
	o   Options
	err error
}

const accepts = svc.AcceptStop | svc.AcceptShutdown

func (h *handler) Execute(_ []string, r <-chan svc.ChangeRequest, s chan<- svc.Status) (bool, uint32) {
	reqs := make(chan request)
	stop := make(chan struct{})
	defer close(stop)
	var cur svc.Status
	report := func(st state) {
		switch st {
		case stateStartPending:
			cur = svc.Status{State: svc.StartPending, WaitHint: 10000}
		case stateRunning:
			cur = svc.Status{State: svc.Running, Accepts: accepts}
		case stateStopPending:
			cur = svc.Status{State: svc.StopPending, WaitHint: uint32(h.o.StopTimeout / time.Millisecond)}
		case stateStopped:
			return // the manager takes Execute's return as stopped
		}
		s <- cur
	}
	go func() {
		for {
			select {
			case c := <-r:
				var q request
				switch c.Cmd {
				case svc.Interrogate:
					q = reqInterrogate
				case svc.Stop:
					q = reqStop
				case svc.Shutdown:
					q = reqShutdown
				default:
					continue
				}
				select {
				case reqs <- q:
				case <-stop:
					return
				}
			case <-stop:
				return
			}
		}
	}()
	h.err = execute(h.ctx, h.f, reqs, report, h.o.StopTimeout, h.o.Log)
	if h.err != nil {
		return true, 1
	}
	return false, 0
}

func runWindowsService(ctx context.Context, f Func, o Options) error {
	h := &handler{ctx: ctx, f: f, o: o}
	if err := svc.Run(o.Name, h); err != nil {
		return fmt.Errorf("service %s: %w", o.Name, err)
	}
	return h.err
}

const eventTypes = eventlog.Error | eventlog.Warning | eventlog.Info

// Install registers the service (automatic start; restart 1 minute after
// a failure, three times a day) and its event-log source.
func Install(c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	exe, err := c.exe()
	if err != nil {
		return fmt.Errorf("service %s: install: %w", c.Name, err)
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service %s: install: %w", c.Name, err)
	}
	defer m.Disconnect()
	if s, err := m.OpenService(c.Name); err == nil {
		s.Close()
		return fmt.Errorf("service %s: install: %w", c.Name, ErrExists)
	}
	s, err := m.CreateService(c.Name, exe, mgr.Config{
		DisplayName:      c.DisplayName,
		Description:      c.Description,
		StartType:        mgr.StartAutomatic,
		DelayedAutoStart: c.Delayed,
		ServiceStartName: c.Account,
		Password:         c.Password,
	}, c.Args...)
	if err != nil {
		return fmt.Errorf("service %s: install: %w", c.Name, err)
	}
	defer s.Close()
	restart := mgr.RecoveryAction{Type: mgr.ServiceRestart, Delay: time.Minute}
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{restart, restart, restart}, 24*60*60); err != nil {
		s.Delete()
		return fmt.Errorf("service %s: install: recovery: %w", c.Name, err)
	}
	if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		s.Delete()
		return fmt.Errorf("service %s: install: recovery: %w", c.Name, err)
	}
	if err := eventlog.InstallAsEventCreate(c.Name, eventTypes); err != nil {
		s.Delete()
		return fmt.Errorf("service %s: install: event log: %w", c.Name, err)
	}
	return nil
}

func open(m *mgr.Mgr, name string) (*mgr.Service, error) {
	s, err := m.OpenService(name)
	if errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
		return nil, fmt.Errorf("service %s: %w", name, ErrNotInstalled)
	}
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	return s, nil
}

// Uninstall removes the service and its event-log source.
func Uninstall(name string) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service %s: uninstall: %w", name, err)
	}
	defer m.Disconnect()
	s, err := open(m, name)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Delete(); err != nil {
		return fmt.Errorf("service %s: uninstall: %w", name, err)
	}
	if err := eventlog.Remove(name); err != nil {
		return fmt.Errorf("service %s: uninstall: event log: %w", name, err)
	}
	return nil
}

// Start starts the installed service.
func Start(name string) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service %s: start: %w", name, err)
	}
	defer m.Disconnect()
	s, err := open(m, name)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		return fmt.Errorf("service %s: start: %w", name, err)
	}
	return nil
}

// Stop asks the service to stop and waits until it has stopped or ctx
// ends.
func Stop(ctx context.Context, name string) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service %s: stop: %w", name, err)
	}
	defer m.Disconnect()
	s, err := open(m, name)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.Control(svc.Stop)
	if err != nil {
		return fmt.Errorf("service %s: stop: %w", name, err)
	}
	for st.State != svc.Stopped {
		select {
		case <-ctx.Done():
			return fmt.Errorf("service %s: stop: %w", name, ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
		if st, err = s.Query(); err != nil {
			return fmt.Errorf("service %s: stop: %w", name, err)
		}
	}
	return nil
}

// OpenEventLog opens the event-log source name (registered by Install).
func OpenEventLog(name string) (interface {
	EventSink
	io.Closer
}, error) {
	l, err := eventlog.Open(name)
	if err != nil {
		return nil, fmt.Errorf("service %s: event log: %w", name, err)
	}
	return l, nil
}

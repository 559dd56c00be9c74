package service

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"
)

// request is a service manager's request, independent of the platform.
type request int

const (
	reqStop        request = iota // stop (Windows Stop, a signal)
	reqShutdown                   // the system shuts down
	reqInterrogate                // report the current state again
)

// state is the service's state as reported to the manager.
type state int

const (
	stateStartPending state = iota
	stateRunning
	stateStopPending
	stateStopped
)

func (s state) String() string {
	return [...]string{"start-pending", "running", "stop-pending", "stopped"}[s]
}

// execute runs f and answers reqs until f returns: it reports start
// pending, running, and on a stop or shutdown request stop pending,
// cancels f's context and waits up to stopTimeout; stopped last. A closed
// reqs counts as a stop request. It returns f's error (ctx's own
// cancellation is a clean stop, nil) or ErrStopTimeout.
func execute(ctx context.Context, f Func, reqs <-chan request, report func(state), stopTimeout time.Duration, log *slog.Logger) error {
	report(stateStartPending)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	report(stateRunning)
	log.Info("service running")
	cur := stateRunning
	var deadline <-chan time.Time
	for {
		select {
		case err := <-done:
			if err != nil && errors.Is(err, context.Canceled) && ctx.Err() != nil {
				err = nil
			}
			report(stateStopped)
			if err != nil {
				log.Error("service stopped with an error", "err", err)
			} else {
				log.Info("service stopped")
			}
			return err
		case r, ok := <-reqs:
			if !ok {
				reqs = nil
				r = reqStop
			}
			switch r {
			case reqInterrogate:
				report(cur)
			case reqStop, reqShutdown:
				if cur == stateStopPending {
					continue
				}
				cur = stateStopPending
				report(cur)
				log.Info("service stop requested", "shutdown", r == reqShutdown)
				cancel()
				deadline = time.After(stopTimeout)
			}
		case <-ctx.Done():
			// The caller's context ended: stop as if asked.
			if cur != stateStopPending {
				cur = stateStopPending
				report(cur)
				deadline = time.After(stopTimeout)
			}
		case <-deadline:
			report(stateStopped)
			log.Error("service did not stop in time", "timeout", stopTimeout)
			return ErrStopTimeout
		}
	}
}

// runForeground runs f under a terminal or systemd: a signal on sigs is a
// stop request, and notify (systemd's sd_notify, or a test's) hears
// READY=1 and STOPPING=1.
func runForeground(ctx context.Context, f Func, o Options, sigs <-chan os.Signal, notify func(string) error) error {
	reqs := make(chan request, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case s := <-sigs:
			o.Log.Info("signal received", "signal", s.String())
			reqs <- reqStop
		case <-stop:
		}
	}()
	return execute(ctx, f, reqs, func(s state) {
		var err error
		switch s {
		case stateRunning:
			err = notify("READY=1")
		case stateStopPending:
			err = notify("STOPPING=1")
		}
		if err != nil {
			o.Log.Warn("systemd notify failed", "err", err)
		}
	}, o.StopTimeout, o.Log)
}

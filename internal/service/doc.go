// Package service runs a long-lived command (the on-premises agent, ad-sync
// agent) as an operating-system service with the same binary: under the
// Windows service control manager (golang.org/x/sys/windows/svc), or in
// the foreground under systemd or a terminal, where SIGINT and SIGTERM stop
// it and systemd's notify socket, when set, hears READY=1 and STOPPING=1.
//
// Run is the one entry point: it detects how the process was started and
// cancels the Func's context when the service is asked to stop. Install,
// Uninstall, Start and Stop manage the Windows service and its event-log
// source; elsewhere they return ErrUnsupported (systemd is configured with
// a unit file; examples/ad-sync/orgsync-agent.service is one).
// NewEventHandler turns slog records into Windows event-log entries
// (OpenEventLog) or any EventSink.
//
// The state machine that answers the service manager (execute) and the
// event-log handler are platform-independent and unit-tested on Linux;
// the Windows glue around them is built for windows/amd64 in CI
// (.ci/run) but not run there. It is not a supervisor: restarts after a
// crash are the service manager's (recovery actions set by Install, or
// systemd's Restart=).
package service

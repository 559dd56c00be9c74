package service

import (
	"bytes"
	"context"
	"log/slog"
)

// EventSink receives one event-log entry per record; the Windows event
// log (*eventlog.Log, from OpenEventLog) is one.
type EventSink interface {
	Info(eid uint32, msg string) error
	Warning(eid uint32, msg string) error
	Error(eid uint32, msg string) error
}

// Event IDs the handler writes, by level.
const (
	EventInfo    uint32 = 1
	EventWarning uint32 = 2
	EventError   uint32 = 3
)

// NewEventHandler returns a slog.Handler writing each record of at least
// opts.Level (default slog.LevelWarn: the event log is for what an
// administrator must see) to sink as one entry in slog's text form
// without the time (the event log has its own); error records as errors,
// warnings as warnings, the rest as information. opts.ReplaceAttr
// applies as in slog.NewTextHandler: pass agentlog.ReplaceAttr to keep
// personal data out.
func NewEventHandler(sink EventSink, opts *slog.HandlerOptions) slog.Handler {
	o := slog.HandlerOptions{Level: slog.LevelWarn}
	if opts != nil {
		o = *opts
		if o.Level == nil {
			o.Level = slog.LevelWarn
		}
	}
	return &eventHandler{sink: sink, opts: o}
}

type eventHandler struct {
	sink EventSink
	opts slog.HandlerOptions
	// steps replays WithAttrs and WithGroup onto each record's text handler.
	steps []func(slog.Handler) slog.Handler
}

func (h *eventHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.opts.Level.Level()
}

func (h *eventHandler) Handle(ctx context.Context, r slog.Record) error {
	var buf bytes.Buffer
	o := h.opts
	replace := o.ReplaceAttr
	o.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		if replace != nil {
			return replace(groups, a)
		}
		return a
	}
	var th slog.Handler = slog.NewTextHandler(&buf, &o)
	for _, s := range h.steps {
		th = s(th)
	}
	if err := th.Handle(ctx, r); err != nil {
		return err
	}
	msg := string(bytes.TrimRight(buf.Bytes(), "\n"))
	switch {
	case r.Level >= slog.LevelError:
		return h.sink.Error(EventError, msg)
	case r.Level >= slog.LevelWarn:
		return h.sink.Warning(EventWarning, msg)
	default:
		return h.sink.Info(EventInfo, msg)
	}
}

func (h *eventHandler) with(s func(slog.Handler) slog.Handler) *eventHandler {
	c := *h
	c.steps = append(append([]func(slog.Handler) slog.Handler(nil), h.steps...), s)
	return &c
}

func (h *eventHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return h.with(func(t slog.Handler) slog.Handler { return t.WithAttrs(as) })
}

func (h *eventHandler) WithGroup(name string) slog.Handler {
	return h.with(func(t slog.Handler) slog.Handler { return t.WithGroup(name) })
}

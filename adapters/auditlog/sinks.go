package auditlog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"sync"
)

// FileSink appends lines to a file opened append-only and syncs it once
// per batch: the embedded default.
type FileSink struct {
	mu sync.Mutex
	f  *os.File
	b  bytes.Buffer
}

// OpenFile opens (creating, mode 0600) the log file for appending.
func OpenFile(path string) (*FileSink, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("auditlog: %w", err)
	}
	return &FileSink{f: f}, nil
}

// Append writes the batch in one write and syncs.
func (s *FileSink) Append(_ context.Context, lines [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
	for _, l := range lines {
		s.b.Write(l)
		s.b.WriteByte('\n')
	}
	if _, err := s.f.Write(s.b.Bytes()); err != nil {
		return err
	}
	return s.f.Sync()
}

// Close closes the file.
func (s *FileSink) Close() error { return s.f.Close() }

// StreamSink writes each line as one write to a writer: a JSON stream for
// a SIEM (a TCP connection, standard output) or syslog (NewSyslogSink).
// It is usually a second sink beside the file (see Tee).
type StreamSink struct {
	mu sync.Mutex
	w  io.Writer
}

// NewStreamSink returns a sink writing lines to w, newline-terminated.
func NewStreamSink(w io.Writer) *StreamSink { return &StreamSink{w: w} }

// NewSyslogSink returns a sink sending each line as one syslog message
// (facility AUTHPRIV, severity INFO) with the tag; network and raddr are
// as for syslog.Dial ("" for the local syslog).
func NewSyslogSink(network, raddr, tag string) (*StreamSink, error) {
	w, err := syslog.Dial(network, raddr, syslog.LOG_AUTHPRIV|syslog.LOG_INFO, tag)
	if err != nil {
		return nil, fmt.Errorf("auditlog: syslog: %w", err)
	}
	return &StreamSink{w: w}, nil
}

// Append writes every line.
func (s *StreamSink) Append(_ context.Context, lines [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range lines {
		if _, err := s.w.Write(append(l[:len(l):len(l)], '\n')); err != nil {
			return err
		}
	}
	return nil
}

// Tee writes every batch to each sink in turn; the first error stops it.
func Tee(sinks ...Sink) Sink { return tee(sinks) }

type tee []Sink

func (t tee) Append(ctx context.Context, lines [][]byte) error {
	for _, s := range t {
		if err := s.Append(ctx, lines); err != nil {
			return err
		}
	}
	return nil
}

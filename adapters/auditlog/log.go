package auditlog

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/diff"
)

// Sink stores the lines of a log, in order. Append gets a batch of lines
// (each without its newline) and returns once they are durable (the file
// sink syncs once per batch).
type Sink interface {
	Append(ctx context.Context, lines [][]byte) error
}

// Options configure a Log.
type Options struct {
	// Key signs checkpoints; nil writes none. Keep it outside the log
	// (a key file readable by the writer only, an HSM).
	Key ed25519.PrivateKey
	// Every is the number of records between checkpoints (default 1000).
	Every int
	// Copy, when set, gets a copy of every checkpoint line: a second
	// sink (another host, the database) that lets Verify find a log
	// rewritten or cut off as a whole.
	Copy Sink
	// Batch is the number of look-up records buffered before they are
	// written (default 1: each written at once). Change records, access
	// records and checkpoints are always written at once.
	Batch int
	// Purposes is the list a look-up's purpose must be on
	// (DefaultPurposes when empty).
	Purposes []string
	// ReviewRoles are the roles that may read the log (default
	// "privacy", "security").
	ReviewRoles []string
	// Clock stamps checkpoints and access records (time.Now when nil).
	Clock func() time.Time
}

// Log appends records to a sink as a hash chain in the format of
// diff.JSONLAuditor (docs/AUDIT.md): every line has "seq" and "prev", the
// SHA-256 of the line before. It also records look-ups, accesses and
// reviews ("type"), and writes signed checkpoints. It implements
// diff.Auditor. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	sink    Sink
	opt     Options
	seq     int64
	prev    string
	since   int // records since the last checkpoint
	pending [][]byte
}

// New starts a new log on sink.
func New(sink Sink, opt Options) *Log {
	return &Log{sink: sink, opt: defaults(opt), prev: hashLine(nil)}
}

// Resume verifies the existing log read from r (with the public half of
// opt.Key when set) and returns a Log that continues its chain on sink.
func Resume(r io.Reader, sink Sink, opt Options) (*Log, error) {
	vo := VerifyOptions{}
	if opt.Key != nil {
		vo.PublicKey = opt.Key.Public().(ed25519.PublicKey)
	}
	rep, err := Verify(r, vo)
	if err != nil {
		return nil, err
	}
	return &Log{sink: sink, opt: defaults(opt), prev: rep.Head, seq: rep.Last, since: int(rep.Last - rep.LastCheckpoint)}, nil
}

func defaults(o Options) Options {
	if o.Every <= 0 {
		o.Every = 1000
	}
	if o.Batch <= 0 {
		o.Batch = 1
	}
	if len(o.Purposes) == 0 {
		o.Purposes = DefaultPurposes
	}
	if len(o.ReviewRoles) == 0 {
		o.ReviewRoles = []string{"privacy", "security"}
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Lookup records a read of personal data. It fails (ErrRecord) for a
// look-up without actor, time, or a purpose from the list; the caller
// must then not show the data.
func (l *Log) Lookup(ctx context.Context, r Lookup) error {
	if err := r.validate(l.opt.Purposes); err != nil {
		return err
	}
	return l.append(ctx, r, false)
}

// Append writes any other record (Access, Review) at once.
func (l *Log) Append(ctx context.Context, r Record) error {
	return l.append(ctx, r, true)
}

// Record implements diff.Auditor: a change record, written at once.
// Values of secret attributes (any name holding "password", "pwd" or
// "secret") and of sensitive ones (cpr) are written as "(hidden)": the log
// never holds a password.
func (l *Log) Record(ctx context.Context, r diff.AuditRecord) error {
	if len(r.Attrs) > 0 {
		attrs := slices.Clone(r.Attrs)
		for i, a := range attrs {
			if secretName(a.Name) {
				attrs[i].Before, attrs[i].After = hidden(a.Before), hidden(a.After)
			}
		}
		r.Attrs = attrs
	}
	return l.append(ctx, r, true)
}

func secretName(n string) bool {
	n = strings.ToLower(n)
	return diff.Sensitive(n) || strings.Contains(n, "password") || strings.Contains(n, "pwd") || strings.Contains(n, "secret")
}

func hidden(v string) string {
	if v == "" {
		return ""
	}
	return "(hidden)"
}

func (l *Log) append(ctx context.Context, r any, now bool) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("auditlog: %w", err)
	}
	typ := ""
	if rt, ok := r.(Record); ok {
		typ = rt.RecordType()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.add(typ, body)
	if l.opt.Key != nil && l.since >= l.opt.Every {
		return l.checkpoint(ctx)
	}
	if now || len(l.pending) >= l.opt.Batch {
		return l.flush(ctx)
	}
	return nil
}

// add chains one line; body is the JSON object of the record.
func (l *Log) add(typ string, body []byte) {
	l.seq++
	line := make([]byte, 0, len(body)+120)
	line = append(line, `{"seq":`...)
	line = strconv.AppendInt(line, l.seq, 10)
	line = append(line, `,"prev":"`...)
	line = append(line, l.prev...)
	line = append(line, '"')
	if typ != "" {
		line = append(line, `,"type":"`...)
		line = append(line, typ...)
		line = append(line, '"')
	}
	if len(body) > 2 {
		line = append(line, ',')
	}
	line = append(line, body[1:]...)
	l.prev = hashLine(line)
	l.pending = append(l.pending, line)
	l.since++
}

// Flush writes buffered look-ups.
func (l *Log) Flush(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flush(ctx)
}

func (l *Log) flush(ctx context.Context) error {
	if len(l.pending) == 0 {
		return nil
	}
	if err := l.sink.Append(ctx, l.pending); err != nil {
		return fmt.Errorf("auditlog: write: %w", err)
	}
	l.pending = l.pending[:0]
	return nil
}

// Checkpoint writes a signed checkpoint now (and its copy). Without a
// key it only flushes.
func (l *Log) Checkpoint(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkpoint(ctx)
}

// Close writes a final checkpoint and flushes, so that a verified log
// ends with a checkpoint and a cut-off tail is found.
func (l *Log) Close(ctx context.Context) error {
	return l.Checkpoint(ctx)
}

// Head returns the hash of the last line and its seq.
func (l *Log) Head() (string, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.prev, l.seq
}

// checkpoint is the body of a checkpoint line: it signs the chain up to
// and including line Upto, whose hash is Head (the checkpoint line's own
// "prev").
type checkpoint struct {
	Time time.Time `json:"time"`
	Upto int64     `json:"upto"`
	Head string    `json:"head"`
	Key  string    `json:"key"`
	Sig  string    `json:"sig"`
}

func (l *Log) checkpoint(ctx context.Context) error {
	if l.opt.Key == nil {
		return l.flush(ctx)
	}
	c := checkpoint{Time: l.opt.Clock().UTC().Truncate(time.Second), Upto: l.seq, Head: l.prev, Key: KeyID(l.opt.Key.Public().(ed25519.PublicKey))}
	c.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(l.opt.Key, checkpointMessage(TypeCheckpoint, c.Upto, c.Head, c.Time)))
	body, _ := json.Marshal(c)
	l.add(TypeCheckpoint, body)
	l.since = 0
	cp := slices.Clone(l.pending[len(l.pending)-1])
	if err := l.flush(ctx); err != nil {
		return err
	}
	if l.opt.Copy != nil {
		if err := l.opt.Copy.Append(ctx, [][]byte{cp}); err != nil {
			return fmt.Errorf("auditlog: copy checkpoint: %w", err)
		}
	}
	return nil
}

// checkpointMessage is what a checkpoint or erasure signs.
func checkpointMessage(typ string, upto int64, head string, t time.Time) []byte {
	return fmt.Appendf(nil, "orgsync audit %s\nupto %d\nhead %s\ntime %s\n", typ, upto, head, t.UTC().Format(time.RFC3339))
}

// KeyID names a public key in checkpoints: the first 16 hex digits of its
// SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

func hashLine(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

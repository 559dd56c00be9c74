package diff

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Auditor records the changes Apply makes: who, what, when, before and
// after. It is called concurrently for the changes of one stage.
type Auditor interface {
	Record(ctx context.Context, r AuditRecord) error
}

// AuditRecord is one change made (or attempted) on a target, or a refused
// plan (Action NoOp). It never holds a secret; values of Sensitive
// attributes are replaced by "(hidden)".
type AuditRecord struct {
	// Time is when the change was carried out (ApplyOptions.Clock).
	Time time.Time `json:"time"`
	// Actor is who applied the plan (ApplyOptions.Actor).
	Actor  string `json:"actor"`
	Action Action `json:"action"`
	Kind   Kind   `json:"kind,omitempty"`
	Key    string `json:"key,omitempty"`
	// Name is the object's name (after the change, else before).
	Name string `json:"name,omitempty"`
	// Member is the member of an add-member or remove-member change.
	Member string `json:"member,omitempty"`
	// Attrs are the attributes changed, with before and after values.
	Attrs []AttrChange `json:"attrs,omitempty"`
	// Before and After summarise the object before and after the change
	// (name, parent, disabled), e.g. `name="4A" parent=ou/inst/280017`.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Attempts is the number of calls to the target.
	Attempts int `json:"attempts,omitempty"`
	// Err is the error, empty when the change was applied.
	Err string `json:"err,omitempty"`
}

func newAuditRecord(at time.Time, actor string, res *Result) AuditRecord {
	c := &res.Change
	r := AuditRecord{Time: at, Actor: actor, Action: c.Action, Kind: c.Kind, Key: c.Key, Member: c.Member,
		Before: summarise(c.Before), After: summarise(c.After), Attempts: res.Attempts}
	switch {
	case c.After != nil:
		r.Name = c.After.Name
	case c.Before != nil:
		r.Name = c.Before.Name
	}
	attrs := c.Attrs
	if c.Action == Create && c.After != nil {
		for _, x := range c.After.Attrs {
			attrs = append(attrs, AttrChange{Name: x.Name, After: x.Value})
		}
	}
	for _, a := range attrs {
		if Sensitive(a.Name) {
			a.Before, a.After = hide(a.Before), hide(a.After)
		}
		r.Attrs = append(r.Attrs, a)
	}
	if res.Err != nil {
		r.Err = res.Err.Error()
	}
	return r
}

func hide(v string) string {
	if v == "" {
		return ""
	}
	return "(hidden)"
}

func summarise(o *Object) string {
	if o == nil {
		return ""
	}
	s := fmt.Sprintf("name=%q parent=%s", o.Name, orRoot(o.Parent))
	if o.ID != "" {
		s += " id=" + o.ID
	}
	if o.Disabled {
		s += " disabled"
	}
	if d := o.Attrs.Get(AttrDisabledDate); d != "" {
		s += " disabledDate=" + d
	}
	return s
}

// JSONLAuditor writes audit records as JSON lines to a writer, chained by
// hashes: every line carries the SHA-256 of the line before it ("prev"),
// the first line the hash of the empty string, so that altering, removing
// or inserting a line is found by VerifyAuditLog. Removing lines at the end
// is found only by comparing with a head hash kept elsewhere (see Head and
// AuditLogHead). It is safe for concurrent use.
type JSONLAuditor struct {
	mu   sync.Mutex
	w    io.Writer
	prev string
	seq  int64
}

// auditLine is the form of one line of a JSON-lines audit log.
type auditLine struct {
	Seq  int64  `json:"seq"`
	Prev string `json:"prev"`
	AuditRecord
}

// NewJSONLAuditor returns an auditor that starts a new log on w.
func NewJSONLAuditor(w io.Writer) *JSONLAuditor {
	return &JSONLAuditor{w: w, prev: hashLine(nil)}
}

// ResumeJSONLAuditor verifies the existing log in r and returns an auditor
// that continues its chain on w (typically the same file opened for
// appending).
func ResumeJSONLAuditor(r io.Reader, w io.Writer) (*JSONLAuditor, error) {
	head, n, err := verifyAuditLog(r)
	if err != nil {
		return nil, err
	}
	return &JSONLAuditor{w: w, prev: head, seq: n}, nil
}

// Record writes one record as a line.
func (a *JSONLAuditor) Record(_ context.Context, r AuditRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	line, err := json.Marshal(auditLine{Seq: a.seq + 1, Prev: a.prev, AuditRecord: r})
	if err != nil {
		return fmt.Errorf("diff: audit: %w", err)
	}
	if _, err := a.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("diff: audit: %w", err)
	}
	a.seq++
	a.prev = hashLine(line)
	return nil
}

// Head returns the hash of the last line written (of the empty string for
// an empty log). Keeping it apart from the log (a run report, another
// system) lets AuditLogHead detect lines cut off at the end.
func (a *JSONLAuditor) Head() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.prev
}

func hashLine(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

// ErrAuditLog is matched by the errors VerifyAuditLog returns for a log
// that has been altered.
var ErrAuditLog = errors.New("audit log does not verify")

// VerifyAuditLog checks the hash chain of a JSON-lines audit log: every
// line must be a record whose "prev" is the SHA-256 of the line before and
// whose "seq" counts up from 1. It returns an error matching ErrAuditLog
// that names the first line that does not verify.
func VerifyAuditLog(r io.Reader) error {
	_, _, err := verifyAuditLog(r)
	return err
}

// AuditLogHead verifies the log like VerifyAuditLog and returns the hash
// of its last line, to compare with a head kept elsewhere (see
// JSONLAuditor.Head).
func AuditLogHead(r io.Reader) (string, error) {
	head, _, err := verifyAuditLog(r)
	return head, err
}

func verifyAuditLog(r io.Reader) (head string, n int64, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	head = hashLine(nil)
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			return "", 0, fmt.Errorf("diff: verify audit log: line %d: %w: empty line", n, ErrAuditLog)
		}
		var l auditLine
		dec := json.NewDecoder(bytes.NewReader(line))
		if err := dec.Decode(&l); err != nil {
			return "", 0, fmt.Errorf("diff: verify audit log: line %d: %w: %v", n, ErrAuditLog, err)
		}
		if l.Seq != n {
			return "", 0, fmt.Errorf("diff: verify audit log: line %d: %w: sequence number %d", n, ErrAuditLog, l.Seq)
		}
		if !strings.EqualFold(l.Prev, head) {
			return "", 0, fmt.Errorf("diff: verify audit log: line %d: %w: the previous line has been altered, removed or inserted", n, ErrAuditLog)
		}
		head = hashLine(line)
	}
	if err := sc.Err(); err != nil {
		return "", 0, fmt.Errorf("diff: verify audit log: %w", err)
	}
	return head, n, nil
}

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

// Phases of a write-ahead AuditRecord.
const (
	// PhaseIntent: the change is about to be sent to the target. The
	// record holds everything about the change (attributes, before and
	// after) but no outcome.
	PhaseIntent = "intent"
	// PhaseOutcome: what became of the change of the intent with the
	// same Op: Err is empty when it was applied.
	PhaseOutcome = "outcome"
	// PhasePurge: a record of a purge of personal data (snapstore.Purger):
	// when and how many persons, never who or what.
	PhasePurge = "purge"
)

// AuditRecord is one entry of the audit trail of Apply. Apply writes two
// records per change (write-ahead): an intent (Phase "intent") before the
// change is sent, holding the whole change, and an outcome (Phase
// "outcome", same Op) after, holding Attempts and Err. A crash between the
// two leaves an intent without an outcome; the next run completes it with
// an outcome marked Reconciled, decided from what it reads (see
// Reconcile). A refused plan is one record with Action NoOp and no Phase.
// A record never holds a secret; values of Sensitive attributes are
// replaced by "(hidden)".
type AuditRecord struct {
	// Time is when the record was written (ApplyOptions.Clock).
	Time time.Time `json:"time"`
	// Phase is PhaseIntent or PhaseOutcome ("" for a refused plan and
	// for records of logs written before the write-ahead format).
	Phase string `json:"phase,omitempty"`
	// Op identifies the change within the log: the run's id and the
	// change's position in the plan, e.g. "2026-08-01T02:00:00Z/17". An
	// intent and its outcome share it.
	Op string `json:"op,omitempty"`
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
	// Parent is the Key of the container the object is to be in after the
	// change (intent records), for Reconcile.
	Parent string `json:"parent,omitempty"`
	// Attempts is the number of calls to the target (outcome records).
	Attempts int `json:"attempts,omitempty"`
	// Err is the error of an outcome, empty when the change was applied.
	Err string `json:"err,omitempty"`
	// Reconciled marks an outcome written by a later run for an intent a
	// crash left open, decided from the target's actual state.
	Reconciled bool `json:"reconciled,omitempty"`
}

// newIntentRecord is the intent record of change c: everything about the
// change, before it is sent.
func newIntentRecord(op string, c *Change) AuditRecord {
	r := AuditRecord{Phase: PhaseIntent, Op: op, Action: c.Action, Kind: c.Kind, Key: c.Key, Member: c.Member,
		Before: summarise(c.Before), After: summarise(c.After)}
	switch {
	case c.After != nil:
		r.Name, r.Parent = c.After.Name, c.After.Parent
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
	return r
}

// newOutcomeRecord is the outcome record of a change that was sent.
func newOutcomeRecord(op string, res *Result) AuditRecord {
	c := &res.Change
	r := AuditRecord{Phase: PhaseOutcome, Op: op, Action: c.Action, Kind: c.Kind, Key: c.Key, Member: c.Member, Attempts: res.Attempts}
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
	open openIntents
}

// openIntents are the intent records without an outcome yet, in log order.
type openIntents struct {
	recs  []AuditRecord
	index map[string]int // op -> position in recs; -1 once closed
}

// note notes an intent or closes one with an outcome; it returns a
// problem for an intent whose Op is already open or an outcome without an
// open intent.
func (o *openIntents) note(r *AuditRecord) string {
	if r.Op == "" {
		return ""
	}
	problem := ""
	if o.index == nil {
		o.index = map[string]int{}
	}
	switch r.Phase {
	case PhaseIntent:
		if _, ok := o.index[r.Op]; ok {
			problem = "intent " + r.Op + " written twice"
		}
		o.index[r.Op] = len(o.recs)
		o.recs = append(o.recs, *r)
	case PhaseOutcome:
		if i, ok := o.index[r.Op]; ok {
			o.recs[i].Op = "" // closed
			delete(o.index, r.Op)
		} else {
			problem = "outcome " + r.Op + " without an open intent"
		}
	}
	if len(o.index) == 0 && len(o.recs) > 0 {
		o.recs = o.recs[:0]
	}
	return problem
}

func (o *openIntents) list() []AuditRecord {
	var out []AuditRecord
	for _, r := range o.recs {
		if r.Op != "" {
			out = append(out, r)
		}
	}
	return out
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
// appending). Intents the log leaves open (a crash between an intent and
// its outcome) are kept: see Open.
func ResumeJSONLAuditor(r io.Reader, w io.Writer) (*JSONLAuditor, error) {
	a := &JSONLAuditor{w: w}
	head, n, err := verifyAuditLog(r, &a.open)
	if err != nil {
		return nil, err
	}
	a.prev, a.seq = head, n
	return a, nil
}

// Open returns the intent records that have no outcome yet, in log order:
// after ResumeJSONLAuditor, the changes a crashed run may or may not have
// carried out. Pass them as ApplyOptions.Open (or to Reconcile) with the
// actual state read after the crash.
func (a *JSONLAuditor) Open() []AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.open.list()
}

// OpenIntents verifies a JSON-lines audit log like VerifyAuditLog and
// returns its intent records that have no outcome.
func OpenIntents(r io.Reader) ([]AuditRecord, error) {
	var o openIntents
	if _, _, err := verifyAuditLog(r, &o); err != nil {
		return nil, err
	}
	return o.list(), nil
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
	a.open.note(&r)
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
// whose "seq" counts up from 1; every outcome record must follow an open
// intent with its Op, and no Op may be opened twice. It returns an error matching ErrAuditLog
// that names the first line that does not verify.
func VerifyAuditLog(r io.Reader) error {
	_, _, err := verifyAuditLog(r, nil)
	return err
}

// AuditLogHead verifies the log like VerifyAuditLog and returns the hash
// of its last line, to compare with a head kept elsewhere (see
// JSONLAuditor.Head).
func AuditLogHead(r io.Reader) (string, error) {
	head, _, err := verifyAuditLog(r, nil)
	return head, err
}

func verifyAuditLog(r io.Reader, open *openIntents) (head string, n int64, err error) {
	if open == nil {
		open = &openIntents{}
	}
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
		if p := open.note(&l.AuditRecord); p != "" {
			return "", 0, fmt.Errorf("diff: verify audit log: line %d: %w: %s", n, ErrAuditLog, p)
		}
	}
	if err := sc.Err(); err != nil {
		return "", 0, fmt.Errorf("diff: verify audit log: %w", err)
	}
	return head, n, nil
}

package auditlog

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/orgsync/orgsync/diff"
)

// VerifyOptions say what Verify checks beyond the hash chain.
type VerifyOptions struct {
	// PublicKey checks the signatures of checkpoints and of an erasure
	// marker. Without it signatures are not checked (Report.Unchecked).
	PublicKey ed25519.PublicKey
	// Copies reads the checkpoint copies of Options.Copy: each must be
	// in the log, byte for byte, and none may be beyond its end.
	Copies io.Reader
	// Head, when set, is a head hash kept elsewhere (diff's
	// JSONLAuditor.Head): the log must end with that line.
	Head string
	// Final requires the log to end with a checkpoint (Log.Close writes
	// one), so that a cut-off tail is found without a copy.
	Final bool
}

// Report is what Verify found in an intact log.
type Report struct {
	// First and Last are the seq of the first and last line (First > 1
	// after an erasure); Records is the number of lines.
	First, Last, Records int64
	// Head is the hash of the last line.
	Head string
	// Checkpoints counts checkpoint lines; LastCheckpoint is the seq of
	// the last one; Unchecked counts those whose signature was not
	// checked (no PublicKey).
	Checkpoints, Unchecked int
	LastCheckpoint         int64
	// ErasedUpTo is the last seq erased (0: nothing erased).
	ErasedUpTo int64
	// Types counts lines by type ("change" for diff's records).
	Types map[string]int
}

// VerifyError names the first record that does not verify. It matches
// ErrTampered (and diff.ErrAuditLog).
type VerifyError struct {
	// Seq is the position of the bad record: the seq it should have.
	Seq    int64
	Reason string
}

// Error says which record is bad and why.
func (e *VerifyError) Error() string {
	return fmt.Sprintf("auditlog: verify: record %d: %s", e.Seq, e.Reason)
}

// Is makes a VerifyError match ErrTampered and diff.ErrAuditLog.
func (e *VerifyError) Is(target error) bool {
	return target == ErrTampered || target == diff.ErrAuditLog
}

// line holds the fields Verify reads from any line.
type line struct {
	Seq   int64     `json:"seq"`
	Prev  string    `json:"prev"`
	Type  string    `json:"type"`
	Phase string    `json:"phase"`
	Op    string    `json:"op"`
	Time  time.Time `json:"time"`
	Upto  int64     `json:"upto"`
	Head  string    `json:"head"`
	Key   string    `json:"key"`
	Sig   string    `json:"sig"`
}

// Verify checks a log read from r: every log orgsync writes (diff's
// JSONLAuditor, provision's auditLog, this package's Log, an erased log).
// It checks that seq counts up by one, that every prev is the hash of the
// line before, that intents and outcomes pair up as in diff, that every
// checkpoint's head is the chain's and its signature holds (with
// PublicKey), and what VerifyOptions ask. The error is a *VerifyError
// naming the first bad record.
func Verify(r io.Reader, opt VerifyOptions) (*Report, error) {
	copies, err := readCopies(opt.Copies)
	if err != nil {
		return nil, err
	}
	rep := &Report{Types: map[string]int{}, Head: hashLine(nil)}
	bad := func(seq int64, f string, a ...any) (*Report, error) {
		return nil, &VerifyError{Seq: seq, Reason: fmt.Sprintf(f, a...)}
	}
	open := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	want := int64(1)
	lastType := ""
	for n := 0; sc.Scan(); n++ { // n: lines read before this one
		b := sc.Bytes()
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			return bad(want, "not a record: %v", err)
		}
		if n == 0 && l.Type == TypeErased {
			if err := checkSig(opt.PublicKey, TypeErased, &l); err != nil {
				return bad(0, "erasure marker: %v", err)
			}
			if opt.PublicKey == nil {
				rep.Unchecked++
			}
			rep.ErasedUpTo, rep.Head, want = l.Upto, l.Head, l.Upto+1
			continue
		}
		if l.Seq != want {
			return bad(want, "missing or out of place: found record %d where %d belongs (records deleted, reordered or inserted)", l.Seq, want)
		}
		if l.Prev != rep.Head {
			if want == rep.First || rep.Records == 0 {
				return bad(want, "its prev is not the hash the chain starts from (altered, or records before it removed)")
			}
			return bad(want-1, "altered: its hash is not the prev of record %d (one of the two was edited)", want)
		}
		switch l.Type {
		case TypeCheckpoint:
			if l.Head != l.Prev || l.Upto != l.Seq-1 {
				return bad(want, "checkpoint for record %d does not match the chain", l.Upto)
			}
			if err := checkSig(opt.PublicKey, TypeCheckpoint, &l); err != nil {
				return bad(want, "checkpoint: %v", err)
			}
			if opt.PublicKey == nil {
				rep.Unchecked++
			}
			rep.Checkpoints++
			rep.LastCheckpoint = l.Seq
		case TypeErased:
			return bad(want, "an erasure marker may only be the first line")
		case "":
			switch l.Phase {
			case diff.PhaseIntent:
				if open[l.Op] {
					return bad(want, "intent %s written twice", l.Op)
				}
				open[l.Op] = true
			case diff.PhaseOutcome:
				if !open[l.Op] && rep.ErasedUpTo == 0 {
					return bad(want, "outcome %s without an open intent", l.Op)
				}
				delete(open, l.Op)
			}
		}
		if c, ok := copies[l.Seq]; ok && !bytes.Equal(c, b) {
			return bad(want, "differs from its checkpoint copy (the log was rewritten)")
		}
		rep.Head = hashLine(b)
		if rep.Records == 0 {
			rep.First = l.Seq
		}
		rep.Records++
		rep.Last = l.Seq
		t := l.Type
		if t == "" {
			t = "change"
		}
		rep.Types[t]++
		lastType = l.Type
		want++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auditlog: verify: %w", err)
	}
	for seq := range copies {
		if seq >= want {
			return bad(want, "missing: the checkpoint copy has record %d (the tail was cut off)", seq)
		}
	}
	if opt.Head != "" && opt.Head != rep.Head {
		return bad(want, "missing or altered: the log does not end with the head kept elsewhere (tail cut off?)")
	}
	if opt.Final && rep.Records > 0 && lastType != TypeCheckpoint {
		return bad(want, "missing: the log does not end with a checkpoint (tail cut off, or the writer did not close)")
	}
	return rep, nil
}

func checkSig(pub ed25519.PublicKey, typ string, l *line) error {
	if pub == nil {
		return nil
	}
	if l.Key != KeyID(pub) {
		return fmt.Errorf("signed with key %q, not %q", l.Key, KeyID(pub))
	}
	sig, err := base64.StdEncoding.DecodeString(l.Sig)
	if err != nil || !ed25519.Verify(pub, checkpointMessage(typ, l.Upto, l.Head, l.Time), sig) {
		return errors.New("signature does not verify (forged)")
	}
	return nil
}

// readCopies reads checkpoint copies by seq.
func readCopies(r io.Reader) (map[int64][]byte, error) {
	if r == nil {
		return nil, nil
	}
	out := map[int64][]byte{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for i := 1; sc.Scan(); i++ {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Type != TypeCheckpoint {
			return nil, fmt.Errorf("auditlog: checkpoint copies: line %d is not a checkpoint", i)
		}
		out[l.Seq] = bytes.Clone(sc.Bytes())
	}
	return out, sc.Err()
}

package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// auditedApply applies the sample plan to a fake target with a JSON-lines
// auditor and returns the log.
func auditedApply(t *testing.T) (*bytes.Buffer, *JSONLAuditor, *Plan) {
	t.Helper()
	p := samplePlan(t)
	var log bytes.Buffer
	a := NewJSONLAuditor(&log)
	clock := testNow
	_, err := Apply(context.Background(), &fakeApplier{fail: func(c Change, _ int) error {
		if c.Action == Delete {
			return fmt.Errorf("refused: %w", ErrConstraint)
		}
		return nil
	}}, p, ApplyOptions{Auditor: a, Actor: "job:test", Clock: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if !errors.Is(err, ErrConstraint) {
		t.Fatalf("apply: %v", err)
	}
	return &log, a, p
}

func TestJSONLAuditor(t *testing.T) {
	log, a, p := auditedApply(t)
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != len(p.Changes) {
		t.Fatalf("%d audit lines for %d changes", len(lines), len(p.Changes))
	}
	if err := VerifyAuditLog(strings.NewReader(log.String())); err != nil {
		t.Fatalf("verify: %v", err)
	}
	head, err := AuditLogHead(strings.NewReader(log.String()))
	if err != nil || head != a.Head() {
		t.Errorf("head = %q, %v; auditor head %q", head, err, a.Head())
	}
	if strings.Contains(log.String(), "0101101235") || strings.Contains(log.String(), "0101101234") {
		t.Error("audit log contains a CPR number")
	}
	var failed, withAttrs int
	for _, l := range lines {
		var rec auditLine
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Actor != "job:test" || rec.Time.IsZero() || rec.Key == "" {
			t.Errorf("incomplete record: %s", l)
		}
		if rec.Err != "" {
			failed++
		}
		if len(rec.Attrs) > 0 {
			withAttrs++
		}
	}
	if failed != 1 || withAttrs == 0 {
		t.Errorf("failed records %d (want 1), records with attrs %d", failed, withAttrs)
	}

	// Resume: the chain continues across runs.
	var more bytes.Buffer
	r, err := ResumeJSONLAuditor(strings.NewReader(log.String()), &more)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Record(context.Background(), AuditRecord{Time: testNow, Actor: "x", Action: NoOp, Err: "refused"}); err != nil {
		t.Fatal(err)
	}
	if err := VerifyAuditLog(strings.NewReader(log.String() + more.String())); err != nil {
		t.Errorf("resumed log: %v", err)
	}
}

func TestVerifyAuditLogTampering(t *testing.T) {
	log, _, _ := auditedApply(t)
	orig := log.String()
	lines := strings.SplitAfter(orig, "\n")
	lines = lines[:len(lines)-1] // trailing ""
	tests := []struct {
		name string
		log  string
	}{
		{"altered value", strings.Replace(orig, `"actor":"job:test"`, `"actor":"job:other"`, 1)},
		{"line removed", strings.Join(append(append([]string{}, lines[:2]...), lines[3:]...), "")},
		{"lines swapped", strings.Join(append([]string{lines[1], lines[0]}, lines[2:]...), "")},
		{"line inserted", strings.Join(append(append(append([]string{}, lines[:2]...), lines[1]), lines[2:]...), "")},
		{"garbage", orig + "not json\n"},
		{"empty line", lines[0] + "\n" + strings.Join(lines[1:], "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := VerifyAuditLog(strings.NewReader(tc.log)); !errors.Is(err, ErrAuditLog) {
				t.Errorf("err = %v, want ErrAuditLog", err)
			}
		})
	}
	// Cutting off the tail is found by comparing heads.
	cut := strings.Join(lines[:len(lines)-1], "")
	head, err := AuditLogHead(strings.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	full, _ := AuditLogHead(strings.NewReader(orig))
	if head == full {
		t.Error("truncated log has the same head")
	}
}

func FuzzVerifyAuditLog(f *testing.F) {
	var buf bytes.Buffer
	a := NewJSONLAuditor(&buf)
	_ = a.Record(context.Background(), AuditRecord{Time: testNow, Actor: "a", Action: Create, Kind: User, Key: "user/1"})
	_ = a.Record(context.Background(), AuditRecord{Time: testNow, Actor: "a", Action: Delete, Kind: User, Key: "user/1"})
	f.Add(buf.Bytes())
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := VerifyAuditLog(bytes.NewReader(b))
		if err != nil && !errors.Is(err, ErrAuditLog) && !strings.Contains(err.Error(), "token too long") {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

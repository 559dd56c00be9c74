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
	if len(lines) != 2*len(p.Changes) {
		t.Fatalf("%d audit lines for %d changes, want an intent and an outcome each", len(lines), len(p.Changes))
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
	intents := map[string]int{}
	for i, l := range lines {
		var rec auditLine
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Actor != "job:test" || rec.Time.IsZero() || rec.Key == "" || rec.Op == "" {
			t.Errorf("incomplete record: %s", l)
		}
		switch rec.Phase {
		case PhaseIntent:
			intents[rec.Op] = i
			if rec.Attempts != 0 || rec.Err != "" {
				t.Errorf("intent with an outcome: %s", l)
			}
		case PhaseOutcome:
			j, ok := intents[rec.Op]
			if !ok || j > i {
				t.Errorf("outcome before its intent: %s", l)
			}
			if rec.Attempts == 0 || len(rec.Attrs) > 0 {
				t.Errorf("outcome without attempts or with attributes: %s", l)
			}
		default:
			t.Errorf("record without a phase: %s", l)
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
	if open := r.Open(); len(open) != 0 {
		t.Errorf("open intents after a complete run: %v", open)
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

func TestVerifyAuditLogPhases(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		recs []AuditRecord
		ok   bool
	}{
		{"intent and outcome", []AuditRecord{{Phase: PhaseIntent, Op: "r/1", Action: Create, Key: "k"}, {Phase: PhaseOutcome, Op: "r/1", Action: Create, Key: "k"}}, true},
		{"open intent", []AuditRecord{{Phase: PhaseIntent, Op: "r/1", Action: Create, Key: "k"}}, true},
		{"outcome without intent", []AuditRecord{{Phase: PhaseOutcome, Op: "r/1", Action: Create, Key: "k"}}, false},
		{"outcome twice", []AuditRecord{{Phase: PhaseIntent, Op: "r/1"}, {Phase: PhaseOutcome, Op: "r/1"}, {Phase: PhaseOutcome, Op: "r/1"}}, false},
		{"intent twice", []AuditRecord{{Phase: PhaseIntent, Op: "r/1"}, {Phase: PhaseIntent, Op: "r/1"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			a := NewJSONLAuditor(&buf)
			for _, r := range tc.recs {
				if err := a.Record(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			err := VerifyAuditLog(bytes.NewReader(buf.Bytes()))
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrAuditLog)) {
				t.Errorf("verify = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestReconcile(t *testing.T) {
	in := func(a Action, key string, mod func(*AuditRecord)) AuditRecord {
		r := AuditRecord{Phase: PhaseIntent, Op: "r/" + a.String() + key, Action: a, Kind: User, Key: key}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	obj := func(key, name, parent string, disabled bool, attrs ...string) Object {
		o := usr(key, name, parent, attrs...)
		o.Managed, o.Disabled = true, disabled
		return o
	}
	actual := []Object{obj("user/1", "u1", "a", false, "email", "x@y"), obj("user/2", "u2", "b", true),
		{Kind: Group, Key: "g", Members: []string{"user/1"}, Managed: true}, {Kind: User, Name: "unmanaged"}}
	open := []AuditRecord{
		in(Create, "user/1", nil),
		in(Create, "user/9", nil),
		in(Delete, "user/9", nil),
		in(Delete, "user/1", nil),
		in(Move, "user/1", func(r *AuditRecord) { r.Parent = "a" }),
		in(Move, "user/2", func(r *AuditRecord) { r.Parent = "a" }),
		in(Rename, "user/1", func(r *AuditRecord) { r.Name = "u1" }),
		in(Disable, "user/2", nil),
		in(Enable, "user/2", nil),
		in(Update, "user/1", func(r *AuditRecord) { r.Attrs = []AttrChange{{Name: "email", After: "x@y"}} }),
		in(Update, "user/1", func(r *AuditRecord) { r.Op += "b"; r.Attrs = []AttrChange{{Name: "email", After: "z@y"}} }),
		in(Update, "user/1", func(r *AuditRecord) { r.Op += "c"; r.Attrs = []AttrChange{{Name: "cpr", After: "(hidden)"}} }),
		in(AddMember, "g", func(r *AuditRecord) { r.Member = "user/1" }),
		in(RemoveMember, "g", func(r *AuditRecord) { r.Op += "x"; r.Member = "user/1" }),
	}
	want := []string{"", ReconciledNotApplied, "", ReconciledNotApplied, "", ReconciledNotApplied, "", "",
		ReconciledNotApplied, "", ReconciledNotApplied, ReconciledUnknown, "", ReconciledNotApplied}
	got := Reconcile(open, actual)
	if len(got) != len(want) {
		t.Fatalf("%d outcomes for %d intents", len(got), len(open))
	}
	for i, r := range got {
		if r.Err != want[i] || r.Op != open[i].Op || r.Phase != PhaseOutcome || !r.Reconciled {
			t.Errorf("%s %s: outcome %+v, want err %q", open[i].Action, open[i].Key, r, want[i])
		}
	}
}

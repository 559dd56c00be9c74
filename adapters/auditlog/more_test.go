package auditlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/diff"
)

func TestErase(t *testing.T) {
	log, _ := sampleLog(t, 23)
	key := testKey(1)
	pub := key.Public().(ed25519.PublicKey)
	var out bytes.Buffer
	if err := Erase(bytes.NewReader(log), &out, key, 10, t0); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(bytes.NewReader(out.Bytes()), VerifyOptions{PublicKey: pub, Final: true})
	if err != nil {
		t.Fatalf("erased log does not verify: %v", err)
	}
	if rep.ErasedUpTo != 10 || rep.First != 11 || rep.Last != 28 {
		t.Errorf("report %+v", rep)
	}
	// Erasing again, further on, works on the erased log.
	var again bytes.Buffer
	if err := Erase(bytes.NewReader(out.Bytes()), &again, key, 20, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(bytes.NewReader(again.Bytes()), VerifyOptions{PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	ls := lines(out.Bytes())
	tampered := func(i int, old, new string) []byte {
		c := make([][]byte, len(ls))
		copy(c, ls)
		c[i] = []byte(strings.Replace(string(ls[i]), old, new, 1))
		return join(c)
	}
	for name, b := range map[string][]byte{
		"edit after the erasure":           tampered(2, `"time":"2026`, `"time":"2027`),
		"marker moved further":             tampered(0, `"upto":10`, `"upto":11`),
		"records after the marker removed": join(append([][]byte{ls[0]}, ls[3:]...)),
		"a second marker":                  join(append([][]byte{ls[0]}, ls...)),
	} {
		if _, err := Verify(bytes.NewReader(b), VerifyOptions{PublicKey: pub}); !errors.Is(err, ErrTampered) {
			t.Errorf("%s: err = %v, want ErrTampered", name, err)
		}
	}
	if err := Erase(bytes.NewReader(out.Bytes()), &bytes.Buffer{}, key, 5, t0); !errors.Is(err, ErrRecord) {
		t.Errorf("erasing what is already erased: %v", err)
	}
}

func TestAuthorize(t *testing.T) {
	var b bytes.Buffer
	l := New(NewStreamSink(&b), Options{Clock: stepClock()})
	ctx := context.Background()
	if err := l.Authorize(ctx, Caller{Actor: Actor{ID: "t1"}, Role: "teacher"}, "anomaly report"); !errors.Is(err, ErrForbidden) {
		t.Errorf("teacher: %v", err)
	}
	if err := l.Authorize(ctx, Caller{Actor: Actor{ID: "dpo"}, Role: "privacy"}, "anomaly report"); err != nil {
		t.Errorf("privacy: %v", err)
	}
	rep, err := Verify(bytes.NewReader(b.Bytes()), VerifyOptions{})
	if err != nil || rep.Types[TypeAccess] != 2 || !strings.Contains(b.String(), `"denied":true`) {
		t.Errorf("both attempts must be logged: %v %+v\n%s", err, rep, b.String())
	}
}

// TestNoPasswords: a change record with a password attribute never puts
// the password in the log, nor a CPR number.
func TestNoPasswords(t *testing.T) {
	var b bytes.Buffer
	l := New(NewStreamSink(&b), Options{})
	for _, name := range []string{"password", "unicodePwd", "userPassword", "initialPassword", "clientSecret", "cpr"} {
		err := l.Record(context.Background(), diff.AuditRecord{Action: diff.Create, Kind: diff.User, Key: "user/p1",
			Attrs: []diff.AttrChange{{Name: name, Before: "0101011234", After: "Hemmeligt-123!"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if s := b.String(); strings.Contains(s, "Hemmeligt") || strings.Contains(s, "0101011234") {
		t.Errorf("log holds a secret:\n%s", s)
	}
}

// TestCompatible: logs of diff.JSONLAuditor (provision's auditLog) verify,
// and a Log continues them so that diff still verifies the result.
func TestCompatible(t *testing.T) {
	var b bytes.Buffer
	a := diff.NewJSONLAuditor(&b)
	ctx := context.Background()
	_ = a.Record(ctx, diff.AuditRecord{Phase: diff.PhaseIntent, Op: "r/1", Actor: "sync", Action: diff.Create, Kind: diff.User, Key: "user/p1"})
	_ = a.Record(ctx, diff.AuditRecord{Phase: diff.PhaseOutcome, Op: "r/1", Actor: "sync", Action: diff.Create, Kind: diff.User, Key: "user/p1"})
	l, err := Resume(bytes.NewReader(b.Bytes()), NewStreamSink(&b), Options{Key: testKey(1), Clock: stepClock()})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Lookup(ctx, Lookup{Time: t0, Actor: Actor{ID: "u1"}, Purpose: "support case", Criteria: Criteria{CPR: "0101011234"}, Count: 0}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(bytes.NewReader(b.Bytes()), VerifyOptions{PublicKey: testKey(1).Public().(ed25519.PublicKey), Final: true}); err != nil {
		t.Error(err)
	}
	if _, err := diff.ResumeJSONLAuditor(bytes.NewReader(b.Bytes()), &bytes.Buffer{}); err != nil {
		t.Errorf("diff cannot resume: %v", err)
	}
}

func TestLookupNeedsPurpose(t *testing.T) {
	l := New(NewStreamSink(&bytes.Buffer{}), Options{Purposes: []string{"password reset"}})
	for _, r := range []Lookup{
		{Time: t0, Actor: Actor{ID: "u1"}},
		{Time: t0, Actor: Actor{ID: "u1"}, Purpose: "curiosity"},
		{Time: t0, Purpose: "password reset"},
		{Actor: Actor{ID: "u1"}, Purpose: "password reset"},
	} {
		if err := l.Lookup(context.Background(), r); !errors.Is(err, ErrRecord) {
			t.Errorf("%+v: err = %v, want ErrRecord", r, err)
		}
	}
}

// TestFileSink: batches land in the file in order and the file verifies
// after a resume.
func TestFileSink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	ctx := context.Background()
	for round := range 2 {
		s, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var l *Log
		if round == 0 {
			l = New(s, Options{Key: testKey(1), Batch: 7, Every: 10})
		} else {
			f, _ := os.Open(path)
			l, err = Resume(f, s, Options{Key: testKey(1), Batch: 7, Every: 10})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		for range 25 {
			if err := l.Lookup(ctx, Lookup{Time: t0, Actor: Actor{ID: "u"}, Purpose: "export"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	f, _ := os.Open(path)
	defer f.Close()
	rep, err := Verify(f, VerifyOptions{PublicKey: testKey(1).Public().(ed25519.PublicKey), Final: true})
	if err != nil || rep.Types[TypeLookup] != 50 {
		t.Errorf("%v %+v", err, rep)
	}
}

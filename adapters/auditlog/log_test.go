package auditlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/diff"
)

// testKey is a fixed key, so that failures reproduce.
func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func stepClock() func() time.Time {
	t := t0
	return func() time.Time { t = t.Add(time.Minute); return t }
}

// sampleLog writes a log of look-ups, changes and accesses with a
// checkpoint every 5 records; it returns the log and the checkpoint copies.
func sampleLog(t testing.TB, n int) (log, copies []byte) {
	t.Helper()
	var lb, cb bytes.Buffer
	ctx := context.Background()
	l := New(NewStreamSink(&lb), Options{Key: testKey(1), Every: 5, Copy: NewStreamSink(&cb), Clock: stepClock()})
	for i := range n {
		var err error
		switch i % 4 {
		case 0, 1:
			err = l.Lookup(ctx, Lookup{Time: t0.Add(time.Duration(i) * time.Minute), Actor: Actor{ID: "u1", Name: "Ulla"}, Role: "teacher",
				SourceIP: "10.0.0.1", Purpose: "class list", Query: fmt.Sprintf("4A %d", i), Criteria: Criteria{Class: "4A"}, Persons: []string{"p1", "p2"}, Count: 2, Client: "broker-ui"})
		case 2:
			err = l.Record(ctx, diff.AuditRecord{Time: t0, Phase: diff.PhaseIntent, Op: fmt.Sprintf("r/%d", i), Actor: "sync", Action: diff.Update, Kind: diff.User, Key: "user/p1",
				Attrs: []diff.AttrChange{{Name: "mail", Before: "a@x", After: "b@x"}}})
		case 3:
			err = l.Record(ctx, diff.AuditRecord{Time: t0, Phase: diff.PhaseOutcome, Op: fmt.Sprintf("r/%d", i-1), Actor: "sync", Action: diff.Update, Kind: diff.User, Key: "user/p1", Attempts: 1})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return lb.Bytes(), cb.Bytes()
}

func lines(b []byte) [][]byte {
	return bytes.SplitAfter(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

func join(ls [][]byte) []byte {
	var out []byte
	for _, l := range ls {
		out = append(out, l...)
		if !bytes.HasSuffix(l, []byte("\n")) {
			out = append(out, '\n')
		}
	}
	return out
}

func TestVerifyIntact(t *testing.T) {
	log, copies := sampleLog(t, 23)
	rep, err := Verify(bytes.NewReader(log), VerifyOptions{PublicKey: testKey(1).Public().(ed25519.PublicKey), Copies: bytes.NewReader(copies), Final: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checkpoints != 5 || rep.Types["lookup"] != 12 || rep.Types["change"] != 11 || rep.Last != 28 {
		t.Errorf("report %+v", rep)
	}
	// diff's own verifier and resumer accept the log: one format.
	if err := diff.VerifyAuditLog(bytes.NewReader(log)); err != nil {
		t.Errorf("diff.VerifyAuditLog: %v", err)
	}
}

// TestTamper is the tamper suite: every way of tampering is found and the
// first bad record is named.
func TestTamper(t *testing.T) {
	log, copies := sampleLog(t, 23)
	pub := testKey(1).Public().(ed25519.PublicKey)
	ls := lines(log)
	edit := func(f func(ls [][]byte) [][]byte) []byte {
		c := make([][]byte, len(ls))
		for i := range ls {
			c[i] = bytes.Clone(ls[i])
		}
		return join(f(c))
	}
	// rewritten: the whole log written anew with an altered record and
	// a key the attacker has.
	var rw bytes.Buffer
	{
		l := New(NewStreamSink(&rw), Options{Key: testKey(9), Every: 5, Clock: stepClock()})
		_ = l.Lookup(context.Background(), Lookup{Time: t0, Actor: Actor{ID: "u1"}, Purpose: "class list", Count: 0})
		_ = l.Close(context.Background())
	}
	forged := func(ls [][]byte) [][]byte {
		// a checkpoint (line 6) re-signed with another key under the
		// real key's id.
		other := testKey(2)
		var x line
		mustUnmarshal(t, ls[5], &x)
		sig := ed25519.Sign(other, checkpointMessage(TypeCheckpoint, x.Upto, x.Head, x.Time))
		ls[5] = []byte(strings.Replace(string(ls[5]), x.Sig, b64(sig), 1))
		return ls
	}
	tests := []struct {
		name    string
		log     []byte
		opt     VerifyOptions
		wantSeq int64
		reason  string
	}{
		{"edited byte", edit(func(ls [][]byte) [][]byte {
			ls[6] = bytes.Replace(ls[6], []byte(`"4A 5"`), []byte(`"4B 5"`), 1)
			return ls
		}), VerifyOptions{}, 7, "altered"},
		{"deleted record", edit(func(ls [][]byte) [][]byte { return append(ls[:3], ls[4:]...) }), VerifyOptions{}, 4, "missing"},
		{"reordered pair", edit(func(ls [][]byte) [][]byte { ls[2], ls[3] = ls[3], ls[2]; return ls }), VerifyOptions{}, 3, "out of place"},
		{"truncated tail (final checkpoint)", edit(func(ls [][]byte) [][]byte { return ls[:len(ls)-2] }), VerifyOptions{PublicKey: pub, Final: true}, 27, "does not end with a checkpoint"},
		{"truncated tail at a checkpoint (copies)", edit(func(ls [][]byte) [][]byte { return ls[:18] }), VerifyOptions{PublicKey: pub, Copies: bytes.NewReader(copies)}, 19, "tail was cut off"},
		{"truncated tail (head kept elsewhere)", edit(func(ls [][]byte) [][]byte { return ls[:len(ls)-1] }), VerifyOptions{Head: hashLine(bytes.TrimSuffix(ls[len(ls)-1], []byte("\n")))}, 28, "head kept elsewhere"},
		{"forged checkpoint", edit(forged), VerifyOptions{PublicKey: pub}, 6, "forged"},
		{"rewritten with another key", rw.Bytes(), VerifyOptions{PublicKey: pub}, 2, "signed with key"},
		{"rewritten whole file (copies)", rw.Bytes(), VerifyOptions{Copies: bytes.NewReader(copies)}, 3, "cut off"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(bytes.NewReader(tc.log), tc.opt)
			var ve *VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, ErrTampered) {
				t.Fatalf("err = %v, want a VerifyError", err)
			}
			if ve.Seq != tc.wantSeq || !strings.Contains(ve.Reason, tc.reason) {
				t.Errorf("got %v; want record %d, %q", err, tc.wantSeq, tc.reason)
			}
		})
	}
}

func mustUnmarshal(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

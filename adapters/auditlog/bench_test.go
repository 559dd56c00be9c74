package auditlog

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// benchLookup is a typical look-up record (about 330 bytes as a line).
func benchLookup(i int) Lookup {
	return Lookup{Time: t0.Add(time.Duration(i) * time.Second), Actor: Actor{ID: "u" + strconv.Itoa(i%500), Name: "Ulla Underviser"}, Role: "teacher",
		SourceIP: "10.20.30.40", Purpose: "class list", Query: "4A", Criteria: Criteria{Class: "inst3/4A"},
		Persons: []string{"p" + strconv.Itoa(i%60000), "p" + strconv.Itoa((i+1)%60000)}, Count: 2, Client: "broker-ui"}
}

// appendRecords writes n look-ups to a file with fsync per batch of 1,000
// and a checkpoint every 10,000 records.
func appendRecords(tb testing.TB, path string, n int) {
	s, err := OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	l := New(s, Options{Key: testKey(1), Every: 10000, Batch: 1000, Clock: func() time.Time { return t0 }})
	for i := range n {
		if err := l.Lookup(ctx, benchLookup(i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		tb.Fatal(err)
	}
}

func verifyFile(tb testing.TB, path string) *Report {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rep, err := Verify(f, VerifyOptions{PublicKey: testKey(1).Public().(ed25519.PublicKey), Final: true})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// BenchmarkAppend: records/s appended with fsync per batch of 1,000.
func BenchmarkAppend(b *testing.B) {
	path := filepath.Join(b.TempDir(), "audit.jsonl")
	b.ResetTimer()
	appendRecords(b, path, b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkVerify: records/s verified, signatures included.
func BenchmarkVerify(b *testing.B) {
	path := filepath.Join(b.TempDir(), "audit.jsonl")
	appendRecords(b, path, 100000)
	b.ResetTimer()
	for range b.N {
		verifyFile(b, path)
	}
	b.ReportMetric(float64(b.N)*100000/b.Elapsed().Seconds(), "records/s")
}

// TestTenMillion appends 10 million look-ups (fsync per batch) to a file
// in a temporary folder and verifies it. It is opt-in
// (ORGSYNC_AUDIT_10M=1) as it writes about 3.5 GB; the numbers are in
// docs/BENCHMARKS.md.
func TestTenMillion(t *testing.T) {
	if os.Getenv("ORGSYNC_AUDIT_10M") == "" {
		t.Skip("set ORGSYNC_AUDIT_10M=1 to append and verify 10 million records")
	}
	const n = 10_000_000
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	start := time.Now()
	appendRecords(t, path, n)
	app := time.Since(start)
	fi, _ := os.Stat(path)
	start = time.Now()
	rep := verifyFile(t, path)
	ver := time.Since(start)
	if rep.Types[TypeLookup] != n {
		t.Fatalf("%+v", rep)
	}
	fmt.Printf("10M records, %.2f GB: append %v (%.0f records/s, fsync per 1,000), verify %v (%.0f records/s, %d checkpoints)\n",
		float64(fi.Size())/1e9, app.Round(time.Second), n/app.Seconds(), ver.Round(time.Second), n/ver.Seconds(), rep.Checkpoints)
}

package ad_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// BenchmarkDeltaRun compares a delta run with a full run over 20,000
// managed users under OU=bench-delta (seeded with ldapadd the first time,
// 20–40 minutes, and kept for later runs; its own OU and sAMAccountNames,
// so that it does not depend on or collide with BenchmarkRead's): in each
// iteration 10 of them are changed by hand (employeeNumber), then one
// Client reads with ReadDelta and another with Read, and both plan
// against the state before the changes (10 updates). It reports the
// read and run (read + plan) times of both and their ratios; the goal is
// a delta run in at most a twentieth of a full run. The delta's plan is
// checked to equal the full run's.
func BenchmarkDeltaRun(b *testing.B) {
	s := samba(b)
	base := "OU=bench-delta,OU=orgsync-tests," + s.base
	cfg := s.config(base)
	ctx := context.Background()
	delta, full := s.clientAt(b, cfg), s.clientAt(b, cfg)
	size := benchRead
	if v := os.Getenv("ORGSYNC_AD_BENCH_DELTA_SIZE"); v != "" {
		// Run over fewer entries while the 20,000 are still being seeded
		// (the ratio only improves with size: the delta's cost does not
		// grow with the directory, the full read's does).
		if n, err := strconv.Atoi(v); err != nil || n < 100 || n > benchRead {
			b.Fatalf("ORGSYNC_AD_BENCH_DELTA_SIZE=%q: want 100..%d", v, benchRead)
		} else {
			size = n
		}
	}
	desired, err := delta.Read(ctx)
	if err != nil {
		b.Logf("reading %s: %v (seeding it)", base, err)
	}
	if err != nil || len(desired) < size {
		if _, err := exec.LookPath("ldapadd"); err != nil {
			b.Skip("ldapadd not installed (apt-get install ldap-utils)")
		}
		b.Logf("seeding %d entries under %s (once)", benchRead, base)
		file := filepath.Join(b.TempDir(), "seed.ldif")
		if err := seedDelta(file, s.base, len(desired)); err != nil {
			b.Fatal(err)
		}
		s.ldapTool(b, devNull(b), "ldapadd", "-c", "-f", file)
		if desired, err = delta.Read(ctx); err != nil {
			b.Fatal(err)
		}
		if len(desired) < size {
			b.Fatalf("%d entries under %s after seeding, want %d", len(desired), base, benchRead)
		}
	}
	// The first delta after a full read also asks whether the account
	// sees tombstones (slow on a domain with many): reported apart, the
	// loop measures the delta runs between two full runs.
	start := time.Now()
	if _, err := delta.ReadDelta(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d managed entries under %s", len(desired), base)
	b.Logf("first delta read after a full read (with the tombstone question): %v", time.Since(start))
	conn := s.conn(b)
	defer conn.Close()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	opts := diff.Options{Now: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
	var dRead, dRun, fRead, fRun time.Duration
	var looked int64 // update sequence numbers looked up by equality
	ranged := 0      // delta reads that searched the open range
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		for i := range 10 {
			dn := "CN=" + desired[(n*37+i*1999)%len(desired)].Name + "," + base
			m := ldap.NewModifyRequest(dn, nil)
			m.Replace("employeeNumber", []string{fmt.Sprintf("bench-%s-%d-%d", run, n, i)})
			if err := conn.Modify(m); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start = time.Now()
		got, err := delta.ReadDelta(ctx)
		if err != nil {
			b.Fatal(err)
		}
		dRead += time.Since(start)
		pd, err := diff.Compute(desired, got, opts)
		if err != nil {
			b.Fatal(err)
		}
		dRun += time.Since(start)
		if !ad.LastReadWasDelta(delta) {
			b.Fatal("ReadDelta read everything")
		}
		if l := ad.DeltaLookups(delta); l < 0 {
			ranged++
		} else {
			looked += l
		}
		b.StopTimer()
		start = time.Now()
		all, err := full.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		fRead += time.Since(start)
		pf, err := diff.Compute(desired, all, opts)
		if err != nil {
			b.Fatal(err)
		}
		fRun += time.Since(start)
		if len(pd.Changes) != len(pf.Changes) || len(pd.Changes) < 10 {
			b.Fatalf("delta plan %d changes, full plan %d", len(pd.Changes), len(pf.Changes))
		}
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(n) }
	b.ReportMetric(per(dRead), "delta-read-s")
	b.ReportMetric(per(fRead), "full-read-s")
	b.ReportMetric(per(dRun), "delta-run-s")
	b.ReportMetric(per(fRun), "full-run-s")
	b.ReportMetric(fRun.Seconds()/dRun.Seconds(), "run-ratio")
	b.ReportMetric(fRead.Seconds()/dRead.Seconds(), "read-ratio")
	b.Logf("%d delta reads: %d by equality (%.0f USNs each), %d by range search", n, n-ranged, float64(looked)/float64(max(n-ranged, 1)), ranged)
}

// seedDelta writes the LDIF that gives OU=bench-delta its 20,000 users
// (disabled, no password, so seeding is quicker), from the OUs up; have
// entries are there already (ldapadd -c skips those that exist).
func seedDelta(path, domain string, have int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	base := "OU=bench-delta,OU=orgsync-tests," + domain
	fmt.Fprintf(w, "dn: OU=orgsync-tests,%s\nobjectClass: organizationalUnit\n\ndn: %s\nobjectClass: organizationalUnit\n\n", domain, base)
	for i := max(have-1, 0); i < benchRead; i++ {
		fmt.Fprintf(w, "dn: CN=Delta %06d,%s\nobjectClass: user\nsAMAccountName: delta%06d\nuserAccountControl: 514\n"+
			"givenName: Delta\nsn: %06d\ndisplayName: Delta %06d\nemployeeType: student\ndepartmentNumber: 280017\n"+
			"extensionName: @home=\nextensionName: level=4\nadminDescription: orgsync:user/delta%06d\n\n", i, base, i, i, i, i)
	}
	return w.Flush()
}

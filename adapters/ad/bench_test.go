package ad_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
)

// Benchmarks against the same Samba, in the same run, as the OpenLDAP
// command-line tools. Run with -benchtime=1x; see docs/bench/ad.md.

const (
	benchClasses = 50 // class groups; every user is in one and in "all"
	benchRead    = 20000
	// benchConcurrency is diff.ApplyOptions.Concurrency of the create
	// benchmark, as in examples/ad-sync: high, so that the member changes
	// of one group pile up into few large modifies; the Client itself
	// keeps only a few requests per connection on the wire.
	benchConcurrency = 1024
)

// benchUsers is the number of users created per run: 5,000, or
// $ORGSYNC_BENCH_USERS for a quicker look.
var benchUsers = func() int {
	if n, err := strconv.Atoi(os.Getenv("ORGSYNC_BENCH_USERS")); err == nil && n > 0 {
		return n
	}
	return 5000
}()

// benchObjects returns the desired objects of the create benchmark: one
// OU, benchUsers users, one group of all users and benchClasses class
// groups.
func benchObjects(prefix string) []diff.Object {
	objs := []diff.Object{{Kind: diff.Container, Key: "ou/bench", Name: "bench"}}
	all := diff.Object{Kind: diff.Group, Key: "group/all", Name: "Alle elever", Parent: "ou/bench"}
	classes := make([]diff.Object, benchClasses)
	for i := range classes {
		classes[i] = diff.Object{Kind: diff.Group, Key: fmt.Sprintf("group/class/%02d", i), Name: fmt.Sprintf("klasse %02d", i), Parent: "ou/bench"}
	}
	for i := range benchUsers {
		username := fmt.Sprintf("%s%05d", prefix, i)
		u := diff.Object{Kind: diff.User, Key: fmt.Sprintf("user/%d", i), Parent: "ou/bench",
			Name: fmt.Sprintf("Elev Nummer%d (%s)", i, username),
			Attrs: diff.AttrsFrom(map[string]string{"username": username, "givenName": "Elev", "familyName": fmt.Sprintf("Nummer%d", i),
				"displayName": fmt.Sprintf("Elev Nummer%d", i), "globalRole": "student", "roles": "Elev",
				"institutions": "280017", "uniId": "uni" + username})}
		objs = append(objs, u)
		all.Members = append(all.Members, u.Key)
		c := &classes[i%benchClasses]
		c.Members = append(c.Members, u.Key)
	}
	objs = append(objs, all)
	objs = append(objs, classes...)
	for i := range objs {
		slices.Sort(objs[i].Members)
	}
	return objs
}

// ldif writes the same objects as LDIF files for ldapadd, under the
// existing entry base: the same attributes the adapter writes, the groups
// (into groupPath) with their members inline, the cheapest way for
// ldapadd; everything else into path.
func ldif(path, groupPath, base string, objs []diff.Object) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gf, err := os.Create(groupPath)
	if err != nil {
		return err
	}
	defer gf.Close()
	uw, gw := bufio.NewWriter(f), bufio.NewWriter(gf)
	dn := map[string]string{"": base}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, o := range objs {
		w := uw
		if o.Kind == diff.Group {
			w = gw
		}
		rdn := "CN="
		if o.Kind == diff.Container {
			rdn = "OU="
		}
		dn[o.Key] = rdn + naming.EscapeDN(o.Name) + "," + dn[o.Parent]
		fmt.Fprintf(w, "dn:: %s\nadminDescription: orgsync:%s\n", b64(dn[o.Key]), o.Key)
		switch o.Kind {
		case diff.Container:
			fmt.Fprintf(w, "objectClass: top\nobjectClass: organizationalUnit\n")
		case diff.Group:
			fmt.Fprintf(w, "objectClass: top\nobjectClass: group\ngroupType: -2147483646\n")
			for _, m := range o.Members {
				fmt.Fprintf(w, "member:: %s\n", b64(dn[m]))
			}
		case diff.User:
			pw, err := naming.Password(nil, naming.PasswordPolicy{})
			if err != nil {
				return err
			}
			u := utf16.Encode([]rune(`"` + pw + `"`))
			raw := make([]byte, 2*len(u))
			for i, c := range u {
				raw[2*i], raw[2*i+1] = byte(c), byte(c>>8)
			}
			a := o.Attrs.Map()
			fmt.Fprintf(w, "objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n")
			fmt.Fprintf(w, "sAMAccountName: %s\nuserPrincipalName: %s@skole.test\ngivenName: %s\nsn: %s\ndisplayName: %s\n",
				a["username"], a["username"], a["givenName"], a["familyName"], a["displayName"])
			fmt.Fprintf(w, "employeeType: %s\nbusinessCategory: %s\ndepartmentNumber: %s\nemployeeNumber: %s\nextensionName: @home=%s\n",
				a["globalRole"], a["roles"], a["institutions"], a["uniId"], o.Parent)
			fmt.Fprintf(w, "unicodePwd:: %s\npwdLastSet: 0\nuserAccountControl: 512\n", base64.StdEncoding.EncodeToString(raw))
		}
		fmt.Fprintln(w)
	}
	if err := uw.Flush(); err != nil {
		return err
	}
	return gw.Flush()
}

// ldapTool runs ldapadd/ldapsearch against the test server on one
// connection and returns how long it took.
func (s server) ldapTool(tb testing.TB, stdout *os.File, name string, args ...string) time.Duration {
	tb.Helper()
	full := append([]string{"-H", s.url, "-x", "-D", s.bind, "-w", s.password}, args...)
	cmd := exec.Command(name, full...)
	cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+s.ca)
	cmd.Stdout = stdout
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	return time.Since(start)
}

func devNull(tb testing.TB) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// createRuns counts BenchmarkCreateUsers iterations in this process.
var createRuns atomic.Int32

// BenchmarkCreateUsers creates 5,000 users, 51 groups and 10,000
// memberships with diff.Apply through the adapter, and the same objects
// with ldapadd from an LDIF file on one connection, in fresh OUs. It
// reports both throughputs (objects per second, memberships not counted)
// and their ratio (ours / ldapadd; > 1 means faster).
func BenchmarkCreateUsers(b *testing.B) {
	s := samba(b)
	if _, err := exec.LookPath("ldapadd"); err != nil {
		b.Skip("ldapadd not installed (apt-get install ldap-utils)")
	}
	ctx := context.Background()
	var ours, theirs time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		rnd := make([]byte, 2)
		_, _ = rand.Read(rnd)
		prefix := fmt.Sprintf("b%x%d", rnd, i)
		objs := benchObjects(prefix + "a")
		n = len(objs)
		adapter := func() {
			c := s.clientAt(b, s.config(s.testOU(b, "bench-create")))
			plan, err := diff.Compute(objs, nil, diff.Options{Now: time.Now()})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			var mu sync.Mutex
			stageStart, stage, count := start, 1, 0
			rep, err := diff.Apply(ctx, c, plan, diff.ApplyOptions{Concurrency: benchConcurrency, Backoff: 50 * time.Millisecond,
				Progress: func(p diff.Progress) {
					mu.Lock()
					defer mu.Unlock()
					if p.Stage != stage {
						b.Logf("stage %d: %d changes in %v", stage, count, time.Since(stageStart))
						stage, stageStart, count = p.Stage, time.Now(), 0
					}
					count++
					if p.Done == p.Total {
						b.Logf("stage %d: %d changes in %v", stage, count, time.Since(stageStart))
					}
				}})
			if err != nil {
				b.Fatalf("Apply: %v\n%s", err, firstFailures(rep))
			}
			ours += time.Since(start)
			retries := 0
			for _, r := range rep.Results {
				retries += max(r.Attempts-1, 0)
			}
			b.Logf("adapter: %d changes in %v, %d retries", len(plan.Changes), time.Since(start), retries)
		}
		reference := func() {
			b.StopTimer()
			defer b.StartTimer()
			base := s.testOU(b, "bench-ldapadd")
			rdn, parent, _ := strings.Cut(base, ",")
			// Two files, users then groups, timed separately for the log;
			// the extra connection costs ldapadd a few milliseconds.
			dir := b.TempDir()
			users, groups := filepath.Join(dir, "users.ldif"), filepath.Join(dir, "groups.ldif")
			if err := ldif(users, groups, parent, append([]diff.Object{{Kind: diff.Container, Key: "base", Name: strings.TrimPrefix(rdn, "OU=")}},
				rebase(benchObjects(prefix+"b"))...)); err != nil {
				b.Fatal(err)
			}
			tu := s.ldapTool(b, devNull(b), "ldapadd", "-f", users)
			tg := s.ldapTool(b, devNull(b), "ldapadd", "-f", groups)
			b.Logf("ldapadd: OU and users %v, groups with members %v", tu, tg)
			theirs += tu + tg
		}
		// Every add makes the next one dearer (Samba's index records
		// grow), so whoever runs second pays more: alternate the order
		// from run to run (-count=2 or more evens it out), starting with
		// ldapadd when ORGSYNC_BENCH_LDAPADD_FIRST is set.
		first := int32(1)
		if os.Getenv("ORGSYNC_BENCH_LDAPADD_FIRST") != "" {
			first = 0
		}
		if createRuns.Add(1)%2 == first {
			adapter()
			reference()
		} else {
			b.Log("ldapadd first this time")
			reference()
			adapter()
		}
	}
	b.ReportMetric(float64(n*b.N)/ours.Seconds(), "objects/s")
	b.ReportMetric(float64(n*b.N)/theirs.Seconds(), "ldapadd-objects/s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "ratio")
	b.Logf("%d objects x %d: adapter %v, ldapadd %v, ratio %.3f", n, b.N, ours, theirs, theirs.Seconds()/ours.Seconds())
}

// rebase puts the benchmark objects under the container "base" (the test
// OU itself, which the LDIF creates first).
func rebase(objs []diff.Object) []diff.Object {
	for i := range objs {
		if objs[i].Parent == "" {
			objs[i].Parent = "base"
		}
	}
	return objs
}

// BenchmarkRead reads 20,000 managed users with the adapter's paged
// Read, and the same entries and attributes with ldapsearch's paged
// search (-E pr=1000) into /dev/null. The entries are seeded once under
// OU=bench-read,OU=orgsync-tests and kept for later runs.
func BenchmarkRead(b *testing.B) {
	s := samba(b)
	if _, err := exec.LookPath("ldapsearch"); err != nil {
		b.Skip("ldapsearch not installed (apt-get install ldap-utils)")
	}
	base := "OU=bench-read,OU=orgsync-tests," + s.base
	cfg := s.config(base)
	ctx := context.Background()
	c := s.clientAt(b, cfg)
	objs, err := c.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if len(objs) < benchRead {
		b.Logf("seeding %d entries under %s (once)", benchRead, base)
		file := filepath.Join(b.TempDir(), "seed.ldif")
		if err := seed(file, base, len(objs)); err != nil {
			b.Fatal(err)
		}
		s.ldapTool(b, devNull(b), "ldapadd", "-c", "-f", file)
	}
	attrs := []string{"objectClass", "objectGUID", "name", "userAccountControl", "member", "adminDescription",
		"extensionName", "sAMAccountName", "givenName", "sn", "displayName", "mail", "title", "employeeID",
		"departmentNumber", "employeeNumber", "businessCategory", "employeeType", "division", "adminDisplayName"}
	var ours, theirs, cpu time.Duration
	for b.Loop() {
		start, cpuStart := time.Now(), cpuTime()
		objs, err = c.Read(ctx)
		ours += time.Since(start)
		cpu += cpuTime() - cpuStart
		if err != nil {
			b.Fatal(err)
		}
		if len(objs) < benchRead {
			b.Fatalf("read %d objects, want %d", len(objs), benchRead)
		}
		b.StopTimer()
		theirs += s.ldapTool(b, devNull(b), "ldapsearch", append([]string{"-LLL", "-E", "pr=1000/noprompt", "-b", base,
			"(|(adminDescription=orgsync:*)(&(objectCategory=person)(objectClass=user)(employeeID=*)))"}, attrs...)...)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(objs)*b.N)/ours.Seconds(), "entries/s")
	b.ReportMetric(float64(len(objs)*b.N)/theirs.Seconds(), "ldapsearch-entries/s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "ratio")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "client-cpu-s/read")
	b.Logf("%d entries x %d: adapter %v (client CPU %v), ldapsearch %v, ratio %.3f", len(objs), b.N, ours, cpu, theirs, theirs.Seconds()/ours.Seconds())
}

// seed writes benchRead-have users (disabled, no password, so seeding is
// quicker) under base, which exists.
func seed(path, base string, have int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for i := have; i < benchRead; i++ {
		fmt.Fprintf(w, "dn: CN=Seed %06d,%s\nobjectClass: user\nsAMAccountName: seed%06d\nuserAccountControl: 514\n"+
			"givenName: Seed\nsn: %06d\ndisplayName: Seed %06d\nemployeeType: student\ndepartmentNumber: 280017\n"+
			"extensionName: @home=\nextensionName: level=4\nadminDescription: orgsync:user/seed%06d\n\n", i, base, i, i, i, i)
	}
	return w.Flush()
}

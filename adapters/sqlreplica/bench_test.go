package sqlreplica

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/mariadbtest"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// loadDataFiles writes the rows of objs as one tab-separated file per
// table (and one for memberships), in the replica's column order, and
// returns the LOAD DATA statements for them.
func loadDataFiles(t testing.TB, dir string, objs []diff.Object) string {
	t.Helper()
	var stmts []string
	esc := strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n")
	for _, tb := range tables {
		path := filepath.Join(dir, tb.name+".tsv")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		cols := []string{"obj_key", "name", "institution"}
		for _, c := range tb.cols {
			cols = append(cols, c.name)
		}
		for _, o := range objs {
			if o.Kind != tb.kind {
				continue
			}
			fields := []string{esc.Replace(o.Key), esc.Replace(o.Name), o.Institution}
			for _, c := range tb.cols {
				v := o.Attrs.Get(c.attr)
				switch {
				case c.typ == date && v == "":
					v = `\N`
				case c.typ == boolean:
					v = map[bool]string{true: "1", false: "0"}[v == "true"]
				}
				fields = append(fields, esc.Replace(v))
			}
			w.WriteString(strings.Join(fields, "\t") + "\n")
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		stmts = append(stmts, fmt.Sprintf("LOAD DATA LOCAL INFILE '%s' INTO TABLE %s CHARACTER SET utf8mb4 (%s)", path, tb.name, strings.Join(cols, ", ")))
	}
	path := filepath.Join(dir, "memberships.tsv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, o := range objs {
		for _, m := range o.Members {
			w.WriteString(o.Key + "\t" + m + "\n")
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	stmts = append(stmts, fmt.Sprintf("LOAD DATA LOCAL INFILE '%s' INTO TABLE memberships (group_key, member_key)", path))
	return strings.Join(stmts, ";\n") + ";\n"
}

// BenchmarkReplica60k times, in one run on the same MariaDB, the first
// load of a 60,000-person municipality through Sync, the same rows loaded
// with the mariadb client and LOAD DATA LOCAL INFILE into an empty schema,
// and a Sync after 1 % of the persons changed: by the same Replica (a
// long-lived process, delta read) and by a new one (full read). Run with
// -benchtime 1x.
// ORGSYNC_REPLICA_BENCH_PERSONS overrides the size.
func BenchmarkReplica60k(b *testing.B) {
	persons := 60_000
	if v := os.Getenv("ORGSYNC_REPLICA_BENCH_PERSONS"); v != "" {
		fmt.Sscan(v, &persons)
	}
	client, err := exec.LookPath("mariadb")
	if err != nil {
		b.Skip("no mariadb client")
	}
	s := synth.Generate(synth.Config{Seed: 1, Persons: persons})
	at := synth.ReferenceTime(s.SchoolYear)
	ctx := context.Background()
	for b.Loop() {
		// LOAD DATA into an empty schema.
		tdb := mariadbtest.New(b, "orgsync_replica_")
		dbL := tdb.DB
		if err := Migrate(ctx, dbL); err != nil {
			b.Fatal(err)
		}
		name, cfg := tdb.Name, tdb.Config
		host, port, _ := strings.Cut(cfg.Addr, ":")
		dir := b.TempDir()
		start := time.Now()
		objs := (&Replica{}).Prepare(Objects(s, at, Options{}))
		sqlText := loadDataFiles(b, dir, objs)
		cmd := exec.Command(client, "--local-infile=1", "--protocol=tcp", "-h", host, "-P", port, "-u", cfg.User, name)
		cmd.Stdin = strings.NewReader(sqlText)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("mariadb: %v: %s", err, out)
		}
		loadData := time.Since(start)
		rowsL := count(b, dbL, "SELECT (SELECT COUNT(*) FROM persons) + (SELECT COUNT(*) FROM affiliations) + (SELECT COUNT(*) FROM memberships)")

		// First load through plan/apply.
		db := newDB(b)
		r, err := Open(ctx, db, Options{})
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		plan, rep, err := Sync(ctx, r, s, at, SyncOptions{})
		if err != nil {
			b.Fatal(err)
		}
		first := time.Since(start)
		if rep.Failed > 0 {
			b.Fatalf("%d failed", rep.Failed)
		}
		// The first plan and report are not kept (a long-lived process drops
		// them too): they would only add to the collector's work during the
		// update.
		firstChanges := len(plan.Changes)
		plan, rep = nil, nil
		rowsS := count(b, db, "SELECT (SELECT COUNT(*) FROM persons) + (SELECT COUNT(*) FROM affiliations) + (SELECT COUNT(*) FROM memberships)")
		if rowsS != rowsL {
			b.Fatalf("sync wrote %d rows, LOAD DATA %d", rowsS, rowsL)
		}

		// 1 % of the persons change their e-mail address.
		s2 := *s
		s2.Persons = slices.Clone(s.Persons)
		for i := 0; i < len(s2.Persons); i += 100 {
			s2.Persons[i].Email = fmt.Sprintf("new%d@example.dk", i)
		}
		s2.Persons = slices.Clip(s2.Persons)
		start = time.Now()
		cpu := processCPU()
		// Sync's steps, timed one by one.
		desired := r.Prepare(Objects(&s2, at, r.opt))
		tProject := time.Now()
		projectCPU := processCPU() - cpu
		actual, err := r.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		tRead := time.Now()
		plan2, err := diff.Compute(desired, actual, diff.Options{Now: at})
		if err != nil {
			b.Fatal(err)
		}
		tPlan := time.Now()
		if rep, err := diff.Apply(ctx, r, plan2, diff.ApplyOptions{Concurrency: 4096}); err != nil || rep.Failed > 0 {
			b.Fatal(err)
		}
		update := time.Since(start)
		b.ReportMetric(tProject.Sub(start).Seconds(), "update-project-s")
		b.ReportMetric(projectCPU.Seconds(), "update-project-cpu-s")
		b.ReportMetric(tRead.Sub(tProject).Seconds(), "update-read-s")
		b.ReportMetric(tPlan.Sub(tRead).Seconds(), "update-plan-s")
		b.ReportMetric(time.Since(tPlan).Seconds(), "update-apply-s")
		updateCPU := processCPU() - cpu
		if st := r.LastRead(); st.Full {
			b.Errorf("the update read every table (%s), want a delta read", st.Reason)
		}
		// What remembering the rows costs: the heap with and without.
		actual, desired = nil, nil
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		with := ms.HeapAlloc
		r.ForgetRows()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric((float64(with)-float64(ms.HeapAlloc))/(1<<20), "remembered-MB")
		// The same update by a process that starts afresh (a cron job):
		// it reads every table.
		r2, err := Open(ctx, db, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(s2.Persons); i += 100 {
			s2.Persons[i].Email = fmt.Sprintf("newer%d@example.dk", i)
		}
		start = time.Now()
		if _, _, err := Sync(ctx, r2, &s2, at, SyncOptions{}); err != nil {
			b.Fatal(err)
		}
		updateFull := time.Since(start)
		b.ReportMetric(updateFull.Seconds(), "update1pct-fullread-s")
		b.ReportMetric(loadData.Seconds(), "loaddata-s")
		b.ReportMetric(first.Seconds(), "firstload-s")
		b.ReportMetric(update.Seconds(), "update1pct-s")
		b.ReportMetric(updateCPU.Seconds(), "update-client-cpu-s")
		b.ReportMetric(float64(firstChanges), "first-changes")
		b.ReportMetric(float64(len(plan2.Changes)), "update-changes")
		b.ReportMetric(float64(rowsS), "rows")
	}
}

// BenchmarkObjects60k is the projection of a 60,000-person municipality
// onto the replica's rows.
func BenchmarkObjects60k(b *testing.B) {
	s := synth.Generate(synth.Medium)
	at := synth.ReferenceTime(s.SchoolYear)
	b.ReportAllocs()
	for b.Loop() {
		_ = Objects(s, at, Options{})
	}
}

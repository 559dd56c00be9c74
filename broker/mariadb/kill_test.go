package mariadb

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// The kill test runs broker instances as child processes: the test binary
// itself, started with ORGSYNC_KILL_CHILD set, runs killChild instead of
// the tests.
func TestMain(m *testing.M) {
	if os.Getenv("ORGSYNC_KILL_CHILD") != "" {
		if err := killChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fileDir is the directory both instances keep in step: a memdir whose
// applied changes are appended to a journal file (so a change survives a
// SIGKILL once Apply returned, as on a directory server), replayed by
// every Read (the other instance may have changed it). memdir numbers new
// objects in order, so the replay gives the same IDs. Each change takes
// delay, so that a kill lands mid-apply.
type fileDir struct {
	path  string
	delay time.Duration
	mu    sync.Mutex
	d     *memdir.Dir
}

func (f *fileDir) load(ctx context.Context) (*memdir.Dir, error) {
	d := memdir.New()
	raw, err := os.ReadFile(f.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for line := range bytes.Lines(raw) {
		var c diff.Change
		if err := json.Unmarshal(line, &c); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		if err := d.Apply(ctx, c); err != nil {
			return nil, fmt.Errorf("journal replay: %w", err)
		}
	}
	return d, nil
}

func (f *fileDir) Read(ctx context.Context) ([]diff.Object, error) {
	d, err := f.load(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.d = d
	f.mu.Unlock()
	return d.Read(ctx)
}

func (f *fileDir) Apply(ctx context.Context, c diff.Change) error {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.d.Apply(ctx, c); err != nil {
		return err
	}
	line, err := json.Marshal(c)
	if err != nil {
		return err
	}
	j, err := os.OpenFile(f.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer j.Close()
	_, err = j.Write(append(line, '\n'))
	return err
}

// killClient is the one client of the kill test, the same in the parent
// and the children.
func killClient(dir string, delay time.Duration) broker.Client {
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	cfg.AuditLog = filepath.Join(dir, "audit.jsonl")
	return broker.Client{Name: "dir", Target: &fileDir{path: filepath.Join(dir, "dir.jsonl"), delay: delay},
		Config: cfg, Delta: time.Hour, FullSyncHour: -1}
}

// killTTL is the instances' lease TTL: 2 s by default, so that a live
// instance whose renewals stall on a loaded CI machine does not lose its
// lease; ORGSYNC_KILL_TTL sets another (docs/SCALE.md's figures: 1s).
func killTTL() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("ORGSYNC_KILL_TTL")); err == nil && d > 0 {
		return d
	}
	return 2 * time.Second
}

// killChild is one broker instance: it ticks every 20 ms with leases of
// killTTL() judged by the database's clock, writes <holder>.took (the Unix
// nanoseconds) when it first holds the client and <holder>.converged
// after a successful run with nothing left to do.
func killChild() error {
	ctx := context.Background()
	dir, holder := os.Getenv("ORGSYNC_KILL_DIR"), os.Getenv("ORGSYNC_KILL_CHILD")
	db, err := sql.Open("mysql", os.Getenv("ORGSYNC_KILL_DSN"))
	if err != nil {
		return err
	}
	s, err := Open(ctx, db)
	if err != nil {
		return err
	}
	quiet := slog.New(slog.DiscardHandler)
	l := s.NewLeases(holder, killTTL())
	l.Renew, l.Log = killTTL()/5, quiet
	var once sync.Once
	took := func() {
		once.Do(func() {
			_ = os.WriteFile(filepath.Join(dir, holder+".took"), []byte(strconv.FormatInt(time.Now().UnixNano(), 10)), 0o600)
		})
	}
	b, err := broker.New(ctx, broker.Options{Store: s, Log: quiet, Leases: tookLeaser{l, took},
		OnRun: func(_ string, rep *broker.RunReport) {
			if rep.Error == "" && rep.Planned == 0 {
				_ = os.WriteFile(filepath.Join(dir, holder+".converged"), nil, 0o600)
			}
		}}, killClient(dir, time.Millisecond))
	if err != nil {
		return err
	}
	for {
		b.Tick(ctx)
		if _, err := b.Run(ctx, "dir"); err != nil && !errors.Is(err, broker.ErrLeased) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tookLeaser tells took when a Hold succeeds.
type tookLeaser struct {
	l    *Leases
	took func()
}

func (t tookLeaser) Hold(ctx context.Context, client string) (context.Context, func(), error) {
	h, done, err := t.l.Hold(ctx, client)
	if err == nil {
		t.took()
	}
	return h, done, err
}

// TestKillMidApply: instance a applies the client while instance b stands
// by; a is killed (SIGKILL) after a seed-chosen number of audit records;
// b takes the client over once a's lease expired and converges. Then
// nothing is lost (the plan is empty), nothing was created twice, the
// audit log verifies, no intent is left open and every object has its
// audited create. The hand-over time (kill to b holding the lease) is
// logged; docs/SCALE.md records it.
func TestKillMidApply(t *testing.T) {
	if testing.Short() {
		t.Skip("starts broker processes")
	}
	seeds := 3
	if n, err := strconv.Atoi(os.Getenv("ORGSYNC_KILL_SEEDS")); err == nil {
		seeds = n
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { killOnce(t, uint64(seed)) })
	}
}

func killOnce(t *testing.T, seed uint64) {
	ctx := context.Background()
	db, dsn := newDBDSN(t)
	s, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	snap := synth.Generate(synth.Config{Seed: 3, Persons: 60, Schools: 1, Daycares: 1, FUs: -1})
	// The parent gives the source and learns the plan's size.
	p, err := broker.New(ctx, broker.Options{Store: s, Log: slog.New(slog.DiscardHandler)}, killClient(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	pend, err := p.Pending(ctx, "dir")
	if err != nil {
		t.Fatal(err)
	}
	n := len(pend.Plan.Changes)
	killAt := 1 + rand.New(rand.NewPCG(seed, 20)).IntN(2*n-1) // audit lines: an intent and an outcome per change

	start := func(holder string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ORGSYNC_KILL_CHILD="+holder, "ORGSYNC_KILL_DIR="+dir, "ORGSYNC_KILL_DSN="+dsn)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); !ok(); time.Sleep(2 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("seed %d: timed out waiting for %s", seed, what)
			}
		}
	}
	exists := func(name string) bool { _, err := os.Stat(filepath.Join(dir, name)); return err == nil }
	auditLines := func() int {
		b, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
		return bytes.Count(b, []byte("\n"))
	}
	a := start("a")
	waitFor("a to hold the client", func() bool { return exists("a.took") })
	b := start("b")
	waitFor("a's audit records", func() bool { return auditLines() >= killAt || exists("a.converged") })
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	_ = a.Wait()
	if exists("a.converged") {
		t.Logf("seed %d: a finished before the kill (at %d of ~%d audit lines)", seed, killAt, 2*n)
	}
	waitFor("b to converge", func() bool { return exists("b.converged") })
	raw, err := os.ReadFile(filepath.Join(dir, "b.took"))
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := strconv.ParseInt(string(raw), 10, 64)
	t.Logf("seed %d: killed at audit line %d of ~%d; lease handed over %v after the kill (TTL %v)", seed, killAt, 2*n, time.Unix(0, ns).Sub(killed).Round(time.Millisecond), killTTL())

	// Stop b before checking.
	_ = b.Process.Kill()
	_ = b.Wait()
	log, err := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := diff.VerifyAuditLog(bytes.NewReader(log)); err != nil {
		t.Fatalf("seed %d: audit log: %v", seed, err)
	}
	if open, _ := diff.OpenIntents(bytes.NewReader(log)); len(open) != 0 {
		t.Errorf("seed %d: %d intents left open", seed, len(open))
	}
	created, twice := auditedCreates(t, log)
	for _, k := range twice {
		t.Errorf("seed %d: %s created twice", seed, k)
	}
	d, err := (&fileDir{path: filepath.Join(dir, "dir.jsonl")}).load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range d.Objects() {
		if !created[o.Key] {
			t.Errorf("seed %d: %s exists without an audited create", seed, o.Key)
		}
	}
	pend, err = p.Pending(ctx, "dir")
	if err != nil {
		t.Fatal(err)
	}
	if !pend.Plan.Empty() {
		t.Errorf("seed %d: plan after take-over not empty: %s", seed, pend.Plan.Summary())
	}
}

// auditedCreates returns the keys whose create the log records as
// applied, and the keys recorded as created more than once.
func auditedCreates(t *testing.T, log []byte) (map[string]bool, []string) {
	t.Helper()
	intents := map[string]string{}
	out := map[string]bool{}
	var twice []string
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r diff.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Action != diff.Create {
			continue
		}
		switch r.Phase {
		case diff.PhaseIntent:
			intents[r.Op] = r.Key
		case diff.PhaseOutcome:
			if r.Err == "" && intents[r.Op] == r.Key {
				if out[r.Key] {
					twice = append(twice, r.Key)
				}
				out[r.Key] = true
			}
		}
	}
	return out, twice
}

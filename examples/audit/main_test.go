package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
)

// quickstartLog runs the quickstart (three provision runs, a refused plan
// and a year roll) and returns the path of the audit log it wrote.
func quickstartLog(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the quickstart")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "../quickstart", "-dir", filepath.Join(dir, "qs"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("quickstart: %v\n%s", err, out)
	}
	return filepath.Join(dir, "qs", "audit.jsonl")
}

func runAudit(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String() + errb.String()
}

// TestVerifyQuickstartLog: the log provision writes (the quickstart's and,
// through the same provision.Job, the starter binaries') verifies, and
// each tampered variant is rejected naming its first bad record.
func TestVerifyQuickstartLog(t *testing.T) {
	path := quickstartLog(t)
	if code, out := runAudit(t, "verify", path); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("intact log: exit %d\n%s", code, out)
	}
	log, _ := os.ReadFile(path)
	ls := strings.SplitAfter(strings.TrimSuffix(string(log), "\n"), "\n")
	if len(ls) < 10 {
		t.Fatalf("only %d records", len(ls))
	}
	last := ls[len(ls)-1]
	if !strings.HasSuffix(last, "\n") {
		last += "\n"
	}
	head := auditlogHead(t, log)
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		lines []string
		args  []string
		want  string
	}{
		{"edited byte", edit(ls, 4, func(s string) string { return strings.Replace(s, `"actor":"quickstart"`, `"actor":"quickstarT"`, 1) }), nil, "first bad record 5:"},
		{"deleted record", append(append([]string{}, ls[:4]...), ls[5:]...), nil, "first bad record 5:"},
		{"reordered pair", swap(ls, 6, 7), nil, "first bad record 7:"},
		{"truncated tail", ls[:len(ls)-3], []string{"-head", head}, "first bad record " + itoa(len(ls)-2) + ":"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.WriteFile(f, []byte(strings.Join(tc.lines, "")), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out := runAudit(t, append(append([]string{"verify"}, tc.args...), f)...)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want 1 and %q:\n%s", code, tc.want, out)
			}
		})
	}
}

// TestSignedLogCommands: keygen, a signed log with copies, verify with the
// key, a forged checkpoint, erase.
func TestSignedLogCommands(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "audit.key")
	if code, out := runAudit(t, "keygen", "-out", key); code != 0 {
		t.Fatal(out)
	}
	priv, err := readPrivate(key)
	if err != nil {
		t.Fatal(err)
	}
	path, cps := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "checkpoints.jsonl")
	sink, _ := auditlog.OpenFile(path)
	copySink, _ := auditlog.OpenFile(cps)
	l := auditlog.New(sink, auditlog.Options{Key: priv, Every: 10, Copy: copySink})
	ctx := context.Background()
	for i := range 45 {
		if err := l.Lookup(ctx, auditlog.Lookup{Time: time.Now(), Actor: auditlog.Actor{ID: "u" + itoa(i%3)}, Purpose: "class list", Count: 1, Persons: []string{"p1"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	sink.Close()
	copySink.Close()
	if code, out := runAudit(t, "verify", "-pub", key+".pub", "-copies", cps, "-final", path); code != 0 || strings.Contains(out, "not checked") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	b, _ := os.ReadFile(path)
	ls := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
	forged := edit(ls, 10, func(s string) string { return strings.Replace(s, `"upto":10`, `"upto":10 `, 1) }) // same data, other bytes
	forged = edit(forged, 10, func(s string) string { i := strings.Index(s, `"sig":"`) + 7; return s[:i] + "AAAA" + s[i+4:] })
	bad := filepath.Join(dir, "forged.jsonl")
	os.WriteFile(bad, []byte(strings.Join(forged, "")), 0o600)
	if code, out := runAudit(t, "verify", "-pub", key+".pub", bad); code != 1 || !strings.Contains(out, "first bad record 11: checkpoint") {
		t.Errorf("forged checkpoint: exit %d\n%s", code, out)
	}
	cut := filepath.Join(dir, "cut.jsonl")
	os.WriteFile(cut, []byte(strings.Join(ls[:33], "")), 0o600)
	if code, out := runAudit(t, "verify", "-pub", key+".pub", "-copies", cps, cut); code != 1 || !strings.Contains(out, "first bad record 34:") {
		t.Errorf("cut at a checkpoint: exit %d\n%s", code, out)
	}
	erased := filepath.Join(dir, "erased.jsonl")
	if code, out := runAudit(t, "erase", "-key", key, "-upto", "20", path, erased); code != 0 {
		t.Fatal(out)
	}
	if code, out := runAudit(t, "verify", "-pub", key+".pub", "-final", erased); code != 0 || !strings.Contains(out, "erased up to 20") {
		t.Errorf("erased: exit %d\n%s", code, out)
	}
	if code, _ := runAudit(t, "verify", "/nonexistent"); code != exitInput {
		t.Errorf("missing file: exit %d", code)
	}
}

func auditlogHead(t *testing.T, log []byte) string {
	rep, err := auditlog.Verify(bytes.NewReader(log), auditlog.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Head
}

func edit(ls []string, i int, f func(string) string) []string {
	c := append([]string{}, ls...)
	c[i] = f(c[i])
	return c
}

func swap(ls []string, i, j int) []string {
	c := append([]string{}, ls...)
	c[i], c[j] = c[j], c[i]
	return c
}

func itoa(i int) string { return strconv.Itoa(i) }

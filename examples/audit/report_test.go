package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/anomaly"
)

// TestReportAndSpotCheck: a teacher is refused, the privacy officer gets
// the report and a sample, and every attempt is in the access log.
func TestReportAndSpotCheck(t *testing.T) {
	dir := t.TempDir()
	path, access, dirFile := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "access.jsonl"), filepath.Join(dir, "dir.json")
	sink, _ := auditlog.OpenFile(path)
	l := auditlog.New(sink, auditlog.Options{})
	ctx := context.Background()
	t1 := time.Date(2026, 11, 3, 10, 0, 0, 0, time.Local)
	for i := range 30 {
		p := "p" + itoa(i)
		if err := l.Lookup(ctx, auditlog.Lookup{Time: t1.Add(time.Duration(i) * time.Minute), Actor: auditlog.Actor{ID: "t1"}, Purpose: "support case",
			Criteria: auditlog.Criteria{PersonID: p}, Persons: []string{p}, Count: 1}); err != nil {
			t.Fatal(err)
		}
	}
	sink.Close()
	d := anomaly.Directory{Staff: map[string]anomaly.Staff{"t1": {ID: "t1", Role: "teacher", Institutions: []string{"a"}}}, Persons: map[string]anomaly.Person{}}
	for i := range 30 {
		d.Persons["p"+itoa(i)] = anomaly.Person{ID: "p" + itoa(i), Institutions: []string{"b"}}
	}
	b, _ := json.Marshal(d)
	os.WriteFile(dirFile, b, 0o600)

	if code, out := runAudit(t, "report", "-as", "t9", "-role", "teacher", "-directory", dirFile, "-access", access, path); code != exitInput || !strings.Contains(out, "forbidden") {
		t.Errorf("teacher: exit %d\n%s", code, out)
	}
	code, out := runAudit(t, "report", "-as", "dpo", "-role", "privacy", "-directory", dirFile, "-access", access, "-csv", path)
	if code != 0 || !strings.Contains(out, "outside-scope,t1,") {
		t.Errorf("report: exit %d\n%s", code, out)
	}
	code, out = runAudit(t, "spotcheck", "-as", "dpo", "-role", "privacy", "-period", "2026-11", "-n", "5", "-secret", "s", "-access", access, path)
	if code != 0 || strings.Count(out, "\n") != 5 {
		t.Errorf("spotcheck: exit %d\n%s", code, out)
	}
	acc, _ := os.ReadFile(access)
	if strings.Count(string(acc), `"type":"access"`) != 3 || !strings.Contains(string(acc), `"denied":true`) {
		t.Errorf("access log:\n%s", acc)
	}
	if code, out := runAudit(t, "verify", access); code != 0 {
		t.Errorf("access log does not verify: %s", out)
	}
}

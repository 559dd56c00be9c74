package ui

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
)

var updateRuns = flag.Bool("update-runs", false, "rewrite testdata/runs-chart.svg")

// TestRunsChartGolden compares the run chart's SVG with
// testdata/runs-chart.svg (go test ./broker/ui -run RunsChartGolden -update-runs
// rewrites it after a deliberate change; review it in a browser).
func TestRunsChartGolden(t *testing.T) {
	at := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	sum := func(users, groups, units int) diff.Summary {
		s := diff.Summary{Total: users + groups + units, Kinds: map[diff.Kind]map[diff.Action]int{}}
		for k, n := range map[diff.Kind]int{diff.User: users, diff.Group: groups, diff.Container: units} {
			if n > 0 {
				s.Kinds[k] = map[diff.Action]int{diff.Create: n}
			}
		}
		return s
	}
	// Newest first, as Broker.Runs returns them.
	rs := []broker.RunRecord{
		{Start: at.Add(4 * time.Hour), Outcome: broker.OutcomeApproved, Summary: sum(30, 4, 0), Approval: "1", By: "admin"},
		{Start: at.Add(3 * time.Hour), Outcome: broker.OutcomeRefused, Summary: sum(30, 4, 0), Approval: "1"},
		{Start: at.Add(2 * time.Hour), Outcome: broker.OutcomeFailed, Summary: sum(2, 0, 0), Error: "target down"},
		{Start: at.Add(1 * time.Hour), Outcome: broker.OutcomeOK},
		{Start: at, Outcome: broker.OutcomeOK, Summary: sum(120, 40, 8), Full: true},
	}
	got := string(runsSVG(rs, "en"))
	path := filepath.Join("testdata", "runs-chart.svg")
	if *updateRuns {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got+"\n" != string(want) {
		t.Errorf("the run chart differs from %s (rerun with -update-runs after a deliberate change):\n%s", path, got)
	}
	if runsSVG(nil, "da") != "" {
		t.Error("a chart of no runs")
	}
	if !strings.Contains(string(runsSVG(rs, "da")), "godkendt, 30 brugere, 4 grupper, 0 enheder") {
		t.Error("the Danish chart's bar titles are not Danish")
	}
}

func TestRunsPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for range 3 {
		if _, err := e.b.Run(ctx, "mem"); err != nil {
			t.Fatal(err)
		}
		e.clk.Add(time.Minute)
	}
	br := e.login(t, api.MunicipalAdmin)
	code, body := br.get("/ui/clients/mem/runs")
	if code != http.StatusOK {
		t.Fatalf("runs page: %d", code)
	}
	if !strings.Contains(body, `<svg class="runs" role="img"`) || strings.Count(body, `<tr class="outcome-ok">`) != 3 {
		t.Errorf("want the chart and 3 runs:\n%s", body)
	}
	// A refused run, with its error.
	inst := e.snap.Institutions[0].Number
	cut := *e.snap
	cut.Affiliations = slices.DeleteFunc(slices.Clone(e.snap.Affiliations), func(a orgmodel.Affiliation) bool { return e.snap.AffiliationInstitution(a) == inst })
	if err := e.b.SetSnapshot(ctx, &cut); err != nil {
		t.Fatal(err)
	}
	if rep, _ := e.b.Run(ctx, "mem"); rep == nil || !rep.Refused {
		t.Fatal("want a refused run")
	}
	if _, body := br.get("/ui/clients/mem/runs"); !strings.Contains(body, `<tr class="outcome-refused">`) || !strings.Contains(body, "threshold") {
		t.Error("the refused run and its error are not shown")
	}
	// The municipality's runs: not a school administrator's.
	sa := e.login(t, api.SchoolAdmin)
	if code, _ := sa.get("/ui/clients/mem/runs"); code != http.StatusForbidden {
		t.Errorf("school admin: %d, want 403", code)
	}
	if _, body := sa.get("/ui/clients"); strings.Contains(body, `class="spark"`) || strings.Contains(body, "/runs") {
		t.Error("the school administrator's clients page shows the runs")
	}
	if _, body := sa.get("/ui/clients/mem"); strings.Contains(body, "/runs") {
		t.Error("the school administrator's pending page links the runs")
	}
	if code, _ := br.get("/ui/clients/nosuch/runs"); code != http.StatusNotFound {
		t.Errorf("unknown client: %d", code)
	}
	if _, body := br.get("/ui/clients"); !strings.Contains(body, `href="/ui/clients/mem/runs"`) || strings.Count(body, `<svg class="spark"`) != 1 {
		t.Error("the clients page does not show and link the run history")
	}
	if got := runsSpark(nil, "en"); got != "" {
		t.Error("a sparkline of no runs")
	}
}

func TestDryRunButton(t *testing.T) {
	e := newEnv(t)
	sa := e.login(t, api.SchoolAdmin)
	if _, body := sa.get("/ui/clients/mem"); strings.Contains(body, `id="dry-run"`) {
		t.Error("a school administrator is offered the dry run")
	}
	if code, _ := sa.form("/ui/clients/mem/dry-run", nil); code != http.StatusForbidden {
		t.Errorf("school admin dry run: %d", code)
	}
	br := e.login(t, api.MunicipalAdmin)
	if code, _ := br.post("/ui/clients/mem/dry-run", nil); code != http.StatusForbidden {
		t.Errorf("dry run without CSRF: %d", code)
	}
	if _, ok := e.b.Planned("mem"); ok {
		t.Fatal("planned before any dry run")
	}
	_, body := br.get("/ui/clients/mem")
	if !strings.Contains(body, `id="dry-run"`) || strings.Contains(body, "planned ahead") || strings.Contains(body, "planlagt på forhånd") {
		t.Error("the pending page: want the dry-run button, no plan made ahead yet")
	}
	e.clk.Add(time.Minute)
	code, _ := br.form("/ui/clients/mem/dry-run", nil)
	if code != http.StatusSeeOther {
		t.Fatalf("dry run: %d", code)
	}
	pd, ok := e.b.Planned("mem")
	if !ok || !pd.At.Equal(e.clk.Now()) {
		t.Fatal("the dry run left no planned plan")
	}
	_, body = br.get("/ui/clients/mem?done=1")
	if !strings.Contains(body, "planlagt på forhånd") || !strings.Contains(body, e.clk.Now().Format("2006-01-02 15:04")) {
		t.Error("the pending page does not show the dry run's plan")
	}
	if st, _ := e.b.Status("mem"); !st.LastAttempt.IsZero() {
		t.Error("the dry run ran the client")
	}
	if code, _ := br.form("/ui/clients/nosuch/dry-run", nil); code != http.StatusNotFound {
		t.Errorf("unknown client: %d", code)
	}
}

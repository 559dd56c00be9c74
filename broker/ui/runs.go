package ui

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
)

// runMessages are the texts of the run-history page and the dry run,
// merged into messages (kept apart to ease merging).
var runMessages = map[string][2]string{
	"runs":             {"Kørselshistorik", "Run history"},
	"runs.chart":       {"Ændringer pr. kørsel", "Changes per run"},
	"runs.max":         {"højst", "at most"},
	"runs.none":        {"Ingen kørsler endnu.", "No runs yet."},
	"runs.shown":       {"De seneste kørsler, nyeste først.", "The latest runs, newest first."},
	"run.start":        {"Start", "Start"},
	"run.end":          {"Slut", "End"},
	"run.outcome":      {"Udfald", "Outcome"},
	"run.changes":      {"Ændringer", "Changes"},
	"run.applied":      {"Udført", "Applied"},
	"run.failed":       {"Fejlet", "Failed"},
	"run.approval":     {"Godkendelse", "Approval"},
	"run.full":         {"fuld", "full"},
	"outcome.ok":       {"ok", "ok"},
	"outcome.failed":   {"fejl", "failed"},
	"outcome.refused":  {"afvist", "refused"},
	"outcome.approved": {"godkendt", "approved"},
	"outcome.stale":    {"forældet", "stale"},
	"kind.container":   {"enheder", "units"},
	"kind.user":        {"brugere", "users"},
	"kind.group":       {"grupper", "groups"},
	"dryrun":           {"Prøvekørsel nu", "Dry run now"},
	"dryrun.explain":   {"Planlægger klienten igen mod kataloget uden at ændre noget.", "Plans the client again against the directory without changing anything."},
	"computed":         {"Beregnet", "Computed"},
	"planned.ahead":    {"planlagt på forhånd efter seneste import eller kørsel", "planned ahead after the latest import or run"},
}

func init() {
	for k, v := range runMessages {
		messages[k] = v
	}
}

// runsShown is how many runs the page shows (and charts).
const runsShown = 60

// runs is a client's run history: the municipality's runs, for the
// municipal roles (as the clients page shows the last run to them only).
func (s *Server) runs(w http.ResponseWriter, r *http.Request, ss *session) {
	name := r.PathValue("client")
	rs, err := s.Broker.Runs(r.Context(), name, runsShown)
	if err != nil {
		s.failErr(w, r, ss, err)
		return
	}
	s.render(w, r, ss, http.StatusOK, "runs", map[string]any{"Client": name, "Runs": rs,
		"Chart": runsSVG(rs, ss.lang), "Kinds": chartKinds})
}

func (s *Server) dryRun(w http.ResponseWriter, r *http.Request, ss *session) {
	name := r.PathValue("client")
	_, err := s.Broker.DryRun(r.Context(), name)
	s.act(w, r, ss, "dry run", err, "/clients/"+name)
}

// chartKinds are the kinds a run's bar stacks, bottom up, with their
// colours (each at least 3:1 against white).
var chartKinds = []struct {
	Kind  diff.Kind
	Color string
}{
	{diff.User, "#0b3d66"},
	{diff.Group, "#2e7d32"},
	{diff.Container, "#8a4b08"},
}

// outcomeColor marks a run's outcome under its bar.
var outcomeColor = map[string]string{
	broker.OutcomeOK:       "#6b6b6b",
	broker.OutcomeFailed:   "#b00020",
	broker.OutcomeRefused:  "#b35900",
	broker.OutcomeApproved: "#2e7d32",
	broker.OutcomeStale:    "#6b6b6b",
}

// runsSVG draws the changes per run (rs newest first, drawn oldest on the
// left) as a small inline SVG bar chart: each bar stacks the planned
// changes by kind, a mark under it shows the outcome, and every bar has a
// title; the table on the page is the text alternative.
func runsSVG(rs []broker.RunRecord, lang string) template.HTML {
	if len(rs) == 0 {
		return ""
	}
	const w, h, top, bottom, left = 600.0, 160.0, 16.0, 14.0, 4.0
	hi := 1
	for _, r := range rs {
		hi = max(hi, r.Summary.Total)
	}
	slot := (w - 2*left) / float64(max(len(rs), 20))
	bar := slot * 0.7
	plot := h - top - bottom
	var b strings.Builder
	label := fmt.Sprintf("%s (%d; %s %d)", tr(lang, "runs.chart"), len(rs), tr(lang, "runs.max"), hi)
	fmt.Fprintf(&b, `<svg class="runs" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 %d %d">`,
		template.HTMLEscapeString(label), int(w), int(h), int(w), int(h))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(label))
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#6b6b6b" stroke-width="1"/>`, left, h-bottom, w-left, h-bottom)
	fmt.Fprintf(&b, `<text x="%.1f" y="11" font-size="11" fill="#1a1a1a">%d</text>`, left, hi)
	lx := 60.0
	for _, k := range chartKinds {
		fmt.Fprintf(&b, `<rect x="%.1f" y="3" width="9" height="9" fill="%s"/><text x="%.1f" y="11" font-size="11" fill="#1a1a1a">%s</text>`,
			lx, k.Color, lx+12, template.HTMLEscapeString(tr(lang, "kind."+string(k.Kind))))
		lx += 80
	}
	for _, o := range []string{broker.OutcomeOK, broker.OutcomeFailed, broker.OutcomeRefused, broker.OutcomeApproved} {
		fmt.Fprintf(&b, `<rect x="%.1f" y="6" width="9" height="4" fill="%s"/><text x="%.1f" y="11" font-size="11" fill="#1a1a1a">%s</text>`,
			lx, outcomeColor[o], lx+12, template.HTMLEscapeString(tr(lang, "outcome."+o)))
		lx += 70
	}
	for i := range rs {
		r := rs[len(rs)-1-i]
		x := left + slot*float64(i) + (slot-bar)/2
		y := h - bottom
		var parts []string
		fmt.Fprintf(&b, `<g><title>%s</title>`, template.HTMLEscapeString(barTitle(r, lang)))
		for _, k := range chartKinds {
			n := r.Changes(k.Kind)
			if n == 0 {
				continue
			}
			hgt := plot * float64(n) / float64(hi)
			y -= hgt
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, bar, hgt, k.Color)
			parts = append(parts, strconv.Itoa(n))
		}
		if len(parts) == 0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="1" fill="#6b6b6b"/>`, x, h-bottom-1, bar)
		}
		c := outcomeColor[r.Outcome]
		if c == "" {
			c = "#6b6b6b"
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="6" fill="%s"/></g>`, x, h-bottom+4, bar, c)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barTitle is a run's bar's text: when, outcome and changes per kind.
func barTitle(r broker.RunRecord, lang string) string {
	t := r.Start.Format("2006-01-02 15:04") + " – " + tr(lang, "outcome."+r.Outcome)
	for _, k := range chartKinds {
		t += fmt.Sprintf(", %d %s", r.Changes(k.Kind), tr(lang, "kind."+string(k.Kind)))
	}
	return t
}

// sparkRuns is how many runs a client's sparkline on the clients page
// shows.
const sparkRuns = 20

// sparks draws each client's changes per run for the clients page (the
// municipal roles'): "" for a client without runs.
func (s *Server) sparks(ctx context.Context, names []string, lang string) map[string]template.HTML {
	out := map[string]template.HTML{}
	for _, n := range names {
		rs, err := s.Broker.Runs(ctx, n, sparkRuns)
		if err != nil {
			s.Log.Warn("ui: run history", "client", n, "err", err)
			continue
		}
		out[n] = runsSpark(rs, lang)
	}
	return out
}

// runsSpark draws the changes per run (rs newest first) as a sparkline of
// bars, oldest on the left, coloured by outcome where it was not ok.
func runsSpark(rs []broker.RunRecord, lang string) template.HTML {
	if len(rs) == 0 {
		return ""
	}
	const w, h = 120.0, 24.0
	hi := 1
	for _, r := range rs {
		hi = max(hi, r.Summary.Total)
	}
	slot := w / float64(max(len(rs), sparkRuns))
	var b strings.Builder
	label := fmt.Sprintf("%s (%d; %s %d)", tr(lang, "runs.chart"), len(rs), tr(lang, "runs.max"), hi)
	fmt.Fprintf(&b, `<svg class="spark" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 %d %d"><title>%s</title>`,
		template.HTMLEscapeString(label), int(w), int(h), int(w), int(h), template.HTMLEscapeString(label))
	for i := range rs {
		r := rs[len(rs)-1-i]
		c := "#0b3d66"
		if r.Outcome != broker.OutcomeOK {
			c = outcomeColor[r.Outcome]
		}
		hgt := max(1, (h-2)*float64(r.Summary.Total)/float64(hi))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, slot*float64(i)+slot*0.15, h-hgt, slot*0.7, hgt, c)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

package ui

import (
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// HeadCounts keeps each institution's head count per accepted snapshot
// (the last Max, default 60), for the institutions page: the count now
// against the previous export, and a trend chart. Give Accepted to
// broker.Sources.OnAccepted. It is kept in memory: the series starts again
// when the broker restarts.
type HeadCounts struct {
	Max int
	// Clock is the time of an observation (default time.Now).
	Clock func() time.Time

	mu     sync.Mutex
	points []headCountPoint
}

type headCountPoint struct {
	at     time.Time
	counts map[string]int
}

// Accepted records the head counts of next (prev is unused; the signature
// is broker.Sources.OnAccepted's).
func (h *HeadCounts) Accepted(_, next *orgmodel.Snapshot) {
	if next == nil {
		return
	}
	now := time.Now
	if h.Clock != nil {
		now = h.Clock
	}
	p := headCountPoint{at: now(), counts: headCount(next)}
	max := h.Max
	if max <= 0 {
		max = 60
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.points = append(h.points, p)
	if len(h.points) > max {
		h.points = h.points[len(h.points)-max:]
	}
}

// headCount counts the distinct persons affiliated with each institution.
func headCount(s *orgmodel.Snapshot) map[string]int {
	seen := map[string]map[string]bool{}
	for _, a := range s.Affiliations {
		i := s.AffiliationInstitution(a)
		if seen[i] == nil {
			seen[i] = map[string]bool{}
		}
		seen[i][a.PersonID] = true
	}
	out := make(map[string]int, len(seen))
	for i, m := range seen {
		out[i] = len(m)
	}
	return out
}

// series returns the institution's head counts, oldest first.
func (h *HeadCounts) series(inst string) []int {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]int, 0, len(h.points))
	for _, p := range h.points {
		out = append(out, p.counts[inst])
	}
	return out
}

// trendSVG draws the series as a small inline SVG line chart (no script,
// allowed by the CSP) with a text alternative.
func trendSVG(series []int, label string) template.HTML {
	if len(series) < 2 {
		return ""
	}
	const w, h, pad = 160.0, 40.0, 3.0
	lo, hi := series[0], series[0]
	for _, v := range series {
		lo, hi = min(lo, v), max(hi, v)
	}
	span := float64(hi - lo)
	if span == 0 {
		span = 1
	}
	var pts []string
	for i, v := range series {
		x := pad + (w-2*pad)*float64(i)/float64(len(series)-1)
		y := h - pad - (h-2*pad)*float64(v-lo)/span
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	title := template.HTMLEscapeString(fmt.Sprintf("%s: %d → %d (min %d, max %d)", label, series[0], series[len(series)-1], lo, hi))
	return template.HTML(fmt.Sprintf(`<svg class="trend" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 %d %d"><title>%s</title><polyline fill="none" stroke="#0b3d66" stroke-width="2" points="%s"/></svg>`,
		title, int(w), int(h), int(w), int(h), title, strings.Join(pts, " ")))
}

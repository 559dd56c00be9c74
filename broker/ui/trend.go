package ui

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel"
)

// HeadCounts is broker.HeadCounts: each institution's head count per
// accepted snapshot, kept in the broker's Store when it has one.
type HeadCounts = broker.HeadCounts

// headCount counts the distinct persons affiliated with each institution.
func headCount(s *orgmodel.Snapshot) map[string]int { return broker.HeadCount(s) }

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

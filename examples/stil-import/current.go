package main

import (
	"fmt"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// currentSchoolYear returns the first calendar year of the school year
// running at now: a Danish school year starts on 1 August.
func currentSchoolYear(now time.Time) int {
	if now.Month() >= time.August {
		return now.Year()
	}
	return now.Year() - 1
}

// shiftToCurrent moves every date of s by whole years so that its school
// year is the one running at now (for trying saved test exports today):
// validity periods, the school years and start years of groups, and the
// snapshot's school year. It returns the years moved.
func shiftToCurrent(s *orgmodel.Snapshot, now time.Time) int {
	first, ok := orgmodel.ParseSchoolYear(s.SchoolYear)
	if !ok {
		return 0
	}
	d := currentSchoolYear(now) - first
	if d == 0 {
		return 0
	}
	shift := func(p *orgmodel.Period) {
		if !p.From.IsZero() {
			p.From = p.From.AddDate(d, 0, 0)
		}
		if !p.To.IsZero() {
			p.To = p.To.AddDate(d, 0, 0)
		}
	}
	year := func(y string) string {
		if f, ok := orgmodel.ParseSchoolYear(y); ok {
			return orgmodel.SchoolYearOf(f + d)
		}
		return y
	}
	s.SchoolYear = year(s.SchoolYear)
	for i := range s.Institutions {
		shift(&s.Institutions[i].Valid)
	}
	for i := range s.Units {
		shift(&s.Units[i].Valid)
	}
	for i := range s.Affiliations {
		shift(&s.Affiliations[i].Valid)
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		shift(&g.Valid)
		g.SchoolYear = year(g.SchoolYear)
		if g.StartYear != 0 {
			g.StartYear += d
		}
	}
	s.Index()
	return d
}

// synthPreset returns a synthetic municipality for the school year running
// at now, by preset name.
func synthPreset(name string, now time.Time) (*orgmodel.Snapshot, error) {
	var cfg synth.Config
	switch name {
	case "tiny":
		cfg = synth.Tiny
	case "small":
		cfg = synth.Small
	case "medium":
		cfg = synth.Medium
	default:
		return nil, fmt.Errorf("-synth %q: want tiny, small or medium", name)
	}
	cfg.SchoolYear = orgmodel.SchoolYearOf(currentSchoolYear(now))
	return synth.Generate(cfg), nil
}

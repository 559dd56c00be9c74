// Package anomaly finds unusual look-ups in an audit log and draws spot
// checks (stikprøver) for a supervisor to review.
//
// Analyze compares every actor with their own baseline and with their
// peers (actors of the same role) and raises findings for look-ups of
// persons outside the actor's institutions or classes, CPR searches with
// no later action, volume spikes, look-ups outside working hours, wildcard
// or very broad searches, one person looked up by many actors, look-ups
// of name- and address-protected persons outside the actor's scope, and
// an account still searching after its owner left. Each finding says why
// it was raised and lists the records (seq numbers) it rests on.
//
// The package does no I/O of its own and reads no clock: it works on the
// records and directory it is given, so a report is reproducible.
package anomaly

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
)

// Finding kinds.
const (
	KindOutsideScope = "outside-scope"
	KindCPRNoAction  = "cpr-no-action"
	KindSpike        = "volume-spike"
	KindOffHours     = "off-hours"
	KindBroad        = "broad-search"
	KindManyActors   = "many-actors"
	KindProtected    = "protected-person"
	KindFormer       = "former-employee"
)

// Person is what the report needs to know of a person looked up.
type Person struct {
	ID           string   `json:"id"`
	Institutions []string `json:"institutions,omitempty"`
	Classes      []string `json:"classes,omitempty"`
	// Protected: name and address protection (orgmodel.Person.Protected).
	Protected bool `json:"protected,omitempty"`
}

// Staff is what the report needs to know of an actor: their role, their
// scope, and when they left (zero: still employed).
type Staff struct {
	ID           string   `json:"id"`
	Role         string   `json:"role"`
	Institutions []string `json:"institutions,omitempty"`
	// Classes narrows the scope to these classes (empty: the whole of
	// the institutions).
	Classes []string `json:"classes,omitempty"`
	// Persons are persons in scope besides the institutions and classes
	// (a parent's children).
	Persons []string `json:"persons,omitempty"`
	// Wide is a municipality-wide scope (central support).
	Wide bool      `json:"wide,omitempty"`
	Left time.Time `json:"left,omitzero"`
}

// Directory holds the persons and staff, by id.
type Directory struct {
	Persons map[string]Person `json:"persons"`
	Staff   map[string]Staff  `json:"staff"`
}

// Event is a look-up record with its place in the log.
type Event struct {
	Seq int64 `json:"seq"`
	auditlog.Lookup
}

// Action is a change or other follow-up by an actor concerning a person
// (a password reset, a correction): what makes a CPR search purposeful.
type Action struct {
	Seq    int64
	Time   time.Time
	Actor  string
	Person string
}

// Config holds the thresholds. The zero value of a field takes the
// default named in its comment.
type Config struct {
	// Location and working hours [WorkStart, WorkEnd) on Monday to
	// Friday (UTC, 7, 18).
	Location           *time.Location
	WorkStart, WorkEnd int
	// OutsideMin: distinct persons outside scope before a finding (10),
	// or 3 times the peers' 99th percentile when that is higher.
	OutsideMin int
	// OffHoursMin: look-ups outside working hours before a finding (20).
	OffHoursMin int
	// SpikeMin: look-ups in one day before a spike (60), or 4 times the
	// actor's median day when that is higher.
	SpikeMin int
	// FollowUp: how soon an action must follow a CPR search (24h);
	// CPRNoActionMin: such searches before a finding (5), or twice the
	// peers' 90th percentile when that is higher.
	FollowUp       time.Duration
	CPRNoActionMin int
	// BroadCount: persons returned that make a search broad (200);
	// BroadMin: broad or wildcard searches before a finding (3), or
	// twice the peers' 90th percentile plus one when that is higher.
	BroadCount, BroadMin int
	// ManyActors: distinct actors looking up one person within
	// ManyWindow (48h) before a finding (10). Only targeted look-ups
	// count (at most TargetedMax persons returned, 5), not class lists.
	ManyActors  int
	ManyWindow  time.Duration
	TargetedMax int
	// ProtectedMin: distinct protected persons outside the actor's
	// scope before a finding (2).
	ProtectedMin int
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.WorkStart == 0 && c.WorkEnd == 0 {
		c.WorkStart, c.WorkEnd = 7, 18
	}
	def(&c.OutsideMin, 10)
	def(&c.OffHoursMin, 20)
	def(&c.SpikeMin, 60)
	def(&c.CPRNoActionMin, 5)
	def(&c.BroadCount, 200)
	def(&c.BroadMin, 3)
	def(&c.ManyActors, 10)
	def(&c.TargetedMax, 5)
	def(&c.ProtectedMin, 2)
	if c.FollowUp <= 0 {
		c.FollowUp = 24 * time.Hour
	}
	if c.ManyWindow <= 0 {
		c.ManyWindow = 48 * time.Hour
	}
	return c
}

// Finding is one reason to look closer.
type Finding struct {
	Kind string `json:"kind"`
	// Actor is the actor the finding is about ("" for many-actors).
	Actor string `json:"actor,omitempty"`
	// Person is the person of a many-actors finding.
	Person string `json:"person,omitempty"`
	// Why says why the finding was raised, with the actor's figure, their
	// own baseline and their peers'.
	Why string `json:"why"`
	// Records are the seq numbers of the records it rests on.
	Records []int64 `json:"records"`
}

// Report is the anomaly report of a period.
type Report struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Events   int       `json:"events"`
	Actors   int       `json:"actors"`
	Findings []Finding `json:"findings"`
}

// Flagged returns the actors with at least one finding.
func (r *Report) Flagged() map[string][]string {
	out := map[string][]string{}
	for _, f := range r.Findings {
		if f.Actor != "" {
			out[f.Actor] = append(out[f.Actor], f.Kind)
		}
	}
	return out
}

// perActor gathers one actor's figures.
type perActor struct {
	events    []*Event
	outside   map[string][]int64 // person -> records
	protected map[string][]int64
	offHours  []int64
	broad     []int64
	cprLonely []int64
	former    []int64
	days      map[string][]int64
}

// Analyze builds the anomaly report over the events (look-ups) and
// actions, with the directory telling scopes, protection and leaving
// dates.
func Analyze(events []Event, actions []Action, dir Directory, cfg Config) *Report {
	cfg = cfg.withDefaults()
	ev := slices.Clone(events)
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].Time.Before(ev[j].Time) })
	rep := &Report{Events: len(ev), Findings: []Finding{}}
	if len(ev) > 0 {
		rep.From, rep.To = ev[0].Time, ev[len(ev)-1].Time
	}
	acts := map[string]*perActor{}
	get := func(id string) *perActor {
		a := acts[id]
		if a == nil {
			a = &perActor{outside: map[string][]int64{}, protected: map[string][]int64{}, days: map[string][]int64{}}
			acts[id] = a
		}
		return a
	}
	follow := followUps(ev, actions, cfg)
	for i := range ev {
		e := &ev[i]
		a := get(e.Actor.ID)
		a.events = append(a.events, e)
		st, known := dir.Staff[e.Actor.ID]
		if !known || (!st.Left.IsZero() && !e.Time.Before(st.Left)) {
			a.former = append(a.former, e.Seq)
		}
		for _, pid := range e.Persons {
			p := dir.Persons[pid]
			if known && !inScope(st, p) {
				a.outside[pid] = append(a.outside[pid], e.Seq)
				if p.Protected {
					a.protected[pid] = append(a.protected[pid], e.Seq)
				}
			}
		}
		lt := e.Time.In(cfg.Location)
		if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday || lt.Hour() < cfg.WorkStart || lt.Hour() >= cfg.WorkEnd {
			a.offHours = append(a.offHours, e.Seq)
		}
		day := lt.Format(time.DateOnly)
		a.days[day] = append(a.days[day], e.Seq)
		if e.Wildcard() || e.Count >= cfg.BroadCount {
			a.broad = append(a.broad, e.Seq)
		}
		if e.Criteria.CPR != "" && !follow[i] {
			a.cprLonely = append(a.cprLonely, e.Seq)
		}
	}
	rep.Actors = len(acts)
	peers := peerFigures(acts, dir)
	ids := make([]string, 0, len(acts))
	for id := range acts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		rep.Findings = append(rep.Findings, actorFindings(id, acts[id], dir.Staff[id], peers[dir.Staff[id].Role], cfg)...)
	}
	rep.Findings = append(rep.Findings, manyActors(ev, cfg)...)
	return rep
}

// inScope reports whether a person is within the actor's scope.
func inScope(st Staff, p Person) bool {
	if st.Wide || (p.ID != "" && slices.Contains(st.Persons, p.ID)) {
		return true
	}
	if !intersects(st.Institutions, p.Institutions) {
		return false
	}
	return len(st.Classes) == 0 || intersects(st.Classes, p.Classes)
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// followUps marks the CPR searches followed, within cfg.FollowUp, by an
// action or a look-up of a returned person's page by the same actor.
func followUps(ev []Event, actions []Action, cfg Config) []bool {
	type touch struct {
		t   time.Time
		key string
	}
	var touches []touch // actor+"\x00"+person, by time
	for _, a := range actions {
		touches = append(touches, touch{a.Time, a.Actor + "\x00" + a.Person})
	}
	for _, e := range ev {
		if e.Criteria.PersonID != "" && e.Criteria.CPR == "" {
			touches = append(touches, touch{e.Time, e.Actor.ID + "\x00" + e.Criteria.PersonID})
		}
	}
	byKey := map[string][]time.Time{}
	for _, t := range touches {
		byKey[t.key] = append(byKey[t.key], t.t)
	}
	out := make([]bool, len(ev))
	for i, e := range ev {
		if e.Criteria.CPR == "" {
			continue
		}
		for _, p := range e.Persons {
			for _, t := range byKey[e.Actor.ID+"\x00"+p] {
				if !t.Before(e.Time) && t.Sub(e.Time) <= cfg.FollowUp {
					out[i] = true
				}
			}
		}
	}
	return out
}

// peers holds a role's distributions.
type peers struct {
	outside, offHours, day, broad, cprLonely []float64 // sorted
}

func peerFigures(acts map[string]*perActor, dir Directory) map[string]*peers {
	out := map[string]*peers{}
	for id, a := range acts {
		role := dir.Staff[id].Role
		p := out[role]
		if p == nil {
			p = &peers{}
			out[role] = p
		}
		p.outside = append(p.outside, float64(len(a.outside)))
		p.offHours = append(p.offHours, float64(len(a.offHours)))
		p.day = append(p.day, median(dayCounts(a)))
		p.broad = append(p.broad, float64(len(a.broad)))
		p.cprLonely = append(p.cprLonely, float64(len(a.cprLonely)))
	}
	for _, p := range out {
		sort.Float64s(p.outside)
		sort.Float64s(p.offHours)
		sort.Float64s(p.day)
		sort.Float64s(p.broad)
		sort.Float64s(p.cprLonely)
	}
	return out
}

func dayCounts(a *perActor) []float64 {
	var c []float64
	for _, recs := range a.days {
		c = append(c, float64(len(recs)))
	}
	sort.Float64s(c)
	return c
}

// quantile of sorted values (0 when empty).
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return 0
	}
	return s[int(math.Min(float64(len(s)-1), math.Floor(q*float64(len(s)))))]
}

// without returns sorted s without one occurrence of v.
func without(s []float64, v float64) []float64 {
	i, ok := slices.BinarySearch(s, v)
	if !ok {
		return s
	}
	return slices.Delete(slices.Clone(s), i, i+1)
}

func median(s []float64) float64 { return quantile(s, 0.5) }

func actorFindings(id string, a *perActor, st Staff, p *peers, cfg Config) []Finding {
	if p == nil {
		p = &peers{}
	}
	// the peers are the others of the role: drop the actor's own figures.
	p = &peers{outside: without(p.outside, float64(len(a.outside))), offHours: without(p.offHours, float64(len(a.offHours))),
		day: without(p.day, median(dayCounts(a))), broad: without(p.broad, float64(len(a.broad))), cprLonely: without(p.cprLonely, float64(len(a.cprLonely)))}
	var out []Finding
	add := func(kind string, recs []int64, why string, args ...any) {
		out = append(out, Finding{Kind: kind, Actor: id, Why: fmt.Sprintf(why, args...), Records: slices.Clone(recs)})
	}
	if len(a.former) > 0 {
		why := "the account is not in the staff list"
		if !st.Left.IsZero() {
			why = "the employee left on " + st.Left.Format(time.DateOnly)
		}
		add(KindFormer, a.former, "%d look-ups after %s", len(a.former), why)
	}
	if n, lim := len(a.outside), math.Max(float64(cfg.OutsideMin), 3*quantile(p.outside, 0.99)); float64(n) >= lim {
		add(KindOutsideScope, flatten(a.outside), "looked up %d distinct persons outside their institutions %v (or classes); threshold %.0f; peers in role %q: median %.0f, 99th percentile %.0f",
			n, st.Institutions, lim, st.Role, median(p.outside), quantile(p.outside, 0.99))
	}
	if n := len(a.protected); n >= cfg.ProtectedMin {
		add(KindProtected, flatten(a.protected), "looked up %d name- and address-protected persons outside their scope", n)
	}
	if n := len(a.offHours); n >= cfg.OffHoursMin {
		add(KindOffHours, a.offHours, "%d look-ups outside working hours (%02d:00-%02d:00 Monday to Friday); peers in role %q: median %.0f",
			n, cfg.WorkStart, cfg.WorkEnd, st.Role, median(p.offHours))
	}
	own := median(dayCounts(a))
	lim := math.Max(float64(cfg.SpikeMin), 4*own)
	days := make([]string, 0, len(a.days))
	for d := range a.days {
		days = append(days, d)
	}
	sort.Strings(days)
	for _, d := range days {
		if n := len(a.days[d]); float64(n) >= lim {
			add(KindSpike, a.days[d], "%d look-ups on %s; own median day %.0f, peers' median day %.0f, threshold %.0f", n, d, own, median(p.day), lim)
		}
	}
	if n, lim := len(a.broad), math.Max(float64(cfg.BroadMin), 2*quantile(p.broad, 0.9)+1); float64(n) >= lim {
		add(KindBroad, a.broad, "%d wildcard or broad searches (%d or more persons returned); threshold %.0f; peers in role %q: median %.0f, 90th percentile %.0f",
			n, cfg.BroadCount, lim, st.Role, median(p.broad), quantile(p.broad, 0.9))
	}
	if n, lim := len(a.cprLonely), math.Max(float64(cfg.CPRNoActionMin), 2*quantile(p.cprLonely, 0.9)); float64(n) >= lim {
		add(KindCPRNoAction, a.cprLonely, "%d CPR searches with no action on a person found within %s; threshold %.0f; peers in role %q: median %.0f, 90th percentile %.0f",
			n, cfg.FollowUp, lim, st.Role, median(p.cprLonely), quantile(p.cprLonely, 0.9))
	}
	return out
}

func flatten(m map[string][]int64) []int64 {
	var out []int64
	for _, r := range m {
		out = append(out, r...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// manyActors finds persons looked up (targeted) by cfg.ManyActors or more
// distinct actors within cfg.ManyWindow. ev is sorted by time.
func manyActors(ev []Event, cfg Config) []Finding {
	byPerson := map[string][]*Event{}
	for i := range ev {
		e := &ev[i]
		if len(e.Persons) > cfg.TargetedMax {
			continue
		}
		for _, p := range e.Persons {
			byPerson[p] = append(byPerson[p], e)
		}
	}
	persons := make([]string, 0, len(byPerson))
	for p, es := range byPerson {
		if len(es) >= cfg.ManyActors {
			persons = append(persons, p)
		}
	}
	sort.Strings(persons)
	var out []Finding
	for _, p := range persons {
		es := byPerson[p]
		best, bi, bj := 0, 0, 0
		in := make([]bool, len(es)) // in a window that reaches the threshold
		for i, j := 0, 0; j < len(es); j++ {
			for es[j].Time.Sub(es[i].Time) > cfg.ManyWindow {
				i++
			}
			n := distinctActors(es[i : j+1])
			if n > best {
				best, bi, bj = n, i, j
			}
			if n >= cfg.ManyActors {
				for k := i; k <= j; k++ {
					in[k] = true
				}
			}
		}
		if best >= cfg.ManyActors {
			var recs []int64
			for k, e := range es {
				if in[k] {
					recs = append(recs, e.Seq)
				}
			}
			out = append(out, Finding{Kind: KindManyActors, Person: p, Records: recs,
				Why: fmt.Sprintf("looked up by %d different actors between %s and %s (threshold %d within %s)",
					best, es[bi].Time.Format(time.DateTime), es[bj].Time.Format(time.DateTime), cfg.ManyActors, cfg.ManyWindow)})
		}
	}
	return out
}

func distinctActors(es []*Event) int {
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Actor.ID] = true
	}
	return len(seen)
}

package anomaly

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
)

// month is a synthetic month of look-ups in a municipality of ten schools,
// with planted misuse. The generator lives here, with the test that
// scores the report on it.
type month struct {
	dir     Directory
	events  []Event
	actions []Action
	// planted actors (and the person of the many-actors case).
	outsider, night, cprSnoop, protSnoop, former string
	popular                                      string
	manyActors                                   []string
}

var monthStart = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday

const (
	schools          = 10
	classesPerSchool = 12
	pupilsPerClass   = 22
	teachersPerSch   = 25
	officePerSch     = 2
	supportStaff     = 6
	days             = 28
)

// generate builds the month from seed.
func generate(seed uint64) *month {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m := &month{dir: Directory{Persons: map[string]Person{}, Staff: map[string]Staff{}}}
	var seq int64
	at := func(day, minute int) time.Time {
		return monthStart.AddDate(0, 0, day).Add(time.Duration(minute) * time.Minute)
	}
	emit := func(actor string, t time.Time, purpose string, c auditlog.Criteria, persons ...string) {
		seq++
		st := m.dir.Staff[actor]
		m.events = append(m.events, Event{Seq: seq, Lookup: auditlog.Lookup{Time: t, Actor: auditlog.Actor{ID: actor}, Role: st.Role,
			Purpose: purpose, Criteria: c, Persons: persons, Count: len(persons), Client: "broker-ui"}})
	}
	// persons: pupils by school and class; 1 % protected.
	pupils := make([][][]string, schools) // school -> class -> ids
	var protectedBy [schools][]string
	for s := range schools {
		pupils[s] = make([][]string, classesPerSchool)
		for c := range classesPerSchool {
			for i := range pupilsPerClass {
				id := fmt.Sprintf("p%d-%d-%d", s, c, i)
				p := Person{ID: id, Institutions: []string{inst(s)}, Classes: []string{class(s, c)}, Protected: r.Float64() < 0.01}
				m.dir.Persons[id] = p
				pupils[s][c] = append(pupils[s][c], id)
				if p.Protected {
					protectedBy[s] = append(protectedBy[s], id)
				}
			}
		}
	}
	randomPupil := func(s int) string { return pupils[s][r.IntN(classesPerSchool)][r.IntN(pupilsPerClass)] }
	// staff.
	type member struct {
		id      string
		school  int
		classes []int
	}
	var teachers, office []member
	for s := range schools {
		for i := range teachersPerSch {
			mb := member{id: fmt.Sprintf("t%d-%d", s, i), school: s}
			var cls []string
			for range 2 + r.IntN(2) {
				c := r.IntN(classesPerSchool)
				mb.classes = append(mb.classes, c)
				cls = append(cls, class(s, c))
			}
			m.dir.Staff[mb.id] = Staff{ID: mb.id, Role: "teacher", Institutions: []string{inst(s)}, Classes: cls}
			teachers = append(teachers, mb)
		}
		for i := range officePerSch {
			mb := member{id: fmt.Sprintf("o%d-%d", s, i), school: s}
			m.dir.Staff[mb.id] = Staff{ID: mb.id, Role: "office", Institutions: []string{inst(s)}}
			office = append(office, mb)
		}
	}
	var support []string
	for i := range supportStaff {
		id := fmt.Sprintf("sup%d", i)
		m.dir.Staff[id] = Staff{ID: id, Role: "support", Wide: true}
		support = append(support, id)
	}
	// a few staff leave during the month and stop searching.
	leftAt := map[string]int{}
	for range 3 {
		t := teachers[r.IntN(len(teachers))]
		d := 5 + r.IntN(days-10)
		leftAt[t.id] = d
		st := m.dir.Staff[t.id]
		st.Left = at(d, 0)
		m.dir.Staff[t.id] = st
	}
	// planted actors: distinct teachers still employed.
	pick := map[string]bool{}
	choose := func() member {
		for {
			t := teachers[r.IntN(len(teachers))]
			if !pick[t.id] && leftAt[t.id] == 0 {
				pick[t.id] = true
				return t
			}
		}
	}
	outsider, night, cprSnoop, protSnoop, former := choose(), choose(), choose(), choose(), choose()
	m.outsider, m.night, m.cprSnoop, m.protSnoop, m.former = outsider.id, night.id, cprSnoop.id, protSnoop.id, former.id
	st := m.dir.Staff[former.id]
	st.Left = at(days-8, 0)
	m.dir.Staff[former.id] = st
	workMinute := func() int { return 7*60 + 30 + r.IntN(9*60) } // 07:30-16:30
	// normal behaviour.
	for d := range days {
		if wd := at(d, 0).Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for _, t := range teachers {
			if ld, ok := leftAt[t.id]; ok && d >= ld {
				continue
			}
			if t.id == former.id && d >= days-8 {
				continue
			}
			for range r.IntN(9) {
				c := t.classes[r.IntN(len(t.classes))]
				when := at(d, workMinute())
				if r.Float64() < 0.04 { // a little overtime
					when = at(d, 18*60+r.IntN(3*60))
				}
				switch x := r.Float64(); {
				case x < 0.3:
					emit(t.id, when, "class list", auditlog.Criteria{Class: class(t.school, c)}, pupils[t.school][c]...)
				case x < 0.98:
					p := pupils[t.school][c][r.IntN(pupilsPerClass)]
					emit(t.id, when, "support case", auditlog.Criteria{PersonID: p}, p)
				default: // a pupil of another class or school
					s := t.school
					if r.Float64() < 0.5 {
						s = r.IntN(schools)
					}
					p := randomPupil(s)
					emit(t.id, when, "support case", auditlog.Criteria{PersonID: p}, p)
				}
			}
		}
		for _, o := range office {
			for range 5 + r.IntN(15) {
				p := randomPupil(o.school)
				when := at(d, workMinute())
				if r.Float64() < 0.1 { // CPR search, followed by a correction
					emit(o.id, when, "data correction", auditlog.Criteria{CPR: "0101101234"}, p)
					if r.Float64() < 0.95 {
						m.actions = append(m.actions, Action{Time: when.Add(time.Duration(1+r.IntN(60)) * time.Minute), Actor: o.id, Person: p})
					}
					continue
				}
				q := auditlog.Criteria{PersonID: p}
				if r.Float64() < 0.003 {
					q = auditlog.Criteria{Name: "Han*"}
				}
				emit(o.id, when, "support case", q, p)
			}
		}
		for _, s := range support {
			for range 10 + r.IntN(20) {
				p := randomPupil(r.IntN(schools))
				when := at(d, workMinute())
				if r.Float64() < 0.1 {
					emit(s, when, "password reset", auditlog.Criteria{CPR: "0202101234"}, p)
					if r.Float64() < 0.97 {
						emit(s, when.Add(time.Duration(1+r.IntN(20))*time.Minute), "password reset", auditlog.Criteria{PersonID: p}, p)
					}
					continue
				}
				emit(s, when, "password reset", auditlog.Criteria{PersonID: p}, p)
			}
		}
	}
	// planted: 40 pupils of another school over a week.
	other := (outsider.school + 1 + r.IntN(schools-1)) % schools
	week := r.IntN(days - 7)
	seen := map[string]bool{}
	for len(seen) < 40 {
		p := randomPupil(other)
		if seen[p] {
			continue
		}
		seen[p] = true
		emit(outsider.id, at(week+r.IntN(7), workMinute()), "support case", auditlog.Criteria{PersonID: p}, p)
	}
	// planted: a burst of 200 look-ups between 01:00 and 04:00.
	nd := r.IntN(days)
	for range 200 {
		c := night.classes[r.IntN(len(night.classes))]
		p := pupils[night.school][c][r.IntN(pupilsPerClass)]
		emit(night.id, at(nd, 60+r.IntN(180)), "support case", auditlog.Criteria{PersonID: p}, p)
	}
	// planted: one pupil looked up by 15 different actors in two days.
	m.popular = randomPupil(r.IntN(schools))
	pd := r.IntN(days - 2)
	crowd := map[string]bool{}
	for len(crowd) < 15 {
		t := teachers[r.IntN(len(teachers))]
		if crowd[t.id] || pick[t.id] || leftAt[t.id] != 0 {
			continue
		}
		crowd[t.id] = true
		m.manyActors = append(m.manyActors, t.id)
		emit(t.id, at(pd+r.IntN(2), workMinute()), "support case", auditlog.Criteria{PersonID: m.popular}, m.popular)
	}
	// planted: 10 CPR searches with no later action.
	for range 10 {
		p := randomPupil(r.IntN(schools))
		emit(cprSnoop.id, at(r.IntN(days), workMinute()), "support case", auditlog.Criteria{CPR: "0303101234"}, p)
	}
	// planted: 3 name-protected persons of other schools, no reason.
	var prot []string
	for s := range schools {
		if s != protSnoop.school {
			prot = append(prot, protectedBy[s]...)
		}
	}
	r.Shuffle(len(prot), func(i, j int) { prot[i], prot[j] = prot[j], prot[i] })
	for _, p := range prot[:3] {
		emit(protSnoop.id, at(r.IntN(days), workMinute()), "support case", auditlog.Criteria{PersonID: p}, p)
	}
	// planted: a former employee's account still searching.
	for range 6 {
		p := randomPupil(former.school)
		emit(former.id, at(days-6+r.IntN(5), workMinute()), "support case", auditlog.Criteria{PersonID: p}, p)
	}
	sort.SliceStable(m.events, func(i, j int) bool { return m.events[i].Time.Before(m.events[j].Time) })
	return m
}

func inst(s int) string     { return fmt.Sprintf("inst%d", s) }
func class(s, c int) string { return fmt.Sprintf("inst%d/class%d", s, c) }

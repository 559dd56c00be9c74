package synth_test

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func TestGenerateValidates(t *testing.T) {
	tests := []struct {
		name   string
		cfg    synth.Config
		lo, hi int // persons
	}{
		{"tiny", synth.Tiny, 150, 250},
		{"small", synth.Small, 4_500, 5_500},
		{"medium", synth.Medium, 55_000, 65_000},
		{"other year and seed", synth.Config{Seed: 42, Persons: 3000, SchoolYear: "2030-2031", Name: "Testby"}, 2_700, 3_300},
		{"bad school year falls back", synth.Config{Seed: 3, Persons: 100, SchoolYear: "next year"}, 50, 150},
		{"tiny persons", synth.Config{Seed: 3, Persons: 1}, 20, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.cfg.Persons > 10_000 {
				t.Skip("large preset in -short mode")
			}
			s := synth.Generate(tt.cfg)
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if n := len(s.Persons); n < tt.lo || n > tt.hi {
				t.Errorf("%d persons, want %d..%d", n, tt.lo, tt.hi)
			}
			if _, ok := orgmodel.ParseSchoolYear(s.SchoolYear); !ok {
				t.Errorf("school year %q", s.SchoolYear)
			}
			if !slices.IsSortedFunc(s.Persons, func(a, b orgmodel.Person) int { return strings.Compare(a.ID, b.ID) }) {
				t.Error("persons are not sorted by ID")
			}
		})
	}
}

func TestTinyShape(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	count := map[orgmodel.InstitutionType]int{}
	for _, in := range s.Institutions {
		count[in.Type]++
	}
	want := map[orgmodel.InstitutionType]int{orgmodel.Municipality: 1, orgmodel.School: 2, orgmodel.Daycare: 1}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("institutions %v, want %v", count, want)
	}
	hier := map[orgmodel.Hierarchy]int{}
	for _, u := range s.Units {
		hier[u.Hierarchy]++
	}
	if hier[orgmodel.LineOrganisation] == 0 || hier[orgmodel.Payroll] == 0 {
		t.Errorf("units by hierarchy %v, want line and payroll units", hier)
	}
	// Classes 0-10 at every school, named level + line, with the school
	// year and start year.
	levels := map[string]map[int]bool{}
	for _, g := range s.Groups {
		in, _ := s.Institution(g.Institution)
		if g.Type != orgmodel.Hovedgruppe || in.Type != orgmodel.School {
			continue
		}
		lv, err := strconv.Atoi(g.Level)
		if err != nil || g.Name != g.Level+g.Line || g.SchoolYear != s.SchoolYear || g.StartYear != 2025-lv {
			t.Errorf("class %+v", g)
		}
		if levels[g.Institution] == nil {
			levels[g.Institution] = map[int]bool{}
		}
		levels[g.Institution][lv] = true
	}
	for inst, lv := range levels {
		if len(lv) != 11 {
			t.Errorf("school %s has levels %v, want 0-10", inst, lv)
		}
	}
	if len(levels) != 2 {
		t.Errorf("%d schools with classes, want 2", len(levels))
	}
}

// TestPopulationFeatures checks that the hard cases the generator promises
// are present, in the tiny preset where they are forced and in the small
// one where they are drawn.
func TestPopulationFeatures(t *testing.T) {
	for _, cfg := range []synth.Config{synth.Tiny, synth.Small} {
		t.Run(strconv.Itoa(cfg.Persons), func(t *testing.T) {
			s := synth.Generate(cfg)
			at := synth.ReferenceTime(s.SchoolYear)
			has := map[string]bool{}
			for _, p := range s.Persons {
				name := p.GivenName + " " + p.FamilyName
				if strings.ContainsAny(name, "æøåÆØÅ") {
					has["æøå"] = true
				}
				if strings.Contains(p.GivenName, "-") {
					has["hyphenated given name"] = true
				}
				if strings.ContainsAny(p.FamilyName, " -") {
					has["multi-part family name"] = true
				}
				if strings.ContainsAny(name, "ễịłçéñ'") {
					has["non-Danish name"] = true
				}
				if p.Protected && p.AliasGivenName != "" && p.AliasFamilyName != "" {
					has["protected with alias"] = true
				}
				if p.Protected && p.AliasGivenName == "" {
					t.Errorf("protected person %s without alias names", p.ID)
				}
			}
			for _, want := range []string{"Søren Ærø-Åkjær", "Bjørn Ågesen", "Anne-Mette Østergaard", "Thị Minh Khai Nguyễn", "Siobhan O'Brien", "Jean-Luc d'Aubigné"} {
				found := false
				for _, p := range s.Persons {
					if p.GivenName+" "+p.FamilyName == want {
						found = true
					}
				}
				if !found {
					t.Errorf("no person named %q", want)
				}
			}
			roles := map[orgmodel.Role]bool{}
			multiInst, multiKind, multiRole, future, leaving := 0, 0, 0, 0, 0
			for _, p := range s.Persons {
				if len(s.InstitutionsOf(p.ID, at)) > 1 {
					multiInst++
				}
				kinds := map[orgmodel.RoleKind]bool{}
				for _, a := range s.AffiliationsOf(p.ID, at) {
					kinds[a.Kind()] = true
				}
				if len(kinds) > 1 {
					multiKind++
				}
			}
			for _, a := range s.Affiliations {
				for _, r := range a.Roles {
					roles[r] = true
				}
				if len(a.Roles) > 1 {
					multiRole++
				}
				if a.Valid.From.After(at) {
					future++
				}
				if !a.Valid.To.IsZero() && a.Valid.To.After(at) {
					leaving++
				}
			}
			for _, r := range []orgmodel.Role{orgmodel.Elev, orgmodel.Barn, orgmodel.Laerer, orgmodel.Paedagog, orgmodel.Vikar, orgmodel.Leder, orgmodel.Ledelse, orgmodel.TAP, orgmodel.Konsulent, orgmodel.Praktikant, orgmodel.Ekstern} {
				if !roles[r] {
					t.Errorf("no affiliation with role %s", r)
				}
			}
			if cfg.Persons >= 5000 && !roles[orgmodel.Studerende] {
				t.Error("no FU students")
			}
			for what, n := range map[string]int{"at two institutions": multiInst, "of two kinds": multiKind, "with several roles": multiRole, "starting later": future, "leaving later": leaving} {
				if n == 0 {
					t.Errorf("no person/affiliation %s", what)
				}
			}
			if cfg.Persons >= 5000 {
				for _, f := range []string{"æøå", "hyphenated given name", "multi-part family name", "non-Danish name", "protected with alias"} {
					if !has[f] {
						t.Errorf("no %s", f)
					}
				}
			}
		})
	}
}

func TestCPRs(t *testing.T) {
	s := synth.Generate(synth.Small)
	at := synth.ReferenceTime(s.SchoolYear)
	seen := map[string]bool{}
	for _, p := range s.Persons {
		if err := orgmodel.ValidCPR(p.CPR); err != nil {
			t.Fatalf("person %s: %v", p.ID, err)
		}
		if seen[p.CPR] {
			t.Fatalf("person %s: duplicate CPR", p.ID)
		}
		seen[p.CPR] = true
		sum := 0
		for i, w := range []int{4, 3, 2, 7, 6, 5, 4, 3, 2, 1} {
			sum += int(p.CPR[i]-'0') * w
		}
		if sum%11 == 0 {
			t.Errorf("person %s: CPR passes modulus 11 and might be real", p.ID)
		}
		// Pupils are 5-17 years old.
		if s.GlobalRole(p.ID, at, orgmodel.RolePolicy{}) == orgmodel.Student && slices.Contains(s.Roles(p.ID, at), orgmodel.Elev) {
			b, _ := orgmodel.CPRBirthDate(p.CPR)
			if age := at.Year() - b.Year(); age < 5 || age > 17 {
				t.Errorf("pupil %s is %d", p.ID, age)
			}
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := synth.Generate(synth.Small), synth.Generate(synth.Small)
	if !reflect.DeepEqual(a, b) {
		t.Error("same config, different snapshots")
	}
	cfg := synth.Small
	cfg.Seed = 2
	if reflect.DeepEqual(a.Persons, synth.Generate(cfg).Persons) {
		t.Error("different seeds, same persons")
	}
}

func classesByKey(s *orgmodel.Snapshot) map[string]orgmodel.Group {
	out := map[string]orgmodel.Group{}
	for _, g := range s.Groups {
		if g.Type == orgmodel.Hovedgruppe && g.SchoolYear != "" {
			out[g.Key()] = g
		}
	}
	return out
}

// pupilsOf maps a class key to its pupils.
func pupilsOf(s *orgmodel.Snapshot) map[string][]string {
	out := map[string][]string{}
	for _, a := range s.Affiliations {
		if a.Kind() == orgmodel.Student && a.MainGroupID != "" {
			k := orgmodel.GroupKey(a.Institution, a.MainGroupID)
			out[k] = append(out[k], a.PersonID)
		}
	}
	return out
}

func TestAdvance(t *testing.T) {
	for _, cfg := range []synth.Config{synth.Tiny, synth.Small} {
		t.Run(strconv.Itoa(cfg.Persons), func(t *testing.T) {
			old := synth.Generate(cfg)
			before := synth.Generate(cfg)
			next, ch := synth.Advance(old, 7)
			if !reflect.DeepEqual(old, before) {
				t.Fatal("Advance changed its input")
			}
			again, ch2 := synth.Advance(old, 7)
			if !reflect.DeepEqual(again, next) || !reflect.DeepEqual(ch, ch2) {
				t.Error("Advance is not deterministic")
			}
			if err := next.Validate(); err != nil {
				t.Fatal(err)
			}
			if next.SchoolYear != "2026-2027" || ch.From != "2025-2026" || ch.To != "2026-2027" {
				t.Errorf("school years %q, %+v", next.SchoolYear, ch)
			}
			oldC, newC := classesByKey(old), classesByKey(next)
			oldP, newP := pupilsOf(old), pupilsOf(next)
			stillPupil := map[string]bool{}
			for _, ps := range newP {
				for _, p := range ps {
					stillPupil[p] = true
				}
			}
			for k := range newC {
				if _, clash := oldC[k]; clash {
					t.Errorf("class %s kept its group id", k)
				}
			}
			for ok, nk := range ch.Successor {
				o, n := oldC[ok], newC[nk]
				lo, _ := strconv.Atoi(o.Level)
				if n.Level != strconv.Itoa(lo+1) || n.Line != o.Line || n.Name != n.Level+n.Line || n.StartYear != o.StartYear || n.SchoolYear != "2026-2027" {
					t.Errorf("successor of %+v is %+v", o, n)
				}
				// Each continuing class keeps at least 70 % of its pupils
				// who are still pupils (leavers with an end date aside).
				kept, stayed := 0, 0
				for _, p := range oldP[ok] {
					if !stillPupil[p] {
						continue
					}
					stayed++
					if slices.Contains(newP[nk], p) {
						kept++
					}
				}
				if kept*10 < stayed*7 {
					t.Errorf("%s -> %s keeps %d of %d pupils", ok, nk, kept, stayed)
				}
			}
			// Every old class below 10th grade has a successor, except the
			// dissolved one.
			for k, g := range oldC {
				in, _ := old.Institution(g.Institution)
				if in.Type != orgmodel.School {
					continue
				}
				_, hasSucc := ch.Successor[k]
				if want := g.Level != "10" && k != ch.Resplit.Dissolved; hasSucc != want {
					t.Errorf("class %s (level %s): successor %v, want %v", k, g.Level, hasSucc, want)
				}
			}
			// The re-split changed the number of classes of the level.
			rs := ch.Resplit
			if rs.Institution == "" || len(rs.Old) == len(rs.New) || len(rs.Old) < 2 {
				t.Errorf("re-split %+v", rs)
			}
			// 10th graders are gone.
			for k, g := range oldC {
				if g.Level != "10" {
					continue
				}
				for _, p := range oldP[k] {
					if len(next.AffiliationsOf(p, synth.ReferenceTime(next.SchoolYear))) > 0 {
						t.Errorf("10th grader %s is still affiliated", p)
					}
				}
			}
			if ch.Graduated == 0 || ch.Started == 0 || ch.FromDaycare == 0 || len(ch.Moved) == 0 {
				t.Errorf("change %+v lacks graduates, starters, daycare starters or moves", ch)
			}
			// A new 0th grade exists at every school.
			zero := map[string]int{}
			for _, g := range newC {
				if g.Level == "0" {
					zero[g.Institution] += len(newP[g.Key()])
				}
			}
			for _, in := range next.Institutions {
				if in.Type == orgmodel.School && zero[in.Number] == 0 {
					t.Errorf("school %s has no 0th graders", in.Number)
				}
			}
			// Two years on is still valid.
			if err := synth.NextYear(next, 8).Validate(); err != nil {
				t.Errorf("second year: %v", err)
			}
		})
	}
}

func ExampleAdvance() {
	s := synth.Generate(synth.Tiny)
	next, change := synth.Advance(s, 1)
	fmt.Println(s.SchoolYear, "->", next.SchoolYear)
	fmt.Println("re-split level", change.Resplit.Level, "classes:", len(change.Resplit.Old), "->", len(change.Resplit.New))
	fmt.Println(next.Validate())
	// Output:
	// 2025-2026 -> 2026-2027
	// re-split level 3 classes: 2 -> 3
	// <nil>
}

func ExampleGenerate() {
	s := synth.Generate(synth.Tiny)
	for _, in := range s.Institutions {
		fmt.Println(in.Number, in.Type, in.Name)
	}
	p := s.Persons[0]
	fmt.Println(p.GivenName, p.FamilyName)
	// Output:
	// 100000 MUNICIPALITY Synthby Kommune
	// 200001 SCHOOL Åbyskolen
	// 200002 SCHOOL Æblehaveskolen
	// 400001 DAYCARE Børnehuset Østerbro
	// Søren Ærø-Åkjær
}

func BenchmarkGenerateNational(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s := synth.Generate(synth.National)
		b.ReportMetric(float64(len(s.Persons)), "persons")
	}
}

func BenchmarkGenerateMedium(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		synth.Generate(synth.Medium)
	}
}

func BenchmarkNextYearMedium(b *testing.B) {
	s := synth.Generate(synth.Medium)
	b.ReportAllocs()
	for b.Loop() {
		synth.NextYear(s, 1)
	}
}

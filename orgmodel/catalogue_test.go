package orgmodel_test

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// members renders a catalogue as key -> members.
func members(cat []orgmodel.LogicalGroup) map[string][]string {
	m := make(map[string][]string, len(cat))
	for _, g := range cat {
		m[g.Key] = g.Members
	}
	return m
}

func l(ids ...string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

func fixtureCatalogue() map[string][]string {
	return map[string][]string{
		"all-students":              l("c1", "f1", "s1", "s2", "s3", "s4"),
		"all-employees":             l("a1", "f1", "t1", "t2"),
		"level/1":                   l("s1", "s2", "s4"),
		"level/5":                   l("s3"),
		"level/FGU1":                l("f1"),
		"emptype/MUNICIPALITY/tap":  l("a1"),
		"emptype/SCHOOL/laerer":     l("t1", "t2"),
		"emptype/SCHOOL/paedagog":   l("t2"),
		"emptype/SCHOOL/vikar":      l("f1"),
		"inst/100/all":              l("a1"),
		"inst/100/students":         l(),
		"inst/100/employees":        l("a1"),
		"inst/200/all":              l("s1", "s2", "s3", "t1", "t2", "x1"),
		"inst/200/students":         l("s1", "s2", "s3"),
		"inst/200/employees":        l("t1", "t2"),
		"inst/201/all":              l("f1", "s4", "t1"),
		"inst/201/students":         l("s4"),
		"inst/201/employees":        l("f1", "t1"),
		"inst/300/all":              l("f1"),
		"inst/300/students":         l("f1"),
		"inst/300/employees":        l(),
		"inst/400/all":              l("c1"),
		"inst/400/students":         l("c1"),
		"inst/400/employees":        l(),
		"class/200/g1/all":          l("s1", "t1", "x1"),
		"class/200/g1/students":     l("s1"),
		"class/200/g2/all":          l("s2", "t2"),
		"class/200/g2/students":     l("s2"),
		"class/200/g3/all":          l("s3", "t1"),
		"class/200/g3/students":     l("s3"),
		"class/201/g1/all":          l("f1", "s4", "t1"),
		"class/201/g1/students":     l("s4"),
		"class/300/f1/all":          l("f1"),
		"class/300/f1/students":     l("f1"),
		"class/400/r1/all":          l("c1"),
		"class/400/r1/students":     l("c1"),
		"inst/100/emptype/tap":      l("a1"),
		"inst/200/emptype/laerer":   l("t1", "t2"),
		"inst/200/emptype/paedagog": l("t2"),
		"inst/201/emptype/laerer":   l("t1"),
		"inst/201/emptype/vikar":    l("f1"),
		"cohort/2020":               l("s3"),
		"cohort/2024":               l("s1", "s2", "s4"),
		"inst/200/level/1":          l("s1", "s2"),
		"inst/200/level/5":          l("s3"),
		"inst/201/level/1":          l("s4"),
		"inst/300/level/FGU1":       l("f1"),
	}
}

func TestCatalogueFixture(t *testing.T) {
	cat := fixture().Catalogue(at, orgmodel.CatalogueOptions{})
	if diff := cmp.Diff(fixtureCatalogue(), members(cat)); diff != "" {
		t.Errorf("catalogue (-want +got):\n%s", diff)
	}
	if !slices.IsSortedFunc(cat, func(a, b orgmodel.LogicalGroup) int { return strings.Compare(a.Key, b.Key) }) {
		t.Error("catalogue not sorted by key")
	}
	kinds := map[orgmodel.CatalogueKind]bool{}
	for _, g := range cat {
		kinds[g.Kind] = true
		if !slices.IsSorted(g.Members) {
			t.Errorf("%s: members not sorted", g.Key)
		}
	}
	if len(kinds) != 12 {
		t.Errorf("catalogue has %d kinds, want 12", len(kinds))
	}
}

func TestCatalogueGroupFields(t *testing.T) {
	cat := fixture().Catalogue(at, orgmodel.CatalogueOptions{})
	byKey := map[string]orgmodel.LogicalGroup{}
	for _, g := range cat {
		byKey[g.Key] = g
	}
	want := []orgmodel.LogicalGroup{
		{Key: "class/200/g1/all", Kind: orgmodel.ClassEveryone, Institution: "200", InstitutionType: orgmodel.School,
			GroupID: "g1", ClassID: "200/g1", ClassName: "1A", Line: "A", SchoolYear: "2025-2026", Level: "1", Cohort: 2024,
			Members: []string{"s1", "t1", "x1"}},
		{Key: "class/200/g2/students", Kind: orgmodel.ClassStudents, Institution: "200", InstitutionType: orgmodel.School,
			GroupID: "g2", ClassID: "200/g2", ClassName: "1B", Line: "B", SchoolYear: "2025-2026", Level: "1", Cohort: 2024,
			Members: []string{"s2"}},
		{Key: "emptype/SCHOOL/paedagog", Kind: orgmodel.TypeRoleEmployees, InstitutionType: orgmodel.School, Role: orgmodel.Paedagog, Members: []string{"t2"}},
		{Key: "inst/201/emptype/vikar", Kind: orgmodel.InstitutionRoleEmployees, Institution: "201", InstitutionType: orgmodel.School, Role: orgmodel.Vikar, Members: []string{"f1"}},
		{Key: "inst/200/level/5", Kind: orgmodel.InstitutionLevelStudents, Institution: "200", InstitutionType: orgmodel.School, Level: "5", Members: []string{"s3"}},
		{Key: "cohort/2020", Kind: orgmodel.CohortStudents, Cohort: 2020, Members: []string{"s3"}},
		{Key: "level/FGU1", Kind: orgmodel.LevelStudents, Level: "FGU1", Members: []string{"f1"}},
		{Key: "inst/400/employees", Kind: orgmodel.InstitutionEmployees, Institution: "400", InstitutionType: orgmodel.Daycare, Members: []string{}},
		{Key: "all-employees", Kind: orgmodel.AllEmployees, Members: []string{"a1", "f1", "t1", "t2"}},
	}
	for _, w := range want {
		if diff := cmp.Diff(w, byKey[w.Key]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", w.Key, diff)
		}
	}
}

func TestCatalogueOptions(t *testing.T) {
	tests := []struct {
		name   string
		opt    orgmodel.CatalogueOptions
		change func(s *orgmodel.Snapshot)
		// edit turns the full fixture catalogue into the expected one.
		edit func(m map[string][]string)
	}{
		{
			name: "kinds subset",
			opt:  orgmodel.CatalogueOptions{Kinds: []orgmodel.CatalogueKind{orgmodel.AllStudents, orgmodel.CohortStudents}},
			edit: func(m map[string][]string) {
				for k := range m {
					if k != "all-students" && !strings.HasPrefix(k, "cohort/") {
						delete(m, k)
					}
				}
			},
		},
		{
			name: "unknown kinds are ignored",
			opt:  orgmodel.CatalogueOptions{Kinds: []orgmodel.CatalogueKind{"bogus", orgmodel.AllEmployees}},
			edit: func(m map[string][]string) {
				for k := range m {
					if k != "all-employees" {
						delete(m, k)
					}
				}
			},
		},
		{
			name: "Barn excluded everywhere, the room stays",
			opt:  orgmodel.CatalogueOptions{ExcludeRoles: []orgmodel.Role{orgmodel.Barn}},
			edit: func(m map[string][]string) {
				m["all-students"] = l("f1", "s1", "s2", "s3", "s4")
				m["inst/400/all"], m["inst/400/students"] = l(), l()
				m["class/400/r1/all"], m["class/400/r1/students"] = l(), l()
			},
		},
		{
			name: "a role excluded at one institution",
			opt:  orgmodel.CatalogueOptions{ExcludeInstitutionRoles: map[string][]orgmodel.Role{"201": {orgmodel.Vikar}}},
			edit: func(m map[string][]string) {
				m["all-employees"] = l("a1", "t1", "t2")
				m["inst/201/all"], m["inst/201/employees"] = l("s4", "t1"), l("t1")
				m["class/201/g1/all"] = l("s4", "t1")
				delete(m, "emptype/SCHOOL/vikar")
				delete(m, "inst/201/emptype/vikar")
			},
		},
		{
			name: "an employee with one of two roles excluded stays",
			opt:  orgmodel.CatalogueOptions{ExcludeRoles: []orgmodel.Role{orgmodel.Paedagog}},
			edit: func(m map[string][]string) {
				delete(m, "emptype/SCHOOL/paedagog")
				delete(m, "inst/200/emptype/paedagog")
			},
		},
		{
			name: "class identities",
			opt:  orgmodel.CatalogueOptions{ClassIDs: map[string]string{"200/g1": "åby 2024 A", "201/g1": ""}},
			edit: func(m map[string][]string) {
				m["class/%C3%A5by%202024%20A/all"] = m["class/200/g1/all"]
				m["class/%C3%A5by%202024%20A/students"] = m["class/200/g1/students"]
				delete(m, "class/200/g1/all")
				delete(m, "class/200/g1/students")
			},
		},
		{
			name:   "an institution closed",
			change: func(s *orgmodel.Snapshot) { s.Institutions[3].Valid = orgmodel.Period{To: at} },
			edit: func(m map[string][]string) {
				for k := range m {
					if strings.HasPrefix(k, "inst/300/") || strings.HasPrefix(k, "class/300/") {
						delete(m, k)
					}
				}
				delete(m, "level/FGU1")
				m["all-students"] = l("c1", "s1", "s2", "s3", "s4")
			},
		},
		{
			name:   "a class not yet valid",
			change: func(s *orgmodel.Snapshot) { s.Groups[2].Valid = orgmodel.Period{From: date(2026, 1, 1)} },
			edit: func(m map[string][]string) {
				delete(m, "class/200/g3/all")
				delete(m, "class/200/g3/students")
				delete(m, "cohort/2020")
			},
		},
		{
			name: "persons in any order, duplicates and strays",
			change: func(s *orgmodel.Snapshot) {
				slices.Reverse(s.Persons)
				s.Persons = append(s.Persons, orgmodel.Person{ID: "s1", GivenName: "Dup"})
				s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: "ghost", Institution: "200", Roles: []orgmodel.Role{orgmodel.Laerer}})
			},
			edit: func(map[string][]string) {},
		},
		{
			name: "a student also in another class by group list",
			change: func(s *orgmodel.Snapshot) {
				s.Affiliations[0].GroupIDs = []string{"sfo", "g2", "g1"}
			},
			edit: func(m map[string][]string) {
				m["class/200/g2/all"] = l("s1", "s2", "t2")
				m["class/200/g2/students"] = l("s1", "s2")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture()
			if tt.change != nil {
				tt.change(s)
			}
			want := fixtureCatalogue()
			tt.edit(want)
			got := members(s.Catalogue(at, tt.opt))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("catalogue (-want +got):\n%s", diff)
			}
		})
	}
}

// naiveCatalogue computes the memberships of the catalogue person by person
// through the exported API, as a reference for Catalogue on larger data. It
// does not produce the groups that exist when empty.
func naiveCatalogue(s *orgmodel.Snapshot, exclude []orgmodel.Role) map[string][]string {
	out := map[string][]string{}
	first, _ := orgmodel.ParseSchoolYear(s.SchoolYear)
	for _, p := range s.Persons {
		keys := map[string]bool{}
		for _, a := range s.AffiliationsOf(p.ID, at) {
			inst := s.AffiliationInstitution(a)
			in, ok := s.Institution(inst)
			if inst != "" && (!ok || !in.Valid.Contains(at)) {
				continue
			}
			var roles []orgmodel.Role
			for _, r := range a.Roles {
				if !slices.Contains(exclude, r) {
					roles = append(roles, r)
				}
			}
			if len(roles) == 0 {
				continue
			}
			kind := roles[0].Kind()
			if inst != "" {
				keys["inst/"+inst+"/all"] = true
			}
			classes := append([]string{a.MainGroupID}, a.GroupIDs...)
			switch kind {
			case orgmodel.Student:
				keys["all-students"] = true
				if inst == "" {
					break
				}
				keys["inst/"+inst+"/students"] = true
				main, hasMain := s.Group(inst, a.MainGroupID)
				lv := a.Level
				if lv == "" && hasMain {
					lv = main.Level
				}
				if lv != "" {
					keys["level/"+lv] = true
					keys["inst/"+inst+"/level/"+lv] = true
				}
				if hasMain && main.Type == orgmodel.Hovedgruppe {
					c := main.StartYear
					if n, err := strconv.Atoi(main.Level); c == 0 && err == nil {
						c = first - n
					}
					if c != 0 {
						keys["cohort/"+strconv.Itoa(c)] = true
					}
				}
				for _, id := range classes {
					if g, ok := s.Group(inst, id); ok && g.Type == orgmodel.Hovedgruppe {
						keys["class/"+g.Key()+"/all"] = true
						keys["class/"+g.Key()+"/students"] = true
					}
				}
			default:
				if kind == orgmodel.Employee {
					keys["all-employees"] = true
					if inst != "" {
						keys["inst/"+inst+"/employees"] = true
						for _, r := range roles {
							keys["emptype/"+string(in.Type)+"/"+r.Slug()] = true
							keys["inst/"+inst+"/emptype/"+r.Slug()] = true
						}
					}
				}
				for _, id := range classes {
					if g, ok := s.Group(inst, id); ok && inst != "" && g.Type == orgmodel.Hovedgruppe {
						keys["class/"+g.Key()+"/all"] = true
					}
				}
			}
		}
		for k := range keys {
			out[k] = append(out[k], p.ID)
		}
	}
	return out
}

func TestCatalogueMatchesNaive(t *testing.T) {
	for _, exclude := range [][]orgmodel.Role{nil, {orgmodel.Barn, orgmodel.Vikar}} {
		s := synth.Generate(synth.Small)
		got := members(s.Catalogue(at, orgmodel.CatalogueOptions{ExcludeRoles: exclude}))
		for k, v := range got {
			if len(v) == 0 {
				delete(got, k)
			}
		}
		want := naiveCatalogue(s, exclude)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("exclude %v: catalogue differs from the naive one (-want +got):\n%s", exclude, diff)
		}
		if len(want) < 100 {
			t.Errorf("only %d groups: the comparison is too weak", len(want))
		}
	}
}

func TestCatalogueKinds(t *testing.T) {
	kinds := orgmodel.CatalogueKinds()
	if len(kinds) != 12 {
		t.Fatalf("%d kinds, want 12", len(kinds))
	}
	kinds[0] = "changed"
	if orgmodel.CatalogueKinds()[0] != orgmodel.AllStudents {
		t.Error("CatalogueKinds returns shared state")
	}
	if !orgmodel.CohortStudents.Valid() || orgmodel.CatalogueKind("x").Valid() {
		t.Error("CatalogueKind.Valid is wrong")
	}
}

func TestRoleSlug(t *testing.T) {
	want := map[orgmodel.Role]string{
		orgmodel.Elev: "elev", orgmodel.Barn: "barn", orgmodel.Studerende: "studerende",
		orgmodel.Laerer: "laerer", orgmodel.Paedagog: "paedagog", orgmodel.Vikar: "vikar",
		orgmodel.Leder: "leder", orgmodel.Ledelse: "ledelse", orgmodel.TAP: "tap",
		orgmodel.Konsulent: "konsulent", orgmodel.Praktikant: "praktikant", orgmodel.Ekstern: "ekstern",
		"Skole Sekretær": "skole%20sekretaer",
	}
	for r, w := range want {
		if got := r.Slug(); got != w {
			t.Errorf("%q.Slug() = %q, want %q", r, got, w)
		}
	}
}

func TestKeyPart(t *testing.T) {
	tests := map[string]string{
		"280017":   "280017",
		"DT":       "DT",
		"a b":      "a%20b",
		"a/b":      "a%2Fb",
		"50%":      "50%25",
		"ø":        "%C3%B8",
		"x.y_z-1":  "x.y_z-1",
		"":         "",
		"\x00\xff": "%00%FF",
	}
	for in, want := range tests {
		if got := orgmodel.KeyPart(in); got != want {
			t.Errorf("KeyPart(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzKeyPart(f *testing.F) {
	for _, s := range []string{"280017", "a b/c", "Lærer", "%41", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := orgmodel.KeyPart(s)
		for _, r := range k {
			if r > unicode.MaxASCII || r == ' ' || r == '/' {
				t.Fatalf("KeyPart(%q) = %q contains %q", s, k, r)
			}
		}
		// Injective: the escaping can be undone.
		back, err := url.PathUnescape(k)
		if err != nil || back != s {
			t.Fatalf("KeyPart(%q) = %q does not unescape back (%q, %v)", s, k, back, err)
		}
	})
}

func ExampleSnapshot_Catalogue() {
	s := &orgmodel.Snapshot{
		SchoolYear:   "2025-2026",
		Institutions: []orgmodel.Institution{{Number: "280017", Name: "Åby Skole", Type: orgmodel.School}},
		Groups: []orgmodel.Group{
			{ID: "g1", Institution: "280017", Name: "4A", Type: orgmodel.Hovedgruppe, Level: "4", Line: "A", SchoolYear: "2025-2026"},
		},
		Persons: []orgmodel.Person{
			{ID: "p1", GivenName: "Søren", FamilyName: "Ærø-Åkjær"},
			{ID: "p2", GivenName: "Anne-Mette", FamilyName: "Østergaard"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "p1", Institution: "280017", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "4", MainGroupID: "g1"},
			{PersonID: "p2", Institution: "280017", Roles: []orgmodel.Role{orgmodel.Laerer}, GroupIDs: []string{"g1"}},
		},
	}
	now := synth.ReferenceTime(s.SchoolYear)
	opt := orgmodel.CatalogueOptions{ClassIDs: map[string]string{"280017/g1": "k2021a"}}
	for _, g := range s.Catalogue(now, opt) {
		fmt.Println(g.Key, g.Members)
	}
	// Output:
	// all-employees [p2]
	// all-students [p1]
	// class/k2021a/all [p1 p2]
	// class/k2021a/students [p1]
	// cohort/2021 [p1]
	// emptype/SCHOOL/laerer [p2]
	// inst/280017/all [p1 p2]
	// inst/280017/employees [p2]
	// inst/280017/emptype/laerer [p2]
	// inst/280017/level/4 [p1]
	// inst/280017/students [p1]
	// level/4 [p1]
}

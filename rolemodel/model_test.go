package rolemodel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
)

func TestCompileProblems(t *testing.T) {
	cls := []rolemodel.Classification{"x"}
	tests := []struct {
		name string
		edit func(*rolemodel.Catalogue)
		want []string // substrings, one per problem, in order
	}{
		{"cycle", func(c *rolemodel.Catalogue) {
			c.Roles = append(c.Roles, rolemodel.Role{ID: "A", Classifications: cls, Inherits: []string{"B"}}, rolemodel.Role{ID: "B", Classifications: cls, Inherits: []string{"A"}})
		}, []string{"role A: field inherits: inheritance cycle [A B A]"}},
		{"unknowns at once", func(c *rolemodel.Catalogue) {
			c.Roles = append(c.Roles, rolemodel.Role{ID: "A", Rights: []string{"nope"}, Inherits: []string{"ghost"}})
			c.Rights = append(c.Rights, rolemodel.Right{ID: "r", System: "none", Classification: "x"})
		}, []string{"right r: field system: unknown IT system", "role A: field classifications", "role A: field rights: unknown right \"nope\"", "role A: field inherits: unknown role \"ghost\""}},
		{"sod with one right", func(c *rolemodel.Catalogue) {
			c.Rules = append(c.Rules, rolemodel.Rule{ID: "s", Kind: rolemodel.SoD, Text: "t", Rights: []string{"hosp-pay"}})
		}, []string{"rule s: field rights: a segregation-of-duties rule names two different rights"}},
		{"rule forms", func(c *rolemodel.Catalogue) {
			c.Rules = append(c.Rules, rolemodel.Rule{ID: "w", Kind: rolemodel.TimeWindow, Text: "t"}, rolemodel.Rule{ID: "l", Kind: rolemodel.Limit}, rolemodel.Rule{ID: "k", Kind: "odd", Text: "t"})
		}, []string{"rule w: field firstWorkdays", "rule l: field text", "rule l: field max", "rule k: field kind"}},
		{"user both person and system", func(c *rolemodel.Catalogue) {
			c.Users = append(c.Users, rolemodel.User{ID: "u", PersonID: "p", System: "hosp"}, rolemodel.User{ID: "u", PersonID: "q"})
		}, []string{"user u: exactly one", "user u: field id: duplicate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rolemodel.Catalogue{
				Systems: []rolemodel.ITSystem{{ID: "hosp"}},
				Rights:  []rolemodel.Right{{ID: "hosp-pay", System: "hosp", Classification: "x"}},
			}
			tt.edit(&c)
			_, err := rolemodel.Compile(c)
			var p *rolemodel.Problems
			if !errors.As(err, &p) || !errors.Is(err, rolemodel.ErrInvalid) {
				t.Fatalf("err = %v, want Problems", err)
			}
			if len(p.Problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(p.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(p.Problems[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, p.Problems[i], w)
				}
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := hospital()
	c.Users = []rolemodel.User{{ID: "u1", PersonID: "p1", Valid: orgmodel.Period{From: feb1}}}
	c.Delegations = append(c.Delegations, rolemodel.Delegation{User: "boss", Role: "Læge", Valid: orgmodel.Period{From: mar1}})
	c.Assignments = []rolemodel.Assignment{
		{ID: "a1", User: "u1", Roles: []string{"Læge"}, AssignedBy: "admin", Valid: orgmodel.Period{From: jan1}},      // before the user
		{ID: "a2", User: "u1", Roles: []string{"Læge"}, AssignedBy: "boss", Valid: orgmodel.Period{From: feb1}},       // delegation starts later
		{ID: "a3", User: "u1", Roles: []string{"Sekretær"}, AssignedBy: "nobody", Valid: orgmodel.Period{From: feb1}}, // no delegation
		{ID: "a4", User: "u1", Roles: []string{"Læge"}, AssignedBy: "admin", Valid: orgmodel.Period{From: feb1}, Restrictions: []rolemodel.Restriction{{Kind: rolemodel.RestrictUnit, Value: "mars"}}},
		{ID: "a5", User: "ghost", Roles: []string{"Spøgelse"}, AssignedBy: "admin"},
	}
	c.Derived = []rolemodel.Derived{{ID: "d1", Roles: []string{"Læge"}, AssignedBy: "admin", Unit: "atlantis"}}
	s := &orgmodel.Snapshot{Units: []orgmodel.Unit{{ID: "u"}}, Persons: []orgmodel.Person{{ID: "p1"}}}
	m, err := rolemodel.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Validate(s)
	var p *rolemodel.Problems
	if !errors.As(err, &p) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"assignment a1: field valid: outside the validity of user u1",
		"assignment a2: field assignedBy: boss has no delegation to assign role Læge",
		"assignment a3: field assignedBy: nobody has no delegation to assign role Sekretær",
		"assignment a4: field restrictions: unknown organisation unit \"mars\"",
		"assignment a5: field user: unknown user \"ghost\"",
		"assignment a5: field roles: unknown role \"Spøgelse\"",
		"derived d1: field unit: unknown organisation unit \"atlantis\"",
	}
	if diff := cmp.Diff(want, p.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestSoDRefused(t *testing.T) {
	c := hospital()
	c.Rights = append(c.Rights, rolemodel.Right{ID: "anvise", System: "hosp", Classification: "Sundhed"}, rolemodel.Right{ID: "udbetale", System: "hosp", Classification: "Sundhed"})
	c.Roles = append(c.Roles,
		rolemodel.Role{ID: "Anviser", Classifications: []rolemodel.Classification{"x"}, Rights: []string{"anvise"}},
		rolemodel.Role{ID: "Bogholder", Classifications: []rolemodel.Classification{"x"}, Rights: []string{"udbetale"}, Inherits: []string{"Sekretær"}})
	delegate(&c)
	c.Rules = []rolemodel.Rule{{ID: "sod1", Kind: rolemodel.SoD, Text: "den der anviser, udbetaler ikke", Rights: []string{"anvise", "udbetale"}, Valid: orgmodel.Period{From: feb1}}}
	c.Assignments = []rolemodel.Assignment{
		{ID: "a1", User: "p1", Roles: []string{"Anviser"}, AssignedBy: "admin"},
		{ID: "a2", User: "p1", Roles: []string{"Bogholder"}, AssignedBy: "admin"},
		{ID: "a3", User: "p2", Roles: []string{"Bogholder"}, AssignedBy: "admin"},
	}
	m := mustCompile(t, c, &orgmodel.Snapshot{Persons: []orgmodel.Person{{ID: "p1"}, {ID: "p2"}}})
	if err := m.Evaluate(nil, jan1, nil).CheckSoD(); err != nil {
		t.Errorf("before the rule is valid: %v", err)
	}
	err := m.Evaluate(nil, feb1, nil).CheckSoD()
	var se *rolemodel.SoDError
	if !errors.Is(err, rolemodel.ErrSoD) || !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *SoDError", err)
	}
	want := []rolemodel.Violation{{User: "p1", Rule: "sod1", Text: "den der anviser, udbetaler ikke", Rights: [2]string{"anvise", "udbetale"}}}
	if diff := cmp.Diff(want, se.Violations); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "user p1 holds anvise and udbetale, which rule sod1") {
		t.Errorf("message = %q", err)
	}
}

func TestRulesForIT(t *testing.T) {
	c := hospital()
	c.Rules = []rolemodel.Rule{
		{ID: "w", Kind: rolemodel.TimeWindow, Text: "kun de første 5 arbejdsdage", Rights: []string{"vagtplan"}, FirstWorkdays: 5},
		{ID: "l", Kind: rolemodel.Limit, Text: "højst 10.000 kr.", Rights: []string{"booking"}, Max: 10000},
	}
	c.Assignments = []rolemodel.Assignment{{ID: "a1", User: "p1", Roles: []string{"Hospitalslæge"}, AssignedBy: "admin"}}
	m := mustCompile(t, c, &orgmodel.Snapshot{Persons: []orgmodel.Person{{ID: "p1"}}})
	got := m.Evaluate(nil, jan1, nil).RulesFor("p1")
	if len(got) != 1 || got[0].ID != "w" {
		t.Errorf("rules = %+v, want the time window only", got)
	}
	cl := m.Evaluate(nil, jan1, nil).Claims("p1")
	if len(cl.Systems) != 1 || len(cl.Systems[0].Rules) != 1 || cl.Systems[0].Rules[0].FirstWorkdays != 5 {
		t.Errorf("claims carry rules %+v, want the time window", cl.Systems)
	}
}

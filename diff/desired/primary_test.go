package desired_test

import (
	"strings"
	"testing"

	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestPrimaryOverride: Input.Primary puts a person with affiliations at
// several institutions under the chosen one; an override naming an
// institution the person has no affiliation at is ignored.
func TestPrimaryOverride(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	at := synth.ReferenceTime(s.SchoolYear)
	var person string
	var insts []string
	for _, p := range s.Persons {
		if is := s.InstitutionsOf(p.ID, at); len(is) >= 2 {
			person, insts = p.ID, is
			break
		}
	}
	if person == "" {
		t.Fatal("synth.Tiny has no person at two institutions")
	}
	proj, err := desired.DefaultConfig().Compile()
	if err != nil {
		t.Fatal(err)
	}
	us := map[string]string{}
	for _, p := range s.Persons {
		us[p.ID] = "u" + p.ID
	}
	parent := func(primary map[string]string) (string, string) {
		objs, err := proj.Build(s, desired.Input{At: at, Usernames: us, Primary: primary})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.Key == "user/"+person {
				return o.Parent, o.Institution
			}
		}
		t.Fatalf("no user for %s", person)
		return "", ""
	}
	natParent, natInst := parent(nil)
	other := insts[0]
	if other == natInst {
		other = insts[1]
	}
	tests := []struct {
		name     string
		primary  map[string]string
		wantInst string
	}{
		{"none", nil, natInst},
		{"another person's", map[string]string{"nobody": other}, natInst},
		{"the other institution", map[string]string{person: other}, other},
		{"an institution without an affiliation", map[string]string{person: "999999"}, natInst},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, inst := parent(tc.primary)
			if inst != tc.wantInst || !strings.Contains(p, "/"+tc.wantInst+"/") {
				t.Errorf("parent %s, institution %s; want institution %s (natural parent %s)", p, inst, tc.wantInst, natParent)
			}
		})
	}
}

package orgmodel_test

import (
	"strings"
	"testing"

	"github.com/orgsync/orgsync/orgmodel"
)

func TestValidateIdentity(t *testing.T) {
	base := func(ps ...orgmodel.Person) orgmodel.Snapshot {
		return orgmodel.Snapshot{Persons: ps}
	}
	p := func(id, cpr string) orgmodel.Person { return orgmodel.Person{ID: id, GivenName: "A", CPR: cpr} }
	linked := func(q orgmodel.Person, to string) orgmodel.Person { q.SameAs = to; return q }
	repl := orgmodel.Person{ID: "r", GivenName: "R", CPRType: orgmodel.CPRReplacement, ReplacementID: "0101010001"}
	tests := []struct {
		name string
		s    orgmodel.Snapshot
		want string // "" for valid
	}{
		{"shared cpr unlinked", base(p("a", "0101010001"), p("b", "0101010001")), "same cpr as person"},
		{"shared cpr linked", base(p("a", "0101010001"), linked(p("b", "0101010001"), "a")), ""},
		{"three linked to one primary", base(p("a", "0101010001"), linked(p("b", "0101010001"), "a"), linked(p("c", "0101010001"), "a")), ""},
		{"linked to unknown", base(linked(p("b", ""), "zz")), `sameAs: unknown person "zz"`},
		{"linked to itself", base(linked(p("b", ""), "b")), "links the person to itself"},
		{"chain", base(p("a", ""), linked(p("b", ""), "a"), linked(p("c", ""), "b")), "is itself linked"},
		{"replacement id", base(repl), ""},
		{"replacement id with cpr", base(func() orgmodel.Person { q := repl; q.CPR = "0101010001"; return q }()), "person r cpr: set although"},
		{"replacement id without type", base(orgmodel.Person{ID: "x", GivenName: "X", ReplacementID: "1"}), "replacementId"},
		{"unknown cpr type", base(orgmodel.Person{ID: "x", GivenName: "X", CPRType: "NOPE"}), "unknown cpr type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestOtherRoles(t *testing.T) {
	for r, k := range map[orgmodel.Role]orgmodel.RoleKind{orgmodel.OtherStudentRole: orgmodel.Student, orgmodel.OtherEmployeeRole: orgmodel.Employee, orgmodel.OtherExternalRole: orgmodel.External} {
		if r.Kind() != k {
			t.Errorf("%s.Kind() = %s, want %s", r, r.Kind(), k)
		}
	}
	if p := (orgmodel.Person{ID: "b", SameAs: "a"}); p.Human() != "a" {
		t.Error("Human of a linked record")
	}
}

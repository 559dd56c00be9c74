package rolemodel_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
)

// bigMunicipality: 60,000 persons in 2,000 units (30 each); 2,000 roles in
// five levels of 400, each role inheriting from one or two roles of the
// level above (inheritance depth 5) and holding two rights of its own;
// 150,000 explicit assignments and 2,000 derived unit assignments of 2 or
// 3 roles, which give 150,000 derived role grants; 200 SoD rules.
func bigMunicipality() (rolemodel.Catalogue, *orgmodel.Snapshot) {
	rng := rand.New(rand.NewPCG(1, 2))
	const (
		persons = 60000
		units   = 2000
		levels  = 5
		perLvl  = 400
	)
	c := rolemodel.Catalogue{Systems: []rolemodel.ITSystem{{ID: "s"}}}
	for i := range 2 * levels * perLvl {
		c.Rights = append(c.Rights, rolemodel.Right{ID: fmt.Sprintf("r%d", i), System: "s", Classification: "x"})
	}
	for l := range levels {
		for k := range perLvl {
			i := l*perLvl + k
			ro := rolemodel.Role{ID: fmt.Sprintf("R%d", i), Classifications: []rolemodel.Classification{"x"},
				Rights: []string{fmt.Sprintf("r%d", 2*i), fmt.Sprintf("r%d", 2*i+1)}}
			if l > 0 {
				ro.Inherits = append(ro.Inherits, fmt.Sprintf("R%d", (l-1)*perLvl+k))
				if k%2 == 0 {
					ro.Inherits = append(ro.Inherits, fmt.Sprintf("R%d", (l-1)*perLvl+rng.IntN(perLvl)))
				}
			}
			c.Roles = append(c.Roles, ro)
		}
	}
	for i := range 200 {
		c.Rules = append(c.Rules, rolemodel.Rule{ID: fmt.Sprintf("sod%d", i), Kind: rolemodel.SoD, Text: "t",
			Rights: []string{fmt.Sprintf("r%d", rng.IntN(2000)), fmt.Sprintf("r%d", 2000+rng.IntN(2000))}})
	}
	s := &orgmodel.Snapshot{}
	for u := range units {
		s.Units = append(s.Units, orgmodel.Unit{ID: fmt.Sprintf("u%d", u), Name: "u", Hierarchy: orgmodel.LineOrganisation})
		roles := []string{fmt.Sprintf("R%d", rng.IntN(2000)), fmt.Sprintf("R%d", rng.IntN(2000))}
		if u%2 == 0 {
			roles = append(roles, fmt.Sprintf("R%d", rng.IntN(2000)))
		}
		c.Derived = append(c.Derived, rolemodel.Derived{ID: fmt.Sprintf("d%d", u), Roles: roles, AssignedBy: "admin", Unit: fmt.Sprintf("u%d", u)})
	}
	for p := range persons {
		id := fmt.Sprintf("p%d", p)
		s.Persons = append(s.Persons, orgmodel.Person{ID: id})
		s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: id, UnitID: fmt.Sprintf("u%d", p%units), Roles: []orgmodel.Role{orgmodel.TAP}})
	}
	for i := range 150000 {
		c.Assignments = append(c.Assignments, rolemodel.Assignment{ID: fmt.Sprintf("a%d", i), User: fmt.Sprintf("p%d", rng.IntN(persons)),
			Roles: []string{fmt.Sprintf("R%d", rng.IntN(2000))}, AssignedBy: "admin"})
	}
	return c, s
}

// BenchmarkEffectiveRights60k measures one whole evaluation: every user's
// effective roles at an instant (explicit and derived), every user's
// distinct effective rights, the SoD check and the role groups. Compile
// (once per catalogue change) is outside the loop; see BenchmarkCompile.
func BenchmarkEffectiveRights60k(b *testing.B) {
	c, s := bigMunicipality()
	m, err := rolemodel.Compile(c)
	if err != nil {
		b.Fatal(err)
	}
	var grants, rights int
	var peak uint64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		r := m.Evaluate(s, jan1, nil)
		rights = r.CountRights()
		_ = r.CheckSoD()
		grants = r.Len()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(grants), "grants")
	b.ReportMetric(float64(rights), "user-rights")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
}

// BenchmarkCompile measures compiling the 2,000-role catalogue with
// 150,000 assignments (the inheritance closure) and validating it against
// the snapshot.
func BenchmarkCompile(b *testing.B) {
	c, s := bigMunicipality()
	for i := range c.Roles {
		c.Delegations = append(c.Delegations, rolemodel.Delegation{User: "admin", Role: c.Roles[i].ID})
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := rolemodel.Compile(c)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Validate(s); err != nil {
			b.Fatal(err)
		}
	}
}

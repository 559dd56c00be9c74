package history_test

import (
	"testing"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/history"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// BenchmarkMinimise strips the protected fields of a 60,000-person
// snapshot (synth.Medium: every person with a CPR number, some
// name-protected, every fifth with an address).
func BenchmarkMinimise(b *testing.B) {
	s := synth.Generate(synth.Medium)
	for i := range s.Persons {
		if i%5 == 0 {
			s.Persons[i].Address = &orgmodel.Address{Street: "Skolevej 1", PostalCode: "8000"}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, n, changed := history.Minimise(s); !changed || n.CPR == 0 {
			b.Fatal("nothing minimised")
		}
	}
	b.ReportMetric(float64(len(s.Persons)), "persons")
}

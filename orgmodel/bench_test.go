package orgmodel_test

import (
	"sync"
	"testing"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

var (
	benchOnce sync.Map // preset name -> *orgmodel.Snapshot
)

func benchSnapshot(b *testing.B, name string, cfg synth.Config) *orgmodel.Snapshot {
	b.Helper()
	if s, ok := benchOnce.Load(name); ok {
		return s.(*orgmodel.Snapshot)
	}
	s := synth.Generate(cfg)
	benchOnce.Store(name, s)
	return s
}

func benchValidate(b *testing.B, name string, cfg synth.Config) {
	s := benchSnapshot(b, name, cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := s.Validate(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(s.Persons)), "persons")
}

func benchCatalogue(b *testing.B, name string, cfg synth.Config) {
	s := benchSnapshot(b, name, cfg)
	if err := s.Validate(); err != nil {
		b.Fatal(err)
	}
	at := synth.ReferenceTime(s.SchoolYear)
	b.ReportAllocs()
	b.ResetTimer()
	var groups, members int
	for b.Loop() {
		cat := s.Catalogue(at, orgmodel.CatalogueOptions{ExcludeRoles: []orgmodel.Role{orgmodel.Barn}})
		groups, members = len(cat), 0
		for _, g := range cat {
			members += len(g.Members)
		}
	}
	b.ReportMetric(float64(groups), "groups")
	b.ReportMetric(float64(members), "memberships")
}

func BenchmarkValidate60k(b *testing.B)  { benchValidate(b, "medium", synth.Medium) }
func BenchmarkValidate1M(b *testing.B)   { benchValidate(b, "national", synth.National) }
func BenchmarkCatalogue60k(b *testing.B) { benchCatalogue(b, "medium", synth.Medium) }
func BenchmarkCatalogue1M(b *testing.B)  { benchCatalogue(b, "national", synth.National) }

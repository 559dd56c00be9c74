package orgmodel_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// positionSnapshots are snapshots for the views by position: the fixture
// with a duplicated person appended, a closed institution and a person
// without affiliations, and a generated municipality.
func positionSnapshots() map[string]*orgmodel.Snapshot {
	f := fixture()
	f.Persons = append(f.Persons,
		orgmodel.Person{ID: "t1", GivenName: "Dup", FamilyName: "Licate"},
		orgmodel.Person{ID: "z9", GivenName: "No", FamilyName: "Affiliation"})
	f.Institutions[4].Valid = orgmodel.Period{To: at} // the daycare closed
	return map[string]*orgmodel.Snapshot{"fixture": f, "synth": synth.Generate(synth.Tiny)}
}

// TestPositionViewsMatchLookups checks that the views by position answer
// what the views by ID answer for every person, at several times and for
// two role policies.
func TestPositionViewsMatchLookups(t *testing.T) {
	employeeFirst := orgmodel.RolePolicy{Order: []orgmodel.RoleKind{orgmodel.Employee}}
	times := []time.Time{at, date(2025, 8, 1), date(2025, 10, 2), date(1999, 1, 1)}
	for name, s := range positionSnapshots() {
		t.Run(name, func(t *testing.T) {
			times := times
			if name == "synth" {
				times = append(times[:len(times):len(times)], synth.ReferenceTime(s.SchoolYear))
			}
			seen := map[string]bool{}
			var buf []*orgmodel.Affiliation
			for i, p := range s.Persons {
				first := !seen[p.ID]
				seen[p.ID] = true
				for _, at := range times {
					buf = s.AppendAffiliations(buf[:0], i, at)
					var want []*orgmodel.Affiliation
					if first {
						for _, a := range s.AffiliationsOf(p.ID, at) {
							want = append(want, &a)
						}
					}
					if diff := cmp.Diff(want, buf, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("person %d (%s) at %s: AppendAffiliations differs from AffiliationsOf (-want +got):\n%s", i, p.ID, at.Format(time.DateOnly), diff)
					}
					for _, policy := range []orgmodel.RolePolicy{{}, employeeFirst} {
						wantRole := orgmodel.RoleKind("")
						wantInst, wantOK := "", false
						if first {
							wantRole = s.GlobalRole(p.ID, at, policy)
							wantInst, wantOK = s.PrimaryInstitution(p.ID, at, policy)
						}
						if got := s.GlobalRoleAt(i, at, policy); got != wantRole {
							t.Errorf("person %d (%s) at %s: GlobalRoleAt = %q, want %q", i, p.ID, at.Format(time.DateOnly), got, wantRole)
						}
						if got, ok := s.PrimaryInstitutionAt(i, at, policy); got != wantInst || ok != wantOK {
							t.Errorf("person %d (%s) at %s: PrimaryInstitutionAt = %q, %v, want %q, %v", i, p.ID, at.Format(time.DateOnly), got, ok, wantInst, wantOK)
						}
					}
				}
			}
			for _, i := range []int{-1, len(s.Persons)} {
				if got := s.AppendAffiliations(nil, i, at); got != nil {
					t.Errorf("AppendAffiliations(%d) = %v, want nothing", i, got)
				}
				if got := s.GlobalRoleAt(i, at, orgmodel.RolePolicy{}); got != "" {
					t.Errorf("GlobalRoleAt(%d) = %q, want none", i, got)
				}
				if got, ok := s.PrimaryInstitutionAt(i, at, orgmodel.RolePolicy{}); got != "" || ok {
					t.Errorf("PrimaryInstitutionAt(%d) = %q, %v, want none", i, got, ok)
				}
			}
		})
	}
}

// TestCatalogueMemberKey checks that MemberKey renames and drops members
// and nothing else.
func TestCatalogueMemberKey(t *testing.T) {
	s := synth.Generate(synth.Small)
	at := synth.ReferenceTime(s.SchoolYear)
	opt := orgmodel.CatalogueOptions{ExcludeRoles: []orgmodel.Role{orgmodel.Barn}}
	plain := s.Catalogue(at, opt)
	calls := map[int]int{}
	opt.MemberKey = func(p int) string {
		calls[p]++
		if p%3 == 0 {
			return "" // left out
		}
		return "key/" + s.Persons[p].ID
	}
	keyed := s.Catalogue(at, opt)
	if len(keyed) != len(plain) {
		t.Fatalf("%d groups with MemberKey, %d without", len(keyed), len(plain))
	}
	pos := map[string]int{}
	for i, p := range s.Persons {
		pos[p.ID] = i
	}
	for p, n := range calls {
		if n != 1 {
			t.Errorf("MemberKey(%d) called %d times, want once", p, n)
		}
	}
	if len(calls) != len(pos) {
		t.Errorf("MemberKey called for %d persons, want %d", len(calls), len(pos))
	}
	dropped := 0
	for g := range plain {
		want := []string{}
		for _, id := range plain[g].Members {
			if pos[id]%3 == 0 {
				dropped++
				continue
			}
			want = append(want, "key/"+id)
		}
		got := keyed[g]
		if diff := cmp.Diff(want, got.Members); diff != "" {
			t.Errorf("group %s: members (-want +got):\n%s", plain[g].Key, diff)
		}
		got.Members = plain[g].Members
		if diff := cmp.Diff(plain[g], got); diff != "" {
			t.Errorf("group %s: MemberKey changed more than the members (-want +got):\n%s", plain[g].Key, diff)
		}
	}
	if dropped == 0 {
		t.Error("no member was left out: the test is too weak")
	}
}

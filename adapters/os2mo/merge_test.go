package os2mo_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/os2mo"
	"github.com/orgsync/orgsync/orgmodel"
)

func TestMergeSTILMatchAndAuthority(t *testing.T) {
	stil := &orgmodel.Snapshot{Persons: []orgmodel.Person{
		{ID: "uni1", UNIID: "uni1", GivenName: "Ane", FamilyName: "S", CPR: "0101801111"},
		{ID: "uni2", GivenName: "Bent", FamilyName: "S", Username: "bent", Email: "bent@skole"},
		{ID: "uni3", GivenName: "Cille", FamilyName: "S", CPR: "0303803333"},
		{ID: "uni3b", GivenName: "Cille", FamilyName: "S", CPR: "0303803333", SameAs: "uni3"},
	}}
	mo := &orgmodel.Snapshot{
		Persons: []orgmodel.Person{
			{ID: "mo1", UNIID: "uni1", GivenName: "Anne", FamilyName: "O", CPR: "0101801111"},
			{ID: "mo2", Username: "bent", GivenName: "Bent", FamilyName: "O", Email: "bent@kommune"},
			{ID: "mo3", CPR: "0303803333", GivenName: "Cecilie", FamilyName: "O", Username: "ceci"},
			{ID: "mo4", CPR: "0404804444", GivenName: "Dan", FamilyName: "O"},
		},
		Affiliations: []orgmodel.Affiliation{{PersonID: "mo3", Institution: "K"}, {PersonID: "mo4", Institution: "K"}},
		Managers:     []orgmodel.Manager{{UnitID: "u", PersonID: "mo1"}, {UnitID: "u"}},
	}
	got, rep := os2mo.MergeSTIL(stil, mo, os2mo.MergeRules{Authority: map[string]os2mo.Source{"givenName": os2mo.FromOS2mo}})
	want := []orgmodel.Person{
		{ID: "uni1", UNIID: "uni1", GivenName: "Anne", FamilyName: "S", CPR: "0101801111"},
		{ID: "uni2", GivenName: "Bent", FamilyName: "S", Username: "bent", Email: "bent@skole"},
		{ID: "uni3", GivenName: "Cecilie", FamilyName: "S", CPR: "0303803333", Username: "ceci"},
		{ID: "uni3b", GivenName: "Cille", FamilyName: "S", CPR: "0303803333", SameAs: "uni3"},
		{ID: "mo4", CPR: "0404804444", GivenName: "Dan", FamilyName: "O"},
	}
	if d := cmp.Diff(want, got.Persons); d != "" {
		t.Errorf("persons (-want +got):\n%s", d)
	}
	wantM := []os2mo.Match{{"uni1", "mo1", "uni-id"}, {"uni2", "mo2", "it-user"}, {"uni3", "mo3", "cpr"}}
	if d := cmp.Diff(wantM, rep.Matched); d != "" {
		t.Errorf("matches (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"uni1": "mo1", "uni2": "mo2", "uni3": "mo3", "mo4": "mo4"}, rep.OS2moIDs); d != "" {
		t.Errorf("OS2moIDs (-want +got):\n%s", d)
	}
	if got.Affiliations[0].PersonID != "uni3" || got.Affiliations[1].PersonID != "mo4" || got.Managers[0].PersonID != "uni1" || got.Managers[1].PersonID != "" {
		t.Errorf("affiliations %+v, managers %+v not renamed", got.Affiliations, got.Managers)
	}
	if stil.Persons[0].GivenName != "Ane" {
		t.Error("MergeSTIL modified its input")
	}
}

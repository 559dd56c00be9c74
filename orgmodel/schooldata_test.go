package orgmodel_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
)

func TestDisclosable(t *testing.T) {
	addr := &orgmodel.Address{Street: "Skjultvej 1"}
	phones := []orgmodel.Phone{{Kind: orgmodel.HomePhone, Number: "1", Protected: true}, {Kind: orgmodel.WorkPhone, Number: "2"}}
	p := orgmodel.Person{ID: "p", GivenName: "Rigtig", FamilyName: "Navn", Protected: true, AliasGivenName: "Alias", AliasFamilyName: "A", Address: addr, Phones: phones}
	got := p.Disclosable(false)
	want := orgmodel.Person{ID: "p", GivenName: "Alias", FamilyName: "A", Protected: true, AliasGivenName: "Alias", AliasFamilyName: "A", Phones: phones[1:]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("protected (-want +got):\n%s", diff)
	}
	if got := p.Disclosable(true); !cmp.Equal(p, got) {
		t.Errorf("ignoring protection changed the person: %+v", got)
	}
	open := orgmodel.Person{ID: "q", GivenName: "Åben", Address: addr, Phones: phones}
	if got := open.Disclosable(false); got.GivenName != "Åben" || got.Address != addr || len(got.Phones) != 1 {
		t.Errorf("unprotected person: %+v (a protected number is left out for everyone)", got)
	}
	if p.Address == nil || len(p.Phones) != 2 {
		t.Error("Disclosable changed its receiver")
	}
}

func TestValidateSchoolData(t *testing.T) {
	base := func() orgmodel.Snapshot {
		return orgmodel.Snapshot{
			Persons: []orgmodel.Person{{ID: "e", GivenName: "E"}},
			Contacts: []orgmodel.Contact{{StudentID: "e", Relation: orgmodel.Mother, AccessLevel: 1,
				Person: orgmodel.Person{ID: "m", GivenName: "M", Gender: orgmodel.Female, Phones: []orgmodel.Phone{{Kind: orgmodel.MobilePhone, Number: "1"}}}}},
		}
	}
	tests := []struct {
		name   string
		change func(s *orgmodel.Snapshot)
		want   string
	}{
		{"valid", func(*orgmodel.Snapshot) {}, ""},
		{"unknown student", func(s *orgmodel.Snapshot) { s.Contacts[0].StudentID = "x" }, "studentId: unknown person"},
		{"relation", func(s *orgmodel.Snapshot) { s.Contacts[0].Relation = "Onkel" }, `unknown relation "Onkel"`},
		{"access level", func(s *orgmodel.Snapshot) { s.Contacts[0].AccessLevel = -1 }, "accessLevel: is negative"},
		{"contact without name", func(s *orgmodel.Snapshot) { s.Contacts[0].Person.GivenName = "" }, "person.givenName"},
		{"contact cpr", func(s *orgmodel.Snapshot) { s.Contacts[0].Person.CPR = "3299991234" }, "person.cpr"},
		{"gender", func(s *orgmodel.Snapshot) { s.Persons[0].Gender = "X" }, `person e gender: unknown gender "X"`},
		{"phone kind", func(s *orgmodel.Snapshot) { s.Contacts[0].Person.Phones[0].Kind = "fax" }, "person.phones[0].kind"},
		{"phone number", func(s *orgmodel.Snapshot) { s.Contacts[0].Person.Phones[0].Number = " " }, "person.phones[0].number: is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.change(&s)
			err := s.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "3299991234") {
				t.Error("error repeats the CPR")
			}
		})
	}
}

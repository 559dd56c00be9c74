package orgmodel

import (
	"strconv"
	"strings"
	"time"
)

// ImportSource is one system an institution's data came from, as the
// source reports it (STIL's ImportSource).
type ImportSource struct {
	// Source names the system, e.g. the school's administrative system.
	Source string `json:"source"`
	// At is when that system delivered the data (sourceDateTime).
	At time.Time `json:"at,omitzero"`
	// SchoolYear is the school year of the data, e.g. "2024-2025".
	SchoolYear string `json:"schoolYear,omitempty"`
}

// Gender is a registered gender as STIL gives it.
type Gender string

// Genders.
const (
	Male   Gender = "M" // mand
	Female Gender = "K" // kvinde
)

// Valid reports whether g is empty or a known gender.
func (g Gender) Valid() bool { return g == "" || g == Male || g == Female }

// Address is a postal address. CountryCode is ISO 3166 alpha-2.
type Address struct {
	Street           string `json:"street,omitempty"`
	PostalCode       string `json:"postalCode,omitempty"`
	PostalDistrict   string `json:"postalDistrict,omitempty"`
	CountryCode      string `json:"countryCode,omitempty"`
	Country          string `json:"country,omitempty"`
	MunicipalityCode string `json:"municipalityCode,omitempty"`
	MunicipalityName string `json:"municipalityName,omitempty"`
}

// PhoneKind says which phone number it is.
type PhoneKind string

// Phone kinds.
const (
	HomePhone   PhoneKind = "home"
	WorkPhone   PhoneKind = "work"
	MobilePhone PhoneKind = "mobile"
)

// Phone is a phone number with its own protection flag: a protected number
// must not be shown (see Person.Disclosable).
type Phone struct {
	Kind      PhoneKind `json:"kind"`
	Number    string    `json:"number"`
	Protected bool      `json:"protected,omitempty"`
}

// Relation is how a contact person is related to a student.
type Relation string

// Relations, as STIL names them.
const (
	Mother          Relation = "Mor"
	Father          Relation = "Far"
	OtherRelation   Relation = "Andet"
	OfficialContact Relation = "Officielt tilknyttet person"
)

// Valid reports whether r is a known relation.
func (r Relation) Valid() bool {
	switch r {
	case Mother, Father, OtherRelation, OfficialContact:
		return true
	}
	return false
}

// Contact links a student to a contact person (a parent or another adult)
// at an institution: how a parent is found for a pupil. The contact's own
// record is in Person; it is not one of Snapshot.Persons unless the same
// human is also a person of an institution (then Person.ID is the same).
type Contact struct {
	// StudentID is the person ID of the student.
	StudentID string `json:"studentId"`
	// Institution is where the source listed the link.
	Institution string `json:"institution,omitempty"`
	// Relation is how the contact is related to the student.
	Relation Relation `json:"relation"`
	// ChildCustody reports custody (forældremyndighed).
	ChildCustody bool `json:"childCustody,omitempty"`
	// AccessLevel is the source's level of the contact's access to the
	// student's data.
	AccessLevel int `json:"accessLevel,omitempty"`
	// Person is the contact: names, CPR, UNI-ID (as ID when known),
	// address and phones.
	Person Person `json:"person"`
}

// Disclosable returns the person as it may leave orgsync for a directory
// or any other system: for a protected person (name and address
// protection) the alias names replace the real ones (see Names) and the
// address is removed; a protected phone number is removed for everyone.
// ignoreProtection keeps the real names and address; it must come from an
// explicit, audited setting and never be the default.
func (p Person) Disclosable(ignoreProtection bool) Person {
	q := p
	if p.Protected && !ignoreProtection {
		q.GivenName, q.FamilyName = p.Names()
		q.Address = nil
	}
	q.Phones = nil
	for _, ph := range p.Phones {
		if !ph.Protected || ignoreProtection {
			q.Phones = append(q.Phones, ph)
		}
	}
	return q
}

// checkSchoolData adds the rules for the school data fields to Validate's
// problems.
func (s *Snapshot) checkSchoolData(ps *problems) {
	for i := range s.Persons {
		p := &s.Persons[i]
		checkPersonData(ps, "person "+p.ID, "", p)
	}
	for i, c := range s.Contacts {
		rec := "contact " + itoa(i) + " (student " + c.StudentID + ")"
		if _, ok := s.idx.persons[c.StudentID]; !ok {
			ps.add(rec, "studentId", "unknown person")
		}
		if !c.Relation.Valid() {
			ps.add(rec, "relation", "unknown relation %q", c.Relation)
		}
		if c.AccessLevel < 0 {
			ps.add(rec, "accessLevel", "is negative")
		}
		if c.Institution != "" {
			if _, ok := s.idx.institutions[c.Institution]; !ok {
				ps.add(rec, "institution", "unknown institution %q", c.Institution)
			}
		}
		if blank(c.Person.GivenName) && blank(c.Person.FamilyName) {
			ps.add(rec, "person.givenName", "contact has neither a given nor a family name")
		}
		if c.Person.CPR != "" {
			if err := ValidCPR(c.Person.CPR); err != nil {
				ps.add(rec, "person.cpr", "%s", trimCPRPrefix(err))
			}
		}
		checkPersonData(ps, rec, "person.", &c.Person)
	}
}

func checkPersonData(ps *problems, rec, prefix string, p *Person) {
	if !p.Gender.Valid() {
		ps.add(rec, prefix+"gender", "unknown gender %q", p.Gender)
	}
	for k, ph := range p.Phones {
		switch ph.Kind {
		case HomePhone, WorkPhone, MobilePhone:
		default:
			ps.add(rec, prefix+"phones["+itoa(k)+"].kind", "unknown phone kind %q", ph.Kind)
		}
		if blank(ph.Number) {
			ps.add(rec, prefix+"phones["+itoa(k)+"].number", "is empty")
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func trimCPRPrefix(err error) string { return strings.TrimPrefix(err.Error(), "cpr: ") }

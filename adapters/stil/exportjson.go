package stil

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// ExportJSON writes a snapshot back in the shape of the WS-17 export, as
// JSON: an array with one {"UNILoginExportFullMyndighed": {...}} object per
// institution, whose keys are the schema's element names, "@name" for
// attributes and "#text" for the text of an element that also has
// attributes (phone numbers). It gives back every field Decode reads, so a
// round trip export -> snapshot -> ExportJSON shows what the model keeps;
// it is for checks and for tools that want the source's shape, not a
// document to send to STIL. It writes CPR numbers and protected data as
// they are in the snapshot: handle its output as the export itself.
func ExportJSON(s *orgmodel.Snapshot) ([]byte, error) {
	docs := make([]jRoot, 0, len(s.Institutions))
	for _, in := range s.Institutions {
		docs = append(docs, jRoot{exportOf(s, in)})
	}
	return json.MarshalIndent(docs, "", "  ")
}

type jRoot struct {
	Export jExport `json:"UNILoginExportFullMyndighed"`
}

type jExport struct {
	ExportDateTime string          `json:"@exportDateTime,omitempty"`
	AccessLevel    string          `json:"@accessLevel,omitempty"`
	ImportSource   []jImportSource `json:"ImportSource,omitempty"`
	Institution    jInstitution    `json:"Institution"`
}

type jImportSource struct {
	SourceDateTime string `json:"@sourceDateTime,omitempty"`
	Source         string `json:"@source,omitempty"`
	SchoolYear     string `json:"@schoolYear,omitempty"`
}

type jInstitution struct {
	InstitutionNumber string     `json:"InstitutionNumber"`
	InstitutionName   string     `json:"InstitutionName,omitempty"`
	Group             []jGroup   `json:"Group,omitempty"`
	InstitutionPerson []*jPerson `json:"InstitutionPerson,omitempty"`
}

type jGroup struct {
	GroupID    string `json:"GroupId"`
	GroupName  string `json:"GroupName,omitempty"`
	GroupType  string `json:"GroupType"`
	GroupLevel string `json:"GroupLevel,omitempty"`
	Line       string `json:"Line,omitempty"`
	FromDate   string `json:"FromDate,omitempty"`
	ToDate     string `json:"ToDate,omitempty"`
}

type jPerson struct {
	Source        string     `json:"@source,omitempty"`
	LocalPersonID string     `json:"LocalPersonId,omitempty"`
	Person        *jData     `json:"Person,omitempty"`
	Student       *jStudent  `json:"Student,omitempty"`
	Employee      *jEmployee `json:"Employee,omitempty"`
	Extern        *jExtern   `json:"Extern,omitempty"`
}

type jData struct {
	Protected                   string    `json:"@protected"`
	FirstName                   string    `json:"FirstName,omitempty"`
	FamilyName                  string    `json:"FamilyName,omitempty"`
	UserID                      string    `json:"UserId,omitempty"`
	CivilRegistrationNumber     string    `json:"CivilRegistrationNumber,omitempty"`
	CivilRegistrationNumberType string    `json:"CivilRegistrationNumberType,omitempty"`
	EmailAddress                string    `json:"EmailAddress,omitempty"`
	BirthDate                   string    `json:"BirthDate,omitempty"`
	Gender                      string    `json:"Gender,omitempty"`
	PhotoID                     string    `json:"PhotoId,omitempty"`
	Address                     *jAddress `json:"Address,omitempty"`
	HomePhoneNumber             *jPhone   `json:"HomePhoneNumber,omitempty"`
	WorkPhoneNumber             *jPhone   `json:"WorkPhoneNumber,omitempty"`
	MobilePhoneNumber           *jPhone   `json:"MobilePhoneNumber,omitempty"`
	AliasFirstName              string    `json:"AliasFirstName,omitempty"`
	AliasFamilyName             string    `json:"AliasFamilyName,omitempty"`
}

type jAddress struct {
	StreetAddress    string `json:"StreetAddress,omitempty"`
	PostalCode       string `json:"PostalCode,omitempty"`
	PostalDistrict   string `json:"PostalDistrict,omitempty"`
	CountryCode      string `json:"CountryCode,omitempty"`
	Country          string `json:"Country,omitempty"`
	MunicipalityCode string `json:"MunicipalityCode,omitempty"`
	MunicipalityName string `json:"MunicipalityName,omitempty"`
}

type jPhone struct {
	Protected string `json:"@protected"`
	Number    string `json:"#text"`
}

type jStudent struct {
	Role          string     `json:"Role"`
	StudentNumber string     `json:"StudentNumber,omitempty"`
	Level         string     `json:"Level,omitempty"`
	Location      string     `json:"Location,omitempty"`
	MainGroupID   string     `json:"MainGroupId,omitempty"`
	GroupID       []string   `json:"GroupId,omitempty"`
	ContactPerson []jContact `json:"ContactPerson,omitempty"`
}

type jContact struct {
	Relation     string `json:"@relation"`
	ChildCustody string `json:"@childCustody"`
	AccessLevel  string `json:"@accessLevel"`
	Person       *jData `json:"Person"`
}

type jEmployee struct {
	Role       []string `json:"Role"`
	ShortName  string   `json:"ShortName,omitempty"`
	Occupation string   `json:"Occupation,omitempty"`
	Location   string   `json:"Location,omitempty"`
	GroupID    []string `json:"GroupId,omitempty"`
}

type jExtern struct {
	Role    string   `json:"Role"`
	GroupID []string `json:"GroupId,omitempty"`
}

func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func exportOf(s *orgmodel.Snapshot, in orgmodel.Institution) jExport {
	e := jExport{ExportDateTime: dateTime(in.ExportedAt), AccessLevel: in.AccessLevel}
	for _, src := range in.Sources {
		e.ImportSource = append(e.ImportSource, jImportSource{dateTime(src.At), src.Source, src.SchoolYear})
	}
	e.Institution = jInstitution{InstitutionNumber: in.Number, InstitutionName: in.Name}
	for _, g := range s.Groups {
		if g.Institution != in.Number {
			continue
		}
		typ := string(g.Type)
		if g.RawType != "" {
			typ = g.RawType
		}
		jg := jGroup{GroupID: g.ID, GroupName: g.Name, GroupType: typ, GroupLevel: g.Level, Line: g.Line, FromDate: date(g.Valid.From)}
		if !g.Valid.To.IsZero() {
			jg.ToDate = date(g.Valid.To.AddDate(0, 0, -1)) // back to the last day
		}
		e.Institution.Group = append(e.Institution.Group, jg)
	}
	persons := map[string]int{}
	for i, p := range s.Persons {
		persons[p.ID] = i
	}
	at := map[string]*jPerson{}
	for _, a := range s.Affiliations {
		if a.Institution != in.Number {
			continue
		}
		jp := at[a.PersonID]
		if jp == nil {
			jp = &jPerson{Source: a.Source, LocalPersonID: a.LocalPersonID}
			if i, ok := persons[a.PersonID]; ok {
				jp.Person = jPersonData(s.Persons[i], a.Email)
			}
			at[a.PersonID] = jp
			e.Institution.InstitutionPerson = append(e.Institution.InstitutionPerson, jp)
		}
		roles := rawRoles(a)
		switch a.Kind() {
		case orgmodel.Student:
			jp.Student = &jStudent{Role: first(roles), StudentNumber: a.StudentNumber, Level: a.Level, Location: a.Location, MainGroupID: a.MainGroupID, GroupID: a.GroupIDs}
			for _, c := range s.Contacts {
				if c.StudentID == a.PersonID && c.Institution == in.Number {
					jp.Student.ContactPerson = append(jp.Student.ContactPerson, jContact{string(c.Relation), strconv.FormatBool(c.ChildCustody), strconv.Itoa(c.AccessLevel), jPersonData(c.Person, c.Person.Email)})
				}
			}
		case orgmodel.Employee:
			jp.Employee = &jEmployee{Role: roles, ShortName: a.ShortName, Occupation: a.Title, Location: a.Location, GroupID: a.GroupIDs}
		case orgmodel.External:
			jp.Extern = &jExtern{Role: first(roles), GroupID: a.GroupIDs}
		}
	}
	return e
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// rawRoles gives the roles as the source named them: an "other" role is
// its raw text.
func rawRoles(a orgmodel.Affiliation) []string {
	var out []string
	raw := a.RawRoles
	for _, r := range a.Roles {
		switch r {
		case orgmodel.OtherStudentRole, orgmodel.OtherEmployeeRole, orgmodel.OtherExternalRole:
			if len(raw) > 0 {
				out, raw = append(out, raw[0]), raw[1:]
				continue
			}
		}
		out = append(out, string(r))
	}
	return out
}

func jPersonData(p orgmodel.Person, email string) *jData {
	d := &jData{
		Protected: strconv.FormatBool(p.Protected), FirstName: p.GivenName, FamilyName: p.FamilyName, UserID: p.UNIID,
		CivilRegistrationNumber: p.CPR, CivilRegistrationNumberType: string(p.CPRType), EmailAddress: email,
		BirthDate: date(p.BirthDate), Gender: string(p.Gender), PhotoID: p.PhotoID,
		AliasFirstName: p.AliasGivenName, AliasFamilyName: p.AliasFamilyName,
	}
	if p.CPRType == orgmodel.CPRReplacement {
		d.CivilRegistrationNumber = p.ReplacementID
	}
	if a := p.Address; a != nil {
		d.Address = &jAddress{a.Street, a.PostalCode, a.PostalDistrict, a.CountryCode, a.Country, a.MunicipalityCode, a.MunicipalityName}
	}
	for _, ph := range p.Phones {
		jp := &jPhone{strconv.FormatBool(ph.Protected), ph.Number}
		switch ph.Kind {
		case orgmodel.HomePhone:
			d.HomePhoneNumber = jp
		case orgmodel.WorkPhone:
			d.WorkPhoneNumber = jp
		case orgmodel.MobilePhone:
			d.MobilePhoneNumber = jp
		}
	}
	return d
}

package stil

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// collapse trims s and folds inner runs of white space to one space, as the
// schema's token type does.
func collapse(s string) string {
	if s == "" {
		return ""
	}
	return strings.Join(strings.Fields(s), " ")
}

// parseDate reads an xs:date, with or without a time zone suffix, as
// midnight UTC of that day.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return time.Time{}, fmt.Errorf("%w: date %q, want YYYY-MM-DD", ErrInvalid, s)
	}
	tz := s[10:]
	if tz != "" && tz != "Z" && !(len(tz) == 6 && (tz[0] == '+' || tz[0] == '-') && tz[3] == ':') {
		return time.Time{}, fmt.Errorf("%w: date %q, want YYYY-MM-DD", ErrInvalid, s)
	}
	t, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: date %q, want YYYY-MM-DD", ErrInvalid, s)
	}
	return t, nil
}

// parseDateTime reads an xs:dateTime; a value without a zone is taken as
// UTC.
func parseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: dateTime %q", ErrInvalid, s)
}

// schoolYearStart returns the first calendar year of a school year such as
// "2024-2025", by the model's rule (orgmodel.ParseSchoolYear).
func schoolYearStart(y string) (int, bool) { return orgmodel.ParseSchoolYear(y) }

// parseBool reads an xs:boolean.
func parseBool(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%w: boolean %q", ErrInvalid, s)
}

// normaliseCPR returns a CPR number as ten digits of text using the
// model's rule (orgmodel.NormaliseCPR: "DDMMYY-SSSS" accepted, leading zeros
// kept, date part checked with its century, no modulus-11 rule). An empty
// input gives "" and no error.
func normaliseCPR(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	c, err := orgmodel.NormaliseCPR(s)
	if err != nil {
		return "", fmt.Errorf("%w: CivilRegistrationNumber: %w", ErrInvalid, err)
	}
	return c, nil
}

var groupTypes = map[string]orgmodel.GroupType{
	string(orgmodel.Hovedgruppe): orgmodel.Hovedgruppe,
	string(orgmodel.Aargang):     orgmodel.Aargang,
	string(orgmodel.Retning):     orgmodel.Retning,
	string(orgmodel.Hold):        orgmodel.Hold,
	string(orgmodel.SFO):         orgmodel.SFO,
	string(orgmodel.Team):        orgmodel.Team,
	string(orgmodel.Andet):       orgmodel.Andet,
}

// convertGroup maps one Group element. The returned RecordErrors (a
// warning about a group that is kept, and a problem that leaves it out)
// have only the relative path and the cause filled in; the caller adds the
// rest.
func convertGroup(inst string, xg xGroup) (orgmodel.Group, *RecordError, *RecordError) {
	var warn *RecordError
	g, err := convertGroup1(inst, xg, &warn)
	return g, warn, err
}

func convertGroup1(inst string, xg xGroup, warn **RecordError) (orgmodel.Group, *RecordError) {
	g := orgmodel.Group{
		ID:          collapse(xg.ID),
		Institution: inst,
		Name:        collapse(xg.Name),
		Level:       collapse(xg.Level),
		Line:        collapse(xg.Line),
	}
	if g.ID == "" {
		return g, &RecordError{Path: "/GroupId", Err: fmt.Errorf("%w: GroupId", ErrMissing)}
	}
	typ := collapse(xg.Type)
	if typ == "" {
		return g, &RecordError{Path: "/GroupType", Err: fmt.Errorf("%w: GroupType", ErrMissing)}
	}
	gt, ok := groupTypes[typ]
	if !ok {
		// Kept as "other" with the source's text, as the reference broker
		// keeps unknown types rather than dropping the group.
		gt, g.RawType = orgmodel.Andet, typ
		*warn = &RecordError{Path: "/GroupType", Err: fmt.Errorf("%w: GroupType %q; kept as %s", ErrUnknown, typ, orgmodel.Andet)}
	}
	g.Type = gt
	if g.Name == "" {
		g.Name = g.ID
	}
	if xg.FromDate != "" {
		t, err := parseDate(xg.FromDate)
		if err != nil {
			return g, &RecordError{Path: "/FromDate", Err: err}
		}
		g.Valid.From = t
	}
	if xg.ToDate != "" {
		t, err := parseDate(xg.ToDate)
		if err != nil {
			return g, &RecordError{Path: "/ToDate", Err: err}
		}
		g.Valid.To = t.AddDate(0, 0, 1) // ToDate is the last day; Period is half-open
	}
	if !g.Valid.Valid() {
		return g, &RecordError{Path: "/ToDate", Err: fmt.Errorf("%w: ToDate before FromDate", ErrInvalid)}
	}
	return g, nil
}

// personData is the converted Person element.
type personData struct {
	person orgmodel.Person
	field  string // relative path of the first problem
	err    error
	// warns are problems with values that were left out while the record
	// is kept.
	warns []fieldErr
}

// fieldErr is a problem with one field, by its relative path.
type fieldErr struct {
	field string
	err   error
}

func (pd *personData) warn(field string, err error) {
	pd.warns = append(pd.warns, fieldErr{field, err})
}

var genders = map[string]orgmodel.Gender{"M": orgmodel.Male, "K": orgmodel.Female}

// convertDetails maps the optional fields of a Person element: birth date,
// gender, photo id, address and phone numbers. A malformed value is left
// out with a warning.
func (pd *personData) convertDetails(xp *xPerson, base string) {
	p := &pd.person
	if s := strings.TrimSpace(xp.BirthDate); s != "" {
		t, err := parseDate(s)
		if err != nil {
			pd.warn(base+"/BirthDate", fmt.Errorf("BirthDate left out: %w", err))
		}
		p.BirthDate = t
	}
	if s := collapse(xp.Gender); s != "" {
		g, ok := genders[s]
		if !ok {
			pd.warn(base+"/Gender", fmt.Errorf("%w: Gender %q, want M or K; left out", ErrInvalid, s))
		}
		p.Gender = g
	}
	p.PhotoID = collapse(xp.PhotoID)
	if a := xp.Address; a != nil {
		addr := orgmodel.Address{
			Street:           collapse(a.Street),
			PostalCode:       collapse(a.PostalCode),
			PostalDistrict:   collapse(a.PostalDistrict),
			CountryCode:      collapse(a.CountryCode),
			Country:          collapse(a.Country),
			MunicipalityCode: collapse(a.MunicipalityCode),
			MunicipalityName: collapse(a.MunicipalityName),
		}
		if addr != (orgmodel.Address{}) {
			p.Address = &addr
		}
	}
	for _, ph := range []struct {
		x    *xPhone
		kind orgmodel.PhoneKind
		name string
	}{{xp.HomePhone, orgmodel.HomePhone, "HomePhoneNumber"}, {xp.WorkPhone, orgmodel.WorkPhone, "WorkPhoneNumber"}, {xp.MobilePhone, orgmodel.MobilePhone, "MobilePhoneNumber"}} {
		if ph.x == nil || collapse(ph.x.Number) == "" {
			continue
		}
		prot, err := parseBool(ph.x.Protected)
		if err != nil {
			// Unsure whether it is protected: treat it as protected.
			pd.warn(base+"/"+ph.name+"/@protected", fmt.Errorf("%w; number kept as protected", err))
			prot = true
		}
		p.Phones = append(p.Phones, orgmodel.Phone{Kind: ph.kind, Number: collapse(ph.x.Number), Protected: prot})
	}
}

// convertPersonData maps a Person element (of an institution person or of a
// contact person). userID is the UNI-Login user id found anywhere in the
// record.
func convertPersonData(xp *xPerson, ul *xUNILogin, base string) personData {
	var pd personData
	if xp == nil {
		pd.field, pd.err = base, fmt.Errorf("%w: Person", ErrMissing)
		return pd
	}
	p := orgmodel.Person{
		GivenName:       collapse(xp.FirstName),
		FamilyName:      collapse(xp.FamilyName),
		AliasGivenName:  collapse(xp.AliasFirstName),
		AliasFamilyName: collapse(xp.AliasFamilyName),
		Email:           collapse(xp.Email),
		UNIID:           collapse(xp.UserID),
	}
	if p.UNIID == "" && ul != nil {
		p.UNIID = collapse(ul.UserID)
	}
	prot, err := parseBool(xp.Protected)
	if err != nil {
		pd.field, pd.err = base+"/@protected", err
		return pd
	}
	p.Protected = prot
	cprText := xp.CPR
	if strings.TrimSpace(cprText) == "" && ul != nil {
		cprText = ul.CPR
	}
	p.CPRType = orgmodel.CPRType(collapse(xp.CPRType))
	if p.CPRType == "UNKNOWN_TYPE" { // spelling seen in older descriptions
		p.CPRType = orgmodel.CPRUnknownType
	}
	if !p.CPRType.Valid() {
		pd.warn(base+"/CivilRegistrationNumberType", fmt.Errorf("%w: CivilRegistrationNumberType %q; left out", ErrUnknown, p.CPRType))
		p.CPRType = ""
	}
	if p.CPRType == orgmodel.CPRReplacement {
		// A replacement id looks like a CPR but is not one: kept apart,
		// never used or written as a CPR.
		p.ReplacementID = strings.TrimSpace(cprText)
	} else {
		cpr, err := normaliseCPR(cprText)
		if err != nil {
			pd.field, pd.err = base+"/CivilRegistrationNumber", err
			return pd
		}
		p.CPR = cpr
	}
	if p.GivenName == "" && p.FamilyName == "" {
		pd.field, pd.err = base+"/FirstName", fmt.Errorf("%w: FirstName and FamilyName", ErrMissing)
		return pd
	}
	pd.person = p
	pd.convertDetails(xp, base)
	return pd
}

var otherRole = map[orgmodel.RoleKind]orgmodel.Role{
	orgmodel.Student:  orgmodel.OtherStudentRole,
	orgmodel.Employee: orgmodel.OtherEmployeeRole,
	orgmodel.External: orgmodel.OtherExternalRole,
}

// roleOf checks that s is a STIL role of the wanted kind. A role the model
// does not know (or of another kind) is kept as the "other" role of the
// wanted kind: raw is then s, and err a warning wrapping ErrUnknown.
func roleOf(s string, want orgmodel.RoleKind) (r orgmodel.Role, raw string, err error) {
	s = collapse(s)
	if s == "" {
		return "", "", fmt.Errorf("%w: Role", ErrMissing)
	}
	r = orgmodel.Role(s)
	if r.Kind() != want || r == otherRole[want] {
		return otherRole[want], s, fmt.Errorf("%w: %s role %q; kept as %s", ErrUnknown, want, s, otherRole[want])
	}
	return r, "", nil
}

func collapseAll(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = collapse(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// person converts one InstitutionPerson, appending the person, its
// affiliations and contact persons to exp (or a problem), and returns refs
// extended with the group references to check.
func (d *decoder) person(exp *Export, xp xInstitutionPerson, path string, line int, personAt map[string]int, refs []ref) []ref {
	inst := exp.Institution.Number
	userID := ""
	if xp.Person != nil {
		userID = collapse(xp.Person.UserID)
	}
	if userID == "" && xp.UNILogin != nil {
		userID = collapse(xp.UNILogin.UserID)
	}
	local := collapse(xp.LocalPersonID)
	fail := func(field string, id string, err error) []ref {
		exp.Problems = append(exp.Problems, &RecordError{Path: path + field, Line: line, Institution: inst, PersonID: id, Skipped: true, Err: err})
		return refs
	}
	var id string
	switch {
	case userID != "":
		id = userID
	case local != "":
		id = inst + ":" + local
	default:
		return fail("/LocalPersonId", "", fmt.Errorf("%w: neither UserId nor LocalPersonId", ErrMissing))
	}
	pd := convertPersonData(xp.Person, xp.UNILogin, "/Person")
	if pd.err != nil {
		return fail(pd.field, id, pd.err)
	}
	p := pd.person
	p.ID = id
	var warns []*RecordError
	warn := func(field string, err error) {
		warns = append(warns, &RecordError{Path: path + field, Line: line, Institution: inst, PersonID: id, Err: err})
	}
	for _, w := range pd.warns {
		warn(w.field, w.err)
	}
	// role converts a role, keeping an unknown one as "other" with a
	// warning; ok is false when the role is missing.
	role := func(field, s string, kind orgmodel.RoleKind, a *orgmodel.Affiliation) (orgmodel.Role, bool) {
		r, raw, err := roleOf(s, kind)
		if r == "" {
			return "", false
		}
		if err != nil {
			warn(field, err)
			a.RawRoles = append(a.RawRoles, raw)
		}
		return r, true
	}

	var affs []orgmodel.Affiliation
	if e := xp.Employee; e != nil {
		a := orgmodel.Affiliation{PersonID: id, Title: collapse(e.Occupation), GroupIDs: collapseAll(e.GroupIDs),
			ShortName: collapse(e.ShortName), Location: collapse(e.Location)}
		if len(e.Roles) == 0 {
			return fail("/Employee/Role", id, fmt.Errorf("%w: Role", ErrMissing))
		}
		seen := map[orgmodel.Role]bool{}
		for i, s := range e.Roles {
			field := fmt.Sprintf("/Employee/Role[%d]", i+1)
			r, ok := role(field, s, orgmodel.Employee, &a)
			if !ok {
				return fail(field, id, fmt.Errorf("%w: Role", ErrMissing))
			}
			if !seen[r] {
				seen[r] = true
				a.Roles = append(a.Roles, r)
			}
		}
		affs = append(affs, a)
	}
	if s := xp.Student; s != nil {
		a := orgmodel.Affiliation{PersonID: id, Level: collapse(s.Level), MainGroupID: collapse(s.MainGroupID),
			StudentNumber: collapse(s.StudentNumber), Location: collapse(s.Location)}
		r, ok := role("/Student/Role", s.Role, orgmodel.Student, &a)
		if !ok {
			return fail("/Student/Role", id, fmt.Errorf("%w: Role", ErrMissing))
		}
		a.Roles = []orgmodel.Role{r}
		if a.Level == "" {
			return fail("/Student/Level", id, fmt.Errorf("%w: Level", ErrMissing))
		}
		if a.MainGroupID == "" {
			return fail("/Student/MainGroupId", id, fmt.Errorf("%w: MainGroupId", ErrMissing))
		}
		for _, g := range collapseAll(s.GroupIDs) {
			if g != a.MainGroupID {
				a.GroupIDs = append(a.GroupIDs, g)
			}
		}
		affs = append(affs, a)
		for i, xc := range s.Contacts {
			cp := fmt.Sprintf("%s/Student/ContactPerson[%d]", path, i+1)
			c, warns, field, err := convertContact(xc, id)
			if err != nil {
				exp.Problems = append(exp.Problems, &RecordError{Path: cp + field, Line: line, Institution: inst, PersonID: id, Err: fmt.Errorf("contact person left out: %w", err)})
				continue
			}
			for _, w := range warns {
				warn("/Student/ContactPerson["+strconv.Itoa(i+1)+"]"+w.field, w.err)
			}
			exp.ContactPersons = append(exp.ContactPersons, c)
		}
	}
	if x := xp.Extern; x != nil {
		a := orgmodel.Affiliation{PersonID: id, GroupIDs: collapseAll(x.GroupIDs)}
		r, ok := role("/Extern/Role", x.Role, orgmodel.External, &a)
		if !ok {
			return fail("/Extern/Role", id, fmt.Errorf("%w: Role", ErrMissing))
		}
		a.Roles = []orgmodel.Role{r}
		affs = append(affs, a)
	}
	if len(affs) == 0 {
		return fail("", id, fmt.Errorf("%w: one of Employee, Student or Extern", ErrMissing))
	}
	for i := range affs {
		affs[i].Source, affs[i].LocalPersonID, affs[i].Email = collapse(xp.Source), local, p.Email
	}
	if at, dup := personAt[id]; dup {
		prev := &exp.Persons[at]
		if prev.CPR != "" && p.CPR != "" && prev.CPR != p.CPR {
			return fail("/Person/CivilRegistrationNumber", id, fmt.Errorf("%w: person listed twice with different CPR", ErrConflict))
		}
	} else {
		personAt[id] = len(exp.Persons)
		exp.Persons = append(exp.Persons, p)
	}
	exp.Problems = append(exp.Problems, warns...)
	for _, a := range affs {
		refs = append(refs, ref{aff: len(exp.Affiliations), path: path, line: line, personID: id})
		exp.Affiliations = append(exp.Affiliations, a)
	}
	return refs
}

func convertContact(xc xContact, studentID string) (ContactPerson, []fieldErr, string, error) {
	c, field, err := convertContact1(xc, studentID)
	if err != nil {
		return c, nil, field, err
	}
	pd := convertPersonData(xc.Person, xc.UNILogin, "/Person")
	if pd.err != nil {
		return c, nil, pd.field, pd.err
	}
	c.Person = pd.person
	c.Person.ID = c.Person.UNIID
	return c, pd.warns, "", nil
}

func convertContact1(xc xContact, studentID string) (ContactPerson, string, error) {
	c := ContactPerson{StudentID: studentID, Relation: orgmodel.Relation(collapse(xc.Relation))}
	if !c.Relation.Valid() {
		if c.Relation == "" {
			return c, "/@relation", fmt.Errorf("%w: relation", ErrMissing)
		}
		return c, "/@relation", fmt.Errorf("%w: relation %q", ErrUnknown, c.Relation)
	}
	cc, err := parseBool(xc.ChildCustody)
	if err != nil {
		return c, "/@childCustody", err
	}
	c.ChildCustody = cc
	if s := strings.TrimSpace(xc.AccessLevel); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return c, "/@accessLevel", fmt.Errorf("%w: accessLevel %q", ErrInvalid, s)
		}
		c.AccessLevel = n
	}
	return c, "", nil
}

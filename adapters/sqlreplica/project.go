package sqlreplica

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
)

// Keys of the replica's rows.
func institutionKey(number string) string { return "inst/" + number }
func personKey(id string) string          { return "person/" + id }
func groupKey(in, id string) string       { return "group/" + in + "/" + id }

// Objects projects the snapshot onto the replica's rows: one object per
// institution, person, affiliation, group (with its members: the persons
// linked to it by an affiliation) and contact link. Every row is in the
// projection, whatever its validity: the valid_from and valid_to columns
// carry it. at is the instant for each person's global role
// (student, employee or external, as orgmodel.RolePolicy's default rule
// decides); a person with no affiliation active at at gets "".
//
// Protected fields follow opt.WriteProtected: off, a name-protected
// person's row holds the alias names and no address, and no row holds a
// CPR number.
func Objects(s *orgmodel.Snapshot, at time.Time, opt Options) []diff.Object {
	out := make([]diff.Object, 0, len(s.Institutions)+len(s.Persons)+len(s.Affiliations)+len(s.Groups)+len(s.Contacts))
	for _, in := range s.Institutions {
		out = append(out, diff.Object{Kind: KindInstitution, Key: institutionKey(in.Number), Name: in.Name, Institution: in.Number,
			Attrs: attrs("abbreviation", in.Abbreviation, "number", in.Number, "type", string(in.Type),
				"validFrom", day(in.Valid.From), "validTo", day(in.Valid.To))})
	}
	for i, p := range s.Persons {
		d := p.Disclosable(opt.WriteProtected)
		var cpr, addr string
		if opt.WriteProtected {
			cpr, addr = p.CPR, address(p.Address)
		}
		out = append(out, diff.Object{Kind: diff.User, Key: personKey(p.ID), Name: strings.TrimSpace(d.GivenName + " " + d.FamilyName),
			Attrs: attrs("address", addr, "birthDate", day(p.BirthDate), "cpr", cpr, "cprType", string(p.CPRType),
				"email", d.Email, "familyName", d.FamilyName, "gender", string(p.Gender), "givenName", d.GivenName,
				diff.AttrGlobalRole, string(s.GlobalRoleAt(i, at, orgmodel.RolePolicy{})), "personId", p.ID,
				"protected", strconv.FormatBool(p.Protected), "uniId", p.UNIID, "username", p.Username)})
	}
	members := make(map[string][]string, len(s.Groups))
	seen := make(map[string]int, len(s.Affiliations))
	for _, a := range s.Affiliations {
		in := s.AffiliationInstitution(a)
		key := "aff/" + a.PersonID + "/" + in + "/" + a.UnitID
		if n := seen[key]; n > 0 {
			seen[key] = n + 1
			key += "/" + strconv.Itoa(n+1)
		} else {
			seen[key] = 1
		}
		roles := make([]string, len(a.Roles))
		for i, r := range a.Roles {
			roles[i] = string(r)
		}
		out = append(out, diff.Object{Kind: KindAffiliation, Key: key, Name: a.PersonID + " " + in, Institution: in,
			Attrs: attrs("level", a.Level, "mainGroupId", a.MainGroupID, "personId", a.PersonID,
				"roleKind", string(a.Kind()), "roles", strings.Join(roles, ","), "source", a.Source,
				"title", a.Title, "unitId", a.UnitID, "validFrom", day(a.Valid.From), "validTo", day(a.Valid.To))})
		for _, g := range a.GroupIDs {
			members[groupKey(in, g)] = append(members[groupKey(in, g)], personKey(a.PersonID))
		}
		if a.MainGroupID != "" {
			members[groupKey(in, a.MainGroupID)] = append(members[groupKey(in, a.MainGroupID)], personKey(a.PersonID))
		}
	}
	for _, g := range s.Groups {
		k := groupKey(g.Institution, g.ID)
		m := slices.Compact(slices.Sorted(slices.Values(members[k])))
		start := ""
		if g.StartYear != 0 {
			start = strconv.Itoa(g.StartYear)
		}
		out = append(out, diff.Object{Kind: diff.Group, Key: k, Name: g.Name, Institution: g.Institution, Members: m,
			Attrs: attrs("groupId", g.ID, "level", g.Level, "line", g.Line, "schoolYear", g.SchoolYear,
				"startYear", start, "type", string(g.Type), "validFrom", day(g.Valid.From), "validTo", day(g.Valid.To))})
	}
	cseen := map[string]int{}
	for _, c := range s.Contacts {
		d := c.Person.Disclosable(opt.WriteProtected)
		var cpr, addr string
		if opt.WriteProtected {
			cpr, addr = c.Person.CPR, address(c.Person.Address)
		}
		key := "contact/" + c.StudentID + "/" + c.Person.ID
		cseen[key]++
		if n := cseen[key]; n > 1 || c.Person.ID == "" {
			key += "/" + strconv.Itoa(n)
		}
		al := ""
		if c.AccessLevel != 0 {
			al = strconv.Itoa(c.AccessLevel)
		}
		out = append(out, diff.Object{Kind: KindContact, Key: key, Name: strings.TrimSpace(d.GivenName + " " + d.FamilyName), Institution: c.Institution,
			Attrs: attrs("accessLevel", al, "address", addr, "childCustody", strconv.FormatBool(c.ChildCustody),
				"contactId", c.Person.ID, "cpr", cpr, "familyName", d.FamilyName, "givenName", d.GivenName,
				"protected", strconv.FormatBool(c.Person.Protected), "relation", string(c.Relation), "studentId", c.StudentID)})
	}
	return out
}

// attrs builds sorted attributes from name/value pairs given in name
// order; every name is kept, with "" for an empty value, so that a value
// that becomes empty is planned as an update.
func attrs(kv ...string) diff.Attrs {
	a := make(diff.Attrs, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		a = append(a, diff.Attr{Name: kv[i], Value: kv[i+1]})
	}
	if !slices.IsSortedFunc(a, func(x, y diff.Attr) int { return strings.Compare(x.Name, y.Name) }) {
		panic(fmt.Sprintf("sqlreplica: attrs not in name order: %v", a))
	}
	return a
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(diff.DateLayout)
}

func address(a *orgmodel.Address) string {
	if a == nil {
		return ""
	}
	var parts []string
	for _, p := range []string{a.Street, strings.TrimSpace(a.PostalCode + " " + a.PostalDistrict), a.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

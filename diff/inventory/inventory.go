// Package inventory lists, for a data protection impact assessment (DPIA),
// every attribute orgsync writes about a person in each target: per target
// and per kind of person (pupil, employee, external, contact person), the
// attribute in the target, the neutral attribute it carries, where in the
// source it comes from and how it is classed (personal, CPR, protected).
// It prints as Markdown and CSV (examples/inventory).
//
// The rows come from the neutral attributes the projection (diff/desired)
// gives a user and from each target's mapping of them; Target describes a
// mapping. The package is pure. A test compares the inventory with what a
// run actually writes.
package inventory

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/orgsync/orgsync/diff/attr"
)

// PersonKind is a kind of person.
type PersonKind string

// The kinds of person. Contact persons (parents and other guardians) are
// in the snapshot but orgsync writes nothing about them to any target.
const (
	Pupil    PersonKind = "pupil"
	Employee PersonKind = "employee"
	External PersonKind = "external"
	Contact  PersonKind = "contact"
)

// Kinds are all kinds, in report order.
var Kinds = []PersonKind{Pupil, Employee, External, Contact}

// Class is how personal data is classed.
type Class string

// The classes.
const (
	Personal Class = "personal" // ordinary personal data (GDPR art. 6)
	// CPR is the CPR number: a national identification number whose
	// processing databeskyttelsesloven § 11 restricts.
	CPR Class = "cpr"
	// Protected marks data about persons with name and address protection
	// (navne- og adressebeskyttelse): orgsync writes their alias names.
	Protected Class = "protected"
)

// Attribute is one neutral user attribute the projection writes.
type Attribute struct {
	Name   string       // neutral name (diff/attr)
	Source string       // where it comes from
	Kinds  []PersonKind // who gets it
	Class  Class
	// When is the condition under which it is written; empty: always
	// (when the source has a value).
	When string
}

var accounts = []PersonKind{Pupil, Employee, External}

// Attributes are the neutral user attributes of diff/desired and the
// plan, in name order. Membership of groups and the OU are rows of their
// own (MemberOf, Container).
var Attributes = []Attribute{
	{Name: attr.CPR, Source: "Person.cpr (STIL, payroll, local HR)", Kinds: accounts, Class: CPR, When: "projection.includeCPR is true"},
	{Name: attr.DisabledDate, Source: "set by orgsync when the person leaves (the plan's clock)", Kinds: accounts, Class: Personal, When: "the account is disabled"},
	{Name: attr.DisplayName, Source: "Person.givenName + familyName (aliasGivenName/aliasFamilyName when protected)", Kinds: accounts, Class: Protected},
	{Name: attr.Email, Source: "Person.email", Kinds: accounts, Class: Personal},
	{Name: attr.FamilyName, Source: "Person.familyName (aliasFamilyName when protected)", Kinds: accounts, Class: Protected},
	{Name: attr.GivenName, Source: "Person.givenName (aliasGivenName when protected)", Kinds: accounts, Class: Protected},
	{Name: attr.GlobalRole, Source: "derived from Affiliation.roles (student, employee, external)", Kinds: accounts, Class: Personal},
	{Name: attr.Institutions, Source: "Affiliation.institution", Kinds: accounts, Class: Personal},
	{Name: attr.Level, Source: "Affiliation.level or the main group's level", Kinds: []PersonKind{Pupil}, Class: Personal},
	{Name: attr.Roles, Source: "Affiliation.roles", Kinds: accounts, Class: Personal},
	{Name: attr.StartYear, Source: "the main group's startYear", Kinds: []PersonKind{Pupil}, Class: Personal},
	{Name: attr.Title, Source: "Affiliation.title", Kinds: []PersonKind{Employee, External}, Class: Personal},
	{Name: attr.UNIID, Source: "Person.uniId (STIL)", Kinds: accounts, Class: Personal},
	{Name: attr.Username, Source: "made by naming from the names, or Person.username reserved by the source", Kinds: accounts, Class: Personal},
}

// The pseudo-attributes: the groups a person is a member of, the OU or
// org unit the account is placed in, and orgsync's key of the account.
const (
	MemberOf  = "memberOf"
	Container = "container"
	Key       = "key"
)

var structural = []Attribute{
	{Name: Key, Source: "Person.id (the source's id) as user/<id>, with the management mark", Kinds: accounts, Class: Personal},
	{Name: Container, Source: "Affiliation.institution and main group (OU tree)", Kinds: accounts, Class: Personal},
	{Name: MemberOf, Source: "Affiliation.groupIds, roles and institution (group catalogue)", Kinds: accounts, Class: Personal},
}

// Target is how one target stores neutral attributes.
type Target struct {
	Name string
	// Map maps a neutral attribute (or MemberOf, Container) to where the
	// target keeps it; a neutral attribute without an entry is not
	// written there.
	Map map[string]string
}

// Row is one line of the inventory.
type Row struct {
	Target, Kind, Attribute, Neutral, Source, When string
	Class                                          Class
}

// Build returns the inventory of targets: per target and kind of person,
// every attribute written. Contact persons get one row per target saying
// nothing is written.
func Build(targets []Target) []Row {
	var rows []Row
	all := append(slices.Clone(Attributes), structural...)
	for _, t := range targets {
		for _, k := range Kinds {
			n := 0
			for _, a := range all {
				where, ok := t.Map[a.Name]
				if !ok || !slices.Contains(a.Kinds, k) {
					continue
				}
				rows = append(rows, Row{Target: t.Name, Kind: string(k), Attribute: where, Neutral: a.Name, Source: a.Source, When: a.When, Class: a.Class})
				n++
			}
			if n == 0 {
				rows = append(rows, Row{Target: t.Name, Kind: string(k), Attribute: "(nothing)", Source: "not written to any target"})
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Target, b.Target), cmp.Compare(slices.Index(Kinds, PersonKind(a.Kind)), slices.Index(Kinds, PersonKind(b.Kind))))
	})
	return rows
}

// Has reports whether rows list the neutral attribute for the target and
// kind.
func Has(rows []Row, target string, kind PersonKind, neutral string) bool {
	return slices.ContainsFunc(rows, func(r Row) bool {
		return r.Target == target && r.Kind == string(kind) && r.Neutral == neutral
	})
}

// WriteCSV writes rows as CSV with a header line.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"target", "person", "attribute", "neutral", "source", "class", "when"})
	for _, r := range rows {
		_ = cw.Write([]string{r.Target, r.Kind, r.Attribute, r.Neutral, r.Source, string(r.Class), r.When})
	}
	cw.Flush()
	return cw.Error()
}

// WriteMarkdown writes rows as Markdown, one section per target.
func WriteMarkdown(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("# Data inventory\n\nClasses: personal = ordinary personal data; cpr = the CPR number " +
		"(databeskyttelsesloven § 11); protected = names of persons with name and address protection, " +
		"for whom orgsync writes the alias names only.\n")
	last := ""
	for _, r := range rows {
		if r.Target != last {
			fmt.Fprintf(&b, "\n## %s\n\n| person | attribute | neutral | source | class | when |\n|---|---|---|---|---|---|\n", r.Target)
			last = r.Target
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Kind, esc(r.Attribute), r.Neutral, esc(r.Source), r.Class, esc(r.When))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func esc(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Memdir is the in-memory target: it keeps the neutral attributes as they
// are.
func Memdir() Target {
	m := map[string]string{MemberOf: "members", Container: "parent", Key: "key"}
	for _, a := range Attributes {
		m[a.Name] = a.Name
	}
	return Target{Name: "memdir", Map: m}
}

// Google is Google Workspace as adapters/google writes it: native fields
// and the custom schema named mark (the adapter's Config.Mark). The CPR
// number is in the schema whenever the projection includes it.
func Google(mark string, includeCPR bool) Target {
	m := map[string]string{
		attr.GivenName: "name.givenName", attr.FamilyName: "name.familyName", attr.DisplayName: "name.displayName and " + mark + ".name",
		attr.Email: "primaryEmail", attr.Username: "primaryEmail (local part) and " + mark + ".username",
		attr.Institutions: "organizations[].department and " + mark + ".institutions, " + mark + ".institution (primary)", attr.Title: "organizations[].title and " + mark + ".title",
		MemberOf: "group members", Container: "orgUnitPath", Key: mark + ".key",
	}
	for _, a := range []string{attr.Roles, attr.GlobalRole, attr.DisabledDate, attr.UNIID, attr.Level, attr.StartYear} {
		m[a] = mark + "." + a
	}
	if includeCPR {
		m[attr.CPR] = mark + "." + attr.CPR
	}
	return Target{Name: "google", Map: m}
}

// Entra is Microsoft Entra ID as adapters/entra writes it: native user
// properties and directory extension properties of the app ext (the
// adapter's extension prefix, extension_<appId>_).
func Entra(ext string, writeCPR bool) Target {
	m := map[string]string{
		attr.GivenName: "givenName", attr.FamilyName: "surname", attr.DisplayName: "displayName",
		attr.Username: "userPrincipalName (local part), mailNickname", attr.Email: "mail", attr.Title: "jobTitle",
		attr.UNIID: "employeeId",
		MemberOf:   "group members", Container: "administrative unit",
	}
	for _, a := range []string{attr.GlobalRole, attr.DisabledDate, attr.Roles, attr.Institutions, attr.Level, attr.StartYear} {
		m[a] = ext + a
	}
	if writeCPR {
		m[attr.CPR] = ext + attr.CPR
	}
	return Target{Name: "entra", Map: m}
}

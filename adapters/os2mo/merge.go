package os2mo

import (
	"slices"

	"github.com/orgsync/orgsync/orgmodel"
)

// Source names where a person field comes from in a merge.
type Source string

// Sources of a merged person's fields.
const (
	FromSTIL  Source = "stil"
	FromOS2mo Source = "os2mo"
)

// MergeRules configure MergeSTIL.
type MergeRules struct {
	// Authority names, per person field ("givenName", "familyName",
	// "email", "username", "cpr"), the source that wins when both have a
	// value. Unlisted fields: STIL wins, except "username", where OS2mo's
	// AD binding wins (it is the account OS2mo already knows). A field the
	// winner leaves empty is taken from the other source.
	Authority map[string]Source
}

// Match records one OS2mo employee found in STIL.
type Match struct {
	PersonID string // the merged person's id (STIL's)
	OS2moID  string // the employee's uuid in OS2mo
	// By is how they matched: "uni-id" (the OS2mo UNI-Login IT user's
	// user_key is the STIL person's UNI-ID or id), "it-user" (the OS2mo AD
	// IT user's user_key is the STIL person's reserved username) or "cpr".
	By string
}

// MergeReport says what MergeSTIL did.
type MergeReport struct {
	Matched []Match
	// OS2moIDs maps every merged person that came from OS2mo (matched or
	// not) to its OS2mo employee uuid: the persons write-back may touch.
	OS2moIDs map[string]string
}

// MergeSTIL combines a STIL snapshot (schools: pupils, teachers) with an
// OS2mo snapshot (administration, daycare staff) into one. An OS2mo
// employee who is also in STIL becomes one person, with the STIL id, both
// sources' affiliations and managerial positions, and fields chosen by the
// rules. Matching tries, in order: UNI-ID, the AD IT-user binding, CPR; a
// CPR shared by several STIL records (SameAs) matches the primary record.
// Neither input is modified.
func MergeSTIL(stil, mo *orgmodel.Snapshot, r MergeRules) (orgmodel.Snapshot, MergeReport) {
	out := orgmodel.Snapshot{
		SchoolYear:   stil.SchoolYear,
		Institutions: append(slices.Clone(stil.Institutions), mo.Institutions...),
		Units:        append(slices.Clone(stil.Units), mo.Units...),
		Persons:      slices.Clone(stil.Persons),
		Affiliations: slices.Clone(stil.Affiliations),
		Groups:       slices.Clone(stil.Groups),
		Contacts:     slices.Clone(stil.Contacts),
		Managers:     slices.Clone(stil.Managers),
	}
	rep := MergeReport{OS2moIDs: map[string]string{}}
	byUNI, byUser, byCPR := map[string]int{}, map[string]int{}, map[string]int{}
	for i, p := range out.Persons {
		byUNI[p.ID] = i
		if p.UNIID != "" {
			byUNI[p.UNIID] = i
		}
		if p.Username != "" {
			byUser[p.Username] = i
		}
		if p.CPR != "" && p.SameAs == "" {
			byCPR[p.CPR] = i
		}
	}
	rename := map[string]string{}
	for _, m := range mo.Persons {
		i, by := -1, ""
		if j, ok := byUNI[m.UNIID]; ok && m.UNIID != "" {
			i, by = j, "uni-id"
		} else if j, ok := byUser[m.Username]; ok && m.Username != "" {
			i, by = j, "it-user"
		} else if j, ok := byCPR[m.CPR]; ok && m.CPR != "" {
			i, by = j, "cpr"
		}
		if i < 0 {
			out.Persons = append(out.Persons, m)
			rep.OS2moIDs[m.ID] = m.ID
			continue
		}
		s := &out.Persons[i]
		pickField(r, "givenName", "", &s.GivenName, m.GivenName)
		pickField(r, "familyName", "", &s.FamilyName, m.FamilyName)
		pickField(r, "email", "", &s.Email, m.Email)
		pickField(r, "username", FromOS2mo, &s.Username, m.Username)
		if s.ReplacementID == "" {
			pickField(r, "cpr", "", &s.CPR, m.CPR)
		}
		rename[m.ID] = s.ID
		rep.OS2moIDs[s.ID] = m.ID
		rep.Matched = append(rep.Matched, Match{PersonID: s.ID, OS2moID: m.ID, By: by})
	}
	id := func(p string) string {
		if n, ok := rename[p]; ok {
			return n
		}
		return p
	}
	for _, a := range mo.Affiliations {
		a.PersonID = id(a.PersonID)
		out.Affiliations = append(out.Affiliations, a)
	}
	for _, m := range mo.Managers {
		if m.PersonID != "" {
			m.PersonID = id(m.PersonID)
		}
		out.Managers = append(out.Managers, m)
	}
	return out, rep
}

// pickField sets *dst (STIL's value) to mo's when OS2mo has authority for
// the field (def is the default authority, "" meaning STIL), or when dst is
// empty.
func pickField(r MergeRules, field string, def Source, dst *string, mo string) {
	a, ok := r.Authority[field]
	if !ok {
		a = def
	}
	if mo != "" && (a == FromOS2mo || *dst == "") {
		*dst = mo
	}
}

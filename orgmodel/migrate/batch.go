package migrate

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/orgsync/orgsync/orgmodel"
)

// Batch returns the part of s that one adoption batch brings under
// orgsync: the institutions listed, their units, groups, contacts and
// managers, and the affiliations to them of every person not blocked by
// the report. Persons keep only those affiliations; a person the report
// matched reserves the username of the existing account, so adoption
// keeps it (the plan then adopts the account by username, see
// diff.Options.AdoptBy). s is not changed.
func Batch(s *orgmodel.Snapshot, r *Report, institutions []string) (*orgmodel.Snapshot, error) {
	want := map[string]bool{}
	for _, in := range institutions {
		want[in] = true
	}
	out := &orgmodel.Snapshot{SchoolYear: s.SchoolYear}
	for _, in := range s.Institutions {
		if want[in.Number] {
			out.Institutions = append(out.Institutions, in)
			delete(want, in.Number)
		}
	}
	if len(want) > 0 {
		missing := make([]string, 0, len(want))
		for in := range want {
			missing = append(missing, in)
		}
		slices.Sort(missing)
		return nil, fmt.Errorf("migrate: batch: institution %s is not in the snapshot", strings.Join(missing, ", "))
	}
	keep := func(inst string) bool {
		return slices.ContainsFunc(out.Institutions, func(i orgmodel.Institution) bool { return i.Number == inst })
	}
	blocked := r.Blocked()
	usernames := r.Usernames()
	units := map[string]bool{}
	for _, u := range s.Units {
		if keep(u.Institution) {
			out.Units = append(out.Units, u)
			units[u.ID] = true
		}
	}
	persons := map[string]bool{}
	for _, a := range s.Affiliations {
		if blocked[a.PersonID] || !(keep(a.Institution) || (a.Institution == "" && units[a.UnitID])) {
			continue
		}
		out.Affiliations = append(out.Affiliations, a)
		persons[a.PersonID] = true
	}
	for _, p := range s.Persons {
		if !persons[p.ID] {
			continue
		}
		if u, ok := usernames[p.ID]; ok {
			p.Username = u
		}
		out.Persons = append(out.Persons, p)
	}
	for _, g := range s.Groups {
		if keep(g.Institution) {
			out.Groups = append(out.Groups, g)
		}
	}
	for _, c := range s.Contacts {
		if keep(c.Institution) && persons[c.StudentID] {
			out.Contacts = append(out.Contacts, c)
		}
	}
	for _, m := range s.Managers {
		if units[m.UnitID] && (m.PersonID == "" || persons[m.PersonID]) {
			out.Managers = append(out.Managers, m)
		}
	}
	return out, nil
}

// Render writes the report as Markdown: a summary, one table row per
// person and one per orphan account.
func (r *Report) Render(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Migration report\n\nRules, in order: %s.\n\n", strings.Join(r.Rules, ", "))
	fmt.Fprintf(&b, "| persons | matched | managed | outside base | ambiguous | unmatched | orphan accounts |\n|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d | %d | %d |\n\n", len(r.Persons), r.Count(Matched), r.Count(Managed),
		r.Count(Outside), r.Count(Ambiguous), r.Count(Unmatched), len(r.Orphans))
	b.WriteString("## Persons\n\n| person | name | institutions | status | rule | username | accounts |\n|---|---|---|---|---|---|---|\n")
	for _, p := range r.Persons {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(p.Person.ID), cell(p.Person.Name),
			cell(strings.Join(p.Person.Institutions, " ")), p.Status, p.Rule, cell(p.Username), cell(strings.Join(p.Accounts, "; ")))
	}
	b.WriteString("\n## Accounts under the base that match nobody\n\n")
	if len(r.Orphans) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| account | username | name |\n|---|---|---|\n")
		for _, a := range r.Orphans {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(a.ID), cell(a.Username), cell(a.Name))
		}
	}
	fmt.Fprintf(&b, "\n%d accounts outside the base match nobody; they are not listed and never touched.\n", r.OutsideUnmatched)
	_, err := io.WriteString(w, b.String())
	return err
}

// cell escapes a table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}

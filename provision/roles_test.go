package provision_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
	"github.com/orgsync/orgsync/rolemodel"
	"github.com/orgsync/orgsync/rolemodel/catalog"
)

// staffUnit puts every teacher of the first school into a staff unit of
// the line organisation and returns the snapshot with their person IDs.
func staffUnit(t *testing.T) (*orgmodel.Snapshot, []string) {
	t.Helper()
	s := synth.Generate(synth.Tiny)
	school := schoolOf(s)
	s.Units = append(s.Units, orgmodel.Unit{ID: "staff-" + school, Name: "Personale", Hierarchy: orgmodel.LineOrganisation, Institution: school})
	var staff []string
	for i, a := range s.Affiliations {
		if a.Institution == school && slices.Contains(a.Roles, orgmodel.Laerer) {
			s.Affiliations[i].UnitID = "staff-" + school
			staff = append(staff, a.PersonID)
		}
	}
	slices.Sort(staff)
	staff = slices.Compact(staff)
	if len(staff) < 2 {
		t.Fatalf("the tiny municipality has %d teachers at %s", len(staff), school)
	}
	return s, staff
}

// schoolOf returns the number of the snapshot's first school.
func schoolOf(s *orgmodel.Snapshot) string {
	for _, in := range s.Institutions {
		if in.Type == orgmodel.School {
			return in.Number
		}
	}
	return ""
}

// schoolCatalogue gives the role "underviser" (group "Undervisere") to
// everybody in the staff unit, and the sensitive role "karakteradmin"
// (group "Karakteradmin", attestation required) to the first teacher.
func schoolCatalogue(school, first string) rolemodel.Catalogue {
	cls := []rolemodel.Classification{"Skole"}
	return rolemodel.Catalogue{
		Systems: []rolemodel.ITSystem{{ID: "aula"}},
		Rights:  []rolemodel.Right{{ID: "aula-post", System: "aula", Classification: "Skole"}, {ID: "karakter-ret", System: "aula", Classification: "Skole"}},
		Roles: []rolemodel.Role{
			{ID: "underviser", Classifications: cls, Rights: []string{"aula-post"}, Group: "Undervisere"},
			{ID: "karakteradmin", Classifications: cls, Rights: []string{"karakter-ret"}, Group: "Karakteradmin", RequiresAttestation: true},
		},
		Delegations: []rolemodel.Delegation{{User: "admin", Role: "underviser"}, {User: "admin", Role: "karakteradmin"}},
		Derived:     []rolemodel.Derived{{ID: "d-staff", Roles: []string{"underviser"}, AssignedBy: "admin", Unit: "staff-" + school}},
		Assignments: []rolemodel.Assignment{{ID: "a-karakter", User: first, Roles: []string{"karakteradmin"}, AssignedBy: "admin"}},
	}
}

func groupMembers(t *testing.T, d *memdir.Dir, name string) []string {
	t.Helper()
	for _, o := range d.Objects() {
		if o.Kind == diff.Group && o.Name == name {
			var ps []string
			for _, m := range o.Members {
				ps = append(ps, desired.PersonID(m))
			}
			return ps
		}
	}
	t.Fatalf("no group %q in the directory", name)
	return nil
}

// TestRoleGroupsReachTheDirectory: a role given to a school's staff unit
// becomes a group with the staff as members; a member whose affiliation
// ends leaves it on that day; a campaign's "remove" removes the membership
// in the next plan; a role that requires attestation arrives only after
// the manager's "keep".
func TestRoleGroupsReachTheDirectory(t *testing.T) {
	s, staff := staffUnit(t)
	school := schoolOf(s)
	d := memdir.New()
	j := job(t, s, d, true)
	now := j.Now
	j.Roles = &provision.Roles{Catalogue: schoolCatalogue(school, staff[0])}
	// The second teacher leaves tomorrow.
	leaver := staff[1]
	for i, a := range s.Affiliations {
		if a.PersonID == leaver {
			s.Affiliations[i].Valid.To = now.Add(24 * time.Hour)
		}
	}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := groupMembers(t, d, "Undervisere"); !slices.Equal(got, staff) {
		t.Errorf("Undervisere = %v, want the staff %v", got, staff)
	}
	if got := groupMembers(t, d, "Karakteradmin"); len(got) != 0 {
		t.Errorf("Karakteradmin before attestation = %v, want nobody", got)
	}

	// The next day: the leaver is out of the group.
	j.Now = now.Add(24 * time.Hour)
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(slices.Clone(staff), func(p string) bool { return p == leaver })
	if got := groupMembers(t, d, "Undervisere"); !slices.Equal(got, want) {
		t.Errorf("Undervisere after the leaver's last day = %v, want %v", got, want)
	}

	// A campaign: the manager removes the third teacher's role and keeps
	// (attests) the first teacher's sensitive role.
	m, err := rolemodel.Compile(j.Roles.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	campaign := rolemodel.Campaign{ID: "c1", Start: j.Now, Deadline: j.Now.AddDate(0, 0, 14)}
	mgrs := []rolemodel.Manager{{PersonID: "head", Unit: "staff-" + school}}
	decided := j.Now.Add(time.Hour)
	removed := want[len(want)-1]
	decisions := []rolemodel.Decision{
		{Assignment: "d-staff", User: removed, Keep: false, By: "head", At: decided},
		{Assignment: "a-karakter", User: staff[0], Keep: true, By: "head", At: decided},
	}
	st := m.Status(s, campaign, mgrs, decisions, decided)
	if len(st.Removals) != 1 || st.Overdue {
		t.Fatalf("campaign: removals %v overdue %v", st.Removals, st.Overdue)
	}
	j.Now = decided.Add(time.Hour)
	j.Roles.Decisions = decisions
	var out strings.Builder
	j.Out = &out
	res, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want = slices.DeleteFunc(want, func(p string) bool { return p == removed })
	if got := groupMembers(t, d, "Undervisere"); !slices.Equal(got, want) {
		t.Errorf("Undervisere after the removal = %v, want %v", got, want)
	}
	if got := groupMembers(t, d, "Karakteradmin"); !slices.Equal(got, []string{staff[0]}) {
		t.Errorf("Karakteradmin after attestation = %v, want [%s]", got, staff[0])
	}
	if !strings.Contains(out.String(), "1 removed by attestation") {
		t.Errorf("the run does not report the removal:\n%s", out.String())
	}
	_ = res
	// Overdue when nobody decided by the deadline.
	if st := m.Status(s, campaign, mgrs, nil, campaign.Deadline); !st.Overdue {
		t.Error("campaign without decisions at the deadline is not overdue")
	}
}

// TestSoDRefusesThePlan: effective assignments that break a
// segregation-of-duties rule refuse the run before anything is applied.
func TestSoDRefusesThePlan(t *testing.T) {
	s, staff := staffUnit(t)
	school := schoolOf(s)
	c := schoolCatalogue(school, staff[0])
	c.Rules = []rolemodel.Rule{{ID: "no-both", Kind: rolemodel.SoD, Text: "no teacher grades", Rights: []string{"aula-post", "karakter-ret"}}}
	c.Assignments[0].Attestation = &rolemodel.Attestation{Issuer: "head", At: time.Time{}}
	d := memdir.New()
	j := job(t, s, d, true)
	j.Roles = &provision.Roles{Catalogue: c}
	var out strings.Builder
	j.Out = &out
	_, err := j.Run(context.Background())
	var se *rolemodel.SoDError
	if !errors.Is(err, rolemodel.ErrSoD) || !errors.As(err, &se) {
		t.Fatalf("err = %v, want ErrSoD", err)
	}
	if len(se.Violations) != 1 || se.Violations[0].User != staff[0] || se.Violations[0].Rule != "no-both" {
		t.Errorf("violations = %+v", se.Violations)
	}
	if d.Len() != 0 {
		t.Errorf("the directory has %d objects after a refused run; want none", d.Len())
	}
	if !strings.Contains(out.String(), "Nothing was applied") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestRolesFromFiles: the catalogue and the decisions come from the files
// Config.Roles names (the binaries' "roles:" setting).
func TestRolesFromFiles(t *testing.T) {
	s, staff := staffUnit(t)
	cat, err := catalog.Marshal(schoolCatalogue(schoolOf(s), staff[0]))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	catFile, decFile := filepath.Join(dir, "roles.yaml"), filepath.Join(dir, "decisions.yaml")
	if err := os.WriteFile(catFile, cat, 0o600); err != nil {
		t.Fatal(err)
	}
	d := memdir.New()
	j := job(t, s, d, true)
	dec := "- {assignment: a-karakter, user: " + staff[0] + ", keep: true, by: head, at: " + j.Now.Add(-time.Hour).Format(time.RFC3339) + "}\n"
	if err := os.WriteFile(decFile, []byte(dec), 0o600); err != nil {
		t.Fatal(err)
	}
	j.Config.Roles = &provision.RolesConfig{Catalogue: catFile, Decisions: decFile}
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := groupMembers(t, d, "Karakteradmin"); !slices.Equal(got, []string{staff[0]}) {
		t.Errorf("Karakteradmin = %v, want [%s]", got, staff[0])
	}
	if got := groupMembers(t, d, "Undervisere"); !slices.Equal(got, staff) {
		t.Errorf("Undervisere = %v, want %v", got, staff)
	}
	// A catalogue file with an error is bad input; nothing is applied.
	if err := os.WriteFile(catFile, []byte("version: 1\nroles: [{id: x, inherits: [x]}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d2 := memdir.New()
	j2 := job(t, s, d2, true)
	j2.Config.Roles = &provision.RolesConfig{Catalogue: catFile}
	if _, err := j2.Run(context.Background()); !errors.Is(err, provision.ErrInput) || !errors.Is(err, rolemodel.ErrInvalid) || d2.Len() != 0 {
		t.Errorf("bad catalogue: err = %v, %d objects; want ErrInput, ErrInvalid, none", err, d2.Len())
	}
}

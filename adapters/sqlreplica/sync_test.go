package sqlreplica

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

func syncOK(t *testing.T, r *Replica, s *orgmodel.Snapshot, at time.Time) *diff.Plan {
	t.Helper()
	plan, rep, err := Sync(context.Background(), r, s, at, SyncOptions{Plan: diff.Options{DefaultRetention: 30, GroupRetention: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if rep != nil && (rep.Failed > 0 || rep.Blocked > 0) {
		for _, res := range rep.Results {
			if res.Err != nil {
				t.Errorf("%s %s: %v", res.Change.Action, res.Change.Key, res.Err)
			}
		}
		t.FailNow()
	}
	again, _, err := Sync(context.Background(), r, s, at, SyncOptions{DryRun: true, Plan: diff.Options{DefaultRetention: 30, GroupRetention: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() {
		t.Fatalf("not converged: %d change(s) left, first %s %s", len(again.Changes), again.Changes[0].Action, again.Changes[0].Key)
	}
	return plan
}

func count(t testing.TB, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestYearRollAndLeavers loads a municipality, rolls it into the next
// school year and then lets persons leave, and checks the replica each
// time with plain SQL.
func TestYearRollAndLeavers(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	r, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := synth.Generate(synth.Config{Seed: 7, Persons: 1500, Schools: 2, Daycares: 2, FUs: -1})
	at := synth.ReferenceTime(s.SchoolYear)
	syncOK(t, r, s, at)

	if got, want := count(t, db, "SELECT COUNT(*) FROM persons WHERE disabled = 0"), len(s.Persons); got != want {
		t.Errorf("persons = %d, want %d", got, want)
	}
	if got, want := count(t, db, "SELECT COUNT(*) FROM affiliations"), len(s.Affiliations); got != want {
		t.Errorf("affiliations = %d, want %d", got, want)
	}
	// The pupils of one class, by plain SQL over groups, memberships and
	// affiliations.
	var class, inst string
	for _, g := range s.Groups {
		if g.Type == orgmodel.Hovedgruppe && g.Name == "4A" {
			class, inst = g.ID, g.Institution
			break
		}
	}
	want := 0
	for _, a := range s.Affiliations {
		if a.MainGroupID == class && a.Institution == inst {
			want++
		}
	}
	pupilsQ := `SELECT COUNT(DISTINCT p.person_id) FROM org_groups g
		JOIN memberships m ON m.group_key = g.obj_key
		JOIN persons p ON p.obj_key = m.member_key
		JOIN affiliations a ON a.person_id = p.person_id AND a.institution = g.institution AND a.role_kind = 'student'
		WHERE g.institution = ? AND g.name = ? AND g.school_year = ? AND g.disabled = 0 AND p.disabled = 0`
	if got := count(t, db, pupilsQ, inst, "4A", s.SchoolYear); got != want || want == 0 {
		t.Errorf("pupils of 4A = %d, want %d", got, want)
	}

	// A changed person is one update of one row.
	s2 := *s
	s2.Persons = slices.Clone(s.Persons)
	s2.Persons[10].Email = "changed@example.dk"
	plan := syncOK(t, r, &s2, at)
	if len(plan.Changes) != 1 || plan.Changes[0].Action != diff.Update || plan.Changes[0].Key != personKey(s2.Persons[10].ID) {
		t.Fatalf("plan for one changed email: %d changes %v", len(plan.Changes), plan.Changes)
	}
	if got := count(t, db, "SELECT COUNT(*) FROM persons WHERE email = 'changed@example.dk'"); got != 1 {
		t.Errorf("changed rows = %d", got)
	}

	// Year roll: the next school year has new class groups (5A holds the
	// old 4A's pupils); the old groups are retired (disabled), the 10th
	// graders have left.
	next, change := synth.Advance(s, 11)
	at2 := synth.ReferenceTime(next.SchoolYear)
	syncOK(t, r, next, at2)
	want5A := 0
	for _, g := range next.Groups {
		if g.Institution == inst && g.Name == "5A" && g.SchoolYear == next.SchoolYear {
			for _, a := range next.Affiliations {
				if a.MainGroupID == g.ID && a.Institution == inst {
					want5A++
				}
			}
		}
	}
	if got := count(t, db, pupilsQ, inst, "5A", next.SchoolYear); got != want5A || want5A == 0 {
		t.Errorf("after the roll 5A has %d pupils, want %d", got, want5A)
	}
	if got := count(t, db, "SELECT disabled FROM org_groups WHERE obj_key = ?", groupKey(inst, class)); got != 1 {
		t.Errorf("old 4A group disabled = %d, want 1", got)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM org_groups WHERE disabled = 0 AND type = 'Hovedgruppe' AND school_year = ?", s.SchoolYear); n != 0 {
		t.Errorf("%d classes of the old school year still active", n)
	}
	left := count(t, db, "SELECT COUNT(*) FROM persons WHERE disabled = 1")
	if left == 0 || left != len(s.Persons)-countKept(s, next) {
		t.Errorf("disabled persons after the roll = %d, want %d (left)", left, len(s.Persons)-countKept(s, next))
	}
	_ = change

	// Leavers: ten persons leave; their rows are disabled with the date,
	// and deleted after the retention.
	gone := next.Persons[:10]
	rest := *next
	rest.Persons = slices.Clone(next.Persons[10:])
	rest.Affiliations = slices.DeleteFunc(slices.Clone(next.Affiliations), func(a orgmodel.Affiliation) bool {
		return slices.ContainsFunc(gone, func(p orgmodel.Person) bool { return p.ID == a.PersonID })
	})
	rest.Contacts = slices.DeleteFunc(slices.Clone(next.Contacts), func(c orgmodel.Contact) bool {
		return slices.ContainsFunc(gone, func(p orgmodel.Person) bool { return p.ID == c.StudentID })
	})
	at3 := at2.AddDate(0, 0, 5)
	syncOK(t, r, &rest, at3)
	for _, p := range gone {
		var disabled bool
		var date sql.NullString
		if err := db.QueryRow("SELECT disabled, disabled_date FROM persons WHERE person_id = ?", p.ID).Scan(&disabled, &date); err != nil {
			t.Fatal(err)
		}
		if !disabled || date.String[:10] != at3.Format(diff.DateLayout) {
			t.Errorf("leaver %s: disabled %v since %q", p.ID, disabled, date.String)
		}
	}
	if got := count(t, db, "SELECT COUNT(*) FROM persons WHERE disabled = 0"); got != len(rest.Persons) {
		t.Errorf("active persons = %d, want %d", got, len(rest.Persons))
	}
	if got := count(t, db, "SELECT COUNT(*) FROM affiliations WHERE disabled = 0"); got != len(rest.Affiliations) {
		t.Errorf("active affiliations = %d, want %d", got, len(rest.Affiliations))
	}
	// After the retention the leavers' rows are gone.
	syncOK(t, r, &rest, at3.AddDate(0, 0, 31))
	if got := count(t, db, "SELECT COUNT(*) FROM persons"); got != len(rest.Persons) {
		t.Errorf("persons after the retention = %d, want %d", got, len(rest.Persons))
	}
	if got := count(t, db, "SELECT COUNT(*) FROM memberships m LEFT JOIN persons p ON p.obj_key = m.member_key WHERE p.id IS NULL"); got != 0 {
		t.Errorf("%d memberships point at no person", got)
	}
}

func countKept(old, next *orgmodel.Snapshot) int {
	ids := map[string]bool{}
	for _, p := range next.Persons {
		ids[p.ID] = true
	}
	n := 0
	for _, p := range old.Persons {
		if ids[p.ID] {
			n++
		}
	}
	return n
}

package snapstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/provision"
)

func purgeSnap(ids ...string) *orgmodel.Snapshot {
	s := &orgmodel.Snapshot{Institutions: []orgmodel.Institution{{Number: "101", Name: "Skolen", Type: orgmodel.School}}}
	for _, id := range ids {
		s.Persons = append(s.Persons, orgmodel.Person{ID: id, CPR: "0101801111", GivenName: "Name-" + id})
		s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: id, Institution: "101", Roles: []orgmodel.Role{orgmodel.Elev}})
		s.Contacts = append(s.Contacts, orgmodel.Contact{StudentID: id, Institution: "101", Relation: "Mor", Person: orgmodel.Person{GivenName: "Mother-" + id}})
	}
	return s
}

// TestPurge: with an injected clock, a leaver's data stays until 13
// months after they left every source and is gone from every stored
// snapshot and the state from then on; a person who came back is kept;
// the audit log gets one record of the purge without the data.
func TestPurge(t *testing.T) {
	store, err := snapstore.OpenFiles(filepath.Join(t.TempDir(), "snaps"))
	if err != nil {
		t.Fatal(err)
	}
	exercisePurge(t, store)
}

// TestPurgeSQL runs TestPurge on the SQL store in MariaDB.
func TestPurgeSQL(t *testing.T) {
	exercisePurge(t, sqlStore(t, "orgsync_purge_"))
}

func exercisePurge(t *testing.T, store interface {
	snapstore.Rewritable
	Save(ctx context.Context, s *orgmodel.Snapshot, at time.Time) (snapstore.Meta, error)
}) {
	ctx := context.Background()
	dir := t.TempDir()
	t0 := time.Date(2025, 1, 10, 6, 0, 0, 0, time.UTC)
	left := t0.AddDate(0, 1, 0) // the first snapshot without "leaver"
	for i, s := range []*orgmodel.Snapshot{purgeSnap("stayer", "leaver", "returner"), purgeSnap("stayer"), purgeSnap("stayer", "returner")} {
		if _, err := store.Save(ctx, s, t0.AddDate(0, i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	state := provision.StateFile(filepath.Join(dir, "state.json"))
	st := &provision.State{Previous: purgeSnap("stayer", "leaver")}
	st.Usernames = map[string]string{"stayer": "sta1", "leaver": "lea1", "returner": "ret1"}
	if err := state.SaveState(ctx, st); err != nil {
		t.Fatal(err)
	}
	var audit bytes.Buffer
	p := &snapstore.Purger{Store: store, Also: []snapstore.Forgetter{provision.StateForgetter{Store: state}},
		Auditor: diff.NewJSONLAuditor(&audit)}

	holds := func(id string) (snaps int, inState bool) {
		t.Helper()
		ids, err := store.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, sid := range ids {
			s, err := store.Load(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(s)
			if strings.Contains(string(b), id) {
				snaps++
			}
		}
		st, err := state.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(st)
		return snaps, strings.Contains(string(b), id)
	}

	// One day before the 13 months are up: nothing is purged.
	res, err := p.Purge(ctx, left.AddDate(0, 13, -1))
	if err != nil || len(res.Persons) != 0 || audit.Len() != 0 {
		t.Fatalf("before the period: %+v, %v, audit %q", res, err, audit.String())
	}
	if n, in := holds("leaver"); n != 1 || !in {
		t.Fatalf("before the period the leaver is in %d snapshots, state %v; want 1, true", n, in)
	}

	// When they are up: the leaver is gone everywhere.
	res, err = p.Purge(ctx, left.AddDate(0, 13, 0))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(snapstore.PurgeResult{Persons: []string{"leaver"}, Snapshots: 1}, res); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	if n, in := holds("leaver"); n != 0 || in {
		t.Errorf("after the period the leaver is in %d snapshots, state %v", n, in)
	}
	for _, id := range []string{"stayer", "returner"} {
		if n, in := holds(id); n == 0 || !in {
			t.Errorf("%s was purged: %d snapshots, state %v", id, n, in)
		}
	}
	// One record: a purge, without the person.
	if strings.Count(audit.String(), "\n") != 1 || !strings.Contains(audit.String(), `"phase":"purge"`) ||
		!strings.Contains(audit.String(), "purged 1 persons") || strings.Contains(audit.String(), "leaver") {
		t.Errorf("audit log:\n%s", audit.String())
	}
	if err := diff.VerifyAuditLog(strings.NewReader(audit.String())); err != nil {
		t.Errorf("audit log does not verify: %v", err)
	}
	// Again: nothing more.
	if res, err := p.Purge(ctx, left.AddDate(0, 14, 0)); err != nil || len(res.Persons) != 0 {
		t.Errorf("second purge: %+v, %v", res, err)
	}
}

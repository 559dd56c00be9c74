package snapstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/mariadbtest"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/history"
)

// TestMinimiser: on the file store, the protected fields stay in a
// replaced snapshot until 13 months after it was replaced and are gone
// from then on; the newest snapshot keeps them; a dry run counts and
// changes nothing; the audit record holds counts only.
func TestMinimiser(t *testing.T) {
	store, err := snapstore.OpenFiles(filepath.Join(t.TempDir(), "snaps"))
	if err != nil {
		t.Fatal(err)
	}
	exerciseMinimiser(t, store)
}

// TestMinimiserSQL runs TestMinimiser on the SQL store in MariaDB.
func TestMinimiserSQL(t *testing.T) {
	exerciseMinimiser(t, sqlStore(t, "orgsync_minimise_"))
}

func minimiseSnap(given string) *orgmodel.Snapshot {
	return &orgmodel.Snapshot{
		Institutions: []orgmodel.Institution{{Number: "101", Name: "Skolen", Type: orgmodel.School}},
		Persons: []orgmodel.Person{
			{ID: "p1", CPR: "0101101234", GivenName: given, FamilyName: "Berg", Address: &orgmodel.Address{Street: "Skolevej 7"}},
			{ID: "p2", GivenName: "Skjult", FamilyName: "Navn", Protected: true, AliasGivenName: "Alias", AliasFamilyName: "Person"},
		},
		Affiliations: []orgmodel.Affiliation{
			{PersonID: "p1", Institution: "101", Roles: []orgmodel.Role{orgmodel.Elev}},
			{PersonID: "p2", Institution: "101", Roles: []orgmodel.Role{orgmodel.Elev}},
		},
	}
}

func exerciseMinimiser(t *testing.T, store interface {
	snapstore.Rewritable
	Save(ctx context.Context, s *orgmodel.Snapshot, at time.Time) (snapstore.Meta, error)
}) {
	ctx := context.Background()
	t0 := time.Date(2025, 1, 10, 6, 0, 0, 0, time.UTC)
	for i, given := range []string{"Anna", "Anne", "Annie"} {
		if _, err := store.Save(ctx, minimiseSnap(given), t0.AddDate(0, i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := store.List(ctx)
	if err != nil || len(ids) != 3 {
		t.Fatalf("list: %v, %v", ids, err)
	}
	holds := func(id, secret string) bool {
		t.Helper()
		s, err := store.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(s)
		return strings.Contains(string(b), secret)
	}
	var audit bytes.Buffer
	m := &snapstore.Minimiser{Store: store, Auditor: diff.NewJSONLAuditor(&audit)}
	replaced := t0.AddDate(0, 1, 0) // when the first snapshot was replaced

	// A day early: nothing.
	res, err := m.Minimise(ctx, replaced.AddDate(0, 13, -1))
	if err != nil || res != (snapstore.MinimiseResult{}) || audit.Len() != 0 {
		t.Fatalf("a day early: %+v, %v, audit %q", res, err, audit.String())
	}

	// A dry run when due: counted, nothing changed, no record.
	m.DryRun = true
	res, err = m.Minimise(ctx, replaced.AddDate(0, 13, 0))
	want := snapstore.MinimiseResult{Due: 1, Snapshots: 1, Fields: history.Stripped{CPR: 1, Addresses: 1, Names: 1}}
	if d := cmp.Diff(want, res); err != nil || d != "" {
		t.Fatalf("dry run: %v (-want +got):\n%s", err, d)
	}
	if !holds(ids[0], "0101101234") || audit.Len() != 0 {
		t.Fatalf("the dry run changed something: audit %q", audit.String())
	}

	// When due: the first snapshot loses its protected fields, the others
	// keep theirs; one record with counts only.
	m.DryRun = false
	res, err = m.Minimise(ctx, replaced.AddDate(0, 13, 0))
	if d := cmp.Diff(want, res); err != nil || d != "" {
		t.Fatalf("minimise: %v (-want +got):\n%s", err, d)
	}
	for _, secret := range []string{"0101101234", "Skolevej", "Skjult"} {
		if holds(ids[0], secret) {
			t.Errorf("the old snapshot still holds %q", secret)
		}
		if !holds(ids[1], secret) || !holds(ids[2], secret) {
			t.Errorf("a snapshot inside the retention lost %q", secret)
		}
	}
	if !holds(ids[0], "Anna") || !holds(ids[0], `"Alias"`) {
		t.Error("the minimised snapshot lost what is not protected")
	}
	rec := audit.String()
	if strings.Count(rec, "\n") != 1 || !strings.Contains(rec, `"phase":"purge"`) ||
		!strings.Contains(rec, "removed 1 CPR numbers, 1 addresses, 1 protected names") ||
		strings.Contains(rec, "0101101234") || strings.Contains(rec, "p1") || strings.Contains(rec, "Skjult") {
		t.Errorf("audit log:\n%s", rec)
	}
	if err := diff.VerifyAuditLog(strings.NewReader(rec)); err != nil {
		t.Errorf("audit log does not verify: %v", err)
	}

	// Again at the same time: nothing more, no record. Years later: all
	// but the newest.
	if res, err := m.Minimise(ctx, replaced.AddDate(0, 13, 0)); err != nil || res.Snapshots != 0 || strings.Count(audit.String(), "\n") != 1 {
		t.Errorf("second run: %+v, %v, audit:\n%s", res, err, audit.String())
	}
	if res, err := m.Minimise(ctx, t0.AddDate(10, 0, 0)); err != nil || res.Due != 2 || res.Snapshots != 1 {
		t.Errorf("years later: %+v, %v", res, err)
	}
	if !holds(ids[2], "0101101234") || holds(ids[1], "0101101234") {
		t.Error("years later: want the newest snapshot alone to keep the CPR")
	}
}

// sqlStore opens the SQL store on a database of the test's own
// (internal/mariadbtest, dropped at the end).
func sqlStore(t *testing.T, prefix string) *snapstore.SQLStore {
	t.Helper()
	store, err := snapstore.OpenSQL(context.Background(), mariadbtest.New(t, prefix).DB)
	if err != nil {
		t.Fatal(err)
	}
	return store
}

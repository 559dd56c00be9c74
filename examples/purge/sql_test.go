package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/internal/mariadbtest"
	"github.com/orgsync/orgsync/orgmodel"
)

// TestPurgeCommandSQL: -dsn-env reaches a snapshot history kept in
// MariaDB (the broker's database): the leaver is purged and the replaced
// snapshot minimised there.
func TestPurgeCommandSQL(t *testing.T) {
	ctx := context.Background()
	d := mariadbtest.New(t, "orgsync_purgecmd_")
	t.Setenv("ORGSYNC_PURGE_TEST_DSN", d.Config.FormatDSN())
	db := d.DB
	store, err := snapstore.OpenSQL(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	for i, ids := range [][]string{{"stayer", "leaver"}, {"stayer"}} {
		s := &orgmodel.Snapshot{}
		for _, id := range ids {
			s.Persons = append(s.Persons, orgmodel.Person{ID: id, GivenName: id, CPR: "0101101234"})
		}
		if _, err := store.Save(ctx, s, t0.AddDate(0, i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"-dsn-env", "ORGSYNC_PURGE_TEST_DSN"}, &out, &errb, t0.AddDate(0, 14, 0)); code != 0 ||
		!strings.Contains(out.String(), "purged 1 persons") || !strings.Contains(out.String(), "minimised 1 stored snapshots") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	ids, _ := store.List(ctx)
	s, err := store.Load(ctx, ids[0])
	if err != nil || len(s.Persons) != 1 || s.Persons[0].ID != "stayer" || s.Persons[0].CPR != "" {
		t.Errorf("first snapshot after the run: %+v, %v", s, err)
	}
	if code := run(ctx, []string{"-dsn-env", "ORGSYNC_PURGE_UNSET_DSN"}, &out, &errb, t0); code != 4 {
		t.Errorf("empty DSN variable: exit %d, want 4", code)
	}
	if code := run(ctx, []string{"-dsn-env", "X", "-history", t.TempDir()}, &out, &errb, t0); code != 4 {
		t.Errorf("both -dsn-env and -history: exit %d, want 4", code)
	}
}

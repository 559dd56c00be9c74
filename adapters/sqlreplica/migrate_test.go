package sqlreplica

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/orgmodel/synth"
)

func TestMigrate(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	for range 2 { // idempotent
		if err := Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	if got := count(t, db, "SELECT COUNT(*) FROM schema_migrations"); got != len(migrations) {
		t.Errorf("schema_migrations has %d rows, want %d", got, len(migrations))
	}
	// Migration 2 added an index to the tables of migration 1.
	if got := count(t, db, "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = 'memberships_member'"); got == 0 {
		t.Error("index memberships_member missing")
	}
	// Migration 3 put three triggers on every table.
	if got, want := count(t, db, "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = DATABASE() AND trigger_name LIKE '%\\_stamp\\_%'"), 3*len(stampTables()); got != want {
		t.Errorf("%d stamp triggers, want %d", got, want)
	}
	// A half-done migration 2 (index created, version not recorded) runs again.
	if _, err := db.Exec("DELETE FROM schema_migrations WHERE version = 2"); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db); err != nil {
		t.Fatalf("re-running migration 2: %v", err)
	}
	// A newer database is refused.
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')"); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db); !errors.Is(err, ErrSchema) {
		t.Errorf("newer schema: err = %v, want ErrSchema", err)
	}
	if !strings.Contains(Schema(), "CREATE TABLE IF NOT EXISTS persons") {
		t.Error("Schema lacks persons")
	}
}

// TestProtectedFields: CPR numbers, addresses and real names of protected
// persons reach the database only with WriteProtected.
func TestProtectedFields(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	at := synth.ReferenceTime(s.SchoolYear)
	p := &s.Persons[3]
	p.Protected, p.AliasGivenName, p.AliasFamilyName = true, "Alias", "Navn"
	for _, write := range []bool{false, true} {
		db := newDB(t)
		r, err := Open(context.Background(), db, Options{WriteProtected: write})
		if err != nil {
			t.Fatal(err)
		}
		syncOK(t, r, s, at)
		cprs := count(t, db, "SELECT COUNT(*) FROM persons WHERE cpr <> ''")
		real := count(t, db, "SELECT COUNT(*) FROM persons WHERE person_id = ? AND given_name = ?", p.ID, p.GivenName)
		prot := count(t, db, "SELECT COUNT(*) FROM persons WHERE person_id = ? AND protected = 1", p.ID)
		if write && (cprs != len(s.Persons) || real != 1) || !write && (cprs != 0 || real != 0) || prot != 1 {
			t.Errorf("WriteProtected=%v: %d CPR numbers, real name written %d, protected flag %d", write, cprs, real, prot)
		}
	}
}

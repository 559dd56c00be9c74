package mariadb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/storetest"
	"github.com/orgsync/orgsync/internal/mariadbtest"
)

// newDB creates a database of the test's own (internal/mariadbtest) and drops
// it at the end.
func newDB(t testing.TB) *sql.DB {
	t.Helper()
	db, _ := mariadbtest.New(t, "orgsync_test_").WithParseTime(t)
	return db
}

// newDBDSN is newDB that also returns the database's DSN (for a child
// process).
func newDBDSN(t testing.TB) (*sql.DB, string) {
	t.Helper()
	return mariadbtest.New(t, "orgsync_test_").WithParseTime(t)
}

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) broker.Store {
		s, err := Open(context.Background(), newDB(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestListLikeCharacters: the LIKE pattern's special characters in a
// prefix are matched literally.
func TestListLikeCharacters(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, newDB(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a_b/1", "axb/1", "a%b/1", "a!b/1", "azzb/1"} {
		if err := s.Put(ctx, k, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	for prefix, want := range map[string]string{"a_b/": "a_b/1", "a%b/": "a%b/1", "a!b/": "a!b/1"} {
		got, err := s.List(ctx, prefix)
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("List(%q) = %q, %v; want [%s]", prefix, got, err, want)
		}
	}
}

// TestMigrateFromEveryVersion starts from each earlier schema version
// (with data in it), migrates forward, and checks that the data is kept
// and the schema is the current one; Migrate is idempotent, re-runs a
// half-done migration and refuses a newer schema.
func TestMigrateFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	for from := 0; from <= SchemaVersion(); from++ {
		db := newDB(t)
		if from > 0 {
			if err := migrateTo(ctx, db, from); err != nil {
				t.Fatalf("to %d: %v", from, err)
			}
			if _, err := db.Exec("INSERT INTO broker_kv (k, v) VALUES ('broker', '{\"old\":1}')"); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if err := Migrate(ctx, db); err != nil {
				t.Fatalf("from %d: %v", from, err)
			}
		}
		s := &Store{db: db}
		if from > 0 {
			if v, err := s.Get(ctx, "broker"); err != nil || string(v) != `{"old":1}` {
				t.Errorf("from %d: kept value = %q, %v", from, v, err)
			}
		}
		if err := s.Put(ctx, "client/x/state", []byte("{}")); err != nil {
			t.Errorf("from %d: Put: %v", from, err)
		}
		var n int
		db.QueryRow("SELECT COUNT(*) FROM broker_migrations").Scan(&n)
		if n != SchemaVersion() {
			t.Errorf("from %d: %d versions recorded, want %d", from, n, SchemaVersion())
		}
		db.QueryRow("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'broker_kv' AND column_name = 'updated_at'").Scan(&n)
		if n != 1 {
			t.Errorf("from %d: broker_kv.updated_at missing", from)
		}
		db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'broker_leases'").Scan(&n)
		if n != 1 {
			t.Errorf("from %d: broker_leases missing", from)
		}
		if from != SchemaVersion() {
			continue
		}
		// A half-done migration (its DDL ran, its version not recorded)
		// runs again.
		if _, err := db.Exec("DELETE FROM broker_migrations WHERE version = ?", SchemaVersion()); err != nil {
			t.Fatal(err)
		}
		if err := Migrate(ctx, db); err != nil {
			t.Fatalf("re-running the last migration: %v", err)
		}
		if _, err := db.Exec("INSERT INTO broker_migrations (version, name) VALUES (999, 'future')"); err != nil {
			t.Fatal(err)
		}
		if err := Migrate(ctx, db); !errors.Is(err, ErrSchema) {
			t.Errorf("newer schema: err = %v, want ErrSchema", err)
		}
	}
	if !strings.Contains(Schema(), "CREATE TABLE IF NOT EXISTS broker_kv") {
		t.Error("Schema lacks broker_kv")
	}
}

// TestShared: two broker instances on one database lose none of each
// other's changes (storetest.RunShared).
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) broker.Store {
		s, err := Open(context.Background(), newDB(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

package sqlreplica

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/targettest"
)

// newDB creates a database of the test's own on the MariaDB of
// .ci/servers/mariadb.sh and drops it at the end.
func newDB(t testing.TB) *sql.DB {
	t.Helper()
	dsn := os.Getenv("ORGSYNC_MYSQL_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ORGSYNC_MYSQL_DSN not set in CI")
		}
		t.Skip("ORGSYNC_MYSQL_DSN not set; run .ci/servers/mariadb.sh start")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := "orgsync_replica_" + hex.EncodeToString(rnd[:])
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	cfg.AllowAllFiles = true
	cfg.InterpolateParams = os.Getenv("NOINTERP") == ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		admin.Close()
	})
	return db
}

func TestConformance(t *testing.T) {
	targettest.Run(t, targettest.Harness{
		New: func(t *testing.T) diff.Target {
			r, err := Open(context.Background(), newDB(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			return r
		},
		Seed: func(t *testing.T, target diff.Target, obj diff.Object) {
			if err := target.(*Replica).SeedUnmanaged(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
		},
		NoContainers: true,
		UserAttrs:    []string{"username", "givenName", "familyName", "email", "uniId"},
	})
}

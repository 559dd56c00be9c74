// Package testdb gives a test a MariaDB database of its own on the server
// that .ci/servers/mariadb.sh starts (ORGSYNC_MYSQL_DSN): a new database
// with a unique name, dropped when the test ends, so that tests running at
// once (several packages, several helpers on one server) never share
// tables. Without ORGSYNC_MYSQL_DSN the test is skipped, except in CI
// (CI set), where it fails.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// EnvDSN is the environment variable with the server's DSN
// (go-sql-driver/mysql form).
const EnvDSN = "ORGSYNC_MYSQL_DSN"

// New creates the test's database and returns it open (parseTime=true)
// with its DSN (for a child process). It is dropped at the test's end.
func New(t testing.TB) (*sql.DB, string) {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(EnvDSN + " not set in CI")
		}
		t.Skip(EnvDSN + " not set; run .ci/servers/mariadb.sh start")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("testdb: %s: %v", EnvDSN, err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := "orgsync_test_" + hex.EncodeToString(rnd[:])
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
		t.Fatalf("testdb: create %s: %v", name, err)
	}
	cfg.DBName = name
	cfg.ParseTime = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("testdb: drop %s: %v", name, err)
		}
		admin.Close()
	})
	return db, cfg.FormatDSN()
}

// Package mariadbtest gives tests a database of their own on the MariaDB
// that .ci/servers/mariadb.sh starts (ORGSYNC_MYSQL_DSN): created with a
// random name, dropped when the test ends. It is for tests only; without
// ORGSYNC_MYSQL_DSN the test is skipped, or fails when CI is set.
package mariadbtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// DB is a test's database.
type DB struct {
	// DB is connected to the database, with the pool size of Options.
	*sql.DB
	// Name is the database's name.
	Name string
	// Config is the DSN of the database (Config.FormatDSN()).
	Config *mysql.Config
	// Admin is connected to the server without a database, for checks
	// across databases.
	Admin *sql.DB
}

// New creates a database named prefix plus a random suffix, in utf8mb4,
// and drops it at the end of the test. The connection interpolates
// parameters on the client (as the binaries do) unless NOINTERP is set,
// and allows LOAD DATA LOCAL INFILE from any file.
func New(t testing.TB, prefix string) *DB {
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
	cfg.DBName = ""
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := prefix + hex.EncodeToString(rnd[:])
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
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
	return &DB{DB: db, Name: name, Config: cfg, Admin: admin}
}

// WithParseTime returns a second connection pool to the same database
// with parseTime=true, and its DSN (for a child process), for code that
// reads DATETIME columns into time.Time (the broker's store and leases).
// The pool is closed at the end of the test, before the database is
// dropped.
func (d *DB) WithParseTime(t testing.TB) (*sql.DB, string) {
	t.Helper()
	cfg := d.Config.Clone()
	cfg.ParseTime = true
	dsn := cfg.FormatDSN()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

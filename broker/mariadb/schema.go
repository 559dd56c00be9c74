package mariadb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// migration is one forward step of the schema. Its statements must be
// idempotent (IF NOT EXISTS): DDL commits on its own in MariaDB, so a
// migration interrupted half-way runs again from its first statement.
type migration struct {
	version int
	name    string
	stmts   []string
}

var migrations = []migration{
	{1, "key-value table", []string{`CREATE TABLE IF NOT EXISTS broker_kv (
  k VARCHAR(200) NOT NULL PRIMARY KEY,
  v LONGBLOB NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`}},
	{2, "per-client leases", []string{`CREATE TABLE IF NOT EXISTS broker_leases (
  name VARCHAR(200) NOT NULL PRIMARY KEY,
  holder VARCHAR(200) NOT NULL,
  token BIGINT NOT NULL,
  expires_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`}},
	{3, "time of each value's last change", []string{
		"ALTER TABLE broker_kv ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)",
	}},
}

// SchemaVersion is the version Migrate brings a database to.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// Migrate brings the database's schema forward to SchemaVersion. It is
// idempotent and safe to run from several processes at once (a named lock
// serialises them); it never goes back: a database newer than this code is
// an error matching ErrSchema.
func Migrate(ctx context.Context, db *sql.DB) error { return migrateTo(ctx, db, SchemaVersion()) }

// migrateTo brings the schema to version to (tests start from every
// earlier version).
func migrateTo(ctx context.Context, db *sql.DB, to int) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mariadb: migrate: %w", err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT('orgsync_broker_migrate_', DATABASE()), 60)").Scan(&got); err != nil || got.Int64 != 1 {
		return fmt.Errorf("mariadb: migrate: lock not granted (%v)", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(CONCAT('orgsync_broker_migrate_', DATABASE()))") //nolint:errcheck
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS broker_migrations (
  version INT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB`); err != nil {
		return fmt.Errorf("mariadb: migrate: %w", err)
	}
	var cur sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT MAX(version) FROM broker_migrations").Scan(&cur); err != nil {
		return fmt.Errorf("mariadb: migrate: %w", err)
	}
	if int(cur.Int64) > SchemaVersion() {
		return fmt.Errorf("mariadb: migrate: %w: database schema %d, this program's %d", ErrSchema, cur.Int64, SchemaVersion())
	}
	for _, m := range migrations {
		if m.version <= int(cur.Int64) || m.version > to {
			continue
		}
		for _, s := range m.stmts {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("mariadb: migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := conn.ExecContext(ctx, "INSERT IGNORE INTO broker_migrations (version, name) VALUES (?, ?)", m.version, m.name); err != nil {
			return fmt.Errorf("mariadb: migration %d: %w", m.version, err)
		}
	}
	return nil
}

// Schema returns the DDL of the current schema, for documentation and
// review.
func Schema() string {
	var b strings.Builder
	for _, m := range migrations {
		fmt.Fprintf(&b, "-- migration %d: %s\n", m.version, m.name)
		for _, s := range m.stmts {
			b.WriteString(s)
			b.WriteString(";\n")
		}
	}
	return b.String()
}

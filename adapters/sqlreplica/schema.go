package sqlreplica

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/diff"
)

// Kinds of the replica's rows (diff.User and diff.Group are the persons
// and groups tables).
const (
	KindInstitution diff.Kind = "institution"
	KindAffiliation diff.Kind = "affiliation"
	KindContact     diff.Kind = "contact"
)

// colType is how an attribute is stored.
type colType int

const (
	str     colType = iota // VARCHAR(255), "" is ''
	text                   // TEXT
	date                   // DATE, "" is NULL
	boolean                // TINYINT(1), "true"/"false"
)

type column struct {
	attr string // the diff attribute
	name string // the SQL column
	typ  colType
	// protected columns are written only with Options.WriteProtected.
	protected bool
}

type table struct {
	kind   diff.Kind
	name   string
	cols   []column
	byAttr map[string]int
}

func (t *table) col(attr string) (column, bool) {
	i, ok := t.byAttr[attr]
	if !ok {
		return column{}, false
	}
	return t.cols[i], true
}

// The tables, one per kind. Every table also has the common columns
// id, obj_key, name, institution, disabled, disabled_date, managed and
// updated_at (see the migrations).
var tables = []*table{
	{kind: KindInstitution, name: "institutions", cols: []column{
		{"number", "number", str, false}, {"type", "type", str, false}, {"abbreviation", "abbreviation", str, false},
		{"validFrom", "valid_from", date, false}, {"validTo", "valid_to", date, false},
	}},
	{kind: diff.User, name: "persons", cols: []column{
		{"personId", "person_id", str, false}, {"username", "username", str, false},
		{"givenName", "given_name", str, false}, {"familyName", "family_name", str, false},
		{"email", "email", str, false}, {"uniId", "uni_id", str, false},
		{"protected", "protected", boolean, false}, {"cprType", "cpr_type", str, false},
		{"birthDate", "birth_date", date, false}, {"gender", "gender", str, false},
		{diff.AttrGlobalRole, "global_role", str, false},
		{"cpr", "cpr", str, true}, {"address", "address", text, true},
	}},
	{kind: KindAffiliation, name: "affiliations", cols: []column{
		{"personId", "person_id", str, false}, {"unitId", "unit_id", str, false},
		{"roles", "roles", str, false}, {"roleKind", "role_kind", str, false},
		{"level", "level", str, false}, {"mainGroupId", "main_group_id", str, false},
		{"title", "title", str, false}, {"source", "source", str, false},
		{"validFrom", "valid_from", date, false}, {"validTo", "valid_to", date, false},
	}},
	{kind: diff.Group, name: "org_groups", cols: []column{
		{"groupId", "group_id", str, false}, {"type", "type", str, false},
		{"level", "level", str, false}, {"line", "line", str, false},
		{"schoolYear", "school_year", str, false}, {"startYear", "start_year", str, false},
		{"validFrom", "valid_from", date, false}, {"validTo", "valid_to", date, false},
	}},
	{kind: KindContact, name: "contacts", cols: []column{
		{"studentId", "student_id", str, false}, {"contactId", "contact_id", str, false},
		{"relation", "relation", str, false}, {"childCustody", "child_custody", boolean, false},
		{"accessLevel", "access_level", str, false},
		{"givenName", "given_name", str, false}, {"familyName", "family_name", str, false},
		{"protected", "protected", boolean, false},
		{"cpr", "cpr", str, true}, {"address", "address", text, true},
	}},
}

var tableOf = map[diff.Kind]*table{}

func init() {
	for _, t := range tables {
		t.byAttr = map[string]int{}
		for i, c := range t.cols {
			t.byAttr[c.attr] = i
		}
		tableOf[t.kind] = t
	}
}

func sqlType(c colType) string {
	switch c {
	case text:
		return "TEXT NOT NULL DEFAULT ''"
	case date:
		return "DATE NULL"
	case boolean:
		return "TINYINT(1) NOT NULL DEFAULT 0"
	}
	return "VARCHAR(255) NOT NULL DEFAULT ''"
}

func createTable(t *table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", t.name)
	b.WriteString("  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n")
	b.WriteString("  obj_key VARCHAR(191) NULL UNIQUE,\n")
	b.WriteString("  name VARCHAR(255) NOT NULL DEFAULT '',\n")
	b.WriteString("  institution VARCHAR(32) NOT NULL DEFAULT '',\n")
	for _, c := range t.cols {
		fmt.Fprintf(&b, "  %s %s,\n", c.name, sqlType(c.typ))
	}
	b.WriteString("  disabled TINYINT(1) NOT NULL DEFAULT 0,\n")
	b.WriteString("  disabled_date DATE NULL,\n")
	b.WriteString("  managed TINYINT(1) NOT NULL DEFAULT 1,\n")
	b.WriteString("  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP\n")
	b.WriteString(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
	return b.String()
}

// migration is one forward step of the schema. Its statements must be
// idempotent (IF NOT EXISTS): DDL commits on its own in MariaDB, so a
// migration interrupted half-way runs again from its first statement.
type migration struct {
	version int
	name    string
	stmts   func() []string
}

var migrations = []migration{
	{1, "tables", func() []string {
		var s []string
		for _, t := range tables {
			s = append(s, createTable(t))
		}
		s = append(s, `CREATE TABLE IF NOT EXISTS memberships (
  group_key VARCHAR(191) NOT NULL,
  member_key VARCHAR(191) NOT NULL,
  PRIMARY KEY (group_key, member_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`)
		return s
	}},
	{2, "indexes for queries by person, member and institution", func() []string {
		return []string{
			"CREATE INDEX IF NOT EXISTS affiliations_person ON affiliations (person_id)",
			"CREATE INDEX IF NOT EXISTS affiliations_institution ON affiliations (institution)",
			"CREATE INDEX IF NOT EXISTS memberships_member ON memberships (member_key)",
			"CREATE INDEX IF NOT EXISTS contacts_student ON contacts (student_id)",
		}
	}},
	{3, "replica_stamps: triggers count the writes of others (needs the TRIGGER privilege)", stampStatements},
}

// stampTables are the tables whose writes the triggers of migration 3
// count: every table of the model and memberships.
func stampTables() []string {
	names := make([]string, 0, len(tables)+1)
	for _, t := range tables {
		names = append(names, t.name)
	}
	return append(names, "memberships")
}

// stampStatements create replica_stamps and, on every table, one trigger
// per kind of write that counts the rows written by anyone but orgsync:
// orgsync's transactions set the session variable @orgsync_replica (see
// Replica.begin), everything else (a person with a SQL client, another
// program) leaves it NULL. orgsync's own transactions are counted in the
// row "~orgsync" by orgsync itself, so that a second orgsync process
// writing the same replica is noticed too. Read compares the counters to
// decide whether the rows it remembers are still the replica's (see
// delta.go).
func stampStatements() []string {
	s := []string{`CREATE TABLE IF NOT EXISTS replica_stamps (
  tbl VARCHAR(64) NOT NULL PRIMARY KEY,
  writes BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB`}
	for _, name := range stampTables() {
		for _, ev := range []string{"INSERT", "UPDATE", "DELETE"} {
			s = append(s, fmt.Sprintf("CREATE TRIGGER IF NOT EXISTS %s_stamp_%s AFTER %s ON %s FOR EACH ROW "+
				"IF @orgsync_replica IS NULL THEN "+
				"INSERT INTO replica_stamps (tbl, writes) VALUES ('%s', 1) ON DUPLICATE KEY UPDATE writes = writes + 1; "+
				"END IF", name, strings.ToLower(ev[:3]), ev, name, name))
		}
	}
	return s
}

// SchemaVersion is the version Migrate brings a database to.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// Migrate brings the database's schema forward to SchemaVersion. It is
// idempotent and safe to run from several processes at once (a named lock
// serialises them); it never goes back: a database newer than this code is
// an error.
func Migrate(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlreplica: migrate: %w", err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('orgsync_sqlreplica_migrate', 60)").Scan(&got); err != nil || got.Int64 != 1 {
		return fmt.Errorf("sqlreplica: migrate: lock not granted (%v)", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('orgsync_sqlreplica_migrate')") //nolint:errcheck
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB`); err != nil {
		return fmt.Errorf("sqlreplica: migrate: %w", err)
	}
	var cur sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&cur); err != nil {
		return fmt.Errorf("sqlreplica: migrate: %w", err)
	}
	if int(cur.Int64) > SchemaVersion() {
		return fmt.Errorf("sqlreplica: migrate: %w: database schema %d is newer than this program's %d", ErrSchema, cur.Int64, SchemaVersion())
	}
	for _, m := range migrations {
		if m.version <= int(cur.Int64) {
			continue
		}
		for _, s := range m.stmts() {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("sqlreplica: migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := conn.ExecContext(ctx, "INSERT IGNORE INTO schema_migrations (version, name) VALUES (?, ?)", m.version, m.name); err != nil {
			return fmt.Errorf("sqlreplica: migration %d: %w", m.version, err)
		}
	}
	return nil
}

// Schema returns the DDL of the current schema, for documentation and
// review (cmd: sql-replica -schema).
func Schema() string {
	var b strings.Builder
	for _, m := range migrations {
		fmt.Fprintf(&b, "-- migration %d: %s\n", m.version, m.name)
		for _, s := range m.stmts() {
			if strings.Contains(s, ";") { // a trigger's compound body
				b.WriteString("DELIMITER //\n" + s + " //\nDELIMITER ;\n")
				continue
			}
			b.WriteString(s)
			b.WriteString(";\n")
		}
	}
	return b.String()
}

package auditlog

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// SQLSink appends lines to an append-only MariaDB/MySQL table (through
// database/sql; use github.com/go-sql-driver/mysql):
//
//	<table> (seq BIGINT PRIMARY KEY, line MEDIUMTEXT)
//
// OpenSQL creates the table and triggers that refuse every UPDATE and
// DELETE on it; grant the writer's database user only INSERT and SELECT
// on the table as well, so that neither it nor a thief of its password
// can rewrite the log. Each batch is one transaction.
type SQLSink struct {
	db    *sql.DB
	table string
}

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,50}$`)

// OpenSQL returns a sink on the table (created when missing, with its
// triggers).
func OpenSQL(ctx context.Context, db *sql.DB, table string) (*SQLSink, error) {
	if !tableName.MatchString(table) {
		return nil, fmt.Errorf("%w: table name %q: want letters, digits and _", ErrRecord, table)
	}
	stmts := []string{
		"CREATE TABLE IF NOT EXISTS " + table + " (seq BIGINT NOT NULL PRIMARY KEY, line MEDIUMTEXT NOT NULL) CHARACTER SET utf8mb4",
		"CREATE TRIGGER IF NOT EXISTS " + table + "_no_update BEFORE UPDATE ON " + table +
			" FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the audit log is append-only'",
		"CREATE TRIGGER IF NOT EXISTS " + table + "_no_delete BEFORE DELETE ON " + table +
			" FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the audit log is append-only'",
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("auditlog: open sql: %w", err)
		}
	}
	return &SQLSink{db: db, table: table}, nil
}

// Append inserts the batch in one transaction.
func (s *SQLSink) Append(ctx context.Context, lines [][]byte) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, "INSERT INTO "+s.table+" (seq, line) VALUES (?, ?)")
	if err != nil {
		return err
	}
	defer st.Close()
	for _, l := range lines {
		seq, err := lineSeq(l)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, seq, string(l)); err != nil {
			return fmt.Errorf("record %d: %w", seq, err)
		}
	}
	return tx.Commit()
}

// WriteTo writes the stored lines in seq order to w, for Verify or Resume.
func (s *SQLSink) WriteTo(ctx context.Context, w io.Writer) error {
	rows, err := s.db.QueryContext(ctx, "SELECT line FROM "+s.table+" ORDER BY seq")
	if err != nil {
		return fmt.Errorf("auditlog: read sql: %w", err)
	}
	defer rows.Close()
	var line []byte
	for rows.Next() {
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("auditlog: read sql: %w", err)
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	return rows.Err()
}

// lineSeq reads the seq a line starts with ({"seq":N,...).
func lineSeq(l []byte) (int64, error) {
	rest, ok := bytes.CutPrefix(l, []byte(`{"seq":`))
	if i := bytes.IndexByte(rest, ','); ok && i > 0 {
		if n, err := strconv.ParseInt(string(rest[:i]), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: line does not start with a seq: %.40s", ErrRecord, l)
}

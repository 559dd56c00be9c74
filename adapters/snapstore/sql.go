package snapstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// SQLStore keeps snapshots in a MariaDB/MySQL database through
// database/sql (use github.com/go-sql-driver/mysql with parseTime=true).
// Tables, created by OpenSQL when missing:
//
//	orgsync_snapshot     (id, saved_at, school_year, persons, body LONGBLOB JSON)
//	orgsync_guard_state  (id = 1, body LONGBLOB JSON, updated_at)
//
// Save and Latest run in the database, so several processes may share one
// store; History.Commit itself is not a transaction across both tables.
type SQLStore struct {
	db *sql.DB
}

var _ Store = (*SQLStore)(nil)

// OpenSQL returns a store on db, creating its tables if they do not exist.
func OpenSQL(ctx context.Context, db *sql.DB) (*SQLStore, error) {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS orgsync_snapshot (
			id VARCHAR(64) NOT NULL PRIMARY KEY,
			saved_at DATETIME(6) NOT NULL,
			school_year VARCHAR(16) NOT NULL DEFAULT '',
			persons INT NOT NULL DEFAULT 0,
			body LONGBLOB NOT NULL
		) CHARACTER SET utf8mb4`,
		`CREATE TABLE IF NOT EXISTS orgsync_guard_state (
			id TINYINT NOT NULL PRIMARY KEY,
			body LONGBLOB NOT NULL,
			updated_at DATETIME(6) NOT NULL
		) CHARACTER SET utf8mb4`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("snapstore: open sql: %w", err)
		}
	}
	return &SQLStore{db: db}, nil
}

// Save inserts s as a new snapshot. Its ID is later than every stored one
// even when the clock went backwards.
func (q *SQLStore) Save(ctx context.Context, s *orgmodel.Snapshot, at time.Time) (Meta, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return Meta{}, fmt.Errorf("snapstore: save: %w", err)
	}
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return Meta{}, fmt.Errorf("snapstore: save: %w", err)
	}
	defer tx.Rollback()
	id := idFor(at)
	var last sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT MAX(id) FROM orgsync_snapshot FOR UPDATE`).Scan(&last); err != nil {
		return Meta{}, fmt.Errorf("snapstore: save: %w", err)
	}
	if last.Valid && last.String >= id {
		id = last.String + "+"
	}
	m := metaOf(s, at, id)
	if _, err := tx.ExecContext(ctx, `INSERT INTO orgsync_snapshot (id, saved_at, school_year, persons, body) VALUES (?, ?, ?, ?, ?)`,
		m.ID, m.SavedAt, m.SchoolYear, m.Persons, b); err != nil {
		return Meta{}, fmt.Errorf("snapstore: save: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Meta{}, fmt.Errorf("snapstore: save: %w", err)
	}
	return m, nil
}

// Latest returns the snapshot with the greatest ID, or ErrEmpty.
func (q *SQLStore) Latest(ctx context.Context) (*orgmodel.Snapshot, Meta, error) {
	var (
		m    Meta
		body []byte
	)
	err := q.db.QueryRowContext(ctx, `SELECT id, saved_at, school_year, persons, body FROM orgsync_snapshot ORDER BY id DESC LIMIT 1`).
		Scan(&m.ID, &m.SavedAt, &m.SchoolYear, &m.Persons, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Meta{}, ErrEmpty
	}
	if err != nil {
		return nil, Meta{}, fmt.Errorf("snapstore: latest: %w", err)
	}
	s, err := orgmodel.ReadSnapshotJSON(bytes.NewReader(body))
	if err != nil {
		return nil, Meta{}, fmt.Errorf("snapstore: latest %s: %w", m.ID, err)
	}
	m.SavedAt = m.SavedAt.UTC()
	return s, m, nil
}

// Load returns the snapshot with the given ID.
func (q *SQLStore) Load(ctx context.Context, id string) (*orgmodel.Snapshot, error) {
	var body []byte
	err := q.db.QueryRowContext(ctx, `SELECT body FROM orgsync_snapshot WHERE id = ?`, id).Scan(&body)
	if err != nil {
		return nil, fmt.Errorf("snapstore: load %s: %w", id, err)
	}
	s, err := orgmodel.ReadSnapshotJSON(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("snapstore: load %s: %w", id, err)
	}
	return s, nil
}

// LoadGuardState reads the guard state; none stored is an empty state.
func (q *SQLStore) LoadGuardState(ctx context.Context) (GuardState, error) {
	var (
		st   GuardState
		body []byte
	)
	err := q.db.QueryRowContext(ctx, `SELECT body FROM orgsync_guard_state WHERE id = 1`).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("snapstore: load guard state: %w", err)
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("snapstore: load guard state: %w", err)
	}
	return st, nil
}

// SaveGuardState replaces the guard state.
func (q *SQLStore) SaveGuardState(ctx context.Context, st GuardState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("snapstore: save guard state: %w", err)
	}
	_, err = q.db.ExecContext(ctx, `INSERT INTO orgsync_guard_state (id, body, updated_at) VALUES (1, ?, ?)
		ON DUPLICATE KEY UPDATE body = VALUES(body), updated_at = VALUES(updated_at)`, b, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("snapstore: save guard state: %w", err)
	}
	return nil
}

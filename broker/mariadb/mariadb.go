// Package mariadb is the broker's production store: broker.Store in a
// MariaDB (or MySQL) database, so that several broker instances share one
// state, and the per-client leases (Leases) with which those instances hand
// the clients out among themselves.
//
// It is not a general key-value database: values are the broker's JSON
// records (at most LONGBLOB, in practice a few megabytes for the source
// snapshot), keys the broker's short slash-separated names.
//
// # Schema and migrations
//
// Open runs Migrate: the table broker_migrations records the versions
// applied, each migration is a list of idempotent statements (IF NOT
// EXISTS), so one interrupted half-way runs again from its first
// statement. Migrations only go forward: a database whose schema is newer
// than the program is refused (ErrSchema). Concurrent migrators (two
// instances starting at once) are serialised by a named lock.
//
// # Transactions
//
// Every Store operation is one statement, atomic on its own in InnoDB
// (Put is an INSERT ... ON DUPLICATE KEY UPDATE). Swap, the broker's
// compare-and-swap of one record, is one conditional statement too (an
// UPDATE or DELETE whose WHERE compares the value, or an INSERT that the
// primary key refuses when the key exists), so two instances changing
// the same record never both succeed. A lease is taken,
// renewed and released with one conditional statement each, whose
// affected-row count says whether it held; the fencing token of a lease
// (Lease.Token) grows with every new holder.
package mariadb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/orgsync/orgsync/broker"
)

// ErrSchema: the database's schema is newer than this program's.
var ErrSchema = errors.New("mariadb: schema newer than this program")

// Store is a broker.Store in MariaDB. It is safe for concurrent use by
// several goroutines and processes.
type Store struct {
	db *sql.DB
}

var _ broker.Swapper = (*Store)(nil)

// Open migrates db's schema (see Migrate) and returns the store. The DSN
// should carry parseTime=true (the leases read times).
func Open(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// DB returns the database the store uses.
func (s *Store) DB() *sql.DB { return s.db }

// Get implements broker.Store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, "SELECT v FROM broker_kv WHERE k = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get %q: %w", key, broker.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// Put implements broker.Store.
func (s *Store) Put(ctx context.Context, key string, value []byte) error {
	if key == "" || len([]rune(key)) > 200 {
		return fmt.Errorf("put: key %q: want 1 to 200 characters", key)
	}
	if value == nil {
		value = []byte{}
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO broker_kv (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)", key, value); err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	return nil
}

// Swap implements broker.Swapper.
func (s *Store) Swap(ctx context.Context, key string, old, new []byte) error {
	if key == "" || len([]rune(key)) > 200 {
		return fmt.Errorf("swap: key %q: want 1 to 200 characters", key)
	}
	var (
		res sql.Result
		err error
	)
	switch {
	case old == nil && new == nil:
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM broker_kv WHERE k = ?", key).Scan(&n); err != nil {
			return fmt.Errorf("swap %q: %w", key, err)
		}
		if n != 0 {
			return fmt.Errorf("swap %q: %w", key, broker.ErrConflict)
		}
		return nil
	case old == nil:
		_, err = s.db.ExecContext(ctx, "INSERT INTO broker_kv (k, v) VALUES (?, ?)", key, new)
		if me := (*mysql.MySQLError)(nil); errors.As(err, &me) && me.Number == 1062 { // ER_DUP_ENTRY
			return fmt.Errorf("swap %q: %w", key, broker.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("swap %q: %w", key, err)
		}
		return nil
	case new == nil:
		res, err = s.db.ExecContext(ctx, "DELETE FROM broker_kv WHERE k = ? AND v = ?", key, old)
	case bytes.Equal(old, new):
		// An UPDATE that changes nothing reports no row affected: ask.
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM broker_kv WHERE k = ? AND v = ?", key, old).Scan(&n); err != nil {
			return fmt.Errorf("swap %q: %w", key, err)
		}
		if n != 1 {
			return fmt.Errorf("swap %q: %w", key, broker.ErrConflict)
		}
		return nil
	default:
		res, err = s.db.ExecContext(ctx, "UPDATE broker_kv SET v = ? WHERE k = ? AND v = ?", new, key, old)
	}
	if err != nil {
		return fmt.Errorf("swap %q: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("swap %q: %w", key, err)
	}
	if n != 1 {
		return fmt.Errorf("swap %q: %w", key, broker.ErrConflict)
	}
	return nil
}

// Delete implements broker.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM broker_kv WHERE k = ?", key); err != nil {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	return nil
}

// List implements broker.Store. Keys compare by code point in the
// database (utf8mb4_bin), which is the byte order of their UTF-8 that Go
// sorts by; the result is sorted again to be sure.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT k FROM broker_kv WHERE k LIKE ? ESCAPE '!' ORDER BY k", likePrefix(prefix))
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("list %q: %w", prefix, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	slices.Sort(out)
	return out, nil
}

// likePrefix is the LIKE pattern (escape character '!') of the keys
// starting with prefix.
func likePrefix(prefix string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(prefix) + "%"
}

package mariadb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/orgsync/orgsync/broker"
)

// Lease is one client's lease as the database holds it.
type Lease struct {
	Name   string
	Holder string
	// Token grows by one with every new holder (a fencing token).
	Token   int64
	Expires time.Time
}

// Leases hands the broker's clients out among the instances sharing one
// database: an instance applies a client only while it holds the
// client's lease, and keeps it (renews it every Broker.Tick and during a
// run); a lease not renewed for TTL is free, so a dead instance's clients
// are taken over by the next Tick of another instance after at most TTL
// plus that instance's Tick interval. It implements broker.Leaser.
type Leases struct {
	db *sql.DB
	// Holder names this instance (unique among the instances).
	Holder string
	// TTL is how long a lease holds without renewal (default 30 s).
	TTL time.Duration
	// Renew is how often a held lease is renewed during a run (default
	// TTL/3).
	Renew time.Duration
	// Clock, when set, is the time leases are judged by (tests); by
	// default the database's clock (UTC_TIMESTAMP), one clock for every
	// instance whatever their own clocks say.
	Clock func() time.Time
	// Log receives a warning when a lease is lost (default slog.Default()).
	Log *slog.Logger
}

var _ broker.ClaimReleaser = (*Leases)(nil)

// NewLeases returns the leases of the store's database for holder.
func (s *Store) NewLeases(holder string, ttl time.Duration) *Leases {
	return &Leases{db: s.db, Holder: holder, TTL: ttl}
}

func (l *Leases) ttl() time.Duration {
	if l.TTL <= 0 {
		return 30 * time.Second
	}
	return l.TTL
}

// now returns the time leases are judged by, read in tx.
func (l *Leases) now(ctx context.Context, tx *sql.Tx) (time.Time, error) {
	if l.Clock != nil {
		return l.Clock().UTC(), nil
	}
	var t time.Time
	err := tx.QueryRowContext(ctx, "SELECT UTC_TIMESTAMP(6)").Scan(&t)
	return t.UTC(), err
}

// Acquire takes the lease on name for l.Holder, or renews it when
// l.Holder holds it already. It returns the lease and whether l.Holder
// holds it; another holder's unexpired lease is returned with false.
func (l *Leases) Acquire(ctx context.Context, name string) (Lease, bool, error) {
	return l.change(ctx, name, func(cur Lease, now time.Time) (Lease, bool) {
		switch {
		case cur.Holder == l.Holder && now.Before(cur.Expires):
		case cur.Holder == "" || !now.Before(cur.Expires):
			cur.Holder, cur.Token = l.Holder, cur.Token+1
		default:
			return cur, false
		}
		cur.Expires = now.Add(l.ttl())
		return cur, true
	})
}

// Release gives up the lease (when l.Holder holds it with this token), so
// that another instance takes the client at its next Tick.
func (l *Leases) Release(ctx context.Context, lease Lease) error {
	_, err := l.db.ExecContext(ctx, "UPDATE broker_leases SET holder = '', expires_at = '1970-01-01' WHERE name = ? AND holder = ? AND token = ?", lease.Name, lease.Holder, lease.Token)
	if err != nil {
		return fmt.Errorf("mariadb: release lease %q: %w", lease.Name, err)
	}
	return nil
}

// ReleaseClaim implements broker.ClaimReleaser: it gives up the lease on
// name if l.Holder holds it (broker.Loop does at a clean shutdown), so
// that another instance takes the client at its next Tick.
func (l *Leases) ReleaseClaim(ctx context.Context, name string) error {
	_, err := l.db.ExecContext(ctx, "UPDATE broker_leases SET holder = '', expires_at = '1970-01-01' WHERE name = ? AND holder = ?", name, l.Holder)
	if err != nil {
		return fmt.Errorf("mariadb: release lease %q: %w", name, err)
	}
	return nil
}

// errLost: a renewal found the lease taken by another holder.
var errLost = errors.New("lease lost")

// renew extends lease when it is still l.Holder's with the same token.
func (l *Leases) renew(ctx context.Context, lease Lease) (Lease, error) {
	got, ok, err := l.change(ctx, lease.Name, func(cur Lease, now time.Time) (Lease, bool) {
		if cur.Holder != lease.Holder || cur.Token != lease.Token {
			return cur, false
		}
		cur.Expires = now.Add(l.ttl())
		return cur, true
	})
	if err == nil && !ok {
		err = fmt.Errorf("mariadb: lease %q: %w to %s (token %d)", lease.Name, errLost, got.Holder, got.Token)
	}
	return got, err
}

// change reads the lease row under a row lock, lets decide change it,
// and writes it back, in one transaction.
func (l *Leases) change(ctx context.Context, name string, decide func(cur Lease, now time.Time) (Lease, bool)) (Lease, bool, error) {
	// The row exists before the locking read, so that two first
	// acquirers do not deadlock on a gap lock.
	if _, err := l.db.ExecContext(ctx, "INSERT IGNORE INTO broker_leases (name, holder, token, expires_at) VALUES (?, '', 0, '1970-01-01')", name); err != nil {
		return Lease{}, false, fmt.Errorf("mariadb: lease %q: %w", name, err)
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return Lease{}, false, fmt.Errorf("mariadb: lease %q: %w", name, err)
	}
	defer tx.Rollback() //nolint:errcheck
	cur := Lease{Name: name}
	if err := tx.QueryRowContext(ctx, "SELECT holder, token, expires_at FROM broker_leases WHERE name = ? FOR UPDATE", name).Scan(&cur.Holder, &cur.Token, &cur.Expires); err != nil {
		return Lease{}, false, fmt.Errorf("mariadb: lease %q: %w", name, err)
	}
	now, err := l.now(ctx, tx)
	if err != nil {
		return Lease{}, false, fmt.Errorf("mariadb: lease %q: clock: %w", name, err)
	}
	next, ok := decide(cur, now)
	if !ok {
		return cur, false, nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE broker_leases SET holder = ?, token = ?, expires_at = ? WHERE name = ?", next.Holder, next.Token, next.Expires, name); err != nil {
		return Lease{}, false, fmt.Errorf("mariadb: lease %q: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return Lease{}, false, fmt.Errorf("mariadb: lease %q: %w", name, err)
	}
	return next, true, nil
}

// List returns every lease row (for status pages and tests).
func (l *Leases) List(ctx context.Context) ([]Lease, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT name, holder, token, expires_at FROM broker_leases ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("mariadb: leases: %w", err)
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var x Lease
		if err := rows.Scan(&x.Name, &x.Holder, &x.Token, &x.Expires); err != nil {
			return nil, fmt.Errorf("mariadb: leases: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Hold implements broker.Leaser: it takes or renews the lease on client
// and, until done is called, renews it every l.Renew. The returned
// context is cancelled when a renewal finds the lease lost (another
// instance took it after it expired), so that a run stops at its next
// change. Another holder's lease gives an error matching broker.ErrLeased.
func (l *Leases) Hold(ctx context.Context, client string) (context.Context, func(), error) {
	lease, ok, err := l.Acquire(ctx, client)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("client %q: %w by %s until %s", client, broker.ErrLeased, lease.Holder, lease.Expires.Format(time.RFC3339))
	}
	every := l.Renew
	if every <= 0 {
		every = l.ttl() / 3
	}
	held, cancel := context.WithCancel(ctx)
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		last := time.Now() // the last renewal that succeeded (real time)
		for {
			select {
			case <-stop:
				return
			case <-held.Done():
				return
			case <-t.C:
				if _, err := l.renew(held, lease); err != nil {
					log := l.Log
					if log == nil {
						log = slog.Default()
					}
					if errors.Is(err, errLost) {
						log.Warn("lease lost: stopping the run", "client", client, "err", err)
						cancel()
						return
					}
					if time.Since(last) >= l.ttl() {
						// Unrenewed for TTL: another instance may hold it now.
						log.Warn("lease not renewed for its TTL: stopping the run", "client", client, "err", err)
						cancel()
						return
					}
					log.Warn("lease renewal failed; retrying", "client", client, "err", err)
					continue
				}
				last = time.Now()
			}
		}
	}()
	return held, func() { close(stop); <-finished; cancel() }, nil
}

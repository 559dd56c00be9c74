package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-sql-driver/mysql"
	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/mariadb"
	"github.com/orgsync/orgsync/provision"
)

// state is where the broker keeps its state and snapshot history: the
// State folder, or MariaDB (database:) with leases for several instances.
type state struct {
	store   broker.Store
	history snapstore.Store
	leases  broker.Leaser // nil with the folder
	close   func()
}

func openState(ctx context.Context, fc *fileConfig, getenv func(string) string) (*state, error) {
	d := fc.Database
	if d == nil {
		store, err := broker.OpenFileStore(filepath.Join(fc.State, "broker"))
		if err != nil {
			return nil, err
		}
		history, err := snapstore.OpenFiles(filepath.Join(fc.State, "history"))
		if err != nil {
			return nil, err
		}
		return &state{store: store, history: history, close: func() {}}, nil
	}
	dsn := getenv(d.DSNEnv)
	if dsn == "" {
		return nil, fmt.Errorf("%w: database.dsnEnv: $%s is empty", provision.ErrConfig, d.DSNEnv)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: database: $%s: %w", provision.ErrConfig, d.DSNEnv, err)
	}
	cfg.ParseTime = true // the leases read times
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, fmt.Errorf("%w: database: %w", provision.ErrConfig, err)
	}
	store, err := mariadb.Open(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	history, err := snapstore.OpenSQL(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	instance := d.Instance
	if instance == "" {
		host, _ := os.Hostname()
		instance = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return &state{store: store, history: history, leases: store.NewLeases(instance, d.LeaseTTL), close: func() { db.Close() }}, nil
}

package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/orgsync/orgsync/broker"
)

// TestDatabaseState: with database: the state is in MariaDB and two
// instances on one database share the clients by leases.
func TestDatabaseState(t *testing.T) {
	dsn := os.Getenv("ORGSYNC_MYSQL_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ORGSYNC_MYSQL_DSN not set in CI")
		}
		t.Skip("ORGSYNC_MYSQL_DSN not set; run .ci/servers/mariadb.sh start")
	}
	ctx := context.Background()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := "orgsync_example_" + hex.EncodeToString(rnd[:])
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec("DROP DATABASE " + name) //nolint:errcheck
	cfg.DBName = name
	cfg.ParseTime = false // openState sets it
	env := func(k string) string {
		if k == "BROKER_DSN" {
			return cfg.FormatDSN()
		}
		return ""
	}
	var states []*state
	for _, inst := range []string{"one", "two"} {
		fc := &fileConfig{Tick: time.Second, Database: &databaseConfig{DSNEnv: "BROKER_DSN", Instance: inst, LeaseTTL: time.Minute}}
		st, err := openState(ctx, fc, env)
		if err != nil {
			t.Fatal(err)
		}
		defer st.close()
		states = append(states, st)
	}
	if err := states[0].store.Put(ctx, "broker", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := states[1].store.Get(ctx, "broker"); err != nil {
		t.Errorf("the second instance does not see the first's state: %v", err)
	}
	_, done, err := states[0].leases.Hold(ctx, "ad")
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if _, _, err := states[1].leases.Hold(ctx, "ad"); !errors.Is(err, broker.ErrLeased) {
		t.Errorf("second instance's Hold = %v, want ErrLeased", err)
	}
	if _, err := openState(ctx, &fileConfig{Database: &databaseConfig{DSNEnv: "NONE"}}, env); err == nil {
		t.Error("empty DSN: no error")
	}
}

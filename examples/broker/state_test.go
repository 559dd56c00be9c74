package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/internal/mariadbtest"
)

// TestDatabaseState: with database: the state is in MariaDB and two
// instances on one database share the clients by leases.
func TestDatabaseState(t *testing.T) {
	ctx := context.Background()
	_, dsn := mariadbtest.New(t, "orgsync_test_").WithParseTime(t)
	env := func(k string) string {
		if k == "BROKER_DSN" {
			return dsn
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
	if err := states[0].store.Put(ctx, "client/ad/status", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := states[1].store.Get(ctx, "client/ad/status"); err != nil {
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

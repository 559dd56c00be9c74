package sqlreplica

import (
	"context"
	"database/sql"
	"testing"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/targettest"
	"github.com/orgsync/orgsync/internal/mariadbtest"
)

// newDB creates a database of the test's own on the MariaDB of
// .ci/servers/mariadb.sh and drops it at the end.
func newDB(t testing.TB) *sql.DB {
	t.Helper()
	return mariadbtest.New(t, "orgsync_replica_").DB
}

func TestConformance(t *testing.T) {
	targettest.Run(t, targettest.Harness{
		New: func(t *testing.T) diff.Target {
			r, err := Open(context.Background(), newDB(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			return r
		},
		Seed: func(t *testing.T, target diff.Target, obj diff.Object) {
			if err := target.(*Replica).SeedUnmanaged(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
		},
		NoContainers: true,
		UserAttrs:    []string{"username", "givenName", "familyName", "email", "uniId"},
	})
}

package auditlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

// TestSQLSink runs on the real MariaDB (.ci/servers/mariadb.sh): the log
// lands in the table, verifies, resumes, and the table refuses updates and
// deletes.
func TestSQLSink(t *testing.T) {
	dsn := os.Getenv("ORGSYNC_MYSQL_DSN")
	if dsn == "" {
		t.Skip("ORGSYNC_MYSQL_DSN not set; run .ci/servers/mariadb.sh start")
	}
	ctx := context.Background()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	table := fmt.Sprintf("audit_test_%d", time.Now().UnixNano())
	t.Cleanup(func() { db.ExecContext(ctx, "DROP TABLE "+table) })
	s, err := OpenSQL(ctx, db, table)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Key: testKey(1), Every: 10, Batch: 4}
	l := New(s, opt)
	for i := range 25 {
		if err := l.Lookup(ctx, Lookup{Time: t0, Actor: Actor{ID: "u"}, Purpose: "export", Query: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.WriteTo(ctx, &b); err != nil {
		t.Fatal(err)
	}
	l2, err := Resume(bytes.NewReader(b.Bytes()), s, opt)
	if err != nil {
		t.Fatal(err)
	}
	_ = l2.Lookup(ctx, Lookup{Time: t0, Actor: Actor{ID: "u"}, Purpose: "export"})
	if err := l2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	_ = s.WriteTo(ctx, &b)
	rep, err := Verify(&b, VerifyOptions{PublicKey: testKey(1).Public().(ed25519.PublicKey), Final: true})
	if err != nil || rep.Types[TypeLookup] != 26 {
		t.Fatalf("%v %+v", err, rep)
	}
	for _, q := range []string{"UPDATE " + table + " SET line = 'x' WHERE seq = 3", "DELETE FROM " + table + " WHERE seq = 3"} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: the table is not append-only", q)
		}
	}
	if _, err := OpenSQL(ctx, db, "x; DROP TABLE y"); err == nil {
		t.Error("bad table name accepted")
	}
}

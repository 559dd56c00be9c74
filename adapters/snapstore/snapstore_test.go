package snapstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/orgmodel"
)

// muni builds a small snapshot: institution 1 (school) with class c1 and
// the given pupils, institution 2 with teacher t1.
func muni(year string, pupils ...string) *orgmodel.Snapshot {
	s := &orgmodel.Snapshot{
		SchoolYear: year,
		Institutions: []orgmodel.Institution{
			{Number: "1", Name: "Skole", Type: orgmodel.School},
			{Number: "2", Name: "Anden Skole", Type: orgmodel.School},
		},
		Groups: []orgmodel.Group{
			{ID: "c1", Institution: "1", Name: "1.A", Type: orgmodel.Hovedgruppe, Level: "1", Line: "A", SchoolYear: year},
		},
		Persons:      []orgmodel.Person{{ID: "t1", GivenName: "Tove", FamilyName: "Lærer"}},
		Affiliations: []orgmodel.Affiliation{{PersonID: "t1", Institution: "2", Roles: []orgmodel.Role{orgmodel.Laerer}}},
	}
	for _, p := range pupils {
		s.Persons = append(s.Persons, orgmodel.Person{ID: p, GivenName: "Elev", FamilyName: p})
		s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: p, Institution: "1", Roles: []orgmodel.Role{orgmodel.Elev}, Level: "1", MainGroupID: "c1"})
	}
	return s
}

// exerciseHistory runs the same commit story against any store.
func exerciseHistory(t *testing.T, store Store) {
	ctx := context.Background()
	h := &History{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	day := func(d int) time.Time { return time.Date(2025, 3, d, 5, 0, 0, 0, time.UTC) }

	r, err := h.Commit(ctx, muni("2024-2025", pupils(10)...), day(1))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Saved || len(r.Events) != 14 || r.YearChange != nil {
		t.Fatalf("first commit: saved %v, %d events, year %v", r.Saved, len(r.Events), r.YearChange)
	}
	r, err = h.Commit(ctx, muni("2024-2025", pupils(10)...), day(2))
	if err != nil {
		t.Fatal(err)
	}
	if r.Saved || len(r.Events) != 0 {
		t.Fatalf("unchanged commit: saved %v, events %v", r.Saved, r.Events)
	}
	// The export lost most of institution 1: held back.
	r, err = h.Commit(ctx, muni("2024-2025", pupils(3)...), day(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Held) != 1 || len(r.Events) != 0 {
		t.Fatalf("drop: held %v, events %v", r.Held, r.Events)
	}
	pending, err := h.Pending(ctx)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	if err := h.Approve(ctx, "nope", "admin", day(3)); !errors.Is(err, ErrUnknownProposal) {
		t.Errorf("approve unknown: %v", err)
	}
	if err := h.Approve(ctx, pending[0].ID, "admin", day(3)); err != nil {
		t.Fatal(err)
	}
	r, err = h.Commit(ctx, muni("2024-2025", pupils(3)...), day(4))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Held) != 0 || len(r.Events) != 7 || !r.Saved {
		t.Fatalf("after approval: held %v, %d events %v", r.Held, len(r.Events), r.Events)
	}
	// The approval is used up: another big drop is held again.
	r, err = h.Commit(ctx, muni("2024-2025", pupils(1)...), day(5))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Held) != 1 {
		t.Fatalf("approval reused: held %v", r.Held)
	}
	// New school year.
	r, err = h.Commit(ctx, muni("2025-2026", pupils(3)...), day(6))
	if err != nil {
		t.Fatal(err)
	}
	if r.YearChange == nil || r.YearChange.To != "2025-2026" {
		t.Fatalf("year change = %v", r.YearChange)
	}
	latest, meta, err := store.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest.SchoolYear != "2025-2026" || meta.Persons != 4 || meta.ID != r.Meta.ID {
		t.Errorf("latest = %s %+v, want %+v", latest.SchoolYear, meta, r.Meta)
	}
}

func TestHistoryFileStore(t *testing.T) {
	st, err := OpenFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	exerciseHistory(t, st)
}

func TestHistorySQLStore(t *testing.T) {
	dsn := os.Getenv("ORGSYNC_MYSQL_DSN")
	if dsn == "" {
		t.Skip("ORGSYNC_MYSQL_DSN not set; run .ci/servers/mariadb.sh start")
	}
	ctx := context.Background()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // runs after the DROP below (cleanups run last-in first-out)
	// A private schema per run keeps parallel test runs apart.
	schema := fmt.Sprintf("orgsync_snapstore_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.ExecContext(context.Background(), "DROP DATABASE "+schema) })
	if _, err := db.ExecContext(ctx, "USE "+schema); err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // USE is per connection
	st, err := OpenSQL(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Latest(ctx); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty store Latest: %v", err)
	}
	exerciseHistory(t, st)
	// Same-instant saves stay ordered.
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	m1, err := st.Save(ctx, muni("2029-2030"), at)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := st.Save(ctx, muni("2029-2030"), at)
	if err != nil {
		t.Fatal(err)
	}
	if !(m2.ID > m1.ID) {
		t.Errorf("ids not ordered: %s then %s", m1.ID, m2.ID)
	}
	if _, err := st.Load(ctx, m1.ID); err != nil {
		t.Error(err)
	}
}

func TestFileStoreAtomicAndOrdered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := OpenFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	m1, _ := st.Save(ctx, muni("2024-2025", "a"), at)
	m2, err := st.Save(ctx, muni("2024-2025", "a", "b"), at.Add(-time.Hour)) // clock went back
	if err != nil {
		t.Fatal(err)
	}
	if !(m2.ID > m1.ID) {
		t.Errorf("ids not ordered: %s then %s", m1.ID, m2.ID)
	}
	s, meta, err := st.Latest(ctx)
	if err != nil || meta.ID != m2.ID || len(s.Persons) != 3 {
		t.Fatalf("Latest = %v %+v %v", s, meta, err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if filepath.Ext(e.Name()) != ".json" {
			t.Errorf("leftover file %s", e.Name())
		}
	}
	if err := st.Prune(ctx, 1); err != nil {
		t.Fatal(err)
	}
	ids, _ := st.List(ctx)
	if diff := cmp.Diff([]string{m2.ID}, ids); diff != "" {
		t.Errorf("after prune (-want +got):\n%s", diff)
	}
	if _, err := st.Load(ctx, "../x"); err == nil {
		t.Error("Load accepted a path")
	}
}

func pupils(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("p%02d", i))
	}
	return out
}

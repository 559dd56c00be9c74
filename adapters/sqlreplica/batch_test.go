package sqlreplica

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/orgsync/orgsync/diff"
)

// TestGroupCommitIsolatesFailures: many changes applied at once share
// transactions, but a bad one fails alone and the others are applied.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, newDB(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	user := func(i int) *diff.Object {
		return &diff.Object{Kind: diff.User, Key: fmt.Sprintf("person/p%03d", i), Name: fmt.Sprint("P ", i),
			Attrs: diff.Attrs{{Name: "username", Value: fmt.Sprint("u", i)}}}
	}
	if err := r.Apply(ctx, diff.Change{Action: diff.Create, Kind: diff.User, Key: user(7).Key, After: user(7)}); err != nil {
		t.Fatal(err)
	}
	plan := &diff.Plan{}
	for i := range 200 {
		plan.Changes = append(plan.Changes, diff.Change{Action: diff.Create, Kind: diff.User, Key: user(i).Key, After: user(i), Stage: 1})
	}
	bad := user(300)
	bad.Attrs = diff.Attrs{{Name: "birthDate", Value: "31-12-2000"}}
	plan.Changes = append(plan.Changes, diff.Change{Action: diff.Create, Kind: diff.User, Key: bad.Key, After: bad, Stage: 1})
	plan.Changes = append(plan.Changes, diff.Change{Action: diff.Create, Kind: diff.Group, Key: "group/1/g", After: &diff.Object{Kind: diff.Group, Key: "group/1/g", Name: "g"}, Stage: 1})
	for i := range 50 {
		plan.Changes = append(plan.Changes, diff.Change{Action: diff.AddMember, Kind: diff.Group, Key: "group/1/g", Member: user(i).Key, Stage: 2})
	}
	plan.Changes = append(plan.Changes, diff.Change{Action: diff.AddMember, Kind: diff.Group, Key: "group/1/g", Member: "person/nobody", Stage: 2})
	rep, err := diff.Apply(ctx, r, plan, diff.ApplyOptions{Concurrency: 512, Retries: -1})
	if err == nil || rep.Failed != 3 || rep.Blocked != 1 {
		t.Fatalf("err = %v, %d failed, %d blocked; want 3 failed and the member add of the failed create blocked", err, rep.Failed, rep.Blocked)
	}
	failed := map[string]error{}
	for _, res := range rep.Results {
		if res.Status == diff.Failed {
			failed[res.Change.Key+" "+res.Change.Member] = res.Err
		}
	}
	if len(failed) != 3 {
		t.Errorf("failed = %v, want exactly the duplicate, the bad date and the unknown member", failed)
	}
	if err := failed["person/p007 "]; !errors.Is(err, diff.ErrExists) {
		t.Errorf("duplicate: %v", err)
	}
	if err := failed["person/p300 "]; !errors.Is(err, diff.ErrConstraint) {
		t.Errorf("bad date: %v", err)
	}
	if err := failed["group/1/g person/nobody"]; !errors.Is(err, diff.ErrNotFound) {
		t.Errorf("unknown member: %v", err)
	}
	objs, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, members := 0, 0
	for _, o := range objs {
		if o.Kind == diff.User {
			users++
		}
		members += len(o.Members)
	}
	if users != 200 || members != 49 {
		t.Errorf("read %d users and %d members, want 200 and 49", users, members)
	}
}

// TestUpdateMany: Updates of the same columns in one batch are written by
// one statement; a missing row makes the batch fall back to one change at
// a time, so that only its own change fails.
func TestUpdateMany(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	r, err := Open(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var batch []*pending
	for i := range 5 {
		o := &diff.Object{Kind: diff.User, Key: fmt.Sprintf("person/u%d", i), Name: "U", Attrs: diff.Attrs{{Name: "email", Value: "old"}, {Name: "birthDate", Value: "2000-01-02"}}}
		if i < 4 { // u4 is never created
			if err := r.Apply(ctx, diff.Change{Action: diff.Create, Kind: diff.User, Key: o.Key, After: o}); err != nil {
				t.Fatal(err)
			}
		}
		c := diff.Change{Action: diff.Update, Kind: diff.User, Key: o.Key, Attrs: []diff.AttrChange{
			{Name: "birthDate", Before: "2000-01-02", After: ""}, {Name: "email", Before: "old", After: fmt.Sprintf("new%d", i)}}}
		batch = append(batch, &pending{c: c, t: tableOf[diff.User], done: make(chan error, 1)})
	}
	run := func(batch []*pending) []error {
		r.runBatch(ctx, batch)
		errs := make([]error, len(batch))
		for i, p := range batch {
			errs[i] = <-p.done
		}
		return errs
	}
	// Without the missing row: one transaction (orgsync counts its
	// transactions in replica_stamps), every row updated.
	txs := func() int { return count(t, db, "SELECT writes FROM replica_stamps WHERE tbl = ?", stampOrgsync) }
	before := txs()
	for i, err := range run(batch[:4]) {
		if err != nil {
			t.Errorf("update u%d: %v", i, err)
		}
	}
	if n := txs() - before; n != 1 {
		t.Errorf("the batch took %d transactions, want 1", n)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM persons WHERE email LIKE 'new%' AND birth_date IS NULL"); n != 4 {
		t.Errorf("%d rows updated, want 4", n)
	}
	// With it: only its change fails.
	for _, p := range batch {
		p.c.Attrs[1].After += "x"
	}
	errs := run(batch)
	for i, err := range errs {
		if (i == 4) != errors.Is(err, diff.ErrNotFound) {
			t.Errorf("update u%d: err = %v", i, err)
		}
	}
	if n := count(t, db, "SELECT COUNT(*) FROM persons WHERE email LIKE 'new%x'"); n != 4 {
		t.Errorf("%d rows updated after the fallback, want 4", n)
	}
}

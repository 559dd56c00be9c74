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

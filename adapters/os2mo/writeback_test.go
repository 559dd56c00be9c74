package os2mo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/os2mo"
)

func TestWriteBack(t *testing.T) {
	fake, c := newFake(t)
	municipality(fake)
	ctx := context.Background()
	managed := func(id string) bool { return id != id0(4) }
	accounts := []os2mo.Account{
		{PersonID: id0(1), Username: "anna", ObjectID: "guid-anna"}, // already bound: unchanged
		{PersonID: id0(2), Username: "bobe", ObjectID: "guid-bo"},   // new
		{PersonID: id0(3), Username: "carl", ObjectID: "guid-carl"}, // new
		{PersonID: id0(4), Username: "dort", ObjectID: "guid-d"},    // not managed
	}
	rep, err := c.WriteBack(ctx, "Active Directory", accounts, managed, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(os2mo.WriteBackReport{Created: 2, Unchanged: 1, Skipped: []string{id0(4)}}, rep); d != "" {
		t.Errorf("first write-back (-want +got):\n%s", d)
	}
	// Carl's account was renamed: the binding is updated, not duplicated.
	accounts[2].Username = "carlc"
	rep, err = c.WriteBack(ctx, "Active Directory", accounts, managed, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 0 || rep.Updated != 1 || rep.Unchanged != 2 {
		t.Errorf("second write-back = %+v, want 1 updated, 2 unchanged", rep)
	}
	n := 0
	for _, o := range fake.Objects("itusers") {
		if o.Validities[0]["employee_uuid"] == id0(3) {
			n++
			if o.Validities[0]["user_key"] != "carlc" {
				t.Errorf("Carl's binding = %v", o.Validities[0])
			}
		}
	}
	if n != 1 {
		t.Errorf("Carl has %d bindings, want 1", n)
	}
	if _, err := c.WriteBack(ctx, "No Such System", accounts, managed, testNow); !errors.Is(err, os2mo.ErrConfig) {
		t.Errorf("unknown IT system: err = %v, want ErrConfig", err)
	}
}

func id0(n int) string { return id("employee", n) }

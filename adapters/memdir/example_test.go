package memdir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "memdir")
	defer os.RemoveAll(dir)
	d, err := memdir.Open(filepath.Join(dir, "directory.json")) // missing file: empty
	if err != nil {
		fmt.Println(err)
		return
	}
	// An account made by hand is never touched.
	d.Put(diff.Object{Kind: diff.User, Name: "Administrator", Attrs: diff.AttrsFrom(map[string]string{"username": "admin"})})

	desired := []diff.Object{
		{Kind: diff.Container, Key: "ou/inst/280017", Name: "Næsby Skole"},
		{Kind: diff.User, Key: "user/p1", Name: "Åse Ørum", Parent: "ou/inst/280017", Attrs: diff.AttrsFrom(map[string]string{"username": "aseo"})},
	}
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	for run := 1; run <= 2; run++ {
		actual, _ := d.Read(ctx)
		plan, _ := diff.Compute(desired, actual, diff.Options{Now: now})
		report, _ := diff.Apply(ctx, d, plan, diff.ApplyOptions{})
		fmt.Printf("run %d: %s, applied %d\n", run, plan.Summary(), report.Applied)
	}
	if err := d.Save(); err != nil {
		fmt.Println(err)
	}
	for _, o := range d.Objects() {
		fmt.Printf("%s %q managed=%v key=%q\n", o.Kind, o.Name, o.Managed, o.Key)
	}
	// Output:
	// run 1: 2 changes: 2 create, applied 2
	// run 2: no changes, applied 0
	// user "Administrator" managed=false key=""
	// container "Næsby Skole" managed=true key="ou/inst/280017"
	// user "Åse Ørum" managed=true key="user/p1"
}

package memdir_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/targettest"
)

func harness(iterations int) targettest.Harness {
	return targettest.Harness{
		New: func(t *testing.T) diff.Target { return memdir.New() },
		Seed: func(t *testing.T, tgt diff.Target, obj diff.Object) {
			t.Helper()
			obj.Managed = false
			if _, err := tgt.(*memdir.Dir).Put(obj); err != nil {
				t.Fatal(err)
			}
		},
		Iterations: iterations,
	}
}

func TestConformance(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 50
	}
	targettest.Run(t, harness(n))
}

func TestConformanceNoContainers(t *testing.T) {
	h := harness(50)
	h.NoContainers = true
	targettest.Run(t, h)
}

func TestSaveOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir.json")
	d, err := memdir.Open(path)
	if err != nil {
		t.Fatalf("open missing file: %v", err)
	}
	if d.Len() != 0 {
		t.Fatalf("missing file is not empty: %d objects", d.Len())
	}
	desired := []diff.Object{
		{Kind: diff.Container, Key: "ou/a", Name: "A"},
		{Kind: diff.User, Key: "user/1", Name: "Åse Ørum", Parent: "ou/a", Attrs: diff.AttrsFrom(map[string]string{"username": "aseo"})},
		{Kind: diff.Group, Key: "group/g", Name: "g", Parent: "ou/a", Members: []string{"user/1"}},
	}
	if _, err := d.Put(diff.Object{Kind: diff.User, Name: "admin", Attrs: diff.AttrsFrom(map[string]string{"username": "admin"})}); err != nil {
		t.Fatal(err)
	}
	p, err := diff.Compute(desired, d.Objects(), diff.Options{Now: targettest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := diff.Apply(ctx, d, p, diff.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Save(); err != nil {
		t.Fatal(err)
	}
	d2, err := memdir.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d.Objects(), d2.Objects()); diff != "" {
		t.Errorf("reopened directory differs (-saved +opened):\n%s", diff)
	}
	// New IDs continue after the saved ones.
	id, err := d2.Put(diff.Object{Kind: diff.User, Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range d.Objects() {
		if o.ID == id {
			t.Errorf("id %s reused after reopening", id)
		}
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files after save: %v", entries)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage":   "not json",
		"version":   `{"version": 9, "objects": []}`,
		"duplicate": `{"version": 1, "objects": [{"id":"o1","kind":"user","key":"k","managed":true},{"id":"o2","kind":"user","key":"k","managed":true}]}`,
		"no id":     `{"version": 1, "objects": [{"kind":"user"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := memdir.Open(path); err == nil {
				t.Error("open succeeded")
			}
		})
	}
}

func TestSaveWithoutPath(t *testing.T) {
	if err := memdir.New().Save(); err == nil {
		t.Error("save without a path succeeded")
	}
}

func TestDeleteNonEmptyContainer(t *testing.T) {
	d := memdir.New()
	if _, err := d.Put(diff.Object{Kind: diff.Container, Key: "ou/a", Name: "A", Managed: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Put(diff.Object{Kind: diff.User, Name: "x", Parent: "ou/a"}); err != nil {
		t.Fatal(err)
	}
	err := d.Apply(context.Background(), diff.Change{Action: diff.Delete, Kind: diff.Container, Key: "ou/a"})
	if !errors.Is(err, diff.ErrConstraint) {
		t.Errorf("err = %v, want ErrConstraint", err)
	}
}

func FuzzOpen(f *testing.F) {
	f.Add([]byte(`{"version":1,"next":3,"objects":[{"id":"o1","kind":"container","key":"ou/a","name":"A","managed":true},{"id":"o2","kind":"user","name":"x","parentId":"o1"},{"id":"o3","kind":"group","key":"g","name":"g","memberIds":["o2"],"managed":true}]}`))
	f.Add([]byte(`{"version":1,"objects":[{"id":"o1","kind":"container","parentId":"o2"},{"id":"o2","kind":"container","parentId":"o1"}]}`))
	f.Add([]byte(`{}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "fuzz.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := memdir.Open(path)
		if err != nil {
			return
		}
		// A directory that opens can be read, planned against and saved.
		objs, err := d.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := diff.Compute(nil, objs, diff.Options{Now: targettest.Now}); err != nil && !errors.Is(err, diff.ErrInvalidInput) {
			t.Fatal(err)
		}
		if err := d.Save(); err != nil {
			t.Fatal(err)
		}
	})
}

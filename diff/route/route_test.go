package route_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/route"
	"github.com/orgsync/orgsync/diff/targettest"
)

func user(key, inst string) diff.Object {
	return diff.Object{Kind: diff.User, Key: key, Name: key, Institution: inst,
		Attrs: diff.AttrsFrom(map[string]string{diff.AttrUsername: key})}
}

func sync(t *testing.T, r *route.Router, want []diff.Object) {
	t.Helper()
	ctx := context.Background()
	have, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := diff.Compute(want, have, diff.Options{Now: targettest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := diff.Apply(ctx, r, p, diff.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
}

func keys(d *memdir.Dir) []string {
	var out []string
	for _, o := range d.Objects() {
		out = append(out, o.Key)
	}
	slices.Sort(out)
	return out
}

// TestRouterSplitsByInstitution routes two schools to two directories and
// the rest to a default, then checks where each object landed, that a
// group's members from another directory are dropped by Prepare, and that
// a second run plans nothing.
func TestRouterSplitsByInstitution(t *testing.T) {
	a, b := memdir.New(), memdir.New()
	r, err := route.New(map[string]diff.Target{"a": a, "b": b}, map[string]string{"100": "a"}, "b")
	if err != nil {
		t.Fatal(err)
	}
	want := []diff.Object{
		user("user/1", "100"),
		user("user/2", "200"),
		user("user/3", ""),
		{Kind: diff.Group, Key: "group/all", Name: "all", Members: []string{"user/1", "user/2", "user/3"}},
		{Kind: diff.Group, Key: "group/100", Name: "g100", Institution: "100", Members: []string{"user/1", "user/2"}},
	}
	want = r.Prepare(want)
	sync(t, r, want)

	if diff := cmp.Diff([]string{"group/100", "user/1"}, keys(a)); diff != "" {
		t.Errorf("target a (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"group/all", "user/2", "user/3"}, keys(b)); diff != "" {
		t.Errorf("target b (-want +got):\n%s", diff)
	}
	if g, _ := a.Get("group/100"); !cmp.Equal(g.Members, []string{"user/1"}) {
		t.Errorf("group/100 members = %v, want only user/1 (user/2 lives in b)", g.Members)
	}
	if g, _ := b.Get("group/all"); !cmp.Equal(g.Members, []string{"user/2", "user/3"}) {
		t.Errorf("group/all members = %v, want user/2 and user/3", g.Members)
	}

	have, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := diff.Compute(want, have, diff.Options{Now: targettest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Changes); n != 0 {
		t.Errorf("second plan has %d changes, want 0", n)
	}
}

func TestRouterRefuses(t *testing.T) {
	a, b := memdir.New(), memdir.New()
	if _, err := route.New(map[string]diff.Target{"a": a}, map[string]string{"1": "zz"}, "nope"); !errors.Is(err, route.ErrConfig) {
		t.Errorf("unknown targets: err = %v, want ErrConfig", err)
	}
	if _, err := route.New(nil, nil, ""); !errors.Is(err, route.ErrConfig) {
		t.Errorf("no targets: err = %v, want ErrConfig", err)
	}
	if _, err := route.New(map[string]diff.Target{"a": nil}, nil, ""); !errors.Is(err, route.ErrConfig) {
		t.Errorf("nil target: err = %v, want ErrConfig", err)
	}

	r, err := route.New(map[string]diff.Target{"a": a, "b": b}, map[string]string{"100": "a"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Target("200"); !errors.Is(err, diff.ErrConstraint) {
		t.Errorf("Target without route or default: err = %v, want ErrConstraint", err)
	}
	err = r.Apply(context.Background(), diff.Change{Action: diff.Create, Kind: diff.User, Key: "user/9", After: &diff.Object{Kind: diff.User, Key: "user/9", Institution: "200"}})
	if !errors.Is(err, diff.ErrConstraint) {
		t.Errorf("Apply of an unroutable object: err = %v, want ErrConstraint", err)
	}

	// the same key in two targets is an inconsistent state
	for _, d := range []*memdir.Dir{a, b} {
		o := user("user/1", "100")
		o.Managed = true
		if _, err := d.Put(o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Read(context.Background()); !errors.Is(err, diff.ErrInvalidPlan) {
		t.Errorf("Read with a key in two targets: err = %v, want ErrInvalidPlan", err)
	}
}

// TestConformance runs the conformance suite through a Router whose only
// target is its default: routing must not change what a plan means.
func TestConformance(t *testing.T) {
	targettest.Run(t, targettest.Harness{
		New: func(t *testing.T) diff.Target {
			d := memdir.New()
			r, err := route.New(map[string]diff.Target{"only": d}, nil, "only")
			if err != nil {
				t.Fatal(err)
			}
			return &seeded{Router: r, dir: d}
		},
		Seed: func(t *testing.T, tgt diff.Target, obj diff.Object) {
			t.Helper()
			obj.Managed = false
			if _, err := tgt.(*seeded).dir.Put(obj); err != nil {
				t.Fatal(err)
			}
		},
		Iterations: 20,
	})
}

// seeded keeps the directory behind a one-target Router so that the suite
// can seed unmanaged objects into it.
type seeded struct {
	*route.Router
	dir *memdir.Dir
}

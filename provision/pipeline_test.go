package provision_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// TestSchoolYearBackwardsRefused: a snapshot from an earlier school year
// than the state's is refused with a clear error and changes nothing; it
// is never rolled (that made duplicate class keys in the quickstart).
func TestSchoolYearBackwardsRefused(t *testing.T) {
	d := memdir.New()
	old := synth.Generate(synth.Tiny)
	next := synth.NextYear(old, 2)
	st := &provision.MemoryState{}
	j := job(t, next, d, true)
	j.State = st
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := d.Objects()
	back := job(t, old, d, true)
	back.State = st
	_, err := back.Run(context.Background())
	if !errors.Is(err, provision.ErrSchoolYearBackwards) || !errors.Is(err, provision.ErrInput) {
		t.Fatalf("err = %v, want ErrSchoolYearBackwards", err)
	}
	for _, want := range []string{old.SchoolYear, next.SchoolYear, "remove the state"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if after := d.Objects(); len(after) != len(before) {
		t.Errorf("directory changed: %d objects, then %d", len(before), len(after))
	}
}

// narrow is a target that stores only some user attributes and drops the
// rest on write, as Active Directory does with store "-" for attributes
// without a mapping. Its Prepare drops them from the desired state.
type narrow struct{ *memdir.Dir }

var stored = []string{"disabledDate", "displayName", "email", "familyName", "givenName", "globalRole", "username"}

func (n narrow) Apply(ctx context.Context, c diff.Change) error {
	if c.After != nil {
		a := c.After.Clone()
		a.Attrs = keepStored(a.Attrs)
		c.After = &a
	}
	c.Attrs = slices.DeleteFunc(slices.Clone(c.Attrs), func(a diff.AttrChange) bool { return !slices.Contains(stored, a.Name) })
	if c.Action == diff.Update && len(c.Attrs) == 0 {
		return nil
	}
	return n.Dir.Apply(ctx, c)
}

func keepStored(a diff.Attrs) diff.Attrs {
	return slices.DeleteFunc(a.Clone(), func(x diff.Attr) bool { return !slices.Contains(stored, x.Name) })
}

// preparing is narrow with its Prepare.
type preparing struct{ narrow }

func (p preparing) Prepare(desired []diff.Object) []diff.Object {
	out := make([]diff.Object, len(desired))
	for i, o := range desired {
		o = o.Clone()
		o.Attrs = keepStored(o.Attrs)
		out[i] = o
	}
	return out
}

// TestPipelinePreparesForTheTarget: the pipeline plans the desired state
// as the target prepares it (diff.Preparer), so a target that does not
// store every attribute converges: the second run plans nothing. ad-sync
// with store "-" once planned the same updates on every run because
// nothing called its Prepare.
func TestPipelinePreparesForTheTarget(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	tgt := preparing{narrow{memdir.New()}}
	j := job(t, s, tgt.Dir, true)
	j.Target = tgt
	if _, err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := j.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Plan.Empty() {
		t.Errorf("second run planned %s, want nothing; e.g. %+v", res.Plan.Summary(), res.Plan.Changes[0])
	}
	// Without Prepare the same target never converges: the check above
	// would catch a pipeline that ignores Prepare.
	plain := narrow{memdir.New()}
	j2 := job(t, s, plain.Dir, true)
	j2.Target = plain
	j2.Run(context.Background())
	res, err = j2.Run(context.Background())
	if err != nil || res.Plan.Empty() {
		t.Errorf("a target without Prepare converged (err %v): the test no longer shows the defect", err)
	}
}

// dump returns the directory as its file holds it.
func dump(t *testing.T, d *memdir.Dir) []byte {
	t.Helper()
	if err := d.Save(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSavedPlan is the saved-plan workflow: a dry run saves its plan, a
// later run applies exactly that plan, or refuses it (and changes nothing)
// when the target changed by hand in between.
func TestSavedPlan(t *testing.T) {
	dir := t.TempDir()
	s := synth.Generate(synth.Tiny)
	d, err := memdir.Open(filepath.Join(dir, "directory.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := job(t, s, d, true).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The source changes: some people leave, one changes title.
	changed := *s
	changed.Affiliations = slices.Clone(s.Affiliations[:len(s.Affiliations)-3])
	changed.Index()

	review := func(t *testing.T) (*provision.SavedPlan, *provision.Job) {
		j := job(t, &changed, d, false)
		out, err := j.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if out.Plan.Empty() {
			t.Fatal("nothing planned")
		}
		file := filepath.Join(t.TempDir(), "plan.json")
		if err := provision.WriteSavedPlan(file, out); err != nil {
			t.Fatal(err)
		}
		sp, err := provision.ReadSavedPlan(file)
		if err != nil {
			t.Fatal(err)
		}
		a := job(t, &changed, d, true)
		a.Config.State = j.Config.State
		a.Saved = sp
		return sp, a
	}

	t.Run("target changed: refused, nothing applied", func(t *testing.T) {
		sp, a := review(t)
		// An administrator edits an object the plan changes.
		var key string
		for _, c := range sp.Plan.Changes {
			if c.Kind == diff.User && c.Before != nil {
				key = c.Key
				break
			}
		}
		if key == "" {
			t.Fatal("the plan changes no existing user")
		}
		if err := d.Apply(context.Background(), diff.Change{Action: diff.Update, Kind: diff.User, Key: key,
			Attrs: []diff.AttrChange{{Name: "title", After: "edited by hand"}}}); err != nil {
			t.Fatal(err)
		}
		before := dump(t, d)
		_, err := a.Run(context.Background())
		if !errors.Is(err, diff.ErrStalePlan) || !strings.Contains(err.Error(), key) {
			t.Fatalf("err = %v, want ErrStalePlan naming %s", err, key)
		}
		if after := dump(t, d); !bytes.Equal(before, after) {
			t.Error("the directory changed although the saved plan was refused")
		}
		// Put it back for the next case.
		if err := d.Apply(context.Background(), diff.Change{Action: diff.Update, Kind: diff.User, Key: key,
			Attrs: []diff.AttrChange{{Name: "title", Before: "edited by hand"}}}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("target unchanged: exactly the reviewed plan", func(t *testing.T) {
		sp, a := review(t)
		out, err := a.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if out.Report == nil || out.Report.Applied != len(sp.Plan.Changes) {
			t.Fatalf("report %+v, want all %d reviewed changes applied", out.Report, len(sp.Plan.Changes))
		}
		for i, r := range out.Report.Results {
			if r.Change.Key != sp.Plan.Changes[i].Key || r.Change.Action != sp.Plan.Changes[i].Action {
				t.Errorf("change %d: applied %s %s, reviewed %s %s", i, r.Change.Action, r.Change.Key,
					sp.Plan.Changes[i].Action, sp.Plan.Changes[i].Key)
			}
		}
		again := job(t, &changed, d, false)
		again.Config.State = a.Config.State
		res, err := again.Run(context.Background())
		if err != nil || !res.Plan.Empty() {
			t.Errorf("after the saved plan: err %v, plan %s; want nothing to do", err, res.Plan.Summary())
		}
	})
}

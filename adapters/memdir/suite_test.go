package memdir_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/targettest"
)

// broken wraps the directory and gets one action wrong, to show that the
// conformance suite notices.
type broken struct {
	*memdir.Dir
	bug string
}

func (b *broken) Apply(ctx context.Context, c diff.Change) error {
	switch {
	case b.bug == "rename" && c.Action == diff.Rename:
		return nil // claims success, does nothing
	case b.bug == "remove-member" && c.Action == diff.RemoveMember:
		return nil
	case b.bug == "clear-attr" && c.Action == diff.Update:
		var keep []diff.AttrChange
		for _, a := range c.Attrs {
			if a.After != "" {
				keep = append(keep, a)
			}
		}
		c.Attrs = keep
	case b.bug == "touch-unmanaged" && c.Before != nil && !c.Before.Managed && c.Action != diff.Adopt:
		return nil // does not refuse
	case b.bug == "disable-flag" && c.Action == diff.Disable:
		c.After.Attrs = diff.AttrsFrom(map[string]string{diff.AttrDisabledDate: c.After.Attrs.Get(diff.AttrDisabledDate)})
		if err := b.Dir.Apply(ctx, c); err != nil {
			return err
		}
		return b.Dir.Apply(ctx, diff.Change{Action: diff.Enable, Kind: c.Kind, Key: c.Key})
	}
	return b.Dir.Apply(ctx, c)
}

// TestSuiteCatchesBrokenTargets runs the conformance suite against
// targets with one bug each, in a child process, and expects it to fail.
func TestSuiteCatchesBrokenTargets(t *testing.T) {
	if bug := os.Getenv("MEMDIR_BROKEN_BUG"); bug != "" {
		h := harness(5)
		h.New = func(t *testing.T) diff.Target { return &broken{Dir: memdir.New(), bug: bug} }
		h.Seed = func(t *testing.T, tgt diff.Target, obj diff.Object) {
			obj.Managed = false
			if _, err := tgt.(*broken).Put(obj); err != nil {
				t.Fatal(err)
			}
		}
		targettest.Run(t, h)
		return
	}
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for _, bug := range []string{"rename", "remove-member", "clear-attr", "touch-unmanaged", "disable-flag"} {
		t.Run(bug, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteCatchesBrokenTargets$", "-test.count=1")
			cmd.Env = append(os.Environ(), "MEMDIR_BROKEN_BUG="+bug)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a target with the %q bug:\n%s", bug, out)
			}
			if !strings.Contains(string(out), "--- FAIL") {
				t.Fatalf("child failed without a test failure:\n%s", out)
			}
		})
	}
}

package provision_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// TestDryRunUsernamesAreApplied: for a snapshot full of non-Latin names
// (which fall back to random-walk standards), the usernames a dry run
// plans are the ones the apply of the same inputs creates: the reviewed
// plan is the applied plan.
func TestDryRunUsernamesAreApplied(t *testing.T) {
	ctx := context.Background()
	s := synth.Generate(synth.Tiny)
	names := [][2]string{{"Αλέξανδρος", "Παπαδόπουλος"}, {"Дмитрий", "Иванов"}, {"محمد", "علي"}, {"李", "王"}, {"ሰላም", "ተስፋዬ"}, {"Ψάπφω", "Λέσβια"}}
	for i := range s.Persons {
		n := names[i%len(names)]
		s.Persons[i].GivenName, s.Persons[i].FamilyName = n[0], n[1]
		s.Persons[i].Username = ""
	}
	s.Index()
	usernames := func(apply bool) map[string]string {
		d := memdir.New()
		j := job(t, s, d, apply)
		j.Config.Usernames.Seed = 0 // the default: keyed per person
		j.Config.Usernames.Standard = "name+digits:4"
		res, err := j.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		if !apply {
			for _, c := range res.Plan.Changes {
				if c.Action == diff.Create && c.Kind == diff.User {
					out[c.Key] = c.After.Attrs.Get(diff.AttrUsername)
				}
			}
			return out
		}
		for _, o := range d.Objects() {
			if o.Kind == diff.User {
				out[o.Key] = o.Attrs.Get(diff.AttrUsername)
			}
		}
		return out
	}
	dry := usernames(false)
	if len(dry) == 0 {
		t.Fatal("no users planned")
	}
	if diff := cmp.Diff(dry, usernames(true)); diff != "" {
		t.Errorf("dry run and apply differ (-dry +applied):\n%s", diff)
	}
}

// TestTakenUsernames: a username the target holds outside what it reads
// (Job.Taken, e.g. an account in CN=Users) is never given out, and one
// already in the state file but held by someone else is given up for the
// next free one.
func TestTakenUsernames(t *testing.T) {
	ctx := context.Background()
	s := synth.Generate(synth.Tiny)
	planned := func(j *provision.Job) map[string]string {
		t.Helper()
		res, err := j.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, c := range res.Plan.Changes {
			if c.Action == diff.Create && c.Kind == diff.User {
				out[c.Key] = c.After.Attrs.Get(diff.AttrUsername)
			}
		}
		return out
	}
	j := job(t, s, memdir.New(), false)
	first := planned(j)
	var key, name string
	for k, n := range first {
		key, name = k, n
		break
	}
	j.Taken = func(context.Context) ([]string, error) { return []string{strings.ToUpper(name)}, nil }
	again := planned(j)
	if again[key] == "" || strings.EqualFold(again[key], name) {
		t.Errorf("%s got %q although %q is taken", key, again[key], name)
	}
	// The same with the name already in the state file (an earlier run).
	j2 := job(t, s, memdir.New(), true)
	j2.Config.Usernames.Seed = j.Config.Usernames.Seed
	if _, err := j2.Run(ctx); err != nil { // state now holds name for key
		t.Fatal(err)
	}
	j3 := job(t, s, memdir.New(), false) // a fresh directory: nothing of ours there
	j3.Config.State = j2.Config.State
	j3.Taken = j.Taken
	if got := planned(j3); strings.EqualFold(got[key], name) {
		t.Errorf("%s kept %q from the state file although someone else holds it", key, name)
	}
}

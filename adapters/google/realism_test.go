package google_test

import (
	"context"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestSearchLagDoesNotReplanUsers: Google's user search may lag writes by
// hours. With the fake's search index frozen, a second run must still see
// every user it made and plan nothing (a search for the managed flag saw
// none of them and planned every user again).
func TestSearchLagDoesNotReplanUsers(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 11, SearchLag: true})
	gcfg := google.Config{Domain: "skole.test", Licences: eduLicences}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
	c := newClient(t, f, gcfg)
	want := m.desired(t)
	m.sync(t, c, want)
	if p, _ := m.plan(t, c, want); !p.Empty() {
		t.Fatalf("second run under search lag is not empty:\n%s", firstLines(render(p), 20))
	}
}

// TestIncompleteDriveSearchMakesNoSecondDrive: when the search for drive
// markers over all drives comes back incomplete, the drives it left out
// are searched one by one, so no drive is planned (and made) again.
func TestIncompleteDriveSearchMakesNoSecondDrive(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 12})
	gcfg := google.Config{Domain: "skole.test", Licences: eduLicences, Drives: google.DriveConfig{Model: google.DrivePerGroup}}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
	c := newClient(t, f, gcfg)
	want := m.desired(t)
	m.sync(t, c, want)
	drives := len(f.Drives())
	if drives < 2 {
		t.Fatalf("%d drives: too few to leave some out", drives)
	}
	f.SetIncompleteSearch(true)
	p := m.sync(t, c, want)
	if !p.Empty() {
		t.Errorf("run after an incomplete drive search is not empty:\n%s", firstLines(render(p), 20))
	}
	if got := len(f.Drives()); got != drives {
		t.Errorf("%d shared drives after the second run, want %d", got, drives)
	}
}

// TestLeavingEveryInstitutionClearsOrganizations: a user whose last
// institution goes loses the organisation on the contact card. users.patch
// cannot clear a repeated field; the adapter must use users.update.
func TestLeavingEveryInstitutionClearsOrganizations(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 13})
	gcfg := google.Config{Domain: "skole.test", Licences: eduLicences}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
	c := newClient(t, f, gcfg)
	want := m.desired(t)
	m.sync(t, c, want)
	_, actual := m.plan(t, c, want)
	var before *diff.Object
	for i := range actual {
		if actual[i].Kind == diff.User && actual[i].Managed && actual[i].Attrs.Get("institutions") != "" {
			before = &actual[i]
			break
		}
	}
	if before == nil {
		t.Fatal("no managed user with an institution")
	}
	email := before.Attrs.Get("username") + "@skole.test"
	if u, _ := f.User(email); len(u.Organizations) == 0 {
		t.Fatalf("%s has no organisation to begin with", before.Key)
	}
	after := *before
	after.Attrs = before.Attrs.Clone()
	after.Attrs.Delete("institutions")
	ch := diff.Change{Action: diff.Update, Kind: diff.User, Key: before.Key, Before: before, After: &after,
		Attrs: []diff.AttrChange{{Name: "institutions", Before: before.Attrs.Get("institutions"), After: ""}}}
	if err := c.Apply(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.User(email); len(u.Organizations) != 0 {
		t.Errorf("organisations after leaving every institution: %v, want none", u.Organizations)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines[n] = "..."
	}
	return strings.Join(lines, "\n")
}

// TestFirstSyncConvergesWithRealism: the first sync of a small
// municipality, with drives, lands with search lag, incomplete drive
// searches, 30 % of calls rate-limited and 5 % of writes losing their
// answer; the next plan (faults off, search still lagging) is empty and no
// object exists twice. It reports the calls per change with and without
// the realism switches (docs/BENCHMARKS.md).
func TestFirstSyncConvergesWithRealism(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole small municipality, twice")
	}
	for _, tc := range []struct {
		name string
		opts googlefake.Options
	}{
		{"plain", googlefake.Options{Seed: 14}},
		{"realism", googlefake.Options{Seed: 14, SearchLag: true, IncompleteSearch: true, RateLimitShare: 0.30, LostResponseShare: 0.05}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.opts)
			gcfg := google.Config{Domain: "skole.test", Licences: eduLicences, Drives: google.DriveConfig{Model: google.DrivePerGroup}, Concurrency: 16}
			m := newMunicipality(t, synth.Small, desired.InstitutionsFirst, gcfg)
			c := newClient(t, f, gcfg)
			want := m.desired(t)
			p, _ := m.plan(t, c, want)
			f.ResetStats()
			if _, err := diff.Apply(context.Background(), c, p, diff.ApplyOptions{Concurrency: 16, Sleep: noSleep, Retries: 5}); err != nil {
				t.Fatalf("apply: %v", err)
			}
			st := f.Stats()
			f.SetFaults(0, 0, 0)
			if p2, _ := m.plan(t, c, want); !p2.Empty() {
				t.Fatalf("second run is not empty:\n%s", firstLines(render(p2), 20))
			}
			keys := map[string]int{}
			for _, u := range f.Users() {
				if k, _ := u.CustomSchemas["orgsync"]["key"].(string); k != "" {
					keys[k]++
				}
			}
			for k, n := range keys {
				if n != 1 {
					t.Errorf("user %s exists %d times", k, n)
				}
			}
			if got, w := len(keys), count(want, diff.User); got != w {
				t.Errorf("%d managed users, want %d", got, w)
			}
			if got, w := len(f.Groups()), count(want, diff.Group); got != w {
				t.Errorf("%d groups, want %d", got, w)
			}
			if got, w := len(f.Drives()), count(want, google.Drive); got != w {
				t.Errorf("%d shared drives, want %d", got, w)
			}
			t.Logf("%d changes: %d calls (%.3f per change; directory %d, licensing %d, drive %d), %d faults injected",
				len(p.Changes), st.Total(), float64(st.Total())/float64(len(p.Changes)),
				st.CallsOf("directory"), st.CallsOf("licensing"), st.CallsOf("drive"), st.TotalFaults())
		})
	}
}

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

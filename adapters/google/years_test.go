package google_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/yearroll"
)

const folderMime = "application/vnd.google-apps.folder"

// TestYearlyClassFolders: a new school year makes a folder per class for
// the new year in the institution drive, shared with the class, and
// leaves last year's folders as they were — same name, place and
// sharing — also long after the retention of retired objects.
func TestYearlyClassFolders(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 21})
	gcfg := google.Config{Domain: "skole.test", Drives: google.DriveConfig{Model: google.DrivePerInstitution}}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
	c := newClient(t, f, gcfg)
	m.sync(t, c, m.desired(t))
	oldYear := m.snap.SchoolYear
	old := map[string]googlefake.FileInfo{}
	for _, x := range f.Files() {
		if x.MimeType == folderMime && strings.HasSuffix(x.Name, oldYear) {
			old[x.ID] = x
		}
	}
	if len(old) == 0 {
		t.Fatalf("no class folders for %s", oldYear)
	}

	prev, prevAt := m.snap, m.now
	m.snap = synth.NextYear(prev, 1)
	m.now = synth.ReferenceTime(m.snap.SchoolYear)
	oc, nc := yearroll.FromSnapshotsAt(prev, prevAt, m.snap, m.now)
	m.classIDs = desired.CarryClassIDs(m.classIDs, yearroll.Roll(oc, nc, yearroll.Options{}).Lineage())
	want := m.desired(t)
	m.sync(t, c, want)
	if p, _ := m.plan(t, c, want); !p.Empty() {
		t.Fatalf("plan after the year roll is not empty:\n%s", render(p))
	}
	m.now = m.now.AddDate(0, 0, 200)                // past every retention
	for _, ch := range m.sync(t, c, want).Changes { // leavers' accounts are deleted now
		if ch.Kind == google.Folder {
			t.Errorf("200 days on: %s %s", ch.Action, ch.Key)
		}
	}
	if _, err := c.Read(context.Background()); err != nil {
		t.Fatal(err)
	}

	files := map[string]googlefake.FileInfo{}
	newFolders := 0
	for _, x := range f.Files() {
		files[x.ID] = x
		if x.MimeType == folderMime && strings.HasSuffix(x.Name, m.snap.SchoolYear) {
			newFolders++
			if len(x.Permissions) == 0 {
				t.Errorf("new folder %q is shared with nobody", x.Name)
			}
		}
	}
	if newFolders == 0 {
		t.Errorf("no class folders for the new school year %s", m.snap.SchoolYear)
	}
	for id, was := range old {
		now, ok := files[id]
		switch {
		case !ok:
			t.Errorf("last year's folder %q is gone", was.Name)
		// a class that left school keeps its (retired) group, whose
		// address the retirement changes: the permission is the same
		case now.Name != was.Name || now.Parent != was.Parent || !slices.Equal(slices.Sorted(maps.Values(now.Permissions)), slices.Sorted(maps.Values(was.Permissions))):
			t.Errorf("last year's folder changed:\n was %+v\n now %+v", was, now)
		case len(now.Permissions) == 0:
			t.Errorf("last year's folder %q is shared with nobody", now.Name)
		}
	}
}

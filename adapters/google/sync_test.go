package google_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
	"github.com/orgsync/orgsync/yearroll"
)

// municipality is a generated municipality and the state a deployment
// keeps between runs (usernames, class identities).
type municipality struct {
	snap     *orgmodel.Snapshot
	now      time.Time
	rc       provision.Config
	proj     *desired.Projection
	gcfg     google.Config
	names    map[string]string
	classIDs map[string]string
}

func newMunicipality(t testing.TB, size synth.Config, layout desired.Layout, gcfg google.Config) *municipality {
	t.Helper()
	rc := provision.Defaults()
	rc.Projection.Layout = layout
	rc.Usernames.Seed = 1
	proj, err := rc.Projection.Compile()
	if err != nil {
		t.Fatal(err)
	}
	snap := synth.Generate(size)
	return &municipality{snap: snap, now: synth.ReferenceTime(snap.SchoolYear), rc: rc, proj: proj, gcfg: gcfg, names: map[string]string{}, classIDs: map[string]string{}}
}

// desired builds the desired state for Google: projection, then Prepare.
func (m *municipality) desired(t testing.TB) []diff.Object {
	t.Helper()
	gen, err := m.rc.Usernames.Generator(nil, m.names, m.snap)
	if err != nil {
		t.Fatal(err)
	}
	m.names, err = desired.AssignUsernames(context.Background(), m.snap, m.now, m.names, gen)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.proj.Build(m.snap, desired.Input{At: m.now, Usernames: m.names, ClassIDs: m.classIDs})
	if err != nil {
		t.Fatal(err)
	}
	return m.gcfg.Prepare(want)
}

func (m *municipality) options() diff.Options {
	o := m.rc.DiffOptions()
	o.Now = m.now
	return o
}

// plan reads the target and plans the desired state.
func (m *municipality) plan(t testing.TB, c *google.Client, want []diff.Object) (*diff.Plan, []diff.Object) {
	t.Helper()
	actual, err := c.Read(context.Background())
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	p, err := diff.Compute(want, actual, m.options())
	if err != nil {
		t.Fatalf("compute: %v", err)
	}
	return p, actual
}

// sync plans and applies; it fails the test on any error.
func (m *municipality) sync(t testing.TB, c *google.Client, want []diff.Object) *diff.Plan {
	t.Helper()
	p, _ := m.plan(t, c, want)
	if _, err := diff.Apply(context.Background(), c, p, diff.ApplyOptions{Concurrency: 8, Sleep: noSleep}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	return p
}

func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func render(p *diff.Plan) string {
	var b strings.Builder
	_ = p.Render(&b)
	return b.String()
}

func count(objs []diff.Object, k diff.Kind) int {
	n := 0
	for _, o := range objs {
		if o.Kind == k {
			n++
		}
	}
	return n
}

func find(objs []diff.Object, key string) *diff.Object {
	for i := range objs {
		if objs[i].Key == key {
			return &objs[i]
		}
	}
	return nil
}

var eduLicences = google.Licences{Product: "101031", Student: "1010310008", Employee: "1010310009"}

// TestSyncMunicipality syncs a generated municipality in each org unit
// layout and drive model: the first run creates everything, the second
// plans nothing, and what landed in Google is what was asked for.
func TestSyncMunicipality(t *testing.T) {
	for _, tc := range []struct {
		layout desired.Layout
		drives google.DriveModel
	}{
		{desired.InstitutionsFirst, google.DrivePerGroup},
		{desired.InstitutionsFirst, google.DrivePerInstitution},
		{desired.InstitutionsLast, google.DrivePerGroup},
		{desired.InstitutionsLast, google.DrivePerInstitution},
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.layout, tc.drives), func(t *testing.T) {
			f := newFake(t, googlefake.Options{Seed: 3})
			f.AddOrgUnit("/Skole", "")
			gcfg := google.Config{Domain: "skole.test", Root: "/Skole", Licences: eduLicences, Drives: google.DriveConfig{Model: tc.drives}}
			m := newMunicipality(t, synth.Tiny, tc.layout, gcfg)
			c := newClient(t, f, gcfg)
			want := m.desired(t)
			p := m.sync(t, c, want)
			if p.Empty() {
				t.Fatal("first plan is empty")
			}
			if p2, _ := m.plan(t, c, want); !p2.Empty() {
				t.Fatalf("second run is not empty:\n%s", render(p2))
			}
			checkLanded(t, f, want, tc.layout)
		})
	}
}

// checkLanded compares the fake's contents with the desired state.
func checkLanded(t *testing.T, f *googlefake.Fake, want []diff.Object, layout desired.Layout) {
	t.Helper()
	users := f.Users()
	if got, w := len(users)-1, count(want, diff.User); got != w { // minus the admin
		t.Errorf("%d users in Google, want %d", got, w)
	}
	if got, w := len(f.Groups()), count(want, diff.Group); got != w {
		t.Errorf("%d groups in Google, want %d", got, w)
	}
	if got, w := len(f.OrgUnits())-1, count(want, diff.Container); got != w { // minus /Skole
		t.Errorf("%d org units in Google, want %d", got, w)
	}
	if got, w := len(f.Drives()), count(want, google.Drive); got != w || w == 0 {
		t.Errorf("%d shared drives in Google, want %d (> 0)", got, w)
	}
	if got, w := len(f.Files()), count(want, google.Drive)+count(want, google.Folder); got != w {
		t.Errorf("%d files (markers and folders) in Drive, want %d", got, w)
	}
	licences := f.Licences()
	for _, o := range want {
		if o.Kind != diff.User {
			continue
		}
		u, ok := f.User(o.Attrs.Get("username") + "@skole.test")
		if !ok {
			t.Errorf("user %s (%s) missing", o.Key, o.Attrs.Get("username"))
			continue
		}
		student := o.Attrs.Get(diff.AttrGlobalRole) == "student"
		if u.IncludeInGlobalAddressList == student {
			t.Errorf("%s (%s): includeInGlobalAddressList = %v", o.Key, o.Attrs.Get(diff.AttrGlobalRole), u.IncludeInGlobalAddressList)
		}
		if !u.HasPassword || !u.ChangePasswordAtNextLogin {
			t.Errorf("%s: initial password not set to change at next login", o.Key)
		}
		wantLic := map[string]string{"student": "101031/1010310008", "employee": "101031/1010310009"}[o.Attrs.Get(diff.AttrGlobalRole)]
		if licences[u.PrimaryEmail] != wantLic {
			t.Errorf("%s: licence %q, want %q", o.Key, licences[u.PrimaryEmail], wantLic)
		}
		if u.CustomSchemas["orgsync"]["key"] != o.Key || u.CustomSchemas["orgsync"]["globalRole"] != o.Attrs.Get(diff.AttrGlobalRole) {
			t.Errorf("%s: custom schema %v", o.Key, u.CustomSchemas["orgsync"])
		}
		if len(u.Organizations) == 0 || u.ExternalIDs[0]["value"] != o.Key {
			t.Errorf("%s: organizations %v, externalIds %v", o.Key, u.Organizations, u.ExternalIDs)
		}
		// The layout decides the path: students under .../elever, employees
		// under .../medarbejdere, institution first or last.
		p := strings.ToLower(u.OrgUnitPath)
		switch {
		case layout == desired.InstitutionsLast && student && !strings.HasPrefix(p, "/skole/elever/"):
			t.Errorf("%s: org unit %s, want under /Skole/elever/", o.Key, p)
		case layout == desired.InstitutionsFirst && student && !strings.Contains(p, "/elever"):
			t.Errorf("%s: org unit %s, want an elever unit", o.Key, p)
		}
	}
	for _, g := range f.Groups() {
		if len(g.ExternalIDs) != 1 || g.ExternalIDs[0]["namespace"] != "orgsync" {
			t.Errorf("group %s lacks the mark: %v", g.Email, g.ExternalIDs)
		}
	}
}

// TestLeaverAndReturner: a pupil who leaves is suspended, moved to the dated
// suspended org unit and loses the licence; when the pupil comes back all
// three are undone.
func TestLeaverAndReturner(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 5})
	gcfg := google.Config{Domain: "skole.test", Licences: eduLicences}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
	c := newClient(t, f, gcfg)
	want := m.desired(t)
	m.sync(t, c, want)

	var pupil *diff.Object
	for i := range want {
		if want[i].Kind == diff.User && want[i].Attrs.Get(diff.AttrGlobalRole) == "student" {
			pupil = &want[i]
			break
		}
	}
	email := pupil.Attrs.Get("username") + "@skole.test"
	before, _ := f.User(email)
	pid := desired.PersonID(pupil.Key)

	// The pupil leaves every institution.
	orig := m.snap
	left := *orig
	left.Affiliations = slices.DeleteFunc(slices.Clone(orig.Affiliations), func(a orgmodel.Affiliation) bool { return a.PersonID == pid })
	m.snap = &left
	p := m.sync(t, c, m.desired(t))
	if !slices.ContainsFunc(p.Changes, func(ch diff.Change) bool { return ch.Action == diff.Disable && ch.Key == pupil.Key }) {
		t.Fatalf("no disable of %s:\n%s", pupil.Key, render(p))
	}
	u, _ := f.User(email)
	date := m.now.Format(diff.DateLayout)
	if !u.Suspended || !strings.HasSuffix(u.OrgUnitPath, "/"+date) || !strings.HasPrefix(u.OrgUnitPath, "/Deaktiverede brugere/") {
		t.Errorf("leaver: suspended=%v org unit %s, want suspended in /Deaktiverede brugere/%s", u.Suspended, u.OrgUnitPath, date)
	}
	if u.CustomSchemas["orgsync"]["disabledDate"] != date {
		t.Errorf("leaver: disabledDate = %v, want %s", u.CustomSchemas["orgsync"]["disabledDate"], date)
	}
	if l := f.Licences()[email]; l != "" {
		t.Errorf("leaver still holds licence %s", l)
	}
	if p2, _ := m.plan(t, c, m.desired(t)); !p2.Empty() {
		t.Fatalf("plan after leave is not empty:\n%s", render(p2))
	}

	// Ten days later the pupil is back.
	m.snap, m.now = orig, m.now.AddDate(0, 0, 10)
	want = m.desired(t)
	p = m.sync(t, c, want)
	if !slices.ContainsFunc(p.Changes, func(ch diff.Change) bool { return ch.Action == diff.Enable && ch.Key == pupil.Key }) {
		t.Fatalf("no enable of %s:\n%s", pupil.Key, render(p))
	}
	u, _ = f.User(email)
	if u.Suspended || u.OrgUnitPath != before.OrgUnitPath || u.ID != before.ID {
		t.Errorf("returner: suspended=%v org unit %s id %s, want active in %s with id %s", u.Suspended, u.OrgUnitPath, u.ID, before.OrgUnitPath, before.ID)
	}
	if _, ok := u.CustomSchemas["orgsync"]["disabledDate"]; ok {
		t.Errorf("returner keeps disabledDate %v", u.CustomSchemas["orgsync"]["disabledDate"])
	}
	if l := f.Licences()[email]; l != "101031/1010310008" {
		t.Errorf("returner licence %q, want the student licence back", l)
	}
	if p2, _ := m.plan(t, c, want); !p2.Empty() {
		t.Fatalf("plan after return is not empty:\n%s", render(p2))
	}
}

// TestYearRoll: at a new school year matched classes are renamed; their
// groups, org units and drives keep their Google ids.
func TestYearRoll(t *testing.T) {
	for _, model := range []google.DriveModel{google.DrivePerGroup, google.DrivePerInstitution} {
		t.Run(string(model), func(t *testing.T) {
			f := newFake(t, googlefake.Options{Seed: 9})
			gcfg := google.Config{Domain: "skole.test", Licences: eduLicences, Drives: google.DriveConfig{Model: model}}
			m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
			c := newClient(t, f, gcfg)
			m.sync(t, c, m.desired(t))
			before, err := c.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}

			old, oldAt := m.snap, m.now
			m.snap = synth.NextYear(old, 1)
			m.now = synth.ReferenceTime(m.snap.SchoolYear)
			oldC, newC := yearroll.FromSnapshotsAt(old, oldAt, m.snap, m.now)
			roll := yearroll.Roll(oldC, newC, yearroll.Options{})
			m.classIDs = desired.CarryClassIDs(m.classIDs, roll.Lineage())
			want := m.desired(t)
			p := m.sync(t, c, want)
			if p2, _ := m.plan(t, c, want); !p2.Empty() {
				t.Fatalf("plan after the year roll is not empty:\n%s", render(p2))
			}
			after, err := c.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			renamed := map[diff.Kind]int{}
			for _, ch := range p.Changes {
				if ch.Action != diff.Rename {
					continue
				}
				b, a := find(before, ch.Key), find(after, ch.Key)
				if b == nil || a == nil || b.ID != a.ID {
					t.Errorf("%s %s renamed but its id changed: %v -> %v", ch.Kind, ch.Key, b, a)
					continue
				}
				renamed[ch.Kind]++
			}
			if renamed[diff.Group] == 0 || renamed[diff.Container] == 0 {
				t.Errorf("year roll renamed %v, want groups and org units", renamed)
			}
			if model == google.DrivePerGroup && renamed[google.Drive] == 0 {
				t.Errorf("year roll renamed no drive (%v)", renamed)
			}
			if model == google.DrivePerInstitution && !slices.ContainsFunc(p.Changes, func(ch diff.Change) bool {
				return ch.Action == diff.Create && ch.Kind == google.Folder && strings.HasSuffix(ch.Key, "/"+m.snap.SchoolYear)
			}) {
				t.Errorf("no folders for the new school year %s:\n%s", m.snap.SchoolYear, render(p))
			}
			// A renamed class drive is still shared with its class group.
			for _, d := range f.Drives() {
				if len(d.Permissions) < 2 {
					t.Errorf("drive %q shared with %v only", d.Name, d.Permissions)
				}
			}
		})
	}
}

// TestUnmarkedNeverTouched: hand-made users, groups, org units and drives
// survive a sync and a leaver run exactly as they were, also when they
// share names with orgsync's objects.
func TestUnmarkedNeverTouched(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 13})
	gcfg := google.Config{Domain: "skole.test", Licences: eduLicences, Drives: google.DriveConfig{Model: google.DrivePerGroup}, ReadUnmanaged: true}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
	f.AddOrgUnit("/Handmade/Ledelse", "made by hand")
	f.AddUser("rektor@skole.test", "Hanne", "Rektor", "/Handmade/Ledelse")
	f.AddUser("vikar@skole.test", "Vikar", "Pool", "/")
	f.AddGroup("alle-elever@skole.test", "Alle elever")
	f.CreateDrive("S1 0A alle")
	snapshot := func() string {
		var b strings.Builder
		for _, u := range f.Users() {
			if u.PrimaryEmail == "rektor@skole.test" || u.PrimaryEmail == "vikar@skole.test" {
				fmt.Fprintf(&b, "%+v\n", u)
			}
		}
		for _, g := range f.Groups() {
			if g.Email == "alle-elever@skole.test" {
				fmt.Fprintf(&b, "%+v\n", g)
			}
		}
		for _, o := range f.OrgUnits() {
			if strings.HasSuffix(o.Path, "Handmade") {
				fmt.Fprintf(&b, "%+v\n", o)
			}
		}
		for _, d := range f.Drives() {
			if len(d.Permissions) == 1 {
				fmt.Fprintf(&b, "%+v\n", d)
			}
		}
		return b.String()
	}
	was := snapshot()
	c := newClient(t, f, gcfg)
	want := m.desired(t)
	// The global students group takes another address, since the hand-made
	// group holds the one it would get.
	for i := range want {
		if want[i].Key == "group/all-students" {
			want[i].Attrs.Set("email", "orgsync-alle-elever@skole.test")
		}
	}
	m.sync(t, c, want)
	m.now = m.now.AddDate(0, 0, 400) // everyone's retention runs out
	m.sync(t, c, nil)
	m.sync(t, c, nil)
	if now := snapshot(); now != was {
		t.Errorf("unmarked objects changed:\nbefore:\n%s\nafter:\n%s", was, now)
	}
	// An Apply aimed at an unmarked object is refused.
	actual, err := c.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range actual {
		if !o.Managed && o.Kind == diff.User {
			err := c.Apply(context.Background(), diff.Change{Action: diff.Disable, Kind: diff.User, Key: "user/x", Before: &o, After: &o})
			if !errorsIs(err, diff.ErrUnmanaged) {
				t.Errorf("disable of unmarked %s: err = %v, want ErrUnmanaged", o.ID, err)
			}
		}
	}
}

// TestRateLimited: 30 % of all calls are rate-limited (403
// userRateLimitExceeded, 429, 403 quotaExceeded) and a few more fail with
// 5xx before or after taking effect; the sync still lands every object
// exactly once and converges.
func TestRateLimited(t *testing.T) {
	f := newFake(t, googlefake.Options{Seed: 42, RateLimitShare: 0.30, ServerErrorShare: 0.03, LostResponseShare: 0.03})
	f.AddOrgUnit("/Skole", "")
	gcfg := google.Config{Domain: "skole.test", Root: "/Skole", Licences: eduLicences, Drives: google.DriveConfig{Model: google.DrivePerInstitution}}
	m := newMunicipality(t, synth.Tiny, desired.InstitutionsLast, gcfg)
	c := newClient(t, f, gcfg)
	want := m.desired(t)
	m.sync(t, c, want)
	st := f.Stats()
	if share := float64(st.TotalFaults()) / float64(st.Total()); share < 0.3 {
		t.Errorf("only %.0f %% of %d calls were faulted", 100*share, st.Total())
	}
	members, licensed := 0, 0
	for _, o := range want {
		if o.Kind == diff.Group {
			members += len(o.Members)
		}
		if o.Kind == diff.User && o.Attrs.Get(google.AttrLicence) != "" {
			licensed++
		}
	}
	for method, w := range map[string]int{
		"directory.users.insert":              count(want, diff.User),
		"directory.groups.insert":             count(want, diff.Group),
		"directory.orgunits.insert":           count(want, diff.Container),
		"directory.members.insert":            members,
		"licensing.licenseAssignments.insert": licensed,
		"drive.drives.create":                 count(want, google.Drive),
		"drive.files.create":                  count(want, google.Drive) + count(want, google.Folder),
	} {
		if got := st.Applied[method]; got != w {
			t.Errorf("%s took effect %d times, want exactly %d", method, got, w)
		}
	}
	checkLanded(t, f, want, desired.InstitutionsLast)
	if cs := c.Stats(); cs.Throttled == 0 || cs.Retries == 0 {
		t.Errorf("client stats %+v: no throttling seen", cs)
	}
	f.SetFaults(0, 0, 0)
	if p, _ := m.plan(t, c, want); !p.Empty() {
		t.Fatalf("plan after the faulted sync is not empty:\n%s", render(p))
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

package google_test

import (
	"context"
	"slices"
	"testing"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// documentedScopes are the domain-wide delegation scopes of
// docs/PERMISSIONS.md, per feature (without the common prefix).
var documentedScopes = map[string][]string{
	"directory":     {"admin.directory.group", "admin.directory.orgunit", "admin.directory.user", "admin.directory.userschema"},
	"licences":      {"admin.directory.group", "admin.directory.orgunit", "admin.directory.user", "admin.directory.userschema", "apps.licensing"},
	"shared drives": {"admin.directory.group", "admin.directory.orgunit", "admin.directory.user", "admin.directory.userschema", "drive"},
}

// TestScopeSheet runs a full sync of a tiny municipality per feature with
// exactly the documented scopes: it succeeds and needs every one of them
// (an extra one fails the test); without any one of them it fails.
func TestScopeSheet(t *testing.T) {
	for feature, short := range documentedScopes {
		scopes := make([]string, len(short))
		for i, s := range short {
			scopes[i] = googlefake.ScopePrefix + s
		}
		gcfg := google.Config{Domain: "skole.test", Root: "/Skole"}
		switch feature {
		case "licences":
			gcfg.Licences = eduLicences
		case "shared drives":
			gcfg.Drives = google.DriveConfig{Model: google.DrivePerGroup}
		}
		sync := func(t *testing.T, granted []string) (*googlefake.Fake, error) {
			f := newFake(t, googlefake.Options{Seed: 3, Scopes: granted})
			f.AddOrgUnit("/Skole", "")
			m := newMunicipality(t, synth.Tiny, desired.InstitutionsFirst, gcfg)
			c := newClient(t, f, gcfg)
			want := m.desired(t)
			actual, err := c.Read(context.Background())
			if err != nil {
				return f, err
			}
			p, err := diff.Compute(want, actual, m.options())
			if err != nil {
				t.Fatal(err)
			}
			_, err = diff.Apply(context.Background(), c, p, diff.ApplyOptions{Concurrency: 8, Sleep: noSleep})
			return f, err
		}
		t.Run(feature, func(t *testing.T) {
			if got := gcfg.Scopes(); !slices.Equal(sorted(got), scopes) {
				t.Errorf("Config.Scopes() = %v, documented %v", got, scopes)
			}
			f, err := sync(t, scopes)
			if err != nil {
				t.Fatalf("sync with the documented scopes: %v (denied %v)", err, f.DeniedScopes())
			}
			if used := f.UsedScopes(); !slices.Equal(used, scopes) {
				t.Errorf("scopes needed %v, documented %v: an extra or missing entry in the sheet", used, scopes)
			}
			for _, drop := range scopes {
				less := slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == drop })
				f, err := sync(t, less)
				if err == nil || len(f.DeniedScopes()) == 0 {
					t.Errorf("without %s the sync succeeded", drop)
				}
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

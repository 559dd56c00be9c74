package google_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestNoCPRUnlessConfigured: a sync writes no CPR number anywhere in
// Google (users, their custom schema, external ids, organisations,
// groups) unless the projection is told to include it; with
// includeCPR the same check finds them, so it can fail.
func TestNoCPRUnlessConfigured(t *testing.T) {
	for _, include := range []bool{false, true} {
		f := newFake(t, googlefake.Options{Seed: 5})
		f.AddOrgUnit("/Skole", "")
		gcfg := google.Config{Domain: "skole.test", Root: "/Skole"}
		m := newMunicipality(t, synth.Tiny, desired.InstitutionsLast, gcfg)
		if include {
			m.rc.Projection.IncludeCPR = true
			proj, err := m.rc.Projection.Compile()
			if err != nil {
				t.Fatal(err)
			}
			m.proj = proj
		}
		c := newClient(t, f, gcfg)
		m.sync(t, c, m.desired(t))
		b, err := json.Marshal(struct {
			U []googlefake.UserInfo
			G []googlefake.GroupInfo
		}{f.Users(), f.Groups()})
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, p := range m.snap.Persons {
			if p.CPR != "" && strings.Contains(string(b), p.CPR) {
				found++
			}
		}
		switch {
		case !include && found > 0:
			t.Errorf("%d CPR numbers written to Google without includeCPR", found)
		case include && found == 0:
			t.Error("includeCPR set, but no CPR number found in Google: the check cannot see them")
		}
	}
}

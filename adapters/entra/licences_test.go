package entra_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/entra"
	"github.com/orgsync/orgsync/adapters/entra/graphfake"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

const pupilSKU = "e82ae690-a2d5-4d76-8d30-7c6e01e6022e" // Office 365 A1 Plus for students

// TestLicencesFollowDisableAndEnable: pupils get their licence directly
// (assignLicense), staff through a licensing group; a leaver of each
// kind loses it when disabled and a returner gets it back.
func TestLicencesFollowDisableAndEnable(t *testing.T) {
	m := newMunicipality(t, synth.Tiny)
	tn := newTenant(t, graphfake.Options{Seed: 5}, nil)
	staffGroup := tn.srv.Seed("group", map[string]any{"displayName": "A3 staff licence", "mailNickname": "a3-staff",
		"securityEnabled": true, "mailEnabled": false})
	cfg := baseConfig()
	cfg.TeamOwners = []string{tn.owner}
	cfg.UsageLocation = "DK"
	cfg.Licences = entra.Licences{Student: pupilSKU, EmployeeGroup: staffGroup}
	c, err := entra.NewWithHTTP(context.Background(), tn.srv.BaseURL(), tn.srv.Client(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetBackoff(time.Millisecond)

	want := c.Prepare(m.build(t))
	apply(t, c, want, m.at)
	var pupil, staff diff.Object
	for _, o := range want {
		if o.Kind != diff.User {
			continue
		}
		switch o.Attrs.Get(diff.AttrGlobalRole) {
		case "student":
			if pupil.Key == "" {
				pupil = o
			}
		case "employee":
			if staff.Key == "" {
				staff = o
			}
		}
	}
	if pupil.Key == "" || staff.Key == "" {
		t.Fatal("synth.Tiny has no pupil or no employee")
	}
	pupilID, _ := c.ID(pupil.Key)
	staffID, _ := c.ID(staff.Key)
	holds := func() (bool, bool) {
		u, _ := tn.srv.Get(pupilID)
		g, _ := tn.srv.Get(staffGroup)
		return slices.Contains(u.Licences(), pupilSKU), slices.Contains(g.Members, staffID)
	}
	if p, s := holds(); !p || !s {
		t.Fatalf("after the first sync: pupil licensed %v, staff in the licensing group %v", p, s)
	}

	orig := m.snap
	m.snap = withoutAll(orig, desired.PersonID(pupil.Key), desired.PersonID(staff.Key))
	apply(t, c, c.Prepare(m.build(t)), m.at)
	if p, s := holds(); p || s {
		t.Errorf("leavers: pupil licensed %v, staff in the licensing group %v; want neither", p, s)
	}

	m.snap = orig
	apply(t, c, want, m.at)
	if p, s := holds(); !p || !s {
		t.Errorf("returners: pupil licensed %v, staff in the licensing group %v; want both", p, s)
	}
	converged(t, c, want, m.at)
}

// withoutAll is without for several persons.
func withoutAll(s *orgmodel.Snapshot, ids ...string) *orgmodel.Snapshot {
	for _, id := range ids {
		s = without(s, id)
	}
	return s
}

func TestLicencesConfig(t *testing.T) {
	cfg := baseConfig()
	cfg.TeamKinds = nil
	cfg.Licences = entra.Licences{Student: pupilSKU}
	if _, err := entra.NewWithHTTP(context.Background(), "http://127.0.0.1:1", nil, cfg); err == nil {
		t.Error("direct licences without usageLocation accepted")
	}
	cfg.UsageLocation = "DK"
	cfg.Licences.StudentGroup = pupilSKU
	if _, err := entra.NewWithHTTP(context.Background(), "http://127.0.0.1:1", nil, cfg); err == nil {
		t.Error("a role with both a skuId and a group accepted")
	}
}

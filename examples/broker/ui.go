package main

import (
	"log/slog"
	"slices"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/broker/ui"
	"github.com/orgsync/orgsync/orgmodel"
)

// demoUI is the admin UI of -demo: the built-in demo login (marked on
// every page) with one user per role, scoped to the synthetic
// municipality's first school, one of its classes and one pupil.
// Outside the demo the UI needs the municipality's IdP (SAML).
func demoUI(b *broker.Broker, log *slog.Logger) (*ui.Server, error) {
	users := []ui.DemoUser{
		{Label: "Kommunal administrator (demo-admin)", Principal: api.Principal{ID: "demo-admin", Kind: "person", Role: api.MunicipalAdmin}},
		{Label: "Databeskyttelsesrådgiver (demo-dpo)", Principal: api.Principal{ID: "demo-dpo", Kind: "person", Role: api.PrivacyOfficer}},
	}
	if snap := b.Snapshot(); snap != nil {
		school, class, child := "", "", ""
		for _, a := range snap.Affiliations {
			inst := snap.AffiliationInstitution(a)
			if in, ok := snap.Institution(inst); !ok || in.Type != orgmodel.School || a.MainGroupID == "" || !slices.Contains(a.Roles, orgmodel.Elev) {
				continue
			}
			school, class, child = inst, a.MainGroupID, a.PersonID
			break
		}
		if school != "" {
			users = append(users,
				ui.DemoUser{Label: "Skoleadministrator, " + school + " (demo-leder)", Principal: api.Principal{ID: "demo-leder", Kind: "person", Role: api.SchoolAdmin, Institutions: []string{school}}},
				ui.DemoUser{Label: "Lærer, klasse " + class + " (demo-laerer)", Principal: api.Principal{ID: "demo-laerer", Kind: "person", Role: api.Teacher, Institutions: []string{school}, Classes: []string{orgmodel.GroupKey(school, class)}}},
				ui.DemoUser{Label: "Forælder (demo-foraelder)", Principal: api.Principal{ID: "demo-foraelder", Kind: "person", Role: api.Parent, Children: []string{child}}},
			)
		}
	}
	return ui.New(ui.Server{Broker: b, Recorder: &ui.MemoryRecorder{}, Log: log, Insecure: true, Demo: users})
}

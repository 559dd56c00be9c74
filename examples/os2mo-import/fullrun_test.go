package main_test

import (
	"context"
	"testing"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/adapters/os2mo"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// stilWithTeacher is a small STIL snapshot in which Lars, an OS2mo
// pædagog, also teaches at a school (UNI-ID lars0001).
func stilWithTeacher(t testing.TB) *orgmodel.Snapshot {
	cfg := synth.Tiny
	cfg.Persons, cfg.Schools, cfg.Daycares, cfg.SchoolYear = 60, 1, -1, "2026-2027"
	s := synth.Generate(cfg)
	var school string
	for _, in := range s.Institutions {
		if in.Type == orgmodel.School {
			school = in.Number
			break
		}
	}
	if school == "" {
		t.Fatal("synth made no school")
	}
	s.Persons = append(s.Persons, orgmodel.Person{ID: "lars0001", UNIID: "lars0001", CPR: "0505851234", GivenName: "Lars", FamilyName: "Lund"})
	s.Affiliations = append(s.Affiliations, orgmodel.Affiliation{PersonID: "lars0001", Institution: school,
		Roles: []orgmodel.Role{orgmodel.Laerer}, Valid: orgmodel.Period{From: d("2021-08-01")}})
	return s
}

type source struct {
	c    *os2mo.Client
	stil *orgmodel.Snapshot
}

func (s source) snapshot(t testing.TB) (*orgmodel.Snapshot, os2mo.MergeReport) {
	t.Helper()
	res, err := s.c.Read(context.Background(), os2mo.Window{From: testNow}, mapping)
	if err != nil {
		t.Fatal(err)
	}
	merged, rep := os2mo.MergeSTIL(s.stil, &res.Snapshot, os2mo.MergeRules{})
	if err := merged.Validate(); err != nil {
		t.Fatalf("merged snapshot: %v", err)
	}
	return &merged, rep
}

// runAndWriteBack runs the pipeline against target and writes the accounts
// of OS2mo persons back; it returns the plan's size and the write-back.
func runAndWriteBack(t testing.TB, src source, target diff.Target, read func() []diff.Object, state provision.StateStore) (int, os2mo.WriteBackReport) {
	t.Helper()
	ctx := context.Background()
	snap, rep := src.snapshot(t)
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	out, err := (&provision.Job{Config: cfg, Snapshot: snap, Target: target, State: state, Now: testNow, Apply: true}).Run(ctx)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	accounts := os2mo.AccountsOf(read(), rep.OS2moIDs)
	managed := map[string]bool{}
	for _, a := range accounts {
		managed[a.PersonID] = true
	}
	wb, err := src.c.WriteBack(ctx, mapping.ADSystem, accounts, func(id string) bool { return managed[id] }, testNow)
	if err != nil {
		t.Fatalf("write-back: %v", err)
	}
	return len(out.Plan.Changes), wb
}

func TestFullRunMemdir(t *testing.T) {
	fake, c := newFake(t)
	municipality(fake)
	src := source{c, stilWithTeacher(t)}

	snap, rep := src.snapshot(t)
	var lars []orgmodel.Affiliation
	for _, a := range snap.Affiliations {
		if a.PersonID == "lars0001" {
			lars = append(lars, a)
		}
	}
	if len(lars) != 2 || lars[0].Roles[0] != orgmodel.Laerer || lars[1].Institution != "K751" {
		t.Errorf("Lars's affiliations = %+v, want the STIL teacher and the OS2mo pædagog", lars)
	}
	if len(rep.Matched) != 1 || rep.Matched[0] != (os2mo.Match{PersonID: "lars0001", OS2moID: id("employee", 5), By: "uni-id"}) {
		t.Errorf("Matched = %+v", rep.Matched)
	}

	dir := memdir.New()
	state := &provision.MemoryState{}
	changes, wb := runAndWriteBack(t, src, dir, dir.Objects, state)
	if changes == 0 || wb.Created == 0 || wb.Updated != 1 {
		t.Fatalf("first run: %d changes, write-back %+v; want changes, creations and Anna's binding updated", changes, wb)
	}
	bound := map[string]string{}
	for _, o := range fake.Objects("itusers") {
		v := o.Validities[0]
		if v["itsystem_uuid"] == os2mofakeAD() {
			bound[v["employee_uuid"].(string)] = v["user_key"].(string)
		}
	}
	if bound[id("employee", 1)] != "anna" || bound[id("employee", 5)] == "" || len(bound) != wb.Created+wb.Updated {
		t.Errorf("AD bindings in the fake = %v after %+v", bound, wb)
	}
	mut := fake.Mutations()

	changes, wb = runAndWriteBack(t, src, dir, dir.Objects, state)
	if changes != 0 || wb.Created+wb.Updated != 0 || fake.Mutations() != mut {
		t.Errorf("second run: %d changes, write-back %+v, %d new mutations; want a converged no-op", changes, wb, fake.Mutations()-mut)
	}
}

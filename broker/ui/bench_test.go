package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

// BenchmarkPages60k measures the server time of the class list, the
// person search and the pending-changes page for a 60,000-person
// municipality (synth.Medium) whose client is in step (one full sync
// first, the broker planning ahead: broker.Options.PlanAhead), as a
// municipal administrator.
func BenchmarkPages60k(b *testing.B) {
	ctx := context.Background()
	snap := synth.Generate(synth.Medium)
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	clk := &clock{t: synth.ReferenceTime(snap.SchoolYear)}
	br, err := broker.New(ctx, broker.Options{Clock: clk.Now, Log: quiet, PlanAhead: true},
		broker.Client{Name: "mem", Target: memdir.New(), Config: cfg, Delta: time.Minute, FullSyncHour: -1})
	if err != nil {
		b.Fatal(err)
	}
	if err := br.SetSnapshot(ctx, snap); err != nil {
		b.Fatal(err)
	}
	if _, err := br.Run(ctx, "mem"); err != nil {
		b.Fatal(err)
	}
	if err := br.WaitPlans(ctx); err != nil { // the plan made ahead after the run
		b.Fatal(err)
	}
	srv, err := New(Server{Broker: br, Recorder: &MemoryRecorder{}, Log: quiet, Clock: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	ss := srv.sessions.create(api.Principal{ID: "admin", Kind: "person", Role: api.MunicipalAdmin}, "da", clk.Now())
	var inst, class, name string
	for _, a := range snap.Affiliations {
		if a.MainGroupID != "" && slices.Contains(a.Roles, orgmodel.Elev) {
			inst, class = snap.AffiliationInstitution(a), a.MainGroupID
			p, _ := snap.Person(a.PersonID)
			name = p.FamilyName
			break
		}
	}
	// pending-first is the first view after a run or an import: the UI
	// keeps nothing, the broker's plan made ahead is read (Broker.Planned);
	// pending reuses the page's plan of the view before (pendingOf).
	for _, c := range []struct {
		name, path string
		cold       bool
	}{
		{"classlist", "/ui/classes/" + inst + "/" + class, false},
		{"search", "/ui/search?q=" + url.QueryEscape(name) + "&purpose=benchmark", false},
		{"pending-first", "/ui/clients/mem", true},
		{"pending", "/ui/clients/mem", false},
		{"pending-filtered", "/ui/clients/mem?institution=" + inst + "&action=update&kind=user", false},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.path, nil)
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: ss.id})
			srv.ServeHTTP(httptest.NewRecorder(), req) // the view before
			for b.Loop() {
				if c.cold {
					srv.forgetPending()
				}
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", c.path, w.Code)
				}
			}
		})
	}
	// plan is what the broker does in the background after a run or an
	// import (and a dry run in the foreground): plan against the target.
	b.Run("plan", func(b *testing.B) {
		for b.Loop() {
			if _, err := br.DryRun(ctx, "mem"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

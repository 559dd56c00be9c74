package ui

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/orgmodel"
)

// memChanges keeps the changes recorded; fail makes it refuse them.
type memChanges struct {
	mu   sync.Mutex
	got  []Change
	fail bool
}

func (m *memChanges) RecordChange(_ context.Context, c Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("log is down")
	}
	m.got = append(m.got, c)
	return nil
}

func (m *memChanges) changes() []Change {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Change(nil), m.got...)
}

func (e *env) day(days int) string {
	return e.clk.Now().AddDate(0, 0, days).Format(time.DateOnly)
}

func TestKeepAliveForms(t *testing.T) {
	e := newEnv(t)
	ch := &memChanges{}
	e.srv.Changes = ch
	per, _ := e.snap.Person(e.child)
	br := e.login(t, api.MunicipalAdmin)
	good := func() url.Values {
		return url.Values{"person": {e.child}, "until": {e.day(30)}, "reason": {"long-term illness"}}
	}
	with := func(k, v string) url.Values { f := good(); f.Set(k, v); return f }
	for name, c := range map[string]struct {
		form url.Values
		msg  string
	}{
		"unknown person":     {with("person", "nobody"), "err.person"},
		"no person":          {with("person", ""), "err.person"},
		"date not a date":    {with("until", "next week"), "err.until"},
		"date out of range":  {with("until", "2026-13-01"), "err.until"},
		"date in US order":   {with("until", e.clk.Now().AddDate(0, 0, 30).Format("01/02/2006")), "err.until"},
		"today":              {with("until", e.day(0)), "err.until.past"},
		"past":               {with("until", e.day(-3)), "err.until.past"},
		"over a year ahead":  {with("until", e.day(400)), "err.until.far"},
		"no reason":          {with("reason", ""), "err.reason"},
		"short reason":       {with("reason", "ill"), "err.reason"},
		"long reason":        {with("reason", strings.Repeat("x", 201)), "err.reason"},
		"control characters": {with("reason", "ill\x00ness leave"), "err.reason"},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(e.rec.Lookups())
			code, body := br.form("/ui/keepalive", c.form)
			if code != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) ||
				!strings.Contains(body, tr("da", c.msg)) || !strings.Contains(body, tr("da", "nochange")) {
				t.Errorf("%d, want 400 with %q in the page:\n%s", code, tr("da", c.msg), between(body, "<main", "</main>"))
			}
			if len(e.rec.Lookups()) != before+1 {
				t.Error("the list shown again was not recorded as a look-up")
			}
		})
	}
	if ks := e.b.KeepAlives(); len(ks) != 0 {
		t.Fatalf("a refused form changed the list: %+v", ks)
	}
	if got := ch.changes(); len(got) != 0 {
		t.Fatalf("refused forms recorded changes: %+v", got)
	}
	// Without the CSRF token: refused, nothing changed.
	if code, _ := br.post("/ui/keepalive", good()); code != http.StatusForbidden || len(e.b.KeepAlives()) != 0 {
		t.Errorf("without CSRF: %d", code)
	}
	// By username (where the source has one), through the chosen day.
	f := good()
	if per.Username != "" {
		f.Set("person", strings.ToUpper(per.Username))
	}
	if code, body := br.form("/ui/keepalive", f); code != http.StatusSeeOther {
		t.Fatalf("add: %d %s", code, body)
	}
	ks := e.b.KeepAlives()
	if len(ks) != 1 || ks[0].PersonID != e.child || ks[0].By != "admin" || ks[0].Reason != "long-term illness" ||
		ks[0].Until.Format(time.DateOnly) != e.day(30) || !ks[0].Until.After(e.clk.Now().AddDate(0, 0, 30)) {
		t.Fatalf("keep-alives %+v", ks)
	}
	if got := ch.changes(); len(got) != 1 || got[0].Action != "keep-alive add" || got[0].Person != e.child || got[0].Actor != "admin" ||
		!strings.Contains(got[0].Detail, e.day(30)) {
		t.Errorf("changes %+v", got)
	}
	if _, body := br.get("/ui/keepalive?done=1"); !strings.Contains(body, per.GivenName) || !strings.Contains(body, `id="ka-remove-`+e.child+`"`) {
		t.Error("the list does not show the entry with its remove button")
	}
	// Removing one not on the list: a message, nothing changed.
	if code, body := br.form("/ui/keepalive/remove", url.Values{"person": {"nobody"}}); code != http.StatusBadRequest || !strings.Contains(body, tr("da", "err.notkept")) {
		t.Errorf("remove unknown: %d", code)
	}
	if len(e.b.KeepAlives()) != 1 || len(ch.changes()) != 1 {
		t.Fatal("a refused remove changed something")
	}
	// The privacy officer reads the list but may not change it.
	dpo := e.login(t, api.PrivacyOfficer)
	if code, body := dpo.get("/ui/keepalive"); code != http.StatusOK || strings.Contains(body, `action="/ui/keepalive/remove"`) || strings.Contains(body, `id="ka-submit"`) {
		t.Errorf("privacy officer's page: %d (forms shown?)", code)
	}
	if code, _ := dpo.form("/ui/keepalive/remove", url.Values{"person": {e.child}}); code != http.StatusForbidden {
		t.Errorf("privacy officer removes: %d", code)
	}
	if code, _ := br.form("/ui/keepalive/remove", url.Values{"person": {e.child}}); code != http.StatusSeeOther || len(e.b.KeepAlives()) != 0 {
		t.Errorf("remove: %d %+v", code, e.b.KeepAlives())
	}
	if got := ch.changes(); len(got) != 2 || got[1].Action != "keep-alive remove" || got[1].Person != e.child {
		t.Errorf("changes %+v", got)
	}
}

func TestPrimaryForms(t *testing.T) {
	e := newEnv(t)
	ch := &memChanges{}
	e.srv.Changes = ch
	br := e.login(t, api.MunicipalAdmin)
	for name, c := range map[string]struct {
		form url.Values
		msg  string
	}{
		"unknown person":      {url.Values{"person": {"nobody"}, "institution": {e.inst}}, "err.person"},
		"unknown institution": {url.Values{"person": {e.child}, "institution": {"000000"}}, "err.institution"},
		"not affiliated":      {url.Values{"person": {e.child}, "institution": {e.other}}, "err.primary"},
		"empty":               {url.Values{}, "err.person"},
	} {
		code, body := br.form("/ui/primary", c.form)
		if code != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, tr("da", c.msg)) {
			t.Errorf("%s: %d, want 400 with %q", name, code, tr("da", c.msg))
		}
		if v := c.form.Get("person"); v != "" && !strings.Contains(body, `value="`+v+`"`) {
			t.Errorf("%s: the value typed is not shown again", name)
		}
	}
	if code, body := br.form("/ui/primary/clear", url.Values{"person": {e.child}}); code != http.StatusBadRequest || !strings.Contains(body, tr("da", "err.notprimary")) {
		t.Errorf("clear without an override: %d", code)
	}
	if ps := e.b.Primaries(); len(ps) != 0 || len(ch.changes()) != 0 {
		t.Fatalf("a bad form changed something: %+v %+v", ps, ch.changes())
	}
	if code, _ := br.form("/ui/primary", url.Values{"person": {e.child}, "institution": {e.inst}}); code != http.StatusSeeOther {
		t.Fatalf("set: %d", code)
	}
	if ps := e.b.Primaries(); len(ps) != 1 || ps[0].Institution != e.inst || ps[0].By != "admin" {
		t.Fatalf("primaries %+v", ps)
	}
	if code, _ := e.login(t, api.SchoolAdmin).form("/ui/primary/clear", url.Values{"person": {e.child}}); code != http.StatusForbidden {
		t.Errorf("school admin clears: %d", code)
	}
	if code, _ := br.form("/ui/primary/clear", url.Values{"person": {e.child}}); code != http.StatusSeeOther || len(e.b.Primaries()) != 0 {
		t.Errorf("clear: %d %+v", code, e.b.Primaries())
	}
	got := ch.changes()
	if len(got) != 2 || got[0].Action != "primary set" || got[0].Detail != "institution "+e.inst || got[1].Action != "primary clear" {
		t.Errorf("changes %+v", got)
	}
}

// TestChangeNotRecordedNotMade: when the change cannot be recorded, it is
// not made.
func TestChangeNotRecordedNotMade(t *testing.T) {
	e := newEnv(t)
	e.srv.Changes = &memChanges{fail: true}
	br := e.login(t, api.MunicipalAdmin)
	code, body := br.form("/ui/keepalive", url.Values{"person": {e.child}, "until": {e.day(5)}, "reason": {"parental leave"}})
	if code != http.StatusInternalServerError || !strings.Contains(body, tr("da", "err.change")) || len(e.b.KeepAlives()) != 0 {
		t.Errorf("keep-alive: %d %+v", code, e.b.KeepAlives())
	}
	code, _ = br.form("/ui/primary", url.Values{"person": {e.child}, "institution": {e.inst}})
	if code != http.StatusInternalServerError || len(e.b.Primaries()) != 0 {
		t.Errorf("primary: %d %+v", code, e.b.Primaries())
	}
}

// TestAuditChanges: a change goes to the accountability log as a
// "ui-change" record, and the log still verifies.
func TestAuditChanges(t *testing.T) {
	var buf bytes.Buffer
	log := auditlog.New(auditlog.NewStreamSink(&buf), auditlog.Options{})
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	err := AuditChanges{Log: log}.RecordChange(context.Background(), Change{At: at, Actor: "admin", Role: api.MunicipalAdmin,
		Action: "keep-alive add", Person: "p1", Detail: "until 2027-01-31: leave", SourceIP: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	for _, want := range []string{`"type":"ui-change"`, `"actor":"admin"`, `"action":"keep-alive add"`, `"personId":"p1"`, `"client":"broker-ui"`} {
		if !strings.Contains(line, want) {
			t.Errorf("record %s lacks %s", line, want)
		}
	}
	rep, err := auditlog.Verify(strings.NewReader(line), auditlog.VerifyOptions{})
	if err != nil || rep.Types[TypeChange] != 1 {
		t.Errorf("verify: %+v %v", rep, err)
	}
}

func TestFindPerson(t *testing.T) {
	snap := &orgmodel.Snapshot{Persons: []orgmodel.Person{{ID: "p1", Username: "anna0001"}, {ID: "p2"}}}
	for in, want := range map[string]string{"p1": "p1", "ANNA0001": "p1", "anna0001": "p1", "p2": "p2", "": "", "anna": ""} {
		p, ok := findPerson(snap, in)
		if ok != (want != "") || p.ID != want {
			t.Errorf("findPerson(%q) = %q %v, want %q", in, p.ID, ok, want)
		}
	}
}

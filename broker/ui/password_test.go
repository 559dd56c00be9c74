package ui

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/orgsync/orgsync/broker/api"
)

type fakeTarget struct {
	mu  sync.Mutex
	set map[string]string
	err error
}

func (f *fakeTarget) target(name string) PasswordTarget {
	return PasswordTarget{Name: name, Set: func(_ context.Context, person, pw string) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.err != nil {
			return f.err
		}
		if f.set == nil {
			f.set = map[string]string{}
		}
		f.set[person] = pw
		return nil
	}}
}

func (f *fakeTarget) get(person string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.set[person]
}

const strong = "Ny-Kode-2026!abc"

func TestPupilPasswordByTeacher(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	e.srv.Log = slog.New(slog.NewTextHandler(&logs, nil))
	ad, entra := &fakeTarget{}, &fakeTarget{}
	e.srv.Passwords = []PasswordTarget{ad.target("AD"), entra.target("Entra")}
	br := e.login(t, api.Teacher)
	if _, body := br.get("/ui/classes/" + e.inst + "/" + e.class); !strings.Contains(body, `id="pw-submit"`) || !strings.Contains(body, "AD, Entra") {
		t.Fatal("the class list has no password form naming the targets")
	}
	path := "/ui/classes/" + e.inst + "/" + e.class + "/password"
	for _, c := range []struct {
		name string
		v    url.Values
		code int
	}{
		{"weak", url.Values{"person": {e.child}, "password": {"ab"}, "confirm": {"ab"}}, http.StatusBadRequest},
		{"differ", url.Values{"person": {e.child}, "password": {strong}, "confirm": {strong + "x"}}, http.StatusBadRequest},
		{"not a pupil of the class", url.Values{"person": {"p-nobody"}, "password": {strong}, "confirm": {strong}}, http.StatusBadRequest},
		{"control character", url.Values{"person": {e.child}, "password": {"Abc-12345678\x00"}, "confirm": {"Abc-12345678\x00"}}, http.StatusBadRequest},
	} {
		code, body := br.form(path, c.v)
		if code != c.code || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%s: %d, want %d with a message", c.name, code, c.code)
		}
	}
	if code, _ := br.post(path, url.Values{"person": {e.child}, "password": {strong}, "confirm": {strong}}); code != http.StatusForbidden {
		t.Errorf("without CSRF: %d", code)
	}
	if code, _ := br.form("/ui/classes/"+e.other+"/"+e.otherClass+"/password", url.Values{"person": {e.child}, "password": {strong}, "confirm": {strong}}); code != http.StatusForbidden {
		t.Errorf("another school's class: %d", code)
	}
	if ad.get(e.child) != "" || entra.get(e.child) != "" {
		t.Fatal("a refused form set a password")
	}
	code, _ := br.form(path, url.Values{"person": {e.child}, "password": {strong}, "confirm": {strong}})
	if code != http.StatusSeeOther || ad.get(e.child) != strong || entra.get(e.child) != strong {
		t.Fatalf("set: %d; AD %q, Entra %q", code, ad.get(e.child), entra.get(e.child))
	}
	_, body := br.get("/ui/classes/" + e.inst + "/" + e.class + "?done=password")
	if strings.Contains(body, strong) || !strings.Contains(body, `id="pw-done"`) {
		t.Error("the page after the change shows the password or no confirmation")
	}
	if strings.Contains(logs.String(), strong) || strings.Contains(logs.String(), "Abc-12345678") {
		t.Error("a password is in the log")
	}
	if !strings.Contains(logs.String(), "password set") {
		t.Error("the change is not logged")
	}
	// A target that fails: the page names it and what was already written.
	entra.err = errors.New("graph is down")
	code, body = br.form(path, url.Values{"person": {e.child}, "password": {strong + "2"}, "confirm": {strong + "2"}})
	if code != http.StatusBadGateway || !strings.Contains(body, "Entra (AD)") {
		t.Errorf("failing target: %d", code)
	}
	// A privacy officer may not set passwords.
	dpo := e.login(t, api.PrivacyOfficer)
	if code, _ := dpo.form(path, url.Values{"person": {e.child}, "password": {strong}, "confirm": {strong}}); code != http.StatusForbidden {
		t.Errorf("privacy officer: %d", code)
	}
}

func TestPupilPasswordByParent(t *testing.T) {
	e := newEnv(t)
	ad := &fakeTarget{}
	e.srv.Passwords = []PasswordTarget{ad.target("AD")}
	br := e.login(t, api.Parent)
	if _, body := br.get("/ui/children"); !strings.Contains(body, `id="pw-submit"`) {
		t.Fatal("no password form for the parent")
	}
	var other string
	for _, a := range e.snap.Affiliations {
		if a.PersonID != e.child && a.MainGroupID == e.class {
			other = a.PersonID
			break
		}
	}
	if code, _ := br.form("/ui/children/password", url.Values{"person": {other}, "password": {strong}, "confirm": {strong}}); code != http.StatusForbidden || ad.get(other) != "" {
		t.Errorf("another child: %d", code)
	}
	if code, _ := br.form("/ui/children/password", url.Values{"person": {e.child}, "password": {strong}, "confirm": {strong}}); code != http.StatusSeeOther || ad.get(e.child) != strong {
		t.Errorf("own child: %d", code)
	}
}

func TestPasswordRules(t *testing.T) {
	for _, c := range []struct {
		grade int
		known bool
		pw    string
		ok    bool
	}{
		{1, true, "solsik", true},    // first grade: six letters
		{1, true, "sol12", false},    // too short
		{4, true, "solsikke", false}, // one class
		{4, true, "solsikke7", true},
		{8, true, "Solsikke7", false}, // too short for the older pupils
		{8, true, "Solsikke-2026", true},
		{0, false, "solsikke7", false}, // unknown grade: the strictest rule
	} {
		err := rule(nil, c.grade, c.known).Check(c.pw)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrWeakPassword)) {
			t.Errorf("grade %d %q: %v, want ok=%v", c.grade, c.pw, err, c.ok)
		}
	}
}

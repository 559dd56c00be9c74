package ui

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/option"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
)

// googlePupil puts the pupil person into a Google fake as orgsync's
// managed user and returns a client on it and the user's email.
func googlePupil(t *testing.T, person string) (*google.Client, *googlefake.Fake, string) {
	t.Helper()
	f := googlefake.New(googlefake.Options{Domain: "skole.test", Seed: 1})
	t.Cleanup(f.Close)
	gc, err := google.New(context.Background(), google.Config{Domain: "skole.test", Endpoint: f.URL(), QueriesPerMinute: 600000, Burst: 1000,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond}, option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatal(err)
	}
	o := diff.Object{Kind: diff.User, Key: desired.UserKey(person), Name: "Elev", Attrs: diff.Attrs{
		{Name: "email", Value: "elev1@skole.test"}, {Name: "familyName", Value: "Elev"}, {Name: "givenName", Value: "Ida"}, {Name: "username", Value: "elev1"}}}
	if err := gc.Apply(context.Background(), diff.Change{Action: diff.Create, Kind: diff.User, Key: o.Key, After: &o}); err != nil {
		t.Fatal(err)
	}
	return gc, f, "elev1@skole.test"
}

// TestPasswordToEveryTarget: the password is checked against every
// directory before any is written (Google takes 8–100 ASCII characters
// even where the grade's rule allows less), written to each directory
// that holds the pupil and passed over by one that does not, and the page
// says where it went; in a hybrid set-up it names the synchronised ones.
func TestPasswordToEveryTarget(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	e.srv.Log = slog.New(slog.NewTextHandler(&logs, nil))
	e.srv.PasswordRules = []PasswordRule{{MaxGrade: 99, MinLength: 6, Classes: 1}}
	gc, gf, email := googlePupil(t, e.child)
	ad := &fakeTarget{}
	adT := ad.target("AD")
	adT.Also = []string{"Entra ID"}
	e.srv.Passwords = []PasswordTarget{adT, DirectoryPasswords("Google", gc)}
	br := e.login(t, api.Teacher)
	class := "/ui/classes/" + e.inst + "/" + e.class
	if _, body := br.get(class); !strings.Contains(body, `id="pw-synced"`) || !strings.Contains(body, "Entra ID ← AD") {
		t.Error("the page does not say that Entra ID gets the password from AD")
	}
	for _, pw := range []string{"abcdef", "Æbleskiver-2026"} {
		code, body := br.form(class+"/password", url.Values{"person": {e.child}, "password": {pw}, "confirm": {pw}})
		if code != http.StatusBadRequest || !strings.Contains(body, tr("da", "err.pwpolicy")) || !strings.Contains(body, "Google:") {
			t.Errorf("%q: %d, want 400 naming Google", pw, code)
		}
		if strings.Contains(body, pw) {
			t.Errorf("the page repeats the password %q", pw)
		}
	}
	if ad.get(e.child) != "" {
		t.Fatal("AD was written although Google refuses the password")
	}
	const pw = "Sommer-2026"
	req, _ := http.NewRequest("POST", e.ts.URL+class+"/password", strings.NewReader(url.Values{"csrf": {br.csrf}, "person": {e.child}, "password": {pw}, "confirm": {pw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := br.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || fmt.Sprint(loc.Query()["to"]) != "[AD Google]" {
		t.Fatalf("set: %d %s", resp.StatusCode, loc)
	}
	if ad.get(e.child) != pw || !gf.PasswordIs(email, pw) {
		t.Fatalf("AD %q, Google %v", ad.get(e.child), gf.PasswordIs(email, pw))
	}
	_, body := br.get(class + "?done=password&to=AD&to=Google&to=Evil")
	if done := between(body, `id="pw-done"`, "</p>"); !strings.Contains(done, tr("da", "pw.written")+" AD, Google.") || strings.Contains(done, "Evil") {
		t.Errorf("the page does not say where the password went (or repeats a name not configured): %s", between(body, `id="pw-done"`, "</p>"))
	}
	// A pupil Google does not hold: written to AD, Google passed over.
	var other string
	rows, _ := classMembers(e.snap, e.inst, e.class)
	for _, r := range rows {
		if _, ok := pupilIn(e.snap, r.ID, e.inst, e.class); ok && r.ID != e.child {
			other = r.ID
			break
		}
	}
	if other == "" {
		t.Fatal("the class has one pupil")
	}
	code, _ := br.form(class+"/password", url.Values{"person": {other}, "password": {pw}, "confirm": {pw}})
	if code != http.StatusSeeOther || ad.get(other) != pw {
		t.Errorf("pupil without a Google account: %d", code)
	}
	// No directory holds the pupil: said so.
	ad.err = fmt.Errorf("ad: %w", diff.ErrNotFound)
	code, body = br.form(class+"/password", url.Values{"person": {other}, "password": {pw + "x"}, "confirm": {pw + "x"}})
	if code != http.StatusNotFound || !strings.Contains(body, tr("da", "err.noaccount")) {
		t.Errorf("no account anywhere: %d", code)
	}
	if strings.Contains(logs.String(), pw) || strings.Contains(logs.String(), "abcdef") || strings.Contains(logs.String(), "Æbleskiver") {
		t.Error("a password is in the log")
	}
}

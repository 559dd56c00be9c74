package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/memdir"
	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
	"github.com/orgsync/orgsync/provision"
)

var quiet = slog.New(slog.DiscardHandler)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	srv         *Server
	b           *broker.Broker
	src         *broker.Sources
	rec         *MemoryRecorder
	clk         *clock
	snap        *orgmodel.Snapshot
	ts          *httptest.Server
	inst, other string // two schools
	class       string // a class (group ID) of inst
	otherClass  string // a class of other
	child       string // a pupil of class
	users       map[api.Role]api.Principal
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	snap := synth.Generate(synth.Tiny)
	e := &env{snap: snap, clk: &clock{t: synth.ReferenceTime(snap.SchoolYear)}, rec: &MemoryRecorder{}}
	var schools []string
	for _, in := range snap.Institutions {
		if in.Type == orgmodel.School {
			schools = append(schools, in.Number)
		}
	}
	e.inst, e.other = schools[0], schools[1]
	for _, a := range snap.Affiliations {
		if a.MainGroupID == "" || !slices.Contains(a.Roles, orgmodel.Elev) {
			continue
		}
		switch snap.AffiliationInstitution(a) {
		case e.inst:
			if e.class == "" {
				e.class, e.child = a.MainGroupID, a.PersonID
			}
		case e.other:
			if e.otherClass == "" {
				e.otherClass = a.MainGroupID
			}
		}
	}
	if e.class == "" || e.otherClass == "" {
		t.Fatal("synth.Tiny has no classes with pupils")
	}
	cfg := provision.Defaults()
	cfg.Usernames.Seed = 1
	b, err := broker.New(ctx, broker.Options{Clock: e.clk.Now, Log: quiet},
		broker.Client{Name: "mem", Target: memdir.New(), Config: cfg, Delta: time.Minute, FullSyncHour: -1})
	if err != nil {
		t.Fatal(err)
	}
	e.b = b
	hs, err := snapstore.OpenFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.src = &broker.Sources{Broker: b, History: &snapstore.History{Store: hs, Logger: quiet}, Log: quiet}
	if _, err := e.src.SetSTIL(ctx, snap); err != nil {
		t.Fatal(err)
	}
	e.users = map[api.Role]api.Principal{
		api.MunicipalAdmin: {ID: "admin", Kind: "person", Role: api.MunicipalAdmin},
		api.PrivacyOfficer: {ID: "dpo", Kind: "person", Role: api.PrivacyOfficer},
		api.SchoolAdmin:    {ID: "leder", Kind: "person", Role: api.SchoolAdmin, Institutions: []string{e.inst}},
		api.Teacher:        {ID: "laerer", Kind: "person", Role: api.Teacher, Institutions: []string{e.inst}, Classes: []string{orgmodel.GroupKey(e.inst, e.class)}},
		api.Parent:         {ID: "forælder", Kind: "person", Role: api.Parent, Children: []string{e.child}},
	}
	var demo []DemoUser
	for _, r := range []api.Role{api.MunicipalAdmin, api.PrivacyOfficer, api.SchoolAdmin, api.Teacher, api.Parent} {
		demo = append(demo, DemoUser{Label: string(r), Principal: e.users[r]})
	}
	e.srv, err = New(Server{Broker: b, Recorder: e.rec, Log: quiet, Clock: e.clk.Now, Insecure: true, Demo: demo})
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string
}

// login signs in through the demo login form as the user of role.
func (e *env) login(t *testing.T, role api.Role) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	br := &browser{t: t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	code, body := br.get("/ui/login")
	if code != http.StatusOK {
		t.Fatalf("login page: %d", code)
	}
	tok := between(body, `name="csrf" value="`, `"`)
	if code, body := br.post("/ui/login/demo", url.Values{"csrf": {tok}, "user": {e.users[role].ID}}); code != http.StatusSeeOther {
		t.Fatalf("demo login: %d %s", code, body)
	}
	code, body = br.get("/ui/")
	if code != http.StatusOK {
		t.Fatalf("home after login: %d", code)
	}
	br.csrf = between(body, `name="csrf" value="`, `"`)
	return br
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func (br *browser) do(req *http.Request) (int, string) {
	br.t.Helper()
	resp, err := br.c.Do(req)
	if err != nil {
		br.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (br *browser) get(path string) (int, string) {
	br.t.Helper()
	req, _ := http.NewRequest("GET", br.e.ts.URL+path, nil)
	return br.do(req)
}

func (br *browser) post(path string, v url.Values) (int, string) {
	br.t.Helper()
	req, _ := http.NewRequest("POST", br.e.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return br.do(req)
}

// form posts v with the session's CSRF token.
func (br *browser) form(path string, v url.Values) (int, string) {
	br.t.Helper()
	if v == nil {
		v = url.Values{}
	}
	v.Set("csrf", br.csrf)
	return br.post(path, v)
}

func TestSecurityHeadersAndLoginRequired(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	br := &browser{t: t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := br.c.Get(e.ts.URL + "/ui/clients")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Errorf("without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != CSP || !strings.Contains(got, "default-src 'none'") {
		t.Errorf("CSP %q", got)
	}
	if code, _ := br.post("/ui/clients/mem/pause", url.Values{}); code != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d", code)
	}
	// The login form's own CSRF check.
	if code, _ := br.post("/ui/login/demo", url.Values{"user": {"admin"}}); code != http.StatusForbidden {
		t.Errorf("demo login without its token: %d", code)
	}
}

func TestSessionCookieAndLogout(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.MunicipalAdmin)
	u, _ := url.Parse(e.ts.URL + "/ui/")
	if len(br.c.Jar.Cookies(u)) == 0 {
		t.Fatal("no session cookie")
	}
	e.srv.Insecure = false
	c := e.srv.cookie(sessionCookie, "x", 0)
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/ui/" {
		t.Errorf("cookie flags: %+v", c)
	}
	e.srv.Insecure = true
	if code, body := br.get("/ui/"); code != http.StatusOK || !strings.Contains(body, "DEMO") {
		t.Errorf("home: %d, demo banner shown: %v", code, strings.Contains(body, "DEMO"))
	}
	if code, _ := br.post("/ui/logout", url.Values{}); code != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d", code)
	}
	if code, _ := br.form("/ui/logout", nil); code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	if code, _ := br.get("/ui/"); code != http.StatusSeeOther {
		t.Errorf("after logout: %d", code)
	}
}

func TestIdleTimeout(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.MunicipalAdmin)
	e.clk.Add(19 * time.Minute)
	if code, _ := br.get("/ui/"); code != http.StatusOK {
		t.Fatalf("within the idle timeout: %d", code)
	}
	e.clk.Add(21 * time.Minute)
	if code, _ := br.get("/ui/"); code != http.StatusSeeOther {
		t.Fatalf("after the idle timeout: %d", code)
	}
}

func TestPauseResumeAndCSRF(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.MunicipalAdmin)
	// Without the token, and with another session's token: refused, nothing changed.
	other := e.login(t, api.MunicipalAdmin)
	for _, v := range []url.Values{{}, {"csrf": {other.csrf}}, {"csrf": {""}}} {
		code, body := br.post("/ui/clients/mem/pause", v)
		if code != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("pause with %v: %d", v, code)
		}
		if st, _ := e.b.Status("mem"); st.Paused {
			t.Fatal("a form without a valid CSRF token paused the client")
		}
	}
	if code, _ := br.form("/ui/clients/mem/pause", nil); code != http.StatusSeeOther {
		t.Fatalf("pause: %d", code)
	}
	if st, _ := e.b.Status("mem"); !st.Paused {
		t.Fatal("not paused")
	}
	if _, body := br.get("/ui/clients"); !strings.Contains(body, `id="resume-mem"`) {
		t.Error("the clients page offers no resume")
	}
	if code, _ := br.form("/ui/clients/mem/resume", nil); code != http.StatusSeeOther {
		t.Fatalf("resume: %d", code)
	}
	if st, _ := e.b.Status("mem"); st.Paused {
		t.Fatal("not resumed")
	}
	if code, _ := br.form("/ui/clients/nosuch/pause", nil); code != http.StatusNotFound {
		t.Errorf("unknown client: %d", code)
	}
	if code, _ := br.form("/ui/clients/mem/run", nil); code != http.StatusSeeOther {
		t.Errorf("run: %d", code)
	}
	if st, _ := e.b.Status("mem"); st.LastAttempt.IsZero() {
		t.Error("run now did not run")
	}
	if code, _ := br.form("/ui/approvals/nosuch/approve", nil); code != http.StatusNotFound {
		t.Errorf("unknown approval: %d", code)
	}
	// A school administrator may not pause.
	sa := e.login(t, api.SchoolAdmin)
	if code, _ := sa.form("/ui/clients/mem/pause", nil); code != http.StatusForbidden {
		t.Errorf("school admin pause: %d", code)
	}
	if st, _ := e.b.Status("mem"); st.Paused {
		t.Fatal("school admin paused")
	}
}

// TestRouteWalk checks every route with every role: a role the route
// does not allow gets 403 and, for a POST, nothing happens.
func TestRouteWalk(t *testing.T) {
	e := newEnv(t)
	for _, rt := range e.srv.Routes() {
		for role, p := range e.users {
			if rt.Allow(&p) {
				continue
			}
			br := e.login(t, role)
			path := strings.NewReplacer("{client}", "mem", "{id}", "1", "{institution}", e.inst, "{group}", e.class, "{$}", "").Replace(rt.Path)
			var code int
			if rt.Method == "GET" {
				code, _ = br.get(path)
			} else {
				code, _ = br.form(path, nil)
			}
			if code != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", rt.Method, path, role, code)
			}
		}
	}
	if st, _ := e.b.Status("mem"); st.Paused || !st.LastAttempt.IsZero() {
		t.Errorf("a forbidden action changed the client: %+v", st)
	}
}

func TestPendingFilter(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.MunicipalAdmin)
	for q, want := range map[string]int{
		"?action=explode":          http.StatusBadRequest,
		"?action=no-op":            http.StatusBadRequest,
		"?kind=printer":            http.StatusBadRequest,
		"?action=create&kind=user": http.StatusOK,
		"?institution=" + e.inst:   http.StatusOK,
	} {
		code, body := br.get("/ui/clients/mem" + q)
		if code != want {
			t.Errorf("%s: %d, want %d", q, code, want)
		}
		if want == http.StatusBadRequest && !strings.Contains(body, `role="alert"`) {
			t.Errorf("%s: no message in the page", q)
		}
	}
	_, body := br.get("/ui/clients/mem?action=create&kind=group")
	if strings.Contains(body, "<td>user</td>") || !strings.Contains(body, "<td>group</td>") {
		t.Error("the filter by kind does not hold")
	}
	sa := e.login(t, api.SchoolAdmin)
	if code, _ := sa.get("/ui/clients/mem?institution=" + e.other); code != http.StatusForbidden {
		t.Errorf("school admin filtering another school: %d", code)
	}
	_, body = sa.get("/ui/clients/mem")
	if strings.Contains(body, "<td>"+e.other+"</td>") {
		t.Error("school admin sees another school's changes")
	}
	if !strings.Contains(body, "<td>"+e.inst+"</td>") {
		t.Error("school admin does not see its own school's changes")
	}
}

func TestSearchRecordedWithPurpose(t *testing.T) {
	e := newEnv(t)
	per, _ := e.snap.Person(e.child)
	br := e.login(t, api.SchoolAdmin)
	for _, q := range []string{"?q=a&purpose=support%20case", "?q=" + url.QueryEscape(per.GivenName) + "&purpose=abc"} {
		code, body := br.get("/ui/search" + q)
		if code != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%s: %d", q, code)
		}
	}
	if n := len(e.rec.Lookups()); n != 0 {
		t.Fatalf("a refused search was recorded (%d)", n)
	}
	code, body := br.get("/ui/search?q=" + url.QueryEscape(per.GivenName) + "&purpose=" + url.QueryEscape("support case 42"))
	if code != http.StatusOK || !strings.Contains(body, per.GivenName) {
		t.Fatalf("search: %d", code)
	}
	ls := e.rec.Lookups()
	if len(ls) != 1 || ls[0].Purpose != "support case 42" || ls[0].Actor != "leder" || ls[0].Role != api.SchoolAdmin ||
		!slices.Contains(ls[0].Persons, e.child) || ls[0].SourceIP == "" {
		t.Fatalf("look-up: %+v", ls)
	}
	for _, id := range ls[0].Persons {
		ok := false
		for _, a := range e.snap.Affiliations {
			if a.PersonID == id && e.snap.AffiliationInstitution(a) == e.inst {
				ok = true
			}
		}
		if !ok {
			t.Errorf("school admin of %s found %s of another institution", e.inst, id)
		}
	}
}

func TestClassList(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.Teacher)
	code, body := br.get("/ui/classes/" + e.inst + "/" + e.class)
	per, _ := e.snap.Person(e.child)
	if code != http.StatusOK || !strings.Contains(body, per.GivenName) {
		t.Fatalf("own class: %d", code)
	}
	if n := len(e.rec.Lookups()); n != 1 {
		t.Fatalf("%d look-ups recorded, want 1", n)
	}
	if code, _ := br.get("/ui/classes/" + e.other + "/" + e.otherClass); code != http.StatusForbidden {
		t.Errorf("another school's class: %d, want 403", code)
	}
	if code, _ := br.get("/ui/classes/" + e.inst + "/" + e.class + "?format=pdf"); code != http.StatusBadRequest {
		t.Errorf("bad format: %d", code)
	}
	if n := len(e.rec.Lookups()); n != 1 {
		t.Fatalf("refused pages recorded look-ups: %d", n)
	}
	code, body = br.get("/ui/classes/" + e.inst + "/" + e.class + "?format=csv")
	if code != http.StatusOK || !strings.HasPrefix(body, "id,name,username,roles\n") || !strings.Contains(body, e.child) {
		t.Errorf("csv: %d %q", code, body)
	}
	if _, body := br.get("/ui/classes/" + e.inst + "/" + e.class + "?format=print"); !strings.Contains(body, per.GivenName) {
		t.Error("print view")
	}
	if _, body := br.get("/ui/classes"); strings.Contains(body, "/classes/"+e.other+"/") {
		t.Error("the teacher's class index lists another school's class")
	}
}

func TestParentSeesOnlyTheirChild(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.Parent)
	code, body := br.get("/ui/children")
	per, _ := e.snap.Person(e.child)
	if code != http.StatusOK || !strings.Contains(body, per.GivenName+" "+per.FamilyName) {
		t.Fatalf("children: %d", code)
	}
	if n := strings.Count(body, `<th scope="row">`); n != len(e.snap.AffiliationsOf(e.child, e.clk.Now())) && n != 1 {
		t.Errorf("parent sees %d rows", n)
	}
	ls := e.rec.Lookups()
	if len(ls) != 1 || !slices.Equal(slices.Compact(ls[0].Persons), []string{e.child}) {
		t.Errorf("look-up %+v", ls)
	}
	for _, p := range []string{"/ui/classes/" + e.inst + "/" + e.class, "/ui/search?q=a&purpose=xxxxx", "/ui/clients"} {
		if code, _ := br.get(p); code != http.StatusForbidden {
			t.Errorf("parent %s: %d", p, code)
		}
	}
}

func TestReleaseLock(t *testing.T) {
	e := newEnv(t)
	next := synth.NextYear(e.snap, 1)
	e.clk.t = synth.ReferenceTime(next.SchoolYear)
	if _, err := e.src.SetSTIL(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	locked := func(inst string) bool {
		return slices.ContainsFunc(e.b.Locks(), func(l broker.Lock) bool { return l.Institution == inst })
	}
	if !locked(e.inst) || !locked(e.other) {
		t.Fatalf("locks: %+v", e.b.Locks())
	}
	sa := e.login(t, api.SchoolAdmin)
	_, body := sa.get("/ui/institutions")
	if !strings.Contains(body, `id="release-`+e.inst+`"`) || strings.Contains(body, `id="lock-`+e.other+`"`) {
		t.Error("school admin's institutions page: wrong locks shown")
	}
	if code, _ := sa.form("/ui/locks/"+e.other+"/release", nil); code != http.StatusForbidden || !locked(e.other) {
		t.Errorf("release of another school: %d", code)
	}
	if code, _ := sa.post("/ui/locks/"+e.inst+"/release", url.Values{}); code != http.StatusForbidden || !locked(e.inst) {
		t.Errorf("release without CSRF: %d", code)
	}
	if code, _ := sa.form("/ui/locks/"+e.inst+"/release", nil); code != http.StatusSeeOther || locked(e.inst) {
		t.Errorf("release: %d", code)
	}
	if code, _ := sa.form("/ui/locks/"+e.inst+"/release", nil); code != http.StatusNotFound {
		t.Errorf("release of an unlocked institution: %d", code)
	}
}

func TestSetPrimaryErrors(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.MunicipalAdmin)
	for _, v := range []url.Values{
		{"person": {"nobody"}, "institution": {e.inst}},
		{"person": {e.child}, "institution": {"000000"}},
		{"person": {e.child}, "institution": {e.other}},
		{},
	} {
		code, body := br.form("/ui/primary", v)
		if code != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%v: %d", v, code)
		}
	}
	if ps := e.b.Primaries(); len(ps) != 0 {
		t.Fatalf("a bad form changed the overrides: %+v", ps)
	}
	if code, _ := br.form("/ui/primary", url.Values{"person": {e.child}, "institution": {e.inst}}); code != http.StatusSeeOther {
		t.Errorf("set primary: %d", code)
	}
	if ps := e.b.Primaries(); len(ps) != 1 || ps[0].Institution != e.inst {
		t.Errorf("primaries %+v", ps)
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	br := e.login(t, api.MunicipalAdmin)
	if _, body := br.get("/ui/clients"); !strings.Contains(body, `lang="da"`) || !strings.Contains(body, "Klienter") {
		t.Error("Danish first")
	}
	if code, _ := br.form("/ui/lang", url.Values{"lang": {"fr"}}); code != http.StatusBadRequest {
		t.Errorf("unknown language: %d", code)
	}
	if code, _ := br.form("/ui/lang", url.Values{"lang": {"en"}, "back": {"https://evil.example/"}}); code != http.StatusSeeOther {
		t.Errorf("switch: %d", code)
	}
	if _, body := br.get("/ui/clients"); !strings.Contains(body, `lang="en"`) || !strings.Contains(body, "Clients") {
		t.Error("English after the switch")
	}
}

type failingRecorder struct{}

func (failingRecorder) Record(context.Context, Lookup) error { return errors.New("log is down") }

func TestNothingShownWhenNotRecorded(t *testing.T) {
	e := newEnv(t)
	e.srv.Recorder = failingRecorder{}
	br := e.login(t, api.Teacher)
	code, body := br.get("/ui/classes/" + e.inst + "/" + e.class)
	per, _ := e.snap.Person(e.child)
	if code != http.StatusInternalServerError || strings.Contains(body, per.FamilyName) {
		t.Errorf("class list with the recorder down: %d", code)
	}
}

func TestAttributeMap(t *testing.T) {
	for _, c := range []struct {
		name   string
		nameID string
		attrs  map[string][]string
		want   api.Principal
		err    error
	}{
		{"teacher", "x", map[string][]string{"uid": {"l1"}, "orgsyncRole": {"teacher"}, "orgsyncInstitution": {"200001"}, "orgsyncClass": {"200001/G1", ""}},
			api.Principal{ID: "l1", Kind: "person", Role: api.Teacher, Institutions: []string{"200001"}, Classes: []string{"200001/G1"}}, nil},
		{"the strongest role wins", "n", map[string][]string{"orgsyncRole": {"parent", "municipal-admin"}},
			api.Principal{ID: "n", Kind: "person", Role: api.MunicipalAdmin}, nil},
		{"unknown role", "n", map[string][]string{"orgsyncRole": {"janitor"}}, api.Principal{}, ErrNoRole},
		{"no role", "n", nil, api.Principal{}, ErrNoRole},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := testAttributeMap.Principal(c.nameID, c.attrs)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err == nil && !reflect.DeepEqual(p, c.want) {
				t.Errorf("got %+v, want %+v", p, c.want)
			}
		})
	}
	if _, err := (AttributeMap{ID: "uid"}).Principal("", map[string][]string{}); err == nil {
		t.Error("no ID: no error")
	}
}

func TestInstitutionsTrend(t *testing.T) {
	e := newEnv(t)
	hc := &HeadCounts{Max: 3, Clock: e.clk.Now}
	e.srv.HeadCounts = hc
	smaller := *e.snap
	smaller.Affiliations = slices.DeleteFunc(slices.Clone(e.snap.Affiliations), func(a orgmodel.Affiliation) bool { return a.PersonID == e.child })
	for range 3 {
		hc.Accepted(nil, &smaller)
	}
	hc.Accepted(nil, e.snap)
	if n := len(hc.Series(e.inst)); n != 3 {
		t.Errorf("series of %d points, want the last 3", n)
	}
	now := headCount(e.snap)[e.inst]
	br := e.login(t, api.SchoolAdmin)
	_, body := br.get("/ui/institutions")
	if !strings.Contains(body, `<svg class="trend" role="img" aria-label="`+e.inst+`: `) {
		t.Error("no trend chart")
	}
	if !strings.Contains(body, fmt.Sprintf("<td>%d</td><td>%d</td>", now, now-1)) {
		t.Errorf("head count now %d against the previous export %d not shown", now, now-1)
	}
	if trendSVG([]int{5}, "x") != "" {
		t.Error("a chart of one point")
	}
}

package ui

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

//go:embed testdata/axe-core/axe.min.js
var axeJS string

// chromium returns the browser for the browser tests: $ORGSYNC_CHROMIUM,
// or Debian's chromium in CI (installed by .ci/run from the apt: line of
// .ci/servers/simplesamlphp.sh). Outside CI without $ORGSYNC_CHROMIUM the
// tests are skipped.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ORGSYNC_CHROMIUM"); p != "" {
		return p
	}
	if os.Getenv("CI") == "" {
		t.Skip("browser tests: set ORGSYNC_CHROMIUM=/usr/bin/chromium (and start .ci/servers/simplesamlphp.sh)")
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("CI is set but chromium is not installed")
	}
	return p
}

// adPupil creates, in an OU of the test's own on Samba AD, the account of
// the pupil person with the Key desired.UserKey(person), and returns the
// client and the account's userPrincipalName.
func adPupil(t *testing.T, person string) (*ad.Client, ad.Config, string) {
	t.Helper()
	url := os.Getenv("ORGSYNC_AD_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but ORGSYNC_AD_URL is not: start .ci/servers/samba.sh")
		}
		t.Skip("ORGSYNC_AD_URL not set; run eval \"$(.ci/servers/samba.sh start)\"")
	}
	ctx := context.Background()
	rnd := make([]byte, 4)
	_, _ = rand.Read(rnd)
	tag := hex.EncodeToString(rnd)
	base := "OU=ui-" + tag + ",OU=orgsync-tests," + os.Getenv("ORGSYNC_AD_BASE")
	cfg := ad.Config{URL: url, BindDN: os.Getenv("ORGSYNC_AD_BIND"), Password: os.Getenv("ORGSYNC_AD_PASSWORD"),
		CAFile: os.Getenv("ORGSYNC_AD_CA"), Base: base, Domain: base, UPNDomain: "skole.test",
		MarkPrefix: "orgsync-ui-" + tag + ":", RetryDelay: 10 * time.Millisecond,
		NewPassword: func(string) (string, error) { return "Start-Kode-2024!x", nil }}
	c, err := ad.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.EnsureBase(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteTree(t, cfg, base) })
	sam := "el" + tag
	o := diff.Object{Kind: diff.User, Key: "user/" + person, Name: "Elev " + tag,
		Attrs: diff.Attrs{{Name: "username", Value: sam}, {Name: "givenName", Value: "Elev"}, {Name: "familyName", Value: tag},
			{Name: "roles", Value: "Elev"}, {Name: "globalRole", Value: "student"}}}
	if err := c.Apply(ctx, diff.Change{Action: diff.Create, Kind: diff.User, Key: o.Key, After: &o}); err != nil {
		t.Fatal(err)
	}
	return c, cfg, sam + "@skole.test"
}

func ldapConn(t *testing.T, cfg ad.Config) *ldap.Conn {
	t.Helper()
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	host, _, _ := strings.Cut(strings.TrimPrefix(cfg.URL, "ldaps://"), ":")
	conn, err := ldap.DialURL(cfg.URL, ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: host}))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func deleteTree(t *testing.T, cfg ad.Config, dn string) {
	conn := ldapConn(t, cfg)
	defer conn.Close()
	if err := conn.Bind(cfg.BindDN, cfg.Password); err != nil {
		t.Error(err)
		return
	}
	err := conn.Del(ldap.NewDelRequest(dn, []ldap.Control{ldap.NewControlString(ldap.ControlTypeMicrosoftTreeDelete, true, "")}))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		t.Errorf("delete %s: %v", dn, err)
	}
}

// tab is one signed-in browser context (cookies of its own).
type tab struct {
	t   *testing.T
	ctx context.Context
	dir string
}

func (tb *tab) run(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.fail(err)
	}
}

func (tb *tab) fail(err error) {
	tb.t.Helper()
	loc, _ := chromedp.Run(tb.ctx, chromedp.Location())
	body, _ := chromedp.Run(tb.ctx, chromedp.OuterHTML(chromedp.CSS("body")))
	tb.t.Fatalf("browser: %v\nat %s\n%.1500s", err, loc, body)
}

// value runs an action with a value.
func value[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, a)
	if err != nil {
		tb.fail(err)
	}
	return v
}

// js runs a script for its effect.
func js(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[any](expr)(ctx, t)
		return chromedp.Void{}, err
	}
}

// screenshot saves the page under the test's temp dir.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	png := value(tb, chromedp.FullScreenshot(90))
	p := filepath.Join(tb.dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s", p)
}

// axe runs axe-core on the page and fails on serious or critical
// violations.
func (tb *tab) axe(page string) {
	tb.t.Helper()
	tb.run(js(axeJS))
	res := value(tb, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))))`,
		chromedp.EvalAwaitPromise))
	var vs []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		tb.t.Fatalf("axe on %s: %v: %s", page, err, res)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.t.Errorf("axe on %s: %s %s (%s): %v", page, v.Impact, v.ID, v.Help, v.Nodes)
		}
	}
}

// signIn signs in through SimpleSAMLphp's login form.
func (tb *tab) signIn(base, user, password string) {
	tb.t.Helper()
	tb.run(chromedp.Navigate(base+"/ui/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#submit_button")),
		// SimpleSAMLphp's page posts the response to the ACS (its script;
		// the button is the fallback), which sends the browser home.
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/ui/logout"]`)))
}

// TestBrowser drives Debian's chromium (headless) through the UI signed in
// through SimpleSAMLphp: an administrator pauses and resumes a client and
// releases a locked institution; a teacher sets a pupil's password (the
// test binds to Samba AD as the pupil with it), is refused another
// school's class and a form without its CSRF token; a parent sees only
// their child; an administrator's bad keep-alive date is refused with a
// message, then an entry is added and removed and a primary institution
// set and cleared. axe-core checks every page; screenshots are saved.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	e, password := newSAMLEnv(t)
	adc, adcfg, upn := adPupil(t, e.child)
	e.srv.Passwords = []PasswordTarget{DirectoryPasswords("Active Directory", adc)}
	e.srv.Audit, _ = newAuditAccess(t, e.clk.Now, []string{string(api.PrivacyOfficer), string(api.MunicipalAdmin)})

	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	defer cancel()
	browserCtx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	shots := t.TempDir()
	newTab := func(t *testing.T) *tab {
		ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
		t.Cleanup(cancelT)
		return &tab{t: t, ctx: ctx, dir: shots}
	}
	base := e.ts.URL

	t.Run("teacher", func(t *testing.T) {
		tb := newTab(t)
		tb.signIn(base, "laerer", password)
		tb.run(chromedp.Navigate(base+"/ui/classes/"+e.inst+"/"+e.class), chromedp.WaitVisible(chromedp.CSS("#pw-submit")))
		tb.axe("class list")
		const pw = "Sol-Regn-2026!x"
		tb.run(chromedp.SetValue(chromedp.CSS("#pw-person"), e.child),
			chromedp.SendKeys(chromedp.CSS("#pw-new"), pw), chromedp.SendKeys(chromedp.CSS("#pw-confirm"), pw),
			chromedp.Click(chromedp.CSS("#pw-submit")), chromedp.WaitVisible(chromedp.CSS("#pw-done")))
		tb.screenshot("teacher-password-set")
		html := value(tb, chromedp.OuterHTML(chromedp.CSS("html")))
		if strings.Contains(html, pw) {
			t.Error("the page shows the password")
		}
		conn := ldapConn(t, adcfg)
		if err := conn.Bind(upn, pw); err != nil {
			t.Errorf("bind to Samba AD as the pupil with the new password: %v", err)
		}
		conn.Close()
		// Another school's class: 403.
		tb.run(chromedp.Navigate(base+"/ui/classes/"+e.other+"/"+e.otherClass), chromedp.WaitVisible(chromedp.CSS("#message")))
		h1 := value(tb, chromedp.Text(chromedp.CSS("h1")))
		if h1 != "403" {
			t.Errorf("another school's class: %q, want 403", h1)
		}
		tb.axe("forbidden")
		tb.screenshot("teacher-forbidden")
		// A form posted without its CSRF token is refused.
		tb.run(chromedp.Navigate(base+"/ui/classes/"+e.inst+"/"+e.class), chromedp.WaitVisible(chromedp.CSS("#pw-submit")),
			js(`document.querySelectorAll('input[name="csrf"]').forEach(e => e.remove())`),
			chromedp.SetValue(chromedp.CSS("#pw-person"), e.child),
			chromedp.SendKeys(chromedp.CSS("#pw-new"), "Anden-Kode-2026!"), chromedp.SendKeys(chromedp.CSS("#pw-confirm"), "Anden-Kode-2026!"),
			chromedp.Click(chromedp.CSS("#pw-submit")), chromedp.WaitVisible(chromedp.CSS("#message")))
		h1 = value(tb, chromedp.Text(chromedp.CSS("h1")))
		if h1 != "403" {
			t.Errorf("form without CSRF: %q, want 403", h1)
		}
		conn = ldapConn(t, adcfg)
		if err := conn.Bind(upn, pw); err != nil {
			t.Errorf("the refused form changed the password: %v", err)
		}
		conn.Close()
	})

	t.Run("parent", func(t *testing.T) {
		tb := newTab(t)
		tb.signIn(base, "foraelder", password)
		tb.run(chromedp.Navigate(base+"/ui/children"), chromedp.WaitVisible(chromedp.CSS("table")))
		rows := value(tb, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('tbody th[scope="row"]')).map(e => e.textContent)`))
		per, _ := e.snap.Person(e.child)
		g, f := per.Names()
		for _, r := range rows {
			if r != g+" "+f {
				t.Errorf("parent sees %q", r)
			}
		}
		if len(rows) == 0 {
			t.Error("parent sees no child")
		}
		tb.axe("children")
		tb.screenshot("parent")
	})
	t.Run("administrator", func(t *testing.T) {
		// The year roll locks both schools (after the teacher's and the
		// parent's tests, which use this year's classes).
		next := synth.NextYear(e.snap, 1)
		e.clk.t = synth.ReferenceTime(next.SchoolYear)
		if _, err := e.src.SetSTIL(context.Background(), next); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(e.b.Locks(), func(l broker.Lock) bool { return l.Institution == e.inst }) {
			t.Fatal("no lock to release")
		}
		tb := newTab(t)
		tb.signIn(base, "kommune-admin", password)
		tb.axe("home")
		tb.run(chromedp.Navigate(base+"/ui/clients"), chromedp.WaitVisible(chromedp.CSS("#pause-mem")))
		tb.axe("clients")
		tb.run(chromedp.Click(chromedp.CSS("#pause-mem")), chromedp.WaitVisible(chromedp.CSS("#resume-mem")))
		if st, _ := e.b.Status("mem"); !st.Paused {
			t.Fatal("not paused")
		}
		tb.screenshot("admin-paused")
		tb.run(chromedp.Click(chromedp.CSS("#resume-mem")), chromedp.WaitVisible(chromedp.CSS("#pause-mem")))
		if st, _ := e.b.Status("mem"); st.Paused {
			t.Fatal("not resumed")
		}
		tb.run(chromedp.Navigate(base+"/ui/clients/mem"), chromedp.WaitVisible(chromedp.CSS("#f-action")))
		tb.axe("pending")
		// A dry run from the pending page; the run history with its chart.
		tb.run(chromedp.Click(chromedp.CSS("#dry-run")), chromedp.WaitVisible(chromedp.CSS("#done")))
		if _, ok := e.b.Planned("mem"); !ok {
			t.Fatal("the dry-run button left no plan")
		}
		if rep, _ := e.b.Run(context.Background(), "mem"); rep == nil {
			t.Fatal("no run")
		}
		tb.run(chromedp.Navigate(base+"/ui/clients/mem/runs"), chromedp.WaitVisible(chromedp.CSS("svg.runs")))
		tb.axe("run history")
		tb.screenshot("admin-runs")
		tb.run(chromedp.Navigate(base+"/ui/institutions"), chromedp.WaitVisible(chromedp.CSS("#release-"+e.inst)))
		tb.axe("institutions")
		tb.screenshot("admin-locked")
		tb.run(chromedp.Click(chromedp.CSS("#release-"+e.inst)), chromedp.WaitVisible(chromedp.CSS("#done")))
		if slices.ContainsFunc(e.b.Locks(), func(l broker.Lock) bool { return l.Institution == e.inst }) {
			t.Fatal("still locked")
		}
		tb.run(chromedp.Navigate(base+"/ui/search?q=an&purpose=browser+test"), chromedp.WaitVisible(chromedp.CSS("table")))
		tb.axe("search")
		tb.run(chromedp.Navigate(base+"/ui/audit"), chromedp.WaitVisible(chromedp.CSS("table")))
		tb.axe("anomaly report")
		tb.screenshot("admin-anomalies")
	})
	t.Run("keep-alive and primary", func(t *testing.T) {
		// The keep-alive list: a bad date is refused with a message and
		// nothing kept; a good entry is added, then removed.
		tb := newTab(t)
		tb.signIn(base, "kommune-admin", password)
		snap := e.b.Snapshot()
		var person string
		for _, a := range snap.Affiliations {
			if snap.AffiliationInstitution(a) == e.inst {
				person = a.PersonID
				break
			}
		}
		now := e.srv.Clock() // the SAML env signs in on the real clock
		until := now.AddDate(0, 1, 0).Format(time.DateOnly)
		tb.run(chromedp.Navigate(base+"/ui/keepalive"), chromedp.WaitVisible(chromedp.CSS("#ka-submit")))
		tb.axe("keep-alive")
		tb.run(chromedp.SendKeys(chromedp.CSS("#ka-person"), person),
			chromedp.SetValue(chromedp.CSS("#ka-until"), now.AddDate(0, 0, -1).Format(time.DateOnly)),
			js(`document.querySelector("#ka-until").removeAttribute("min")`), // as a browser without date checks would post it
			chromedp.SendKeys(chromedp.CSS("#ka-reason"), "orlov efter skoleårets afslutning"),
			chromedp.Click(chromedp.CSS("#ka-submit")), chromedp.WaitVisible(chromedp.CSS(`#message[role="alert"]`)))
		tb.axe("keep-alive refused")
		tb.screenshot("admin-keepalive-refused")
		if ks := e.b.KeepAlives(); len(ks) != 0 {
			t.Fatalf("a refused keep-alive form kept %+v", ks)
		}
		tb.run(chromedp.SetValue(chromedp.CSS("#ka-until"), until),
			chromedp.Click(chromedp.CSS("#ka-submit")), chromedp.WaitVisible(chromedp.CSS("#done")),
			chromedp.WaitVisible(chromedp.CSS(`[id="ka-remove-`+person+`"]`)))
		if ks := e.b.KeepAlives(); len(ks) != 1 || ks[0].PersonID != person || ks[0].Until.Format(time.DateOnly) != until {
			t.Fatalf("keep-alives %+v", ks)
		}
		tb.axe("keep-alive with an entry")
		tb.screenshot("admin-keepalive")
		tb.run(chromedp.Click(chromedp.CSS(`[id="ka-remove-`+person+`"]`)), chromedp.WaitNotPresent(chromedp.CSS(`[id="ka-remove-`+person+`"]`)),
			chromedp.WaitVisible(chromedp.CSS("#done")))
		if ks := e.b.KeepAlives(); len(ks) != 0 {
			t.Errorf("not removed: %+v", ks)
		}
		// The primary institution: set, then cleared.
		tb.run(chromedp.Navigate(base+"/ui/primary"), chromedp.WaitVisible(chromedp.CSS("#p-submit")),
			chromedp.SendKeys(chromedp.CSS("#p-person"), person), chromedp.SendKeys(chromedp.CSS("#p-inst"), e.inst),
			chromedp.Click(chromedp.CSS("#p-submit")), chromedp.WaitVisible(chromedp.CSS(`[id="pr-clear-`+person+`"]`)))
		if ps := e.b.Primaries(); len(ps) != 1 || ps[0].Institution != e.inst {
			t.Fatalf("primaries %+v", ps)
		}
		tb.axe("primary")
		tb.screenshot("admin-primary")
		tb.run(chromedp.Click(chromedp.CSS(`[id="pr-clear-`+person+`"]`)), chromedp.WaitNotPresent(chromedp.CSS(`[id="pr-clear-`+person+`"]`)),
			chromedp.WaitVisible(chromedp.CSS("#done")))
		if ps := e.b.Primaries(); len(ps) != 0 {
			t.Errorf("not cleared: %+v", ps)
		}
	})

}

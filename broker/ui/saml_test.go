package ui

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"html"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/broker/api"
)

// samlEnv is the environment of the tests against SimpleSAMLphp
// (.ci/servers/simplesamlphp.sh): skipped when its variables are unset
// outside CI, a failure in CI.
func samlEnv(t *testing.T) (metadata, spURL, password string) {
	t.Helper()
	metadata, spURL, password = os.Getenv("ORGSYNC_SAML_IDP_METADATA"), os.Getenv("ORGSYNC_SAML_SP_URL"), os.Getenv("ORGSYNC_SAML_PASSWORD")
	if metadata == "" || spURL == "" || password == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but ORGSYNC_SAML_IDP_METADATA, ORGSYNC_SAML_SP_URL or ORGSYNC_SAML_PASSWORD is not: start .ci/servers/simplesamlphp.sh")
		}
		t.Skip("no SimpleSAMLphp: eval \"$(.ci/servers/simplesamlphp.sh start)\"")
	}
	return
}

// testAttributeMap is the mapping of the test IdP's attributes (see
// .ci/servers/simplesamlphp.sh).
var testAttributeMap = AttributeMap{
	ID:   "uid",
	Role: "orgsyncRole",
	Roles: map[string]api.Role{
		"municipal-admin": api.MunicipalAdmin, "privacy-officer": api.PrivacyOfficer,
		"school-admin": api.SchoolAdmin, "teacher": api.Teacher, "parent": api.Parent,
	},
	Institutions: "orgsyncInstitution", Classes: "orgsyncClass", Children: "orgsyncChild",
}

func selfSigned(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "orgsync-test-sp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// newSAMLEnv is the handler-test environment with the UI signing in
// through SimpleSAMLphp, served on the address the IdP knows.
func newSAMLEnv(t *testing.T) (*env, string) {
	t.Helper()
	mdURL, spURL, password := samlEnv(t)
	e := newEnv(t)
	e.ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mu, _ := url.Parse(mdURL)
	md, err := samlsp.FetchMetadata(ctx, http.DefaultClient, *mu)
	if err != nil {
		t.Fatalf("IdP metadata: %v", err)
	}
	base, err := url.Parse(spURL)
	if err != nil {
		t.Fatal(err)
	}
	key, cert := selfSigned(t)
	acs, meta := *base, *base
	acs.Path += "/saml/acs"
	meta.Path += "/saml/metadata"
	sp := &saml.ServiceProvider{EntityID: meta.String(), Key: key, Certificate: cert, IDPMetadata: md,
		AcsURL: acs, MetadataURL: meta, AuthnNameIDFormat: saml.TransientNameIDFormat}
	e.srv.Demo = nil
	e.srv.SAML = &SAML{SP: sp, Map: testAttributeMap}
	e.srv.Clock = time.Now
	srv, err := New(*e.srv)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	l, err := net.Listen("tcp", base.Host)
	if err != nil {
		t.Fatalf("listen on the SP's address %s: %v", base.Host, err)
	}
	e.ts = httptest.NewUnstartedServer(srv)
	e.ts.Listener.Close()
	e.ts.Listener = l
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	return e, password
}

var (
	authStateRe    = regexp.MustCompile(`name="AuthState" value="([^"]*)"`)
	samlResponseRe = regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`)
	formActionRe   = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
)

// samlLogin signs in at the UI through the IdP's login form as user, as
// a browser without JavaScript would: the IdP's response form is posted
// by hand. It returns the browser and the status of the ACS's answer.
func (e *env) samlLogin(t *testing.T, user, password string) (*browser, int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	br := &browser{t: t, e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	resp, err := br.c.Get(e.ts.URL + "/ui/login") // follows to the IdP's login page
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := authStateRe.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no IdP login form at %s (%d):\n%.2000s", resp.Request.URL, resp.StatusCode, page)
	}
	resp, err = br.c.PostForm(resp.Request.URL.String(), url.Values{"username": {user}, "password": {password}, "AuthState": {html.UnescapeString(string(m[1]))}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	sr, act := samlResponseRe.FindSubmatch(page), formActionRe.FindSubmatch(page)
	if sr == nil || act == nil {
		t.Fatalf("no SAML response from the IdP (%d):\n%.2000s", resp.StatusCode, page)
	}
	if got, want := html.UnescapeString(string(act[1])), e.ts.URL+"/ui/saml/acs"; got != want {
		t.Fatalf("the IdP posts to %s, want %s", got, want)
	}
	br.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	response := html.UnescapeString(string(sr[1]))
	code, body := br.post("/ui/saml/acs", url.Values{"SAMLResponse": {response}})
	if code != http.StatusSeeOther {
		return br, code, response
	}
	code, body = br.get("/ui/")
	if code != http.StatusOK {
		t.Fatalf("home after sign-in: %d", code)
	}
	br.csrf = between(body, `name="csrf" value="`, `"`)
	return br, http.StatusSeeOther, response
}

// principal is the principal of br's session.
func (br *browser) principal() api.Principal {
	u, _ := url.Parse(br.e.ts.URL + "/ui/")
	for _, c := range br.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			if ss, ok := br.e.srv.sessions.get(c.Value, time.Now(), time.Hour); ok {
				return ss.principal
			}
		}
	}
	return api.Principal{}
}

// TestSAMLLoginEachRole signs in through SimpleSAMLphp as each role and
// checks the principal the attributes map onto, and a page of its scope.
func TestSAMLLoginEachRole(t *testing.T) {
	e, password := newSAMLEnv(t)
	var first string // a response already used
	for _, c := range []struct {
		user string
		want api.Principal
		page string // a page the role may open
		deny string // one it may not
	}{
		{"kommune-admin", api.Principal{ID: "kommune-admin", Kind: "person", Role: api.MunicipalAdmin}, "/ui/clients", "/ui/children"},
		{"dpo", api.Principal{ID: "dpo", Kind: "person", Role: api.PrivacyOfficer}, "/ui/keepalive", "/ui/children"},
		{"skoleleder", api.Principal{ID: "skoleleder", Kind: "person", Role: api.SchoolAdmin, Institutions: []string{e.inst}}, "/ui/institutions", "/ui/keepalive"},
		{"laerer", api.Principal{ID: "laerer", Kind: "person", Role: api.Teacher, Institutions: []string{e.inst}, Classes: []string{e.inst + "/" + e.class}},
			"/ui/classes/" + e.inst + "/" + e.class, "/ui/classes/" + e.other + "/" + e.otherClass},
		{"foraelder", api.Principal{ID: "foraelder", Kind: "person", Role: api.Parent, Children: []string{e.child}}, "/ui/children", "/ui/clients"},
	} {
		t.Run(c.user, func(t *testing.T) {
			if c.want.Role != api.MunicipalAdmin && c.want.Role != api.PrivacyOfficer && (e.inst != "200001" || e.class != "G0000004" || e.child != "p00000017") {
				t.Fatalf("the test IdP's scopes name 200001/G0000004/p00000017; synth.Tiny now has %s/%s/%s: update .ci/servers/simplesamlphp.sh", e.inst, e.class, e.child)
			}
			br, code, response := e.samlLogin(t, c.user, password)
			if code != http.StatusSeeOther {
				t.Fatalf("ACS: %d", code)
			}
			if first == "" {
				first = response
			}
			if diff := cmp.Diff(c.want, br.principal()); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
			if code, _ := br.get(c.page); code != http.StatusOK {
				t.Errorf("%s: %d", c.page, code)
			}
			if code, _ := br.get(c.deny); code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", c.deny, code)
			}
			_, body := br.get("/ui/")
			if !strings.Contains(body, c.want.ID) || !strings.Contains(body, tr("da", "role."+string(c.want.Role))) {
				t.Errorf("home does not name %s as %s", c.want.ID, c.want.Role)
			}
		})
	}
	t.Run("uden-rolle", func(t *testing.T) {
		if _, code, _ := e.samlLogin(t, "uden-rolle", password); code != http.StatusForbidden {
			t.Errorf("a user without a role: %d, want 403", code)
		}
	})
	t.Run("replay", func(t *testing.T) {
		// A response posted twice: the request it answered is consumed.
		jar, _ := cookiejar.New(nil)
		br := &browser{t: t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		if first == "" {
			t.Fatal("no response to replay")
		}
		if code, _ := br.post("/ui/saml/acs", url.Values{"SAMLResponse": {first}}); code != http.StatusForbidden {
			t.Errorf("replayed SAMLResponse: %d, want 403", code)
		}
		if code, _ := br.post("/ui/saml/acs", url.Values{"SAMLResponse": {"bm90IGEgcmVzcG9uc2U="}}); code != http.StatusForbidden {
			t.Errorf("garbage SAMLResponse: %d, want 403", code)
		}
	})
}

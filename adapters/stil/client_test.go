package stil

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// markSigner stands in for a real WS-Security signer: it adds a header
// element the fake service checks for.
type markSigner struct{}

func (markSigner) Sign(_ context.Context, env []byte) ([]byte, error) {
	return bytes.Replace(env, []byte("<soap:Header>"), []byte(`<soap:Header><wsse:Security xmlns:wsse="urn:test">signed</wsse:Security>`), 1), nil
}

func TestClientFetch(t *testing.T) {
	export, err := os.ReadFile(filepath.Join("testdata", "skovbakke-2024.xml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := string(body)
		switch {
		case !strings.Contains(s, "<wsse:Security"):
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>missing signature</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
		case r.Header.Get("SOAPAction") != `"`+ActionFuldMyndighed+`"`:
			w.WriteHeader(http.StatusBadRequest)
		case !strings.Contains(s, "<ws:instnr>280101</ws:instnr><ws:filtre><ws:cprFilter><ws:inkluderCpr>true</ws:inkluderCpr></ws:cprFilter></ws:filtre>") || !strings.Contains(s, "<c3:UdbydersystemId"):
			w.WriteHeader(http.StatusBadRequest)
		default:
			w.Header().Set("Content-Type", "text/xml")
			w.Write(export)
		}
	}))
	defer srv.Close()

	c := &Client{Endpoint: srv.URL, HTTP: srv.Client(), Signer: markSigner{}, SupplierSystemID: "orgsync"}
	res, err := c.Fetch(context.Background(), "280101")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exports) != 1 || res.Exports[0].Institution.Number != "280101" {
		t.Fatalf("exports = %+v", res.Exports)
	}
	unsigned := &Client{Endpoint: srv.URL, HTTP: srv.Client(), Signer: signerFunc(func(e []byte) []byte { return e }), SupplierSystemID: "orgsync"}
	if _, err := unsigned.Fetch(context.Background(), "280101"); !errors.Is(err, ErrFault) {
		t.Errorf("unsigned request: err = %v, want ErrFault", err)
	}
	if _, err := (&Client{Endpoint: srv.URL}).Fetch(context.Background(), "280101"); err == nil {
		t.Error("no signer: no error")
	}
	if _, err := c.Fetch(context.Background(), "999999"); err == nil || !strings.Contains(err.Error(), "http 400") {
		t.Errorf("bad request: err = %v", err)
	}
}

type signerFunc func([]byte) []byte

func (f signerFunc) Sign(_ context.Context, e []byte) ([]byte, error) { return f(e), nil }

func TestEnvelopeFilters(t *testing.T) {
	c := &Client{Filters: Filters{OmitCPR: true, Actors: &ActorFilter{Students: true, ContactPersons: true}, Levels: []string{"0", "1"}}}
	got := string(c.Envelope("280101"))
	want := `<ws:instnr>280101</ws:instnr><ws:filtre><ws:aktoertypeFilter><ws:inkluderElever>true</ws:inkluderElever><ws:inkluderMedarbejdere>false</ws:inkluderMedarbejdere><ws:inkluderEksterne>false</ws:inkluderEksterne><ws:inkluderKontaktpersoner>true</ws:inkluderKontaktpersoner></ws:aktoertypeFilter>` +
		`<ws:klassetrinFilter><ws:inkluderKlassetrin>0</ws:inkluderKlassetrin><ws:inkluderKlassetrin>1</ws:inkluderKlassetrin></ws:klassetrinFilter><ws:cprFilter><ws:inkluderCpr>false</ws:inkluderCpr></ws:cprFilter></ws:filtre>`
	if !strings.Contains(got, want) {
		t.Errorf("envelope %s\nlacks %s", got, want)
	}
}

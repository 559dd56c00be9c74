package graphfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra/graphfake"
)

// TestSyncedUserRefusesSyncOwnedWrites: a user synced from on-premises
// takes writes of what the sync does not own and refuses the rest, and its
// deletion, with Graph's error.
func TestSyncedUserRefusesSyncOwnedWrites(t *testing.T) {
	srv := graphfake.New(graphfake.Options{Domains: []string{"skole.test"}})
	defer srv.Close()
	id := srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Ann", "userPrincipalName": "ann@skole.test",
		"mailNickname": "ann", "onPremisesSyncEnabled": true})
	cloud := srv.Seed("user", map[string]any{"accountEnabled": true, "displayName": "Bo", "userPrincipalName": "bo@skole.test", "mailNickname": "bo"})
	do := func(method, id, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.BaseURL()+"/users/"+id, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, body := range []string{`{"givenName":"X"}`, `{"accountEnabled":false}`, `{"companyName":"orgsync"}`, `{"usageLocation":"DK","jobTitle":"x"}`} {
		if code, msg := do(http.MethodPatch, id, body); code != 400 || !strings.Contains(msg, "on-premises mastered Directory Sync objects") {
			t.Errorf("PATCH %s on a synced user: %d %s", body, code, msg)
		}
	}
	if code, msg := do(http.MethodPatch, id, `{"usageLocation":"DK"}`); code >= 300 {
		t.Errorf("PATCH usageLocation on a synced user: %d %s", code, msg)
	}
	if code, _ := do(http.MethodPatch, cloud, `{"givenName":"X"}`); code >= 300 {
		t.Errorf("PATCH on a cloud user: %d", code)
	}
	if code, _ := do(http.MethodDelete, id, ""); code != 400 {
		t.Errorf("DELETE of a synced user: %d", code)
	}
	if got := len(srv.SyncRefusals()); got != 4 {
		t.Errorf("SyncRefusals: %v, want 4", srv.SyncRefusals())
	}
}

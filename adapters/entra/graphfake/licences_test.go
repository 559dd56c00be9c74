package graphfake_test

import (
	"slices"
	"testing"

	"github.com/orgsync/orgsync/adapters/entra/graphfake"
)

const testSKU = "94763226-9b3c-4e75-a931-5c89701abe66"

// TestAssignLicenseNeedsUsageLocation: a licence cannot be given to a user
// without a usageLocation (400); with one it is added once, and removed.
func TestAssignLicenseNeedsUsageLocation(t *testing.T) {
	s := graphfake.New(graphfake.Options{})
	defer s.Close()
	st, _, body := call(t, s, "POST", "/users", newUser(1))
	if st != 201 {
		t.Fatalf("create: %d %v", st, body)
	}
	id := body["id"].(string)
	add := map[string]any{"addLicenses": []any{map[string]any{"skuId": testSKU, "disabledPlans": []any{}}}, "removeLicenses": []any{}}
	if st, _, body := call(t, s, "POST", "/users/"+id+"/assignLicense", add); st != 400 {
		t.Fatalf("without usageLocation: %d %v, want 400", st, body)
	}
	if st, _, body := call(t, s, "PATCH", "/users/"+id, map[string]any{"usageLocation": "DK"}); st != 204 {
		t.Fatalf("patch: %d %v", st, body)
	}
	for range 2 {
		if st, _, body := call(t, s, "POST", "/users/"+id+"/assignLicense", add); st != 200 {
			t.Fatalf("add: %d %v", st, body)
		}
	}
	if o, _ := s.Get(id); !slices.Equal(o.Licences(), []string{testSKU}) {
		t.Errorf("licences %v, want [%s]", o.Licences(), testSKU)
	}
	if st, _, body := call(t, s, "POST", "/users/"+id+"/assignLicense", map[string]any{"addLicenses": []any{}}); st != 400 {
		t.Errorf("without removeLicenses: %d %v, want 400", st, body)
	}
	rm := map[string]any{"addLicenses": []any{}, "removeLicenses": []any{testSKU}}
	if st, _, body := call(t, s, "POST", "/users/"+id+"/assignLicense", rm); st != 200 {
		t.Fatalf("remove: %d %v", st, body)
	}
	if o, _ := s.Get(id); len(o.Licences()) != 0 {
		t.Errorf("licences after removal: %v", o.Licences())
	}
}

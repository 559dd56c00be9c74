package googlefake

import (
	"fmt"
	"net/http"
	"sort"
)

const lic = "/apps/licensing/v1/product/{productId}"

// Products and SKUs the fake knows, as listed in Google's "Google Product
// and SKU IDs" page of the Enterprise License Manager API
// (https://developers.google.com/workspace/admin/licensing/v1/how-tos/products):
// the Education SKUs and one Workspace SKU. Any other product or SKU is
// refused with 400, as the service refuses one the customer does not have.
var knownSKUs = map[string]map[string]string{
	"101031": {
		"1010310005": "Google Workspace for Education Standard",
		"1010310006": "Google Workspace for Education Standard (Staff)",
		"1010310007": "Google Workspace for Education Standard (Extra Student)",
		"1010310008": "Google Workspace for Education Plus",
		"1010310009": "Google Workspace for Education Plus (Staff)",
		"1010310010": "Google Workspace for Education Plus (Extra Student)",
	},
	"101037": {
		"1010370001": "Google Workspace for Education: Teaching and Learning Upgrade",
	},
	"Google-Apps": {
		"Google-Apps-For-Education": "Google Workspace for Education: Fundamentals",
		"1010070001":                "Google Workspace for Education Fundamentals",
		"1010020020":                "Google Workspace Enterprise Plus",
	},
}

var productNames = map[string]string{"101031": "Google Workspace for Education", "101037": "Google Workspace for Education", "Google-Apps": "Google Workspace"}

func (f *Fake) licensingRoutes() {
	s := f.st
	f.method("POST "+lic+"/sku/{skuId}/user", "licensing.licenseAssignments.insert", true, s.insertLicence)
	f.method("GET "+lic+"/sku/{skuId}/user/{userId}", "licensing.licenseAssignments.get", false, s.getLicence)
	f.method("DELETE "+lic+"/sku/{skuId}/user/{userId}", "licensing.licenseAssignments.delete", true, s.deleteLicence)
	f.method("PATCH "+lic+"/sku/{skuId}/user/{userId}", "licensing.licenseAssignments.patch", true, s.patchLicence)
	f.method("PUT "+lic+"/sku/{skuId}/user/{userId}", "licensing.licenseAssignments.update", true, s.patchLicence)
	f.method("GET "+lic+"/users", "licensing.licenseAssignments.listForProduct", false, s.listLicences)
	f.method("GET "+lic+"/sku/{skuId}/users", "licensing.licenseAssignments.listForProductAndSku", false, s.listLicences)
}

func (s *store) licenceJSON(product, sku, userID string) map[string]any {
	email := s.emailOf(userID)
	return map[string]any{
		"kind":        "licensing#licenseAssignment",
		"etags":       fmt.Sprintf("\"%s/%s/%d\"", sku, userID, s.seq),
		"productId":   product,
		"productName": productNames[product],
		"skuId":       sku,
		"skuName":     knownSKUs[product][sku],
		"userId":      email,
		"selfLink":    fmt.Sprintf("https://licensing.googleapis.com/apps/licensing/v1/product/%s/sku/%s/user/%s", product, sku, email),
	}
}

func checkSKU(product, sku string) error {
	if _, ok := knownSKUs[product][sku]; !ok {
		return invalid("Invalid productId/skuId: %s/%s", product, sku)
	}
	return nil
}

func (s *store) insertLicence(r *http.Request, body []byte) (int, any, error) {
	product, sku := r.PathValue("productId"), r.PathValue("skuId")
	if err := checkSKU(product, sku); err != nil {
		return 0, nil, err
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	key, _, _ := str(m, "userId")
	u := s.userByKey(key)
	if u == nil {
		return 0, nil, notFound("User does not exist.")
	}
	if cur, ok := s.licences[product][u.ID]; ok {
		if cur == sku {
			return 0, nil, duplicate("User already has a license for the specified product and SKU")
		}
		return 0, nil, errf(412, "conditionNotMet", "User already has a license for product %s (SKU %s); patch the assignment to change SKU", product, cur)
	}
	if s.licences[product] == nil {
		s.licences[product] = map[string]string{}
	}
	s.licences[product][u.ID] = sku
	return 200, s.licenceJSON(product, sku, u.ID), nil
}

func (s *store) assigned(r *http.Request) (*user, error) {
	product, sku := r.PathValue("productId"), r.PathValue("skuId")
	if err := checkSKU(product, sku); err != nil {
		return nil, err
	}
	u := s.userByKey(r.PathValue("userId"))
	if u == nil || s.licences[product][u.ID] != sku {
		return nil, notFound("License assignment not found")
	}
	return u, nil
}

func (s *store) getLicence(r *http.Request, _ []byte) (int, any, error) {
	u, err := s.assigned(r)
	if err != nil {
		return 0, nil, err
	}
	return 200, s.licenceJSON(r.PathValue("productId"), r.PathValue("skuId"), u.ID), nil
}

func (s *store) deleteLicence(r *http.Request, _ []byte) (int, any, error) {
	u, err := s.assigned(r)
	if err != nil {
		return 0, nil, err
	}
	delete(s.licences[r.PathValue("productId")], u.ID)
	return 200, map[string]any{}, nil
}

func (s *store) patchLicence(r *http.Request, body []byte) (int, any, error) {
	u, err := s.assigned(r)
	if err != nil {
		return 0, nil, err
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	product := r.PathValue("productId")
	to, _, _ := str(m, "skuId")
	if err := checkSKU(product, to); err != nil {
		return 0, nil, err
	}
	s.licences[product][u.ID] = to
	return 200, s.licenceJSON(product, to, u.ID), nil
}

func (s *store) listLicences(r *http.Request, _ []byte) (int, any, error) {
	product, onlySKU := r.PathValue("productId"), r.PathValue("skuId")
	q := r.URL.Query()
	if !s.customer(q.Get("customerId")) && q.Get("customerId") != s.opts.Domain {
		return 0, nil, invalid("Invalid customerId")
	}
	if _, ok := knownSKUs[product]; !ok {
		return 0, nil, invalid("Invalid productId: %s", product)
	}
	max, err := maxResults(r, "maxResults", 100, 1000)
	if err != nil {
		return 0, nil, err
	}
	type row struct{ email, id, sku string }
	var rows []row
	for id, sku := range s.licences[product] {
		if onlySKU == "" || onlySKU == sku {
			rows = append(rows, row{email: s.emailOf(id), id: id, sku: sku})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].id < rows[j].id })
	pg, next := page(rows, func(x row) string { return x.id }, q.Get("pageToken"), max)
	items := make([]any, len(pg))
	for i, x := range pg {
		items[i] = s.licenceJSON(product, x.sku, x.id)
	}
	out := map[string]any{"kind": "licensing#licenseAssignmentList", "etag": fmt.Sprintf("\"lic/%d\"", s.seq), "items": items}
	if next != "" {
		out["nextPageToken"] = next
	}
	return 200, out, nil
}

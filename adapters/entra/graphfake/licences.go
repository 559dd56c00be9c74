package graphfake

import (
	"net/http"
	"slices"
	"strings"
)

// assignLicense handles POST /users/{id}/assignLicense (direct licence
// assignment, "user: assignLicense" in Graph v1.0): addLicenses is a list
// of assignedLicense objects ({"skuId":…,"disabledPlans":[…]}),
// removeLicenses a list of skuIds; both are required, either may be
// empty. The user's assignedLicenses property holds the result.
//
// Strict as Graph documents it: adding a licence to a user without a
// usageLocation is 400 ("user resource type": usageLocation is "required
// for users that are assigned licenses due to legal requirement"), and a
// skuId that is not a GUID is 400. Simplified: any GUID is a subscribed
// SKU with free units, and removing a licence the user lacks is a no-op.
// Caller holds s.mu.
func (s *Server) assignLicense(o *object, body []byte) result {
	m, err := jsonBody(body)
	if err != nil {
		return fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
	}
	add, okAdd := m["addLicenses"].([]any)
	remove, okRemove := m["removeLicenses"].([]any)
	if !okAdd || !okRemove {
		return fail(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'addLicenses' or 'removeLicenses'; both are required.")
	}
	held := licences(o)
	for _, r := range remove {
		sku := str(r)
		if !guid(sku) {
			return fail(http.StatusBadRequest, "Request_BadRequest", "Invalid license SKU '"+sku+"'.")
		}
		held = slices.DeleteFunc(held, func(h string) bool { return strings.EqualFold(h, sku) })
	}
	for _, a := range add {
		al, _ := a.(map[string]any)
		sku := str(al["skuId"])
		if !guid(sku) {
			return fail(http.StatusBadRequest, "Request_BadRequest", "Invalid license SKU '"+sku+"'.")
		}
		if str(o.props["usageLocation"]) == "" {
			return fail(http.StatusBadRequest, "Request_BadRequest", "License assignment cannot be done for user with invalid usage location.")
		}
		if !slices.ContainsFunc(held, func(h string) bool { return strings.EqualFold(h, sku) }) {
			held = append(held, strings.ToLower(sku))
		}
	}
	list := make([]any, 0, len(held))
	for _, h := range held {
		list = append(list, map[string]any{"skuId": h, "disabledPlans": []any{}})
	}
	o.props["assignedLicenses"] = list
	return ok(http.StatusOK, s.project(o, "", true))
}

// licences returns the skuIds of a user's assignedLicenses.
func licences(o *object) []string {
	var out []string
	list, _ := o.props["assignedLicenses"].([]any)
	for _, l := range list {
		if m, ok := l.(map[string]any); ok {
			out = append(out, str(m["skuId"]))
		}
	}
	return out
}

// guid reports whether s has the 8-4-4-4-12 hex shape of a GUID.
func guid(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", c):
			return false
		}
	}
	return true
}

// Licences returns the skuIds of the user's directly assigned licences.
func (o Object) Licences() []string {
	var out []string
	list, _ := o.Props["assignedLicenses"].([]any)
	for _, l := range list {
		if m, ok := l.(map[string]any); ok {
			if s, ok := m["skuId"].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

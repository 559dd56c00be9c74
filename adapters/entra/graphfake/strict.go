package graphfake

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// This file holds the rules in which the fake is as strict as Graph:
// advanced-only filters, replication lag and the value checks on user and
// group properties. The package documentation's fidelity table names the
// documentation each rule rests on.

// advancedOnly are the properties whose eq filter Graph serves only as an
// advanced query (ConsistencyLevel: eventual and $count=true), per type.
// Users: the "eq" column of the property table of "Advanced query
// capabilities on Microsoft Entra ID objects". Groups and administrative
// units are not listed: every property the adapter filters on there (a
// directory extension) works by default.
var advancedOnly = map[string]map[string]bool{
	"user": set("companyName", "employeeHireDate", "employeeType", "mobilePhone", "officeLocation",
		"onPremisesExtensionAttributes", "onPremisesImmutableId", "onPremisesLastSyncDateTime",
		"onPremisesSamAccountName", "passwordPolicies", "postalCode", "preferredLanguage",
		"showInAddressList", "streetAddress"),
}

var resourceName = map[string]string{"user": "User", "group": "Group", "administrativeUnit": "AdministrativeUnit"}

// advanced reports whether a request carries both advanced query
// parameters.
func advanced(q url.Values, hdr map[string]string) bool {
	return q.Get("$count") == "true" && strings.EqualFold(header(hdr, "ConsistencyLevel"), "eventual")
}

// needsAdvanced returns the first filtered property of typ that Graph
// serves only as an advanced query.
func needsAdvanced(typ string, props []string) (string, bool) {
	for _, p := range props {
		if advancedOnly[typ][p] {
			return p, true
		}
	}
	return "", false
}

// header looks a header up ignoring the case of its name.
func header(hdr map[string]string, name string) string {
	for k, v := range hdr {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// visible returns o unless it is still replicating (see Options.Lag), in
// which case the look-up misses it and counts towards its replication.
// Caller holds s.mu.
func (s *Server) visible(o *object) *object {
	if o.lag > 0 {
		o.lag--
		s.counts.LagMisses++
		return nil
	}
	return o
}

// ref finds the object a reference (@odata.id, @odata.bind) names, with
// the same lag as a look-up. Caller holds s.mu.
func (s *Server) ref(id string) *object {
	o := s.objs[id]
	if o == nil {
		return nil
	}
	return s.visible(o)
}

// refFail is the answer to a reference that names no (visible) object:
// Graph's 400 for an object that does not exist or is still replicating.
// Caller holds s.mu.
func (s *Server) refFail(id, ref string) result {
	if s.objs[id] == nil && !strings.Contains(ref, "/") {
		return fail(http.StatusBadRequest, "Request_BadRequest", "Invalid object identifier '"+ref+"'.")
	}
	return fail(http.StatusBadRequest, "Request_BadRequest",
		"The source resource object or one of the objects being referenced do not exist.")
}

// upnLocalOK reports whether every character of a userPrincipalName's
// local part is one Graph allows: A-Z a-z 0-9 ' . - _ ! # ^ ~.
func upnLocalOK(local string) bool {
	if local == "" {
		return false
	}
	for _, r := range local {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("'.-_!#^~", r):
		default:
			return false
		}
	}
	return true
}

// nicknameOK reports whether Graph accepts a mailNickname: at most 64
// characters, ASCII, none of @ ( ) \ [ ] " ; : < > , or space.
func nicknameOK(n string) bool {
	if n == "" || utf8.RuneCountInString(n) > 64 {
		return false
	}
	for _, r := range n {
		if r > 127 || r < 33 || strings.ContainsRune(`@()\[]";:<>,`, r) {
			return false
		}
	}
	return true
}

// maxLen are the documented length limits of string properties the
// adapter writes, per type.
var maxLen = map[string]map[string]int{
	"user": {"employeeId": 16, "companyName": 64, "mailNickname": 64, "displayName": 256,
		"givenName": 64, "surname": 64, "jobTitle": 128, "department": 64},
	"group": {"mailNickname": 64, "displayName": 256},
}

// checkValues refuses property values Graph refuses: lengths over the
// documented limits, a mailNickname with forbidden characters and a
// userPrincipalName whose local part has characters outside Graph's set.
func checkValues(typ string, m map[string]any) *result {
	bad := func(p string) *result {
		r := fail(http.StatusBadRequest, "Request_BadRequest",
			"Invalid value specified for property '"+p+"' of resource '"+resourceName[typ]+"'.")
		return &r
	}
	for p, n := range maxLen[typ] {
		if v, ok := m[p].(string); ok && utf8.RuneCountInString(v) > n {
			return bad(p)
		}
	}
	if v, ok := m["mailNickname"].(string); ok && (typ == "user" || typ == "group") && !nicknameOK(v) {
		return bad("mailNickname")
	}
	if v, ok := m["userPrincipalName"].(string); ok && typ == "user" {
		at := strings.LastIndex(v, "@")
		if at <= 0 || !upnLocalOK(v[:at]) {
			return bad("userPrincipalName")
		}
	}
	return nil
}

package graphfake

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// result is a handler's answer.
type result struct {
	status int
	hdr    map[string]string
	body   any
}

func ok(status int, body any) result { return result{status: status, body: body} }

func fail(status int, code, msg string) result {
	return result{status: status, body: errBody(code, msg)}
}

func notFound(id string) result {
	return fail(http.StatusNotFound, "Request_ResourceNotFound",
		"Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
}

// Properties Graph accepts on writes (a subset of v1.0 that the adapter and
// its users need). Anything else, apart from registered extensions,
// answers 400 as Graph does for an unknown property.
var writable = map[string]map[string]bool{
	"user": set("accountEnabled", "displayName", "givenName", "surname", "mailNickname",
		"userPrincipalName", "mail", "companyName", "employeeId", "department", "jobTitle",
		"passwordProfile", "showInAddressList", "usageLocation", "officeLocation",
		"preferredLanguage", "employeeType", "onPremisesImmutableId", "city", "country"),
	"group": set("displayName", "description", "mailEnabled", "mailNickname",
		"securityEnabled", "groupTypes", "visibility", "members@odata.bind",
		"owners@odata.bind", "hideFromAddressLists", "hideFromOutlookClients", "classification"),
	"administrativeUnit": set("displayName", "description", "visibility",
		"membershipType", "membershipRule", "membershipRuleProcessingState", "isMemberManagementRestricted"),
}

// Default properties returned without $select.
var defaults = map[string][]string{
	"user": {"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
		"officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"},
	"group": {"id", "createdDateTime", "description", "displayName", "groupTypes", "mail",
		"mailEnabled", "mailNickname", "securityEnabled", "visibility", "resourceProvisioningOptions"},
	"administrativeUnit": {"id", "displayName", "description", "visibility"},
}

var odataType = map[string]string{
	"user": "#microsoft.graph.user", "group": "#microsoft.graph.group",
	"administrativeUnit": "#microsoft.graph.administrativeUnit",
}

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// do executes one request (alone or from a batch). Caller does not hold s.mu.
func (s *Server) do(method, path, rawQuery string, hdr map[string]string, body []byte, inBatch bool) (int, map[string]string, any) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		r := fail(http.StatusBadRequest, "BadRequest", "Invalid query: "+err.Error())
		return r.status, r.hdr, r.body
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.authorizeRequest(method, path, body); r != nil { // password.go
		return r.status, r.hdr, r.body
	}
	r := s.route(method, path, q, hdr, body)
	if r.status < 400 && method != http.MethodGet {
		s.counts.Writes[method+" "+routeOf(path)]++
	}
	return r.status, r.hdr, r.body
}

// route dispatches a request. Caller holds s.mu.
func (s *Server) route(method, path string, q url.Values, hdr map[string]string, body []byte) result {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var typ string
	switch {
	case segs[0] == "users":
		typ, segs = "user", segs[1:]
	case segs[0] == "groups":
		typ, segs = "group", segs[1:]
	case segs[0] == "directory" && len(segs) > 1 && segs[1] == "administrativeUnits":
		typ, segs = "administrativeUnit", segs[2:]
	case segs[0] == "teams":
		return s.teamsRoute(method, segs[1:], body) // teams.go
	default:
		return fail(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+segs[0]+"'.")
	}
	switch {
	case len(segs) == 0 && method == http.MethodGet:
		return s.list(typ, path, q, hdr)
	case len(segs) == 0 && method == http.MethodPost:
		return s.create(typ, body)
	case len(segs) == 1 && (segs[0] == "delta" || segs[0] == "delta()") && method == http.MethodGet && typ != "administrativeUnit":
		return s.delta(typ, path, q)
	}
	o := s.lookup(typ, unescape(segs[0]))
	if o == nil {
		return notFound(segs[0])
	}
	rest := segs[1:]
	switch {
	case len(rest) == 0 && method == http.MethodGet:
		return ok(http.StatusOK, s.project(o, q.Get("$select"), true))
	case len(rest) == 0 && method == http.MethodPatch:
		if r := s.refuseSynced(o, method, body); r != nil {
			return *r
		}
		return s.patch(o, body)
	case len(rest) == 0 && method == http.MethodDelete:
		if r := s.refuseSynced(o, method, nil); r != nil {
			return *r
		}
		s.remove(o)
		return ok(http.StatusNoContent, nil)
	case len(rest) == 1 && rest[0] == "members" && typ == "administrativeUnit" && method == http.MethodPost:
		return s.createInUnit(o, body)
	case len(rest) >= 1 && (rest[0] == "members" || rest[0] == "owners") && (typ == "group" || (typ == "administrativeUnit" && rest[0] == "members")):
		return s.relation(o, rest[0], method, rest[1:], path, q, body)
	case len(rest) == 1 && rest[0] == "team" && typ == "group":
		return s.team(o, method)
	case len(rest) == 1 && rest[0] == "assignLicense" && typ == "user" && method == http.MethodPost:
		return s.assignLicense(o, body) // licences.go
	}
	return fail(http.StatusBadRequest, "BadRequest", "Unsupported request "+method+" "+path)
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// lookup finds an object by id, or a user by userPrincipalName. Caller
// holds s.mu.
func (s *Server) lookup(typ, id string) *object {
	if o, ok := s.objs[id]; ok && o.typ == typ {
		return s.visible(o)
	}
	if typ == "user" && strings.Contains(id, "@") {
		for _, o := range s.objs {
			if o.typ == "user" && strings.EqualFold(str(o.props["userPrincipalName"]), id) {
				return s.visible(o)
			}
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// checkProps validates written property names. Caller holds s.mu.
func (s *Server) checkProps(typ string, m map[string]any) *result {
	for k, v := range m {
		switch {
		case k == "@odata.type" || k == "id":
		case writable[typ][k]:
		case strings.HasPrefix(k, "extension_"):
			if s.extReg != nil && !s.extReg[k] {
				r := fail(http.StatusBadRequest, "Request_BadRequest",
					"Property '"+k+"' does not exist as a declared property or extension property.")
				return &r
			}
		default:
			if _, isObj := v.(map[string]any); isObj && (s.schemaID == nil || s.schemaID[k]) {
				continue // schema extension value
			}
			r := fail(http.StatusBadRequest, "Request_BadRequest", "Invalid property '"+k+"'.")
			return &r
		}
	}
	return nil
}

// create handles POST to a collection. Caller holds s.mu.
func (s *Server) create(typ string, body []byte) result {
	m, err := jsonBody(body)
	if err != nil {
		return fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
	}
	var newPassword string // a user's, once checked (password.go)
	if r := s.checkProps(typ, m); r != nil {
		return *r
	}
	var binds []struct {
		rel string
		ids []string
	}
	switch typ {
	case "user":
		for _, p := range []string{"accountEnabled", "displayName", "mailNickname", "userPrincipalName"} {
			if _, ok := m[p]; !ok {
				return fail(http.StatusBadRequest, "Request_BadRequest", "Property '"+p+"' is required when creating the object.")
			}
		}
		pp, _ := m["passwordProfile"].(map[string]any)
		if str(pp["password"]) == "" {
			return fail(http.StatusBadRequest, "Request_BadRequest", "Property 'passwordProfile' is required when creating the object.")
		}
		upn := str(m["userPrincipalName"])
		if r := s.checkUPN(upn, ""); r != nil {
			return *r
		}
		var r *result
		if newPassword, r = checkPassword(nil, m); r != nil { // password.go
			return *r
		}
		delete(pp, "password")
	case "group":
		for _, p := range []string{"displayName", "mailEnabled", "mailNickname", "securityEnabled"} {
			if _, ok := m[p]; !ok {
				return fail(http.StatusBadRequest, "Request_BadRequest", "Property '"+p+"' is required when creating the object.")
			}
		}
		if m["mailEnabled"] == true && !unified(m) {
			return fail(http.StatusBadRequest, "Request_BadRequest", "Mail-enabled security groups cannot be created through Graph; only Microsoft 365 groups (groupTypes Unified) may be mail-enabled.")
		}
		total := 0
		for _, rel := range []string{"members", "owners"} {
			raw, present := m[rel+"@odata.bind"]
			delete(m, rel+"@odata.bind")
			if !present {
				continue
			}
			list, _ := raw.([]any)
			var ids []string
			for _, v := range list {
				id := refID(str(v))
				if s.ref(id) == nil {
					return s.refFail(id, str(v))
				}
				ids = append(ids, id)
			}
			total += len(ids)
			binds = append(binds, struct {
				rel string
				ids []string
			}{rel, ids})
		}
		if total > 20 {
			return fail(http.StatusBadRequest, "Request_BadRequest", "A maximum of 20 members and owners can be added when creating a group.")
		}
	case "administrativeUnit":
		if str(m["displayName"]) == "" {
			return fail(http.StatusBadRequest, "Request_BadRequest", "Property 'displayName' is required when creating the object.")
		}
	}
	if r := checkValues(typ, m); r != nil {
		return *r
	}
	delete(m, "@odata.type")
	delete(m, "id")
	pw := m["passwordProfile"] != nil
	o := s.newObject(typ, m)
	o.lag = s.opts.Lag
	o.password = pw && typ == "user"
	s.rememberPassword(o.id, newPassword)
	if typ == "group" {
		if _, ok := o.props["resourceProvisioningOptions"]; !ok {
			o.props["resourceProvisioningOptions"] = []any{}
		}
	}
	s.logChange(o, slices.Collect(maps.Keys(o.props)), false)
	for _, b := range binds {
		for _, id := range b.ids {
			s.link(o, b.rel, id)
		}
	}
	return ok(http.StatusCreated, s.project(o, "", true))
}

func unified(m map[string]any) bool {
	gt, _ := m["groupTypes"].([]any)
	for _, t := range gt {
		if t == "Unified" {
			return true
		}
	}
	return false
}

// checkUPN checks a userPrincipalName for domain and uniqueness. Caller
// holds s.mu.
func (s *Server) checkUPN(upn, self string) *result {
	at := strings.LastIndex(upn, "@")
	if at <= 0 {
		r := fail(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'userPrincipalName' of resource 'User'.")
		return &r
	}
	if len(s.opts.Domains) > 0 && !slices.ContainsFunc(s.opts.Domains, func(d string) bool { return strings.EqualFold(d, upn[at+1:]) }) {
		r := fail(http.StatusBadRequest, "Request_BadRequest", "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.")
		return &r
	}
	for _, o := range s.objs {
		if o.typ == "user" && o.id != self && strings.EqualFold(str(o.props["userPrincipalName"]), upn) {
			r := fail(http.StatusBadRequest, "Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
			return &r
		}
	}
	return nil
}

// refID takes the object id from an @odata.id / @odata.bind URL.
func refID(ref string) string {
	ref = strings.TrimRight(ref, "/")
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	// directoryObjects('id') form
	if i := strings.Index(ref, "('"); i >= 0 {
		ref = strings.TrimSuffix(ref[i+2:], "')")
	}
	return ref
}

// patch handles PATCH of an object. Caller holds s.mu.
func (s *Server) patch(o *object, body []byte) result {
	m, err := jsonBody(body)
	if err != nil {
		return fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
	}
	if r := s.checkProps(o.typ, m); r != nil {
		return *r
	}
	if r := checkValues(o.typ, m); r != nil {
		return *r
	}
	delete(m, "@odata.type")
	delete(m, "id")
	if o.typ == "group" {
		// members@odata.bind / owners@odata.bind add up to 20 references in
		// one PATCH; one bad or existing reference fails the whole request
		var adds []struct{ rel, id string }
		for _, rel := range []string{"members", "owners"} {
			raw, present := m[rel+"@odata.bind"]
			delete(m, rel+"@odata.bind")
			if !present {
				continue
			}
			list, _ := raw.([]any)
			for _, v := range list {
				id := refID(str(v))
				if s.ref(id) == nil {
					return s.refFail(id, str(v))
				}
				if (rel == "members" && o.members[id]) || (rel == "owners" && o.owners[id]) {
					return fail(http.StatusBadRequest, "Request_BadRequest", "One or more added object references already exist for the following modified properties: '"+rel+"'.")
				}
				adds = append(adds, struct{ rel, id string }{rel, id})
			}
		}
		if len(adds) > 20 {
			return fail(http.StatusBadRequest, "Request_BadRequest", "A maximum of 20 members can be added in one request.")
		}
		for _, a := range adds {
			s.link(o, a.rel, a.id)
		}
	}
	if upn, ok := m["userPrincipalName"]; ok && o.typ == "user" {
		if r := s.checkUPN(str(upn), o.id); r != nil {
			return *r
		}
	}
	if pp, ok := m["passwordProfile"].(map[string]any); ok {
		newPassword, r := checkPassword(o.props, m) // password.go
		if r != nil {
			return *r
		}
		if newPassword != "" {
			o.password = true
			s.rememberPassword(o.id, newPassword)
		}
		delete(pp, "password")
	}
	var changed []string
	for k, v := range m {
		if v == nil {
			delete(o.props, k)
		} else {
			o.props[k] = v
		}
		changed = append(changed, k)
	}
	if len(changed) > 0 {
		s.logChange(o, changed, false)
	}
	return ok(http.StatusNoContent, nil)
}

// remove deletes an object and its links. Caller holds s.mu.
func (s *Server) remove(o *object) {
	delete(s.objs, o.id)
	s.logChange(o, nil, true)
	for _, g := range s.objs {
		if g.members[o.id] {
			delete(g.members, o.id)
			if g.typ == "group" {
				s.logMember(g, o.id, true)
			}
		}
		delete(g.owners, o.id)
	}
}

// link adds a member or owner. Caller holds s.mu.
func (s *Server) link(o *object, rel, id string) {
	if rel == "owners" {
		o.owners[id] = true
		return
	}
	o.members[id] = true
	if o.typ == "group" {
		s.logMember(o, id, false)
	}
}

// relation handles /members and /owners. Caller holds s.mu.
func (s *Server) relation(o *object, rel, method string, rest []string, path string, q url.Values, body []byte) result {
	set := o.members
	if rel == "owners" {
		set = o.owners
	}
	switch {
	case len(rest) == 0 && method == http.MethodGet:
		var objs []*object
		for _, id := range sortedKeys(set) {
			if m := s.objs[id]; m != nil {
				objs = append(objs, m)
			}
		}
		return s.page(objs, path, q)
	case len(rest) == 1 && rest[0] == "$ref" && method == http.MethodPost:
		m, err := jsonBody(body)
		if err != nil {
			return fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
		}
		id := refID(str(m["@odata.id"]))
		if id == "" || s.ref(id) == nil {
			return s.refFail(id, str(m["@odata.id"]))
		}
		if set[id] {
			return fail(http.StatusBadRequest, "Request_BadRequest", "One or more added object references already exist for the following modified properties: '"+rel+"'.")
		}
		s.link(o, rel, id)
		return ok(http.StatusNoContent, nil)
	case len(rest) == 2 && rest[1] == "$ref" && method == http.MethodDelete:
		id := rest[0]
		if !set[id] {
			return notFound(id)
		}
		if rel == "owners" && o.typ == "group" && len(o.owners) == 1 && teamOf(o) {
			return fail(http.StatusBadRequest, "Request_BadRequest", "The group must have at least one owner.")
		}
		delete(set, id)
		if rel == "members" && o.typ == "group" {
			s.logMember(o, id, true)
		}
		return ok(http.StatusNoContent, nil)
	}
	return fail(http.StatusBadRequest, "BadRequest", "Unsupported request "+method+" "+path)
}

func teamOf(o *object) bool {
	rpo, _ := o.props["resourceProvisioningOptions"].([]any)
	return slices.Contains(rpo, any("Team"))
}

// team handles PUT/GET /groups/{id}/team. Caller holds s.mu.
func (s *Server) team(o *object, method string) result {
	if method == http.MethodGet {
		if !teamOf(o) {
			return fail(http.StatusNotFound, "NotFound", "No team found with Group Id "+o.id)
		}
		return ok(http.StatusOK, map[string]any{"id": o.id, "displayName": o.props["displayName"], "isArchived": o.props["isArchived"] == true})
	}
	if method != http.MethodPut {
		return fail(http.StatusMethodNotAllowed, "BadRequest", "Unsupported method")
	}
	if teamOf(o) {
		return fail(http.StatusConflict, "Conflict", "Team already exists for group "+o.id)
	}
	o.teamTry++
	if o.teamTry <= s.opts.YoungGroupAttempts || s.opts.Now().Sub(o.created) < s.opts.YoungGroupAge {
		return fail(http.StatusNotFound, "NotFound", "Failed to execute Templates backend request CreateTeamFromGroupWithTemplateRequest: the group "+o.id+" is not yet available.")
	}
	if !unified(o.props) {
		return fail(http.StatusBadRequest, "BadRequest", "A team can only be created from a Microsoft 365 group (groupTypes Unified).")
	}
	if len(o.owners) == 0 {
		return fail(http.StatusBadRequest, "BadRequest", "The group must have at least one owner to create a team.")
	}
	o.props["resourceProvisioningOptions"] = []any{"Team"}
	s.logChange(o, []string{"resourceProvisioningOptions"}, false)
	return ok(http.StatusCreated, map[string]any{
		"@odata.context": s.URL + "/v1.0/$metadata#teams/$entity",
		"id":             o.id, "displayName": o.props["displayName"], "isArchived": false,
	})
}

// project renders an object with $select (or the default set). Caller
// holds s.mu.
func (s *Server) project(o *object, sel string, withType bool) map[string]any {
	out := map[string]any{}
	if withType {
		out["@odata.type"] = odataType[o.typ]
	}
	if sel == "" {
		for _, p := range defaults[o.typ] {
			out[p] = cloneJSON(o.props[p])
		}
		return out
	}
	out["id"] = o.id
	for _, p := range strings.Split(sel, ",") {
		p = strings.TrimSpace(p)
		if p == "" || p == "members" {
			continue
		}
		v, present := o.props[p]
		if !present && (strings.HasPrefix(p, "extension_") || (s.schemaID != nil && s.schemaID[p])) {
			continue // unset extensions are left out
		}
		out[p] = cloneJSON(v)
	}
	return out
}

// list handles GET on a collection with $filter, $select, $top and paging.
// Caller holds s.mu.
func (s *Server) list(typ, path string, q url.Values, hdr map[string]string) result {
	pred, props, err := parseFilter(q.Get("$filter"))
	if err != nil {
		return fail(http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported query: "+err.Error())
	}
	adv := advanced(q, hdr)
	if !adv {
		if p, need := needsAdvanced(typ, props); need {
			return fail(http.StatusBadRequest, "Request_UnsupportedQuery",
				"Unsupported or invalid query filter clause specified for property '"+p+"' of resource '"+resourceName[typ]+"'. Try adding $count=true query parameter and ConsistencyLevel:eventual header.")
		}
	}
	filtered := q.Get("$filter") != ""
	var objs []*object
	for _, id := range s.order {
		o, ok := s.objs[id]
		if !ok || o.typ != typ || !pred(o.props) {
			continue
		}
		if filtered && s.visible(o) == nil {
			continue // a filtered look-up may miss a new object
		}
		objs = append(objs, o)
	}
	r := s.page(objs, path, q)
	if adv && q.Get("$count") == "true" && r.status == http.StatusOK {
		r.body.(map[string]any)["@odata.count"] = len(objs)
	}
	return r
}

// page renders one page of a list with an absolute @odata.nextLink. The
// skip token is the offset; it carries the epoch so that ExpireDeltaTokens
// also expires it. Caller holds s.mu.
func (s *Server) page(objs []*object, path string, q url.Values) result {
	size := s.pageSize(q)
	if size < 0 {
		return fail(http.StatusBadRequest, "Request_BadRequest", "Invalid page size specified: '"+q.Get("$top")+"'. Must be between 1 and 999 inclusive.")
	}
	off := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		var t token
		if !t.decode(tok) || t.Epoch != s.epoch {
			return fail(http.StatusBadRequest, "Request_BadRequest", "The specified page token value has expired and can no longer be included in your request.")
		}
		off = t.Off
	}
	sel := q.Get("$select")
	vals := []any{}
	end := min(off+size, len(objs))
	for _, o := range objs[min(off, len(objs)):end] {
		vals = append(vals, s.project(o, sel, true))
	}
	out := map[string]any{
		"@odata.context": s.URL + "/v1.0/$metadata#" + strings.Trim(path, "/"),
		"value":          vals,
	}
	if end < len(objs) {
		nq := cloneValues(q)
		nq.Set("$skiptoken", token{Epoch: s.epoch, Off: end}.encode())
		out["@odata.nextLink"] = s.URL + "/v1.0" + path + "?" + nq.Encode()
	}
	return ok(http.StatusOK, out)
}

func (s *Server) pageSize(q url.Values) int {
	size := 100
	if s.opts.PageSize > 0 {
		size = s.opts.PageSize
	}
	if t := q.Get("$top"); t != "" {
		var n int
		if err := json.Unmarshal([]byte(t), &n); err != nil || n < 1 || n > 999 {
			return -1
		}
		size = min(size, n)
		if s.opts.PageSize == 0 {
			size = n
		}
	}
	return size
}

func cloneValues(q url.Values) url.Values {
	n := url.Values{}
	for k, v := range q {
		n[k] = slices.Clone(v)
	}
	return n
}

// createInUnit handles POST /directory/administrativeUnits/{id}/members:
// Graph v1.0 creates a new group inside the unit (body with @odata.type
// #microsoft.graph.group and the group's properties); it creates no other
// kind of object there — a user is created first and added by reference.
// The caller needs the Groups or User Administrator role scoped on the
// unit (Options.NoUnitRole). Caller holds s.mu.
func (s *Server) createInUnit(au *object, body []byte) result {
	if s.opts.NoUnitRole {
		return fail(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	}
	m, err := jsonBody(body)
	if err != nil {
		return fail(http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload: "+err.Error())
	}
	switch t := str(m["@odata.type"]); t {
	case "#microsoft.graph.group":
	case "":
		return fail(http.StatusBadRequest, "Request_BadRequest", "The @odata.type of the object to create is required; add an existing object with POST members/$ref.")
	default:
		return fail(http.StatusBadRequest, "Request_BadRequest", "Only groups can be created in an administrative unit, not '"+t+"'; create the object first and add it with POST members/$ref.")
	}
	r := s.create("group", body)
	if r.status != http.StatusCreated {
		return r
	}
	id := str(r.body.(map[string]any)["id"])
	s.link(au, "members", id)
	return r
}

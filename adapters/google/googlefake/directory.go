package googlefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

const dir = "/admin/directory/v1"

func (f *Fake) routes() {
	s := f.st
	// Directory: users.
	f.method("GET "+dir+"/users", "directory.users.list", false, s.listUsers)
	f.method("POST "+dir+"/users", "directory.users.insert", true, s.insertUser)
	f.method("GET "+dir+"/users/{userKey}", "directory.users.get", false, s.getUser)
	f.method("PATCH "+dir+"/users/{userKey}", "directory.users.patch", true, s.patchUser)
	f.method("PUT "+dir+"/users/{userKey}", "directory.users.update", true, s.patchUser)
	f.method("DELETE "+dir+"/users/{userKey}", "directory.users.delete", true, s.deleteUser)
	// Directory: org units.
	f.method("GET "+dir+"/customer/{customerId}/orgunits", "directory.orgunits.list", false, s.listOrgUnits)
	f.method("POST "+dir+"/customer/{customerId}/orgunits", "directory.orgunits.insert", true, s.insertOrgUnit)
	f.method("GET "+dir+"/customer/{customerId}/orgunits/{path...}", "directory.orgunits.get", false, s.getOrgUnit)
	f.method("PATCH "+dir+"/customer/{customerId}/orgunits/{path...}", "directory.orgunits.patch", true, s.patchOrgUnit)
	f.method("PUT "+dir+"/customer/{customerId}/orgunits/{path...}", "directory.orgunits.update", true, s.patchOrgUnit)
	f.method("DELETE "+dir+"/customer/{customerId}/orgunits/{path...}", "directory.orgunits.delete", true, s.deleteOrgUnit)
	// Directory: custom schemas.
	f.method("GET "+dir+"/customer/{customerId}/schemas", "directory.schemas.list", false, s.listSchemas)
	f.method("POST "+dir+"/customer/{customerId}/schemas", "directory.schemas.insert", true, s.insertSchema)
	f.method("GET "+dir+"/customer/{customerId}/schemas/{schemaKey}", "directory.schemas.get", false, s.getSchema)
	f.method("PUT "+dir+"/customer/{customerId}/schemas/{schemaKey}", "directory.schemas.update", true, s.updateSchema)
	f.method("PATCH "+dir+"/customer/{customerId}/schemas/{schemaKey}", "directory.schemas.patch", true, s.updateSchema)
	// Directory: groups and members.
	f.method("GET "+dir+"/groups", "directory.groups.list", false, s.listGroups)
	f.method("POST "+dir+"/groups", "directory.groups.insert", true, s.insertGroup)
	f.method("GET "+dir+"/groups/{groupKey}", "directory.groups.get", false, s.getGroup)
	f.method("PATCH "+dir+"/groups/{groupKey}", "directory.groups.patch", true, s.patchGroup)
	f.method("PUT "+dir+"/groups/{groupKey}", "directory.groups.update", true, s.patchGroup)
	f.method("DELETE "+dir+"/groups/{groupKey}", "directory.groups.delete", true, s.deleteGroup)
	f.method("GET "+dir+"/groups/{groupKey}/aliases", "directory.groups.aliases.list", false, s.listGroupAliases)
	f.method("DELETE "+dir+"/groups/{groupKey}/aliases/{alias}", "directory.groups.aliases.delete", true, s.deleteGroupAlias)
	f.method("GET "+dir+"/groups/{groupKey}/members", "directory.members.list", false, s.listMembers)
	f.method("POST "+dir+"/groups/{groupKey}/members", "directory.members.insert", true, s.insertMember)
	f.method("GET "+dir+"/groups/{groupKey}/members/{memberKey}", "directory.members.get", false, s.getMember)
	f.method("DELETE "+dir+"/groups/{groupKey}/members/{memberKey}", "directory.members.delete", true, s.deleteMember)

	f.licensingRoutes()
	f.driveRoutes()
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("Method not found: %s %s", r.Method, r.URL.Path))
	})
}

// ---- users ----

func (s *store) userJSON(u *user, projection, mask string) map[string]any {
	name := u.Name
	name.FullName = strings.TrimSpace(name.GivenName + " " + name.FamilyName)
	m := map[string]any{
		"kind":                       "admin#directory#user",
		"id":                         u.ID,
		"etag":                       fmt.Sprintf("\"%s/%d\"", u.ID, s.seq),
		"primaryEmail":               u.PrimaryEmail,
		"name":                       name,
		"isAdmin":                    u.IsAdmin,
		"isDelegatedAdmin":           false,
		"lastLoginTime":              "1970-01-01T00:00:00.000Z",
		"creationTime":               u.CreationTime,
		"agreedToTerms":              false,
		"suspended":                  u.Suspended,
		"archived":                   false,
		"changePasswordAtNextLogin":  u.ChangePasswordAtNextLogin,
		"ipWhitelisted":              false,
		"emails":                     []any{map[string]any{"address": u.PrimaryEmail, "primary": true}},
		"customerId":                 s.opts.CustomerID,
		"orgUnitPath":                s.ouPath(u.OUID),
		"isMailboxSetup":             true,
		"isEnrolledIn2Sv":            false,
		"isEnforcedIn2Sv":            false,
		"includeInGlobalAddressList": u.IncludeInGAL,
	}
	if u.Suspended {
		m["suspensionReason"] = "ADMIN"
	}
	if len(u.Organizations) > 0 {
		m["organizations"] = u.Organizations
	}
	if len(u.ExternalIDs) > 0 {
		m["externalIds"] = u.ExternalIDs
	}
	if len(u.Aliases) > 0 {
		m["aliases"] = u.Aliases
	}
	cs := map[string]any{}
	for name, fields := range u.CustomSchemas {
		if projection == "full" || (projection == "custom" && slices.Contains(strings.Split(mask, ","), name)) {
			cs[name] = fields
		}
	}
	if len(cs) > 0 {
		m["customSchemas"] = cs
	}
	return m
}

func (s *store) getUser(r *http.Request, _ []byte) (int, any, error) {
	u := s.userByKey(r.PathValue("userKey"))
	if u == nil {
		return 0, nil, notFound("Resource Not Found: userKey")
	}
	q := r.URL.Query()
	return 200, s.userJSON(u, q.Get("projection"), q.Get("customFieldMask")), nil
}

func (s *store) insertUser(r *http.Request, body []byte) (int, any, error) {
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	u := &user{OUID: s.rootOU, IncludeInGAL: true}
	if err := s.applyUser(u, m, true); err != nil {
		return 0, nil, err
	}
	if _, taken := s.emails[strings.ToLower(u.PrimaryEmail)]; taken {
		return 0, nil, duplicate("Entity already exists.")
	}
	u.ID = s.newID("1")
	u.CreationTime = s.now()
	s.users[u.ID] = u
	s.emails[strings.ToLower(u.PrimaryEmail)] = u.ID
	return 200, s.userJSON(u, "full", ""), nil
}

func (s *store) patchUser(r *http.Request, body []byte) (int, any, error) {
	u := s.userByKey(r.PathValue("userKey"))
	if u == nil {
		return 0, nil, notFound("Resource Not Found: userKey")
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	nu := *u
	nu.CustomSchemas = map[string]map[string]any{}
	for k, v := range u.CustomSchemas {
		c := map[string]any{}
		for fk, fv := range v {
			c[fk] = fv
		}
		nu.CustomSchemas[k] = c
	}
	if err := s.applyUser(&nu, m, false); err != nil {
		return 0, nil, err
	}
	if !strings.EqualFold(nu.PrimaryEmail, u.PrimaryEmail) {
		if _, taken := s.emails[strings.ToLower(nu.PrimaryEmail)]; taken {
			return 0, nil, duplicate("Entity already exists.")
		}
		s.emails[strings.ToLower(nu.PrimaryEmail)] = u.ID
		nu.Aliases = append(slices.Clone(u.Aliases), u.PrimaryEmail) // the old address stays as an alias
	}
	*u = nu
	return 200, s.userJSON(u, "full", ""), nil
}

func (s *store) deleteUser(r *http.Request, _ []byte) (int, any, error) {
	u := s.userByKey(r.PathValue("userKey"))
	if u == nil {
		return 0, nil, notFound("Resource Not Found: userKey")
	}
	if u.IsAdmin {
		return 0, nil, errf(412, "conditionNotMet", "Cannot delete the last super administrator.")
	}
	s.forgetPrincipal(u.ID, u.PrimaryEmail, u.Aliases)
	for _, l := range s.licences {
		delete(l, u.ID)
	}
	delete(s.users, u.ID)
	return 204, nil, nil
}

// forgetPrincipal removes a deleted user or group from groups, sharing and
// the email index.
func (s *store) forgetPrincipal(id, email string, aliases []string) {
	for _, g := range s.groups {
		g.Members = slices.DeleteFunc(g.Members, func(m *member) bool { return m.ID == id })
	}
	for k, ps := range s.perms {
		s.perms[k] = slices.DeleteFunc(ps, func(p *permission) bool { return strings.EqualFold(p.Email, email) })
	}
	delete(s.emails, strings.ToLower(email))
	for _, a := range aliases {
		delete(s.emails, strings.ToLower(a))
	}
}

// applyUser applies the writable fields of a users insert/patch body.
func (s *store) applyUser(u *user, m map[string]json.RawMessage, insert bool) error {
	if v, ok, err := str(m, "primaryEmail"); err != nil {
		return err
	} else if ok {
		if !validEmail(v) || !s.domainOK(v) {
			return invalid("Invalid Input: primary_user_email")
		}
		u.PrimaryEmail = v
	} else if insert {
		return errf(400, "required", "Invalid Input: primary_user_email")
	}
	if raw, ok := m["name"]; ok {
		var n map[string]*string
		if err := json.Unmarshal(raw, &n); err != nil {
			return invalid("Invalid value at 'name'")
		}
		set := func(dst *string, k string) {
			if v, ok := n[k]; ok {
				if v == nil {
					*dst = ""
				} else {
					*dst = *v
				}
			}
		}
		set(&u.Name.GivenName, "givenName")
		set(&u.Name.FamilyName, "familyName")
		set(&u.Name.DisplayName, "displayName")
	}
	for k, v := range map[string]string{"GivenName": u.Name.GivenName, "FamilyName": u.Name.FamilyName} {
		if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > 60 {
			return invalid("Invalid Given/Family Name: %s", k)
		}
	}
	if utf8.RuneCountInString(u.Name.DisplayName) > 256 {
		return invalid("Invalid Input: displayName")
	}
	if v, ok, err := str(m, "password"); err != nil {
		return err
	} else if ok {
		if utf8.RuneCountInString(v) < 8 || utf8.RuneCountInString(v) > 100 {
			return invalid("Invalid Password")
		}
		u.Password = v
	} else if insert {
		return errf(400, "required", "Invalid Password")
	}
	if v, ok, err := str(m, "hashFunction"); err != nil {
		return err
	} else if ok {
		u.HashFunction = v
	}
	if v, ok, err := boolean(m, "changePasswordAtNextLogin"); err != nil {
		return err
	} else if ok {
		u.ChangePasswordAtNextLogin = v
	}
	if v, ok, err := boolean(m, "suspended"); err != nil {
		return err
	} else if ok {
		u.Suspended = v
	}
	if v, ok, err := boolean(m, "includeInGlobalAddressList"); err != nil {
		return err
	} else if ok {
		u.IncludeInGAL = v
	}
	if v, ok, err := str(m, "orgUnitPath"); err != nil {
		return err
	} else if ok {
		ou := s.ouByPath(v)
		if ou == nil || !strings.HasPrefix(v, "/") {
			return invalid("Invalid Input: INVALID_OU_ID")
		}
		u.OUID = ou.ID
	}
	for _, k := range []string{"organizations", "externalIds"} {
		raw, ok := m[k]
		if !ok {
			continue
		}
		if string(raw) != "null" {
			var arr []map[string]any
			if err := json.Unmarshal(raw, &arr); err != nil {
				return invalid("Invalid value at '%s'", k)
			}
		}
		if k == "organizations" {
			u.Organizations = nullable(raw)
		} else {
			u.ExternalIDs = nullable(raw)
		}
	}
	if raw, ok := m["customSchemas"]; ok {
		var cs map[string]map[string]json.RawMessage
		if err := json.Unmarshal(raw, &cs); err != nil {
			return invalid("Invalid Input: custom_schema")
		}
		if u.CustomSchemas == nil {
			u.CustomSchemas = map[string]map[string]any{}
		}
		for name, fields := range cs {
			sc := s.schemas[name]
			if sc == nil {
				return invalid("Invalid Input: custom schema %s not found", name)
			}
			if fields == nil {
				delete(u.CustomSchemas, name)
				continue
			}
			cur := u.CustomSchemas[name]
			if cur == nil {
				cur = map[string]any{}
			}
			for fk, fv := range fields {
				spec := sc.field(fk)
				if spec == nil {
					return invalid("Invalid Input: [%s.%s]", name, fk)
				}
				if string(fv) == "null" {
					delete(cur, fk)
					continue
				}
				val, err := spec.check(fv)
				if err != nil {
					return invalid("Invalid Input: [%s.%s] %v", name, fk, err)
				}
				if sv, ok := val.(string); ok && sv == "" {
					delete(cur, fk) // empty values are not stored
					continue
				}
				cur[fk] = val
			}
			if len(cur) == 0 {
				delete(u.CustomSchemas, name)
			} else {
				u.CustomSchemas[name] = cur
			}
		}
	}
	return nil
}

func nullable(raw json.RawMessage) json.RawMessage {
	if string(raw) == "null" || string(raw) == "[]" {
		return nil
	}
	return append(json.RawMessage(nil), raw...)
}

func (s *store) listUsers(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	switch {
	case q.Get("customer") != "":
		if !s.customer(q.Get("customer")) {
			return 0, nil, errf(400, "badRequest", "Bad Request")
		}
	case q.Get("domain") != "":
		if !s.domainOK("x@" + q.Get("domain")) {
			return 0, nil, errf(403, "forbidden", "Not Authorized to access this resource/api")
		}
	default:
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	max, err := maxResults(r, "maxResults", 100, 500)
	if err != nil {
		return 0, nil, err
	}
	match, err := s.userQuery(q.Get("query"))
	if err != nil {
		return 0, nil, err
	}
	var all []*user
	for _, u := range s.sortedUsers() {
		if d := q.Get("domain"); d != "" && !strings.HasSuffix(strings.ToLower(u.PrimaryEmail), "@"+strings.ToLower(d)) {
			continue
		}
		if match(u) {
			all = append(all, u)
		}
	}
	pg, next := page(all, func(u *user) string { return strings.ToLower(u.PrimaryEmail) }, q.Get("pageToken"), max)
	out := map[string]any{"kind": "admin#directory#users", "etag": fmt.Sprintf("\"users/%d\"", s.seq)}
	if len(pg) > 0 {
		list := make([]any, len(pg))
		for i, u := range pg {
			list[i] = s.userJSON(u, q.Get("projection"), q.Get("customFieldMask"))
		}
		out["users"] = list
	}
	if next != "" {
		out["nextPageToken"] = next
	}
	return 200, out, nil
}

var queryTerm = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_.]*)(=|:)(.*)$`)

// userQuery compiles the subset of the users.list query language the fake
// supports: orgUnitPath=, isSuspended=, isAdmin=, email (=, :), givenName:,
// familyName:, externalId= and custom fields schema.field (=, :). Terms are
// separated by spaces and must all match.
func (s *store) userQuery(q string) (func(*user) bool, error) {
	var preds []func(*user) bool
	for _, term := range splitQuery(q) {
		mm := queryTerm.FindStringSubmatch(term)
		if mm == nil {
			return nil, invalid("Invalid Input: query")
		}
		field, op, val := mm[1], mm[2], unquote(mm[3])
		lower := strings.ToLower(val)
		switch {
		case field == "orgUnitPath":
			ou := s.ouByPath(val)
			preds = append(preds, func(u *user) bool { return ou != nil && s.underOU(u.OUID, ou.ID) })
		case field == "isSuspended":
			preds = append(preds, func(u *user) bool { return fmt.Sprint(u.Suspended) == lower })
		case field == "isAdmin":
			preds = append(preds, func(u *user) bool { return fmt.Sprint(u.IsAdmin) == lower })
		case field == "email":
			preds = append(preds, func(u *user) bool { return textMatch(op, u.PrimaryEmail, lower) })
		case field == "givenName":
			preds = append(preds, func(u *user) bool { return textMatch(op, u.Name.GivenName, lower) })
		case field == "familyName":
			preds = append(preds, func(u *user) bool { return textMatch(op, u.Name.FamilyName, lower) })
		case field == "externalId":
			preds = append(preds, func(u *user) bool {
				var ids []struct{ Value string }
				_ = json.Unmarshal(u.ExternalIDs, &ids)
				for _, id := range ids {
					if strings.EqualFold(id.Value, val) {
						return true
					}
				}
				return false
			})
		case strings.Contains(field, "."):
			sn, fn, _ := strings.Cut(field, ".")
			sc := s.schemas[sn]
			if sc == nil || sc.field(fn) == nil {
				return nil, invalid("Invalid Input: query field %s", field)
			}
			preds = append(preds, func(u *user) bool {
				v, ok := u.CustomSchemas[sn][fn]
				return ok && textMatch(op, fmt.Sprint(v), lower)
			})
		default:
			return nil, invalid("Invalid Input: query field %s", field)
		}
	}
	return func(u *user) bool {
		for _, p := range preds {
			if !p(u) {
				return false
			}
		}
		return true
	}, nil
}

func textMatch(op, have, want string) bool {
	have = strings.ToLower(have)
	if op == "=" {
		return have == want
	}
	return strings.HasPrefix(have, want)
}

// splitQuery splits on spaces outside quotes.
func splitQuery(q string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	for _, c := range q {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			cur.WriteRune(c)
		case c == '\'' || c == '"':
			quote = c
			cur.WriteRune(c)
		case c == ' ':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
		v = strings.ReplaceAll(v, `\'`, `'`)
	}
	return v
}

// ---- org units ----

func (s *store) ouJSON(o *orgUnit) map[string]any {
	m := map[string]any{
		"kind":              "admin#directory#orgUnit",
		"etag":              fmt.Sprintf("\"%s/%d\"", o.ID, s.seq),
		"name":              o.Name,
		"orgUnitPath":       s.ouPath(o.ID),
		"orgUnitId":         o.ID,
		"parentOrgUnitPath": s.ouPath(o.ParentID),
		"parentOrgUnitId":   o.ParentID,
	}
	if o.Description != "" {
		m["description"] = o.Description
	}
	if o.BlockInheritance {
		m["blockInheritance"] = true
	}
	return m
}

func (s *store) listOrgUnits(r *http.Request, _ []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	q := r.URL.Query()
	base := s.ous[s.rootOU]
	if p := q.Get("orgUnitPath"); p != "" {
		base = s.ouByPath(p)
		if base == nil {
			return 0, nil, notFound("Org unit not found")
		}
	}
	typ := strings.ToLower(q.Get("type"))
	var list []*orgUnit
	for _, o := range s.ous {
		if o.ID == s.rootOU {
			continue
		}
		switch typ {
		case "all":
			if o.ID != base.ID && s.underOU(o.ID, base.ID) {
				list = append(list, o)
			}
		case "allincludingparent":
			if s.underOU(o.ID, base.ID) {
				list = append(list, o)
			}
		case "", "children":
			if o.ParentID == base.ID {
				list = append(list, o)
			}
		default:
			return 0, nil, invalid("Invalid value for type: %s", typ)
		}
	}
	sort.Slice(list, func(i, j int) bool { return s.ouPath(list[i].ID) < s.ouPath(list[j].ID) })
	out := map[string]any{"kind": "admin#directory#orgUnits", "etag": fmt.Sprintf("\"ous/%d\"", s.seq)}
	if len(list) > 0 {
		arr := make([]any, len(list))
		for i, o := range list {
			arr[i] = s.ouJSON(o)
		}
		out["organizationUnits"] = arr
	}
	return 200, out, nil
}

func (s *store) getOrgUnit(r *http.Request, _ []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	o := s.ouByPath(r.PathValue("path"))
	if o == nil || o.ID == s.rootOU {
		return 0, nil, notFound("Org unit not found")
	}
	return 200, s.ouJSON(o), nil
}

// parentOU resolves parentOrgUnitId / parentOrgUnitPath of a body.
func (s *store) parentOU(m map[string]json.RawMessage) (*orgUnit, bool, error) {
	if v, ok, err := str(m, "parentOrgUnitId"); err != nil {
		return nil, false, err
	} else if ok {
		o := s.ous[v]
		if o == nil {
			return nil, true, invalid("Invalid Parent Orgunit Id")
		}
		return o, true, nil
	}
	if v, ok, err := str(m, "parentOrgUnitPath"); err != nil {
		return nil, false, err
	} else if ok {
		o := s.ouByPath(v)
		if o == nil {
			return nil, true, invalid("Invalid Parent Orgunit Id")
		}
		return o, true, nil
	}
	return nil, false, nil
}

func validOUName(n string) bool {
	return strings.TrimSpace(n) != "" && !strings.Contains(n, "/") && utf8.RuneCountInString(n) <= 255
}

func (s *store) insertOrgUnit(r *http.Request, body []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	name, _, err := str(m, "name")
	if err != nil {
		return 0, nil, err
	}
	if !validOUName(name) {
		return 0, nil, invalid("Invalid Ou Name")
	}
	parent, ok, err := s.parentOU(m)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, errf(400, "required", "Invalid Parent Orgunit Id")
	}
	if _, taken := s.kids[parent.ID][strings.ToLower(name)]; taken {
		return 0, nil, duplicate("Invalid Ou Id: org unit %s already exists", strings.TrimSuffix(s.ouPath(parent.ID), "/")+"/"+name)
	}
	o := &orgUnit{ID: s.newID("id:0"), Name: name, ParentID: parent.ID}
	o.Description, _, _ = str(m, "description")
	o.BlockInheritance, _, _ = boolean(m, "blockInheritance")
	s.ous[o.ID] = o
	s.link(o)
	return 200, s.ouJSON(o), nil
}

func (s *store) patchOrgUnit(r *http.Request, body []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	o := s.ouByPath(r.PathValue("path"))
	if o == nil || o.ID == s.rootOU {
		return 0, nil, notFound("Org unit not found")
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	name, parentID := o.Name, o.ParentID
	if v, ok, err := str(m, "name"); err != nil {
		return 0, nil, err
	} else if ok {
		if !validOUName(v) {
			return 0, nil, invalid("Invalid Ou Name")
		}
		name = v
	}
	if p, ok, err := s.parentOU(m); err != nil {
		return 0, nil, err
	} else if ok {
		if s.underOU(p.ID, o.ID) {
			return 0, nil, invalid("Invalid Parent Orgunit Id")
		}
		parentID = p.ID
	}
	if other, taken := s.kids[parentID][strings.ToLower(name)]; taken && other != o.ID {
		return 0, nil, duplicate("Invalid Ou Id: org unit %s already exists", strings.TrimSuffix(s.ouPath(parentID), "/")+"/"+name)
	}
	s.unlink(o)
	o.Name, o.ParentID = name, parentID
	s.link(o)
	if v, ok, err := str(m, "description"); err != nil {
		return 0, nil, err
	} else if ok {
		o.Description = v
	} else if string(m["description"]) == "null" {
		o.Description = ""
	}
	if v, ok, _ := boolean(m, "blockInheritance"); ok {
		o.BlockInheritance = v
	}
	return 200, s.ouJSON(o), nil
}

func (s *store) deleteOrgUnit(r *http.Request, _ []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	o := s.ouByPath(r.PathValue("path"))
	if o == nil || o.ID == s.rootOU {
		return 0, nil, notFound("Org unit not found")
	}
	if len(s.kids[o.ID]) > 0 {
		return 0, nil, invalid("Org unit has child org units and cannot be deleted")
	}
	for _, u := range s.users {
		if u.OUID == o.ID {
			return 0, nil, invalid("Org unit contains users and cannot be deleted")
		}
	}
	s.unlink(o)
	delete(s.ous, o.ID)
	return 204, nil, nil
}

// ---- schemas ----

var fieldTypes = map[string]bool{"STRING": true, "INT64": true, "BOOL": true, "DOUBLE": true, "EMAIL": true, "PHONE": true, "DATE": true}

var fieldNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

func (sc *schema) field(name string) *schemaField {
	for _, f := range sc.Fields {
		if f.FieldName == name {
			return f
		}
	}
	return nil
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// check validates one custom field value and returns it decoded.
func (f *schemaField) check(raw json.RawMessage) (any, error) {
	if f.MultiValued {
		var arr []struct {
			Type       string          `json:"type,omitempty"`
			CustomType string          `json:"customType,omitempty"`
			Value      json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(raw, &arr); err != nil {
			return nil, fmt.Errorf("multi-valued field needs [{value}]")
		}
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			v, err := f.one(e.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, map[string]any{"value": v})
		}
		return out, nil
	}
	return f.one(raw)
}

func (f *schemaField) one(raw json.RawMessage) (any, error) {
	switch f.FieldType {
	case "BOOL":
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("want a boolean")
		}
		return b, nil
	case "INT64", "DOUBLE":
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, fmt.Errorf("want a number")
			}
			return s, nil
		}
		return n.String(), nil
	default:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a string")
		}
		if f.FieldType == "DATE" && s != "" && !dateRE.MatchString(s) {
			return nil, fmt.Errorf("want a date yyyy-mm-dd")
		}
		if utf8.RuneCountInString(s) > 500 {
			return nil, fmt.Errorf("value longer than 500 characters")
		}
		return s, nil
	}
}

func (s *store) listSchemas(r *http.Request, _ []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	names := make([]string, 0, len(s.schemas))
	for n := range s.schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = s.schemas[n]
	}
	return 200, map[string]any{"kind": "admin#directory#schemas", "schemas": list}, nil
}

func (s *store) schemaByKey(k string) *schema {
	if sc, ok := s.schemas[k]; ok {
		return sc
	}
	for _, sc := range s.schemas {
		if sc.SchemaID == k {
			return sc
		}
	}
	return nil
}

func (s *store) getSchema(r *http.Request, _ []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	sc := s.schemaByKey(r.PathValue("schemaKey"))
	if sc == nil {
		return 0, nil, notFound("Resource Not Found: schemaKey")
	}
	return 200, sc, nil
}

// decodeSchema validates a schema body against an existing schema (nil for
// an insert), keeping the ids of fields that stay.
func (s *store) decodeSchema(body []byte, old *schema) (*schema, error) {
	var in schema
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errf(400, "parseError", "Invalid JSON payload received.")
	}
	if old != nil && in.SchemaName == "" {
		in.SchemaName = old.SchemaName
	}
	if !fieldNameRE.MatchString(in.SchemaName) {
		return nil, invalid("Invalid Input: schemaName")
	}
	if len(in.Fields) == 0 {
		return nil, invalid("Invalid Input: fields")
	}
	seen := map[string]bool{}
	for _, f := range in.Fields {
		if !fieldNameRE.MatchString(f.FieldName) || seen[f.FieldName] {
			return nil, invalid("Invalid Input: fieldName %q", f.FieldName)
		}
		seen[f.FieldName] = true
		if !fieldTypes[f.FieldType] {
			return nil, invalid("Invalid Input: fieldType %q", f.FieldType)
		}
		if f.ReadAccessType == "" {
			f.ReadAccessType = "ALL_DOMAIN_USERS"
		}
		if f.Indexed == nil {
			t := true
			f.Indexed = &t
		}
		f.Kind = "admin#directory#schema#fieldspec"
		f.FieldID = ""
		if old != nil {
			if of := old.field(f.FieldName); of != nil {
				f.FieldID = of.FieldID
			}
		}
		if f.FieldID == "" {
			f.FieldID = s.newID("f")
		}
		f.Etag = fmt.Sprintf("\"%s\"", f.FieldID)
	}
	in.Kind = "admin#directory#schema"
	return &in, nil
}

func (s *store) insertSchema(r *http.Request, body []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	sc, err := s.decodeSchema(body, nil)
	if err != nil {
		return 0, nil, err
	}
	if s.schemas[sc.SchemaName] != nil {
		return 0, nil, duplicate("Entity already exists.")
	}
	sc.SchemaID = s.newID("s")
	sc.Etag = fmt.Sprintf("\"%s/%d\"", sc.SchemaID, s.seq)
	s.schemas[sc.SchemaName] = sc
	return 200, sc, nil
}

func (s *store) updateSchema(r *http.Request, body []byte) (int, any, error) {
	if !s.customer(r.PathValue("customerId")) {
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	old := s.schemaByKey(r.PathValue("schemaKey"))
	if old == nil {
		return 0, nil, notFound("Resource Not Found: schemaKey")
	}
	sc, err := s.decodeSchema(body, old)
	if err != nil {
		return 0, nil, err
	}
	if sc.SchemaName != old.SchemaName {
		return 0, nil, invalid("Invalid Input: schemaName cannot change")
	}
	sc.SchemaID = old.SchemaID
	sc.Etag = fmt.Sprintf("\"%s/%d\"", sc.SchemaID, s.seq)
	s.schemas[sc.SchemaName] = sc
	return 200, sc, nil
}

// ---- groups ----

func (s *store) groupJSON(g *group) map[string]any {
	m := map[string]any{
		"kind":               "admin#directory#group",
		"id":                 g.ID,
		"etag":               fmt.Sprintf("\"%s/%d\"", g.ID, s.seq),
		"email":              g.Email,
		"name":               g.Name,
		"directMembersCount": fmt.Sprint(len(g.Members)),
		"adminCreated":       true,
	}
	if g.Description != "" {
		m["description"] = g.Description
	}
	if len(g.Aliases) > 0 {
		m["aliases"] = g.Aliases
	}
	if len(g.ExternalIDs) > 0 {
		m["externalIds"] = g.ExternalIDs
	}
	return m
}

func (s *store) applyGroup(g *group, m map[string]json.RawMessage, insert bool) error {
	if v, ok, err := str(m, "email"); err != nil {
		return err
	} else if ok {
		if !validEmail(v) || !s.domainOK(v) {
			return invalid("Invalid Input: email")
		}
		g.Email = v
	} else if insert {
		return errf(400, "required", "Missing required field: email")
	}
	if v, ok, err := str(m, "name"); err != nil {
		return err
	} else if ok {
		if utf8.RuneCountInString(v) > 75 {
			return invalid("Invalid Input: name")
		}
		g.Name = v
	}
	if g.Name == "" {
		g.Name = g.Email
	}
	if v, ok, err := str(m, "description"); err != nil {
		return err
	} else if ok {
		if utf8.RuneCountInString(v) > 4096 {
			return invalid("Invalid Input: description")
		}
		g.Description = v
	}
	if raw, ok := m["externalIds"]; ok {
		if string(raw) != "null" {
			var ids []struct {
				Namespace string `json:"namespace"`
				ID        string `json:"id"`
			}
			if err := json.Unmarshal(raw, &ids); err != nil {
				return invalid("Invalid value at 'externalIds'")
			}
			for _, id := range ids {
				if id.Namespace == "" || id.ID == "" {
					return invalid("Invalid Input: externalIds need namespace and id")
				}
			}
		}
		g.ExternalIDs = nullable(raw)
	}
	return nil
}

func (s *store) insertGroup(r *http.Request, body []byte) (int, any, error) {
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	g := &group{}
	if err := s.applyGroup(g, m, true); err != nil {
		return 0, nil, err
	}
	if _, taken := s.emails[strings.ToLower(g.Email)]; taken {
		return 0, nil, duplicate("Entity already exists.")
	}
	g.ID = s.newID("0g")
	s.groups[g.ID] = g
	s.emails[strings.ToLower(g.Email)] = g.ID
	return 200, s.groupJSON(g), nil
}

func (s *store) getGroup(r *http.Request, _ []byte) (int, any, error) {
	g := s.groupByKey(r.PathValue("groupKey"))
	if g == nil {
		return 0, nil, notFound("Resource Not Found: groupKey")
	}
	return 200, s.groupJSON(g), nil
}

func (s *store) patchGroup(r *http.Request, body []byte) (int, any, error) {
	g := s.groupByKey(r.PathValue("groupKey"))
	if g == nil {
		return 0, nil, notFound("Resource Not Found: groupKey")
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	ng := *g
	if err := s.applyGroup(&ng, m, false); err != nil {
		return 0, nil, err
	}
	if !strings.EqualFold(ng.Email, g.Email) {
		if _, taken := s.emails[strings.ToLower(ng.Email)]; taken {
			return 0, nil, duplicate("Entity already exists.")
		}
		s.emails[strings.ToLower(ng.Email)] = g.ID
		ng.Aliases = append(slices.Clone(g.Aliases), g.Email)
		s.renameSharing(g.Email, ng.Email)
	}
	*g = ng
	return 200, s.groupJSON(g), nil
}

// renameSharing follows a group's email change in Drive permissions.
func (s *store) renameSharing(old, new string) {
	for _, ps := range s.perms {
		for _, p := range ps {
			if strings.EqualFold(p.Email, old) {
				p.Email = new
			}
		}
	}
}

func (s *store) deleteGroup(r *http.Request, _ []byte) (int, any, error) {
	g := s.groupByKey(r.PathValue("groupKey"))
	if g == nil {
		return 0, nil, notFound("Resource Not Found: groupKey")
	}
	s.forgetPrincipal(g.ID, g.Email, g.Aliases)
	delete(s.groups, g.ID)
	return 204, nil, nil
}

func (s *store) listGroups(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	var onlyMember string
	switch {
	case q.Get("customer") != "":
		if !s.customer(q.Get("customer")) {
			return 0, nil, errf(400, "badRequest", "Bad Request")
		}
	case q.Get("domain") != "":
	case q.Get("userKey") != "":
	default:
		return 0, nil, errf(400, "badRequest", "Bad Request")
	}
	if k := q.Get("userKey"); k != "" {
		if u := s.userByKey(k); u != nil {
			onlyMember = u.ID
		} else if g := s.groupByKey(k); g != nil {
			onlyMember = g.ID
		} else {
			return 0, nil, notFound("Resource Not Found: userKey")
		}
	}
	max, err := maxResults(r, "maxResults", 200, 200)
	if err != nil {
		return 0, nil, err
	}
	var all []*group
	for _, g := range s.groups {
		if d := q.Get("domain"); d != "" && !strings.HasSuffix(strings.ToLower(g.Email), "@"+strings.ToLower(d)) {
			continue
		}
		if onlyMember != "" && !slices.ContainsFunc(g.Members, func(m *member) bool { return m.ID == onlyMember }) {
			continue
		}
		all = append(all, g)
	}
	sort.Slice(all, func(i, j int) bool { return strings.ToLower(all[i].Email) < strings.ToLower(all[j].Email) })
	pg, next := page(all, func(g *group) string { return strings.ToLower(g.Email) }, q.Get("pageToken"), max)
	out := map[string]any{"kind": "admin#directory#groups", "etag": fmt.Sprintf("\"groups/%d\"", s.seq)}
	if len(pg) > 0 {
		arr := make([]any, len(pg))
		for i, g := range pg {
			arr[i] = s.groupJSON(g)
		}
		out["groups"] = arr
	}
	if next != "" {
		out["nextPageToken"] = next
	}
	return 200, out, nil
}

func (s *store) listGroupAliases(r *http.Request, _ []byte) (int, any, error) {
	g := s.groupByKey(r.PathValue("groupKey"))
	if g == nil {
		return 0, nil, notFound("Resource Not Found: groupKey")
	}
	var list []any
	for _, a := range g.Aliases {
		list = append(list, map[string]any{"kind": "admin#directory#alias", "id": g.ID, "primaryEmail": g.Email, "alias": a})
	}
	return 200, map[string]any{"kind": "admin#directory#aliases", "aliases": list}, nil
}

func (s *store) deleteGroupAlias(r *http.Request, _ []byte) (int, any, error) {
	g := s.groupByKey(r.PathValue("groupKey"))
	if g == nil {
		return 0, nil, notFound("Resource Not Found: groupKey")
	}
	a := r.PathValue("alias")
	i := slices.IndexFunc(g.Aliases, func(x string) bool { return strings.EqualFold(x, a) })
	if i < 0 {
		return 0, nil, notFound("Resource Not Found: alias")
	}
	g.Aliases = slices.Delete(g.Aliases, i, i+1)
	delete(s.emails, strings.ToLower(a))
	return 204, nil, nil
}

// ---- members ----

func (s *store) memberJSON(m *member) map[string]any {
	return map[string]any{
		"kind":              "admin#directory#member",
		"etag":              fmt.Sprintf("\"%s/%d\"", m.ID, s.seq),
		"id":                m.ID,
		"email":             s.emailOf(m.ID),
		"role":              m.Role,
		"type":              m.Type,
		"status":            "ACTIVE",
		"delivery_settings": "ALL_MAIL",
	}
}

// principal resolves a member key (email or id) to an id and member type.
func (s *store) principal(k string) (string, string) {
	if u := s.userByKey(k); u != nil {
		return u.ID, "USER"
	}
	if g := s.groupByKey(k); g != nil {
		return g.ID, "GROUP"
	}
	return "", ""
}

func (s *store) insertMember(r *http.Request, body []byte) (int, any, error) {
	g := s.groupByKey(r.PathValue("groupKey"))
	if g == nil {
		return 0, nil, notFound("Resource Not Found: groupKey")
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	key, _, _ := str(m, "id")
	if key == "" {
		key, _, _ = str(m, "email")
	}
	if key == "" {
		return 0, nil, errf(400, "required", "Missing required field: memberKey")
	}
	id, typ := s.principal(key)
	if id == "" {
		return 0, nil, notFound("Resource Not Found: memberKey")
	}
	if id == g.ID {
		return 0, nil, invalid("Invalid Input: a group cannot be a member of itself")
	}
	role, _, _ := str(m, "role")
	if role == "" {
		role = "MEMBER"
	}
	if role != "MEMBER" && role != "MANAGER" && role != "OWNER" {
		return 0, nil, invalid("Invalid Input: role")
	}
	if slices.ContainsFunc(g.Members, func(x *member) bool { return x.ID == id }) {
		return 0, nil, duplicate("Member already exists.")
	}
	s.seq++
	mem := &member{ID: id, Role: role, Type: typ, Added: s.seq}
	g.Members = append(g.Members, mem)
	return 200, s.memberJSON(mem), nil
}

func (s *store) findMember(r *http.Request) (*group, *member, error) {
	g := s.groupByKey(r.PathValue("groupKey"))
	if g == nil {
		return nil, nil, notFound("Resource Not Found: groupKey")
	}
	id, _ := s.principal(r.PathValue("memberKey"))
	for _, m := range g.Members {
		if id != "" && m.ID == id {
			return g, m, nil
		}
	}
	return nil, nil, notFound("Resource Not Found: memberKey")
}

func (s *store) getMember(r *http.Request, _ []byte) (int, any, error) {
	_, m, err := s.findMember(r)
	if err != nil {
		return 0, nil, err
	}
	return 200, s.memberJSON(m), nil
}

func (s *store) deleteMember(r *http.Request, _ []byte) (int, any, error) {
	g, m, err := s.findMember(r)
	if err != nil {
		return 0, nil, err
	}
	g.Members = slices.DeleteFunc(g.Members, func(x *member) bool { return x == m })
	return 204, nil, nil
}

func (s *store) listMembers(r *http.Request, _ []byte) (int, any, error) {
	g := s.groupByKey(r.PathValue("groupKey"))
	if g == nil {
		return 0, nil, notFound("Resource Not Found: groupKey")
	}
	q := r.URL.Query()
	max, err := maxResults(r, "maxResults", 200, 200)
	if err != nil {
		return 0, nil, err
	}
	roles := map[string]bool{}
	for _, x := range strings.Split(q.Get("roles"), ",") {
		if x != "" {
			roles[strings.ToUpper(x)] = true
		}
	}
	var all []*member
	for _, m := range g.Members {
		if len(roles) == 0 || roles[m.Role] {
			all = append(all, m)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	pg, next := page(all, func(m *member) string { return m.ID }, q.Get("pageToken"), max)
	out := map[string]any{"kind": "admin#directory#members", "etag": fmt.Sprintf("\"members/%d\"", s.seq)}
	if len(pg) > 0 {
		arr := make([]any, len(pg))
		for i, m := range pg {
			arr[i] = s.memberJSON(m)
		}
		out["members"] = arr
	}
	if next != "" {
		out["nextPageToken"] = next
	}
	return 200, out, nil
}

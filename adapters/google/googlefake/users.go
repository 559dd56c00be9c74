package googlefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Directory API users: insert, get, patch, delete, list and the search query language.

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

// repeatedFields are the user fields that hold repeated objects:
// users.patch cannot clear them (Google: "This method is unable to clear
// fields that contain repeated objects … Use the update method instead"),
// so an empty or null value in a patch leaves them as they are; users.update
// clears a field set to null (or to an empty list).
var repeatedFields = []string{"organizations", "externalIds"}

// patchUser handles users.patch; updateUser users.update.
func (s *store) patchUser(r *http.Request, body []byte) (int, any, error) {
	return s.writeUser(r, body, false)
}

func (s *store) updateUser(r *http.Request, body []byte) (int, any, error) {
	return s.writeUser(r, body, true)
}

func (s *store) writeUser(r *http.Request, body []byte, update bool) (int, any, error) {
	u := s.userByKey(r.PathValue("userKey"))
	if u == nil {
		return 0, nil, notFound("Resource Not Found: userKey")
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	if !update {
		for _, k := range repeatedFields {
			if raw, ok := m[k]; ok && nullable(raw) == nil {
				delete(m, k) // patch cannot clear a repeated field
			}
		}
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
		// Google takes 8 to 100 ASCII characters (a hashed password,
		// hashFunction set, is not checked here).
		if utf8.RuneCountInString(v) < 8 || utf8.RuneCountInString(v) > 100 || strings.ContainsFunc(v, func(r rune) bool { return r > 0x7e || r < 0x20 }) {
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
		if q.Get("query") != "" {
			// a search sees the index, which may lag (Options.SearchLag)
			if iu := s.searchable(u); iu == nil || !match(iu) {
				continue
			}
		}
		all = append(all, u)
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

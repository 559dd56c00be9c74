package googlefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Directory API groups, group aliases and members.

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

package googlefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// Directory API org units.

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

package os2mofake

import (
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// window is a validity interval with nil ends meaning unbounded.
type window struct{ from, to *time.Time }

func (s *Server) execute(op *ast.OperationDefinition, vars map[string]any) (map[string]any, *gqlerror.Error) {
	out := map[string]any{}
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok {
			return nil, gqlerror.Errorf("fragments at the root are not supported by the fake")
		}
		args := f.ArgumentMap(vars)
		var v any
		var err *gqlerror.Error
		if op.Operation == ast.Mutation {
			s.mutations.Add(1)
			v, err = s.mutate(f, args)
		} else {
			v, err = s.list(f, args, vars)
		}
		if err != nil {
			err.Path = ast.Path{ast.PathName(f.Alias)}
			return nil, err
		}
		out[f.Alias] = v
	}
	return out, nil
}

func (s *Server) dateArg(m map[string]any, key string) (*time.Time, *gqlerror.Error) {
	v, present := m[key]
	if !present {
		now := s.Now()
		return &now, nil
	}
	if v == nil {
		return nil, nil
	}
	str, _ := v.(string)
	t, err := parseDate(str)
	if err != nil {
		return nil, gqlerror.Errorf("%s: %v", key, err)
	}
	return &t, nil
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// validityOf returns a validity's [from, to] with to inclusive (a day).
func validityOf(v map[string]any) (from, to *time.Time) {
	if c, ok := v[parsedKey].(parsed); ok {
		return c.from, c.to
	}
	return parseValidity(v)
}

// parsedKey holds a validity's parsed interval, cached by put; GraphQL
// names cannot select it.
const parsedKey = "\x00parsed"

type parsed struct{ from, to *time.Time }

func parseValidity(v map[string]any) (from, to *time.Time) {
	val, _ := v["validity"].(map[string]any)
	if s, ok := val["from"].(string); ok {
		if t, err := parseDate(s); err == nil {
			from = &t
		}
	}
	if s, ok := val["to"].(string); ok {
		if t, err := parseDate(s); err == nil {
			end := t.AddDate(0, 0, 1) // the last day is valid in full
			to = &end
		}
	}
	return from, to
}

// overlaps reports whether validity v overlaps window w (both closed at the
// start; v's end is exclusive after validityOf, w's end inclusive).
func overlaps(v map[string]any, w window) bool {
	from, to := validityOf(v)
	if w.to != nil && from != nil && from.After(*w.to) {
		return false
	}
	if w.from != nil && to != nil && !to.After(*w.from) {
		return false
	}
	return true
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// matches applies the non-temporal filter fields to one validity.
func (s *Server) matches(v map[string]any, filter map[string]any) bool {
	check := func(key, field string) bool {
		want, ok := filter[key]
		if !ok || want == nil {
			return true
		}
		got, _ := v[field].(string)
		return slices.Contains(strs(want), got)
	}
	if !check("uuids", "uuid") || !check("user_keys", "user_key") || !check("employees", "employee_uuid") ||
		!check("org_units", "org_unit_uuid") || !check("address_types", "address_type_uuid") {
		return false
	}
	if it, ok := filter["itsystem"].(map[string]any); ok {
		sys := s.byUUID[fmt.Sprint(v["itsystem_uuid"])]
		if sys == nil || len(sys.Validities) == 0 {
			return false
		}
		if !s.matches(sys.Validities[0], map[string]any{"uuids": it["uuids"], "user_keys": it["user_keys"]}) {
			return false
		}
	}
	return true
}

func (s *Server) list(f *ast.Field, args, vars map[string]any) (any, *gqlerror.Error) {
	filter, _ := args["filter"].(map[string]any)
	if filter == nil {
		filter = map[string]any{}
	}
	var w window
	var err *gqlerror.Error
	if w.from, err = s.dateArg(filter, "from_date"); err != nil {
		return nil, err
	}
	if w.to, err = s.dateArg(filter, "to_date"); err != nil {
		return nil, err
	}
	offset := 0
	if c, ok := args["cursor"].(string); ok {
		if offset, ok = decodeCursor(c); !ok {
			return nil, gqlerror.Errorf("invalid cursor")
		}
	}
	limit := -1
	switch l := args["limit"].(type) {
	case int64:
		limit = int(l)
	case int:
		limit = l
	case float64:
		limit = int(l)
	}
	if limit < -1 {
		return nil, gqlerror.Errorf("limit must not be negative")
	}

	s.mu.Lock()
	var hits []*Object
	var vals [][]map[string]any
	for _, o := range s.data[f.Name] {
		var vs []map[string]any
		for _, v := range o.Validities {
			if overlaps(v, w) && s.matches(v, filter) {
				vs = append(vs, v)
			}
		}
		if len(vs) > 0 {
			hits = append(hits, o)
			vals = append(vals, vs)
		}
	}
	s.mu.Unlock()

	end := len(hits)
	var next any
	if limit >= 0 {
		if offset > len(hits) {
			offset = len(hits)
		}
		end = min(offset+limit, len(hits))
		if end < len(hits) {
			next = encodeCursor(end)
		}
	}
	page := map[string]any{"objects": hits[offset:end], "page_info": map[string]any{"next_cursor": next}}
	return project(f.SelectionSet, page, vals[offset:end], vars, s.Now()), nil
}

// project renders a paged result by its selection set.
func project(set ast.SelectionSet, page map[string]any, vals [][]map[string]any, vars map[string]any, now time.Time) map[string]any {
	out := map[string]any{}
	for _, sel := range set {
		f := sel.(*ast.Field)
		switch f.Name {
		case "page_info":
			out[f.Alias] = pick(f.SelectionSet, page["page_info"].(map[string]any))
		case "objects":
			objs := page["objects"].([]*Object)
			l := make([]any, len(objs))
			for i, o := range objs {
				l[i] = response(f.SelectionSet, o.UUID, vals[i], vars, now)
			}
			out[f.Alias] = l
		case "__typename":
			out[f.Alias] = f.ObjectDefinition.Name
		}
	}
	return out
}

// response renders a response container (uuid, current, validities);
// current without at is the validity at now.
func response(set ast.SelectionSet, uuid string, vals []map[string]any, vars map[string]any, now time.Time) map[string]any {
	r := map[string]any{}
	for _, sel := range set {
		f := sel.(*ast.Field)
		switch f.Name {
		case "uuid":
			r[f.Alias] = uuid
		case "__typename":
			r[f.Alias] = f.ObjectDefinition.Name
		case "validities":
			a := f.ArgumentMap(vars)
			var w window
			if s, ok := a["start"].(string); ok {
				if t, err := parseDate(s); err == nil {
					w.from = &t
				}
			}
			if s, ok := a["end"].(string); ok {
				if t, err := parseDate(s); err == nil {
					w.to = &t
				}
			}
			l := []any{}
			for _, v := range vals {
				if overlaps(v, w) {
					l = append(l, pick(f.SelectionSet, v))
				}
			}
			r[f.Alias] = l
		case "current":
			at := now
			if s, ok := f.ArgumentMap(vars)["at"].(string); ok {
				if t, err := parseDate(s); err == nil {
					at = t
				}
			}
			r[f.Alias] = nil
			for _, v := range vals {
				if overlaps(v, window{&at, &at}) {
					r[f.Alias] = pick(f.SelectionSet, v)
				}
			}
		}
	}
	return r
}

// pick renders an object's selected fields (scalars, lists and nested maps).
func pick(set ast.SelectionSet, v map[string]any) map[string]any {
	out := make(map[string]any, len(set))
	for _, sel := range set {
		f := sel.(*ast.Field)
		if f.Name == "__typename" {
			out[f.Alias] = f.ObjectDefinition.Name
			continue
		}
		x := v[f.Name]
		if m, ok := x.(map[string]any); ok && len(f.SelectionSet) > 0 {
			x = pick(f.SelectionSet, m)
		}
		if x == nil {
			switch f.Name {
			case "is_primary":
				x = false
			case "validity":
				x = map[string]any{"from": nil, "to": nil}
			}
		}
		out[f.Alias] = x
	}
	return out
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (s *Server) mutate(f *ast.Field, args map[string]any) (any, *gqlerror.Error) {
	in, _ := args["input"].(map[string]any)
	val, _ := in["validity"].(map[string]any)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f.Name {
	case "ituser_create":
		sys := fmt.Sprint(in["itsystem"])
		if o := s.byUUID[sys]; o == nil || !slices.ContainsFunc(s.data["itsystems"], func(x *Object) bool { return x == o }) {
			return nil, gqlerror.Errorf("ErrorCodes.E_NOT_FOUND: it system %s not found", sys)
		}
		id, _ := in["uuid"].(string)
		if id == "" {
			id = newUUID()
		}
		v := map[string]any{
			"user_key": in["user_key"], "external_id": in["external_id"], "employee_uuid": in["person"],
			"itsystem_uuid": sys, "engagement_uuid": in["engagement"],
			"validity": map[string]any{"from": val["from"], "to": val["to"]},
		}
		s.put("itusers", &Object{UUID: id, Validities: []map[string]any{v}})
		return response(f.SelectionSet, id, []map[string]any{v}, nil, s.Now()), nil
	case "ituser_update":
		id := fmt.Sprint(in["uuid"])
		o := s.byUUID[id]
		if o == nil || len(o.Validities) == 0 {
			return nil, gqlerror.Errorf("ErrorCodes.E_NOT_FOUND: it user %s not found", id)
		}
		v := maps(o.Validities[len(o.Validities)-1])
		for _, k := range []string{"user_key", "external_id"} {
			if x, ok := in[k]; ok && x != nil {
				v[k] = x
			}
		}
		if x, ok := in["person"]; ok && x != nil {
			v["employee_uuid"] = x
		}
		v["validity"] = map[string]any{"from": val["from"], "to": val["to"]}
		from, to := parseValidity(v)
		v[parsedKey] = parsed{from, to}
		o.Validities = []map[string]any{v}
		return response(f.SelectionSet, id, o.Validities, nil, s.Now()), nil
	}
	return nil, gqlerror.Errorf("mutation %s is not implemented by the fake", f.Name)
}

package graphfake

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// delta handles GET /users/delta and /groups/delta. Without a token it is
// the initial round: every object with the selected properties (groups
// with members@delta listing every member when "members" is selected).
// With $deltatoken it returns the objects changed since the token: only
// the changed properties, @removed for deleted objects, and members@delta
// with the added and (marked @removed) removed members. Both page with
// $skiptoken; the last page carries @odata.deltaLink. Caller holds s.mu.
func (s *Server) delta(typ, path string, q url.Values) result {
	var t token
	switch {
	case q.Get("$skiptoken") != "":
		if !t.decode(q.Get("$skiptoken")) {
			return fail(http.StatusBadRequest, "Request_BadRequest", "Invalid skip token.")
		}
	case q.Get("$deltatoken") != "":
		if !t.decode(q.Get("$deltatoken")) {
			return fail(http.StatusBadRequest, "Request_BadRequest", "Invalid delta token.")
		}
		t.From, t.To, t.Off, t.Init = t.To, s.seq, 0, false
	default:
		t = token{Epoch: s.epoch, To: s.seq, Init: true}
	}
	if t.Epoch != s.epoch {
		return fail(http.StatusBadRequest, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.")
	}
	sel := q.Get("$select")
	wantMembers := typ == "group" && slices.Contains(strings.Split(sel, ","), "members")

	var items []map[string]any
	if t.Init {
		for _, id := range s.order {
			o, ok := s.objs[id]
			if !ok || o.typ != typ {
				continue
			}
			m := s.project(o, sel, false)
			if wantMembers {
				md := []any{}
				for _, mid := range sortedKeys(o.members) {
					if mo := s.objs[mid]; mo != nil {
						md = append(md, map[string]any{"@odata.type": odataType[mo.typ], "id": mid})
					}
				}
				m["members@delta"] = md
			}
			items = append(items, m)
		}
	} else {
		items = s.changes(typ, t.From, t.To, sel, wantMembers)
	}

	size := s.pageSize(q)
	if size < 0 {
		return fail(http.StatusBadRequest, "Request_BadRequest", "Invalid page size.")
	}
	end := min(t.Off+size, len(items))
	vals := []any{}
	for _, m := range items[min(t.Off, len(items)):end] {
		vals = append(vals, m)
	}
	out := map[string]any{
		"@odata.context": s.URL + "/v1.0/$metadata#" + strings.Split(strings.Trim(path, "/"), "/")[0],
		"value":          vals,
	}
	nq := cloneValues(q)
	nq.Del("$skiptoken")
	nq.Del("$deltatoken")
	if end < len(items) {
		next := t
		next.Off = end
		nq.Set("$skiptoken", next.encode())
		out["@odata.nextLink"] = s.URL + "/v1.0" + path + "?" + nq.Encode()
	} else {
		nq.Set("$deltatoken", token{Epoch: s.epoch, To: t.To}.encode())
		out["@odata.deltaLink"] = s.URL + "/v1.0" + path + "?" + nq.Encode()
	}
	return ok(http.StatusOK, out)
}

// changes aggregates the log entries in (from, to] for one type. Caller
// holds s.mu.
func (s *Server) changes(typ string, from, to int64, sel string, wantMembers bool) []map[string]any {
	type agg struct {
		props   map[string]bool
		removed bool
		members map[string]bool // id -> removed
		order   []string
	}
	byID := map[string]*agg{}
	var ids []string
	for _, e := range s.log {
		if e.seq <= from || e.seq > to || e.typ != typ {
			continue
		}
		a := byID[e.id]
		if a == nil {
			a = &agg{props: map[string]bool{}, members: map[string]bool{}}
			byID[e.id] = a
			ids = append(ids, e.id)
		}
		switch {
		case e.removed:
			a.removed = true
		case e.member != "":
			if _, seen := a.members[e.member]; !seen {
				a.order = append(a.order, e.member)
			}
			a.members[e.member] = e.memDel
		default:
			for _, p := range e.props {
				a.props[p] = true
			}
		}
	}
	var selSet map[string]bool
	if sel != "" {
		selSet = set(strings.Split(sel, ",")...)
	}
	var out []map[string]any
	for _, id := range ids {
		a := byID[id]
		o := s.objs[id]
		if a.removed || o == nil {
			reason := "deleted"
			if typ == "user" {
				reason = "changed" // soft-deleted users can be restored
			}
			out = append(out, map[string]any{"id": id, "@removed": map[string]any{"reason": reason}})
			continue
		}
		m := map[string]any{"id": id}
		for p := range a.props {
			if selSet != nil && !selSet[p] {
				continue
			}
			if sel == "" && !slices.Contains(defaults[typ], p) {
				continue
			}
			m[p] = cloneJSON(o.props[p]) // nil when cleared
		}
		if wantMembers && len(a.order) > 0 {
			md := []any{}
			for _, mid := range a.order {
				e := map[string]any{"@odata.type": "#microsoft.graph.directoryObject", "id": mid}
				if mo := s.objs[mid]; mo != nil {
					e["@odata.type"] = odataType[mo.typ]
				}
				if a.members[mid] {
					e["@removed"] = map[string]any{"reason": "deleted"}
				}
				md = append(md, e)
			}
			m["members@delta"] = md
		}
		out = append(out, m)
	}
	return out
}

package os2mofake

import (
	"fmt"
	"hash/fnv"
	"time"
)

// ID returns a deterministic uuid for the n-th object of a kind, so that
// tests can name the objects they put.
func ID(kind string, n int) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(kind))
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", h.Sum32(), n)
}

// Validity returns a validity map from the date from (YYYY-MM-DD) to the
// last valid day to ("" for open-ended), as OS2mo returns it.
func Validity(from, to string) map[string]any {
	v := map[string]any{"from": from + "T00:00:00+00:00", "to": nil}
	if to != "" {
		v["to"] = to + "T00:00:00+00:00"
	}
	return v
}

// AddClass puts a class of a facet (both by user_key; the facet is created
// on first use) and returns the class uuid.
func (s *Server) AddClass(facet, userKey, name string) string {
	fid := ID("facet/"+facet, 0)
	s.Put("facets", Object{UUID: fid, Validities: []map[string]any{{"user_key": facet}}})
	id := ID("class/"+facet+"/"+userKey, 0)
	s.Put("classes", Object{UUID: id, Validities: []map[string]any{{"user_key": userKey, "name": name, "facet_uuid": fid}}})
	return id
}

// AddITSystem puts an IT system and returns its uuid.
func (s *Server) AddITSystem(userKey, name string) string {
	id := ID("itsystem/"+userKey, 0)
	s.Put("itsystems", Object{UUID: id, Validities: []map[string]any{{"user_key": userKey, "name": name}}})
	return id
}

// Synthetic fills the fake with a municipality of the given size for
// benchmarks: units in a tree of fan-out 10 (every tenth unit in the MED
// hierarchy), employees with one engagement each (every fifth a second,
// future-dated one), a manager per unit and an AD IT user per employee.
// It returns the AD system's user_key.
func (s *Server) Synthetic(employees, units int, now time.Time) string {
	day := now.Format(time.DateOnly)
	next := now.AddDate(0, 1, 0).Format(time.DateOnly)
	line := s.AddClass("org_unit_hierarchy", "linje", "Linjeorganisation")
	med := s.AddClass("org_unit_hierarchy", "med", "MED-organisation")
	typ := s.AddClass("org_unit_type", "afdeling", "Afdeling")
	jf := s.AddClass("engagement_job_function", "sagsbehandler", "Sagsbehandler")
	et := s.AddClass("engagement_type", "ansat", "Ansat")
	lvl := s.AddClass("manager_level", "niveau2", "Niveau 2")
	ad := s.AddITSystem("Active Directory", "Active Directory")
	s.mu.Lock()
	defer s.mu.Unlock()
	for u := 0; u < units; u++ {
		h := line
		if u%10 == 9 {
			h = med
		}
		v := map[string]any{"user_key": fmt.Sprint("U", u), "name": fmt.Sprint("Enhed ", u), "unit_type_uuid": typ,
			"org_unit_hierarchy": h, "validity": Validity("2020-01-01", "")}
		if u > 0 {
			v["parent_uuid"] = ID("unit", (u-1)/10)
		}
		s.put("org_units", &Object{UUID: ID("unit", u), Validities: []map[string]any{v}})
		s.put("managers", &Object{UUID: ID("manager", u), Validities: []map[string]any{{"user_key": fmt.Sprint("M", u),
			"org_unit_uuid": ID("unit", u), "employee_uuid": ID("employee", u%max(employees, 1)), "manager_level_uuid": lvl,
			"responsibility_uuids": []any{}, "validity": Validity("2020-01-01", "")}}})
	}
	for e := 0; e < employees; e++ {
		pid := ID("employee", e)
		s.put("employees", &Object{UUID: pid, Validities: []map[string]any{{"user_key": fmt.Sprint("E", e),
			"cpr_number": fmt.Sprintf("%02d%02d80%04d", e%28+1, e%12+1, e%10000), "given_name": fmt.Sprint("Fornavn", e),
			"surname": "Efternavn", "validity": Validity("2020-01-01", "")}}})
		eng := func(n int, from string) {
			s.put("engagements", &Object{UUID: ID(fmt.Sprint("engagement", n), e), Validities: []map[string]any{{
				"user_key": fmt.Sprint(e, "-", n), "employee_uuid": pid, "org_unit_uuid": ID("unit", e%max(units, 1)),
				"job_function_uuid": jf, "engagement_type_uuid": et, "is_primary": n == 0, "validity": Validity(from, "")}}})
		}
		eng(0, "2020-01-01")
		if e%5 == 0 {
			eng(1, next)
		}
		s.put("itusers", &Object{UUID: ID("ituser", e), Validities: []map[string]any{{"user_key": fmt.Sprint("user", e),
			"external_id": ID("guid", e), "employee_uuid": pid, "itsystem_uuid": ad, "validity": Validity(day, "")}}})
	}
	return "Active Directory"
}

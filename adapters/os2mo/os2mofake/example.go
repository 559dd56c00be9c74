package os2mofake

// SeedExample puts a small example municipality into s, for tests and
// demos: a line organisation of three units (one renamed next year) and a
// MED hierarchy, an employee with two engagements, a future-dated engagement, a manager change at new year, an
// association, AD and UNI-Login IT users and an e-mail address.
func SeedExample(s *Server) {
	linje := s.AddClass("org_unit_hierarchy", "linje", "Linjeorganisation")
	med := s.AddClass("org_unit_hierarchy", "med", "MED-organisation")
	afd := s.AddClass("org_unit_type", "afdeling", "Afdeling")
	inst := s.AddClass("org_unit_type", "institution", "Institution")
	niv1 := s.AddClass("org_unit_level", "niveau1", "Niveau 1")
	sag := s.AddClass("engagement_job_function", "sagsbehandler", "Sagsbehandler")
	paed := s.AddClass("engagement_job_function", "paedagog", "Pædagog")
	ansat := s.AddClass("engagement_type", "ansat", "Ansat")
	timel := s.AddClass("engagement_type", "timelon", "Timelønnet")
	direktor := s.AddClass("manager_type", "direktor", "Direktør")
	mniv := s.AddClass("manager_level", "niveau1", "Niveau 1")
	pers := s.AddClass("responsibility", "personale", "Personaleansvar")
	medlem := s.AddClass("association_type", "medlem", "Medlem")
	email := s.AddClass("employee_address_type", "EmailEmployee", "Email")
	ad := s.AddITSystem("Active Directory", "Active Directory")
	uni := s.AddITSystem("UNI-Login", "UNI-Login")
	org := ID("organisation", 0)

	put := func(coll string, n int, kind string, vs ...map[string]any) {
		s.Put(coll, Object{UUID: ID(kind, n), Validities: vs})
	}
	put("org_units", 1, "unit", map[string]any{"user_key": "KOM", "name": "Kommunen", "parent_uuid": org,
		"unit_type_uuid": afd, "org_unit_level_uuid": niv1, "org_unit_hierarchy": linje, "validity": Validity("2010-01-01", "")})
	put("org_units", 2, "unit",
		map[string]any{"user_key": "BU", "name": "Børn og Unge", "parent_uuid": ID("unit", 1), "unit_type_uuid": afd,
			"org_unit_hierarchy": linje, "validity": Validity("2015-01-01", "2026-12-31")},
		map[string]any{"user_key": "BU", "name": "Børn, Unge og Familie", "parent_uuid": ID("unit", 1), "unit_type_uuid": afd,
			"org_unit_hierarchy": linje, "validity": Validity("2027-01-01", "")})
	put("org_units", 3, "unit", map[string]any{"user_key": "SOL", "name": "Dagtilbud Solsikken", "parent_uuid": ID("unit", 2),
		"unit_type_uuid": inst, "validity": Validity("2018-08-01", "")})
	put("org_units", 4, "unit", map[string]any{"user_key": "HMED", "name": "Hoved-MED", "parent_uuid": org,
		"org_unit_hierarchy": med, "validity": Validity("2019-01-01", "")})
	// An old unit closed before the read window is not read.
	put("org_units", 5, "unit", map[string]any{"user_key": "OLD", "name": "Nedlagt", "parent_uuid": ID("unit", 1),
		"validity": Validity("2010-01-01", "2020-12-31")})

	emp := func(n int, given, sur, cpr string) {
		put("employees", n, "employee", map[string]any{"user_key": given, "cpr_number": cpr, "given_name": given,
			"surname": sur, "validity": Validity("2000-01-01", "")})
	}
	emp(1, "Anna", "Andersen", "0101801234")
	emp(2, "Bo", "Bech", "0202821234")
	emp(3, "Carl", "Clausen", "0303701234")
	emp(4, "Dorte", "Dam", "0404751234")
	emp(5, "Lars", "Lund", "0505851234")

	eng := func(n int, emp, unit int, jf, et string, primary bool, from, to string) {
		put("engagements", n, "engagement", map[string]any{"user_key": "eng" + string(rune('0'+n)), "employee_uuid": ID("employee", emp),
			"org_unit_uuid": ID("unit", unit), "job_function_uuid": jf, "engagement_type_uuid": et, "is_primary": primary,
			"validity": Validity(from, to)})
	}
	eng(1, 1, 2, sag, ansat, true, "2019-03-01", "")
	eng(2, 1, 3, paed, timel, false, "2024-08-01", "2027-06-30")
	eng(3, 2, 3, paed, ansat, true, "2027-01-01", "") // future-dated
	eng(4, 3, 1, sag, ansat, true, "2010-01-01", "2026-12-31")
	eng(5, 4, 2, sag, ansat, true, "2016-01-01", "")
	eng(6, 5, 3, paed, ansat, true, "2020-08-01", "")

	put("managers", 1, "manager",
		map[string]any{"user_key": "M1", "org_unit_uuid": ID("unit", 2), "employee_uuid": ID("employee", 3), "manager_type_uuid": direktor,
			"manager_level_uuid": mniv, "responsibility_uuids": []any{pers}, "validity": Validity("2020-01-01", "2026-12-31")},
		map[string]any{"user_key": "M1", "org_unit_uuid": ID("unit", 2), "employee_uuid": ID("employee", 4), "manager_type_uuid": direktor,
			"manager_level_uuid": mniv, "responsibility_uuids": []any{pers}, "validity": Validity("2027-01-01", "")})
	put("associations", 1, "association", map[string]any{"user_key": "A1", "employee_uuid": ID("employee", 1),
		"org_unit_uuid": ID("unit", 4), "association_type_uuid": medlem, "validity": Validity("2023-01-01", "")})
	put("itusers", 1, "ituser", map[string]any{"user_key": "anna", "external_id": "guid-anna", "employee_uuid": ID("employee", 1),
		"itsystem_uuid": ad, "validity": Validity("2019-03-01", "")})
	put("itusers", 2, "ituser", map[string]any{"user_key": "lars0001", "employee_uuid": ID("employee", 5),
		"itsystem_uuid": uni, "validity": Validity("2020-08-01", "")})
	put("addresses", 1, "address", map[string]any{"user_key": "a1", "employee_uuid": ID("employee", 1), "address_type_uuid": email,
		"value": "anna@kommune.example", "validity": Validity("2019-03-01", "")})
}

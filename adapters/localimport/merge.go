package localimport

import (
	"fmt"
	"slices"

	"github.com/orgsync/orgsync/orgmodel"
)

// Governs says which source decides that an employee or external exists.
type Governs string

// Governing sources.
const (
	// GovernsBoth (the default): a person present in either source exists.
	GovernsBoth Governs = ""
	// GovernsSTIL: only persons in STIL exist; local records of persons not
	// in STIL are ignored, local records of STIL persons add their
	// affiliations and person fields.
	GovernsSTIL Governs = "stil"
	// GovernsLocal: only persons in the local source exist; the STIL
	// affiliations of that kind for anyone else are dropped.
	GovernsLocal Governs = "local"
)

// Person fields STIL may enrich, by their JSON names.
const (
	FieldGivenName  = "givenName" // given, family and alias names go together
	FieldFamilyName = "familyName"
	FieldEmail      = "email"
	FieldUNIID      = "uniId"
	FieldUsername   = "username"
	FieldCPR        = "cpr"
)

// MergeRules configure Merge. The zero value: both sources create, STIL
// enriches uniId and email, no keep-alive list.
type MergeRules struct {
	Employees Governs
	Externals Governs
	// Enrich lists the person fields (Field* constants) where a STIL value,
	// when not empty, wins over the local one for a person found in both
	// sources. The other fields keep the local value, falling back to STIL's
	// when the local one is empty. nil means {uniId, email}; use an empty,
	// non-nil slice for "STIL enriches nothing".
	Enrich []string
	// KeepAlive lists usernames that stay active: a person of the previous
	// snapshot with such a username who is gone from every source is kept
	// with their previous affiliations (and the institutions and groups
	// those need).
	KeepAlive []string
}

// Report says what Merge did, for logs and the administrator.
type Report struct {
	Matched   []string // person IDs found in both sources
	Added     []string // person IDs created from local records only
	Ignored   []string // local record ids dropped because STIL governs
	Dropped   []string // person IDs whose STIL affiliations were dropped because local governs
	KeptAlive []string // person IDs kept by the keep-alive list
}

// Merge combines a STIL snapshot with local records. A local record is
// matched to a STIL person by id, then CPR, then UNI-ID, then username; a
// matched person keeps the STIL ID. prev is the previous merged snapshot,
// used only for the keep-alive list (nil when there is none). The inputs are
// not modified. The result passes orgmodel's Validate when the inputs are
// consistent (local institutions and units must exist in the STIL snapshot
// or in prev).
func Merge(stil *orgmodel.Snapshot, local []Record, prev *orgmodel.Snapshot, rules MergeRules) (orgmodel.Snapshot, Report) {
	var rep Report
	out := orgmodel.Snapshot{}
	if stil != nil {
		out.SchoolYear = stil.SchoolYear
		out.Institutions = slices.Clone(stil.Institutions)
		out.Units = slices.Clone(stil.Units)
		out.Groups = slices.Clone(stil.Groups)
		out.Persons = slices.Clone(stil.Persons)
		out.Affiliations = slices.Clone(stil.Affiliations)
	}
	enrich := map[string]bool{FieldUNIID: true, FieldEmail: true}
	if rules.Enrich != nil {
		enrich = map[string]bool{}
		for _, f := range rules.Enrich {
			enrich[f] = true
		}
	}
	governs := func(kind orgmodel.RoleKind) Governs {
		if kind == orgmodel.External {
			return rules.Externals
		}
		return rules.Employees
	}

	// Index STIL persons for matching.
	byID, byCPR, byUNI, byUser := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for i, p := range out.Persons {
		byID[p.ID] = i
		if p.CPR != "" {
			byCPR[p.CPR] = i
		}
		if p.UNIID != "" {
			byUNI[p.UNIID] = i
		}
		if p.Username != "" {
			byUser[p.Username] = i
		}
	}
	match := func(r Record) (int, bool) {
		for _, try := range []struct {
			m map[string]int
			k string
		}{{byID, r.ID}, {byCPR, r.CPR}, {byUNI, r.UNIID}, {byUser, r.Username}} {
			if try.k == "" {
				continue
			}
			if i, ok := try.m[try.k]; ok {
				return i, true
			}
		}
		return 0, false
	}

	// Which persons does the local source know, per kind?
	localHas := map[orgmodel.RoleKind]map[string]bool{orgmodel.Employee: {}, orgmodel.External: {}}
	done := map[string]bool{} // local record ids whose person fields were applied
	var localAffs []orgmodel.Affiliation
	for _, r := range local {
		kind := orgmodel.Employee
		if r.Kind == "external" {
			kind = orgmodel.External
		}
		i, found := match(r)
		var pid string
		switch {
		case found:
			pid = out.Persons[i].ID
			if !done[r.ID] {
				out.Persons[i] = enrichPerson(personOf(r), out.Persons[i], enrich)
				rep.Matched = append(rep.Matched, pid)
			}
		case governs(kind) == GovernsSTIL:
			if !done[r.ID] {
				rep.Ignored = append(rep.Ignored, r.ID)
			}
			done[r.ID] = true
			continue
		default:
			pid = r.ID
			if !done[r.ID] {
				p := personOf(r)
				byID[p.ID] = len(out.Persons)
				out.Persons = append(out.Persons, p)
				rep.Added = append(rep.Added, pid)
			}
		}
		done[r.ID] = true
		localHas[kind][pid] = true
		localAffs = append(localAffs, r.Affiliation(pid))
	}

	// Where local governs a kind, drop STIL affiliations of that kind for
	// persons the local source does not know.
	dropped := map[string]bool{}
	out.Affiliations = slices.DeleteFunc(out.Affiliations, func(a orgmodel.Affiliation) bool {
		k := a.Kind()
		if (k == orgmodel.Employee || k == orgmodel.External) && governs(k) == GovernsLocal && !localHas[k][a.PersonID] {
			dropped[a.PersonID] = true
			return true
		}
		return false
	})
	out.Affiliations = append(out.Affiliations, localAffs...)
	for id := range dropped {
		rep.Dropped = append(rep.Dropped, id)
	}
	slices.Sort(rep.Dropped)
	out.Persons = withAffiliations(out.Persons, out.Affiliations)
	keepAlive(&out, prev, rules.KeepAlive, &rep)
	out.Index()
	return out, rep
}

func personOf(r Record) orgmodel.Person {
	return orgmodel.Person{ID: r.ID, CPR: r.CPR, GivenName: r.GivenName, FamilyName: r.FamilyName,
		Username: r.Username, UNIID: r.UNIID, Email: r.Email}
}

// enrichPerson combines a local person with the STIL one (whose ID and
// name protection are kept).
func enrichPerson(loc, st orgmodel.Person, enrich map[string]bool) orgmodel.Person {
	out := loc
	out.ID = st.ID
	out.Protected = st.Protected || loc.Protected
	pick := func(field string, l, s string) string {
		if (enrich[field] && s != "") || l == "" {
			return s
		}
		return l
	}
	if (enrich[FieldGivenName] || enrich[FieldFamilyName]) && (st.GivenName != "" || st.FamilyName != "") {
		out.GivenName, out.FamilyName = st.GivenName, st.FamilyName
	} else if loc.GivenName == "" && loc.FamilyName == "" {
		out.GivenName, out.FamilyName = st.GivenName, st.FamilyName
	}
	out.AliasGivenName, out.AliasFamilyName = st.AliasGivenName, st.AliasFamilyName
	out.Email = pick(FieldEmail, loc.Email, st.Email)
	out.UNIID = pick(FieldUNIID, loc.UNIID, st.UNIID)
	out.Username = pick(FieldUsername, loc.Username, st.Username)
	out.CPR = pick(FieldCPR, loc.CPR, st.CPR)
	return out
}

// withAffiliations keeps the persons that still have an affiliation.
func withAffiliations(ps []orgmodel.Person, affs []orgmodel.Affiliation) []orgmodel.Person {
	has := map[string]bool{}
	for _, a := range affs {
		has[a.PersonID] = true
	}
	return slices.DeleteFunc(ps, func(p orgmodel.Person) bool { return !has[p.ID] })
}

// keepAlive carries over persons of prev whose username is on the list and
// who are missing from out, with their previous affiliations and whatever
// institutions, units and groups those refer to.
func keepAlive(out *orgmodel.Snapshot, prev *orgmodel.Snapshot, names []string, rep *Report) {
	if prev == nil || len(names) == 0 {
		return
	}
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	have := map[string]bool{}
	for _, p := range out.Persons {
		have[p.ID] = true
	}
	inst, unit, group := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, in := range out.Institutions {
		inst[in.Number] = true
	}
	for _, u := range out.Units {
		unit[u.ID] = true
	}
	for _, g := range out.Groups {
		group[g.Key()] = true
	}
	prev.Index()
	for _, p := range prev.Persons {
		if p.Username == "" || !keep[p.Username] || have[p.ID] {
			continue
		}
		affs := prevAffs(prev, p.ID)
		if len(affs) == 0 {
			continue
		}
		out.Persons = append(out.Persons, p)
		have[p.ID] = true
		rep.KeptAlive = append(rep.KeptAlive, p.ID)
		for _, a := range affs {
			out.Affiliations = append(out.Affiliations, a)
			if a.Institution != "" && !inst[a.Institution] {
				if in, ok := prev.Institution(a.Institution); ok {
					out.Institutions = append(out.Institutions, in)
					inst[a.Institution] = true
				}
			}
			if a.UnitID != "" && !unit[a.UnitID] {
				carryUnit(out, prev, a.UnitID, unit, inst)
			}
			gi := prev.AffiliationInstitution(a)
			for _, g := range append([]string{a.MainGroupID}, a.GroupIDs...) {
				if g == "" || group[orgmodel.GroupKey(gi, g)] {
					continue
				}
				if pg, ok := prev.Group(gi, g); ok {
					out.Groups = append(out.Groups, pg)
					group[pg.Key()] = true
				}
			}
		}
	}
}

// carryUnit copies a unit and its missing ancestors from prev.
func carryUnit(out, prev *orgmodel.Snapshot, id string, unit, inst map[string]bool) {
	for id != "" && !unit[id] {
		u, ok := prev.Unit(id)
		if !ok {
			return
		}
		out.Units = append(out.Units, u)
		unit[id] = true
		if u.Institution != "" && !inst[u.Institution] {
			if in, ok := prev.Institution(u.Institution); ok {
				out.Institutions = append(out.Institutions, in)
				inst[u.Institution] = true
			}
		}
		id = u.ParentID
	}
}

// prevAffs returns all affiliations of a person in s, whatever their
// validity.
func prevAffs(s *orgmodel.Snapshot, id string) []orgmodel.Affiliation {
	var out []orgmodel.Affiliation
	for _, a := range s.Affiliations {
		if a.PersonID == id {
			out = append(out, a)
		}
	}
	return out
}

// String summarises the report.
func (r Report) String() string {
	return fmt.Sprintf("matched %d, added %d, ignored %d, dropped %d, kept alive %d",
		len(r.Matched), len(r.Added), len(r.Ignored), len(r.Dropped), len(r.KeptAlive))
}

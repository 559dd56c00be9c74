package history

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Action is what happened to a record between two snapshots.
type Action string

// Actions.
const (
	Create Action = "create"
	Update Action = "update"
	Remove Action = "remove"
)

// Kind is the kind of record an event is about.
type Kind string

// Kinds, in the order events are sorted within an institution.
const (
	KindInstitution Kind = "institution"
	KindGroup       Kind = "group"
	KindPerson      Kind = "person"
)

func kindRank(k Kind) int {
	switch k {
	case KindInstitution:
		return 0
	case KindGroup:
		return 1
	}
	return 2
}

// FieldChange is one changed field of an updated record, by its JSON name
// ("givenName", "roles", "groupIds", ...). Values are rendered as text;
// sensitive fields (the CPR number) carry Redacted instead of values.
type FieldChange struct {
	Field    string `json:"field"`
	Before   string `json:"before,omitempty"`
	After    string `json:"after,omitempty"`
	Redacted bool   `json:"redacted,omitempty"`
}

// Event is one change of one record as seen by one institution. A person
// is seen through their affiliations with the institution: "create" when
// they become affiliated, "remove" when their last affiliation with it goes,
// "update" when their person fields or those affiliations change.
type Event struct {
	Institution string        `json:"institution"`
	Kind        Kind          `json:"kind"`
	ID          string        `json:"id"` // institution number, group id or person id
	Action      Action        `json:"action"`
	Fields      []FieldChange `json:"fields,omitempty"`
}

// String renders the event for logs, e.g. "280101 update person p1 [givenName]".
func (e Event) String() string {
	var names []string
	for _, f := range e.Fields {
		names = append(names, f.Field)
	}
	s := fmt.Sprintf("%s %s %s %s", e.Institution, e.Action, e.Kind, e.ID)
	if len(names) > 0 {
		s += " [" + strings.Join(names, ",") + "]"
	}
	return s
}

// Changes returns the events that turn prev into next, per institution,
// sorted by institution number, kind (institution, group, person) and ID.
// Either snapshot may be nil (all creates or all removes). Equal snapshots
// give no events.
func Changes(prev, next *orgmodel.Snapshot) []Event {
	a, b := viewOf(prev), viewOf(next)
	var out []Event
	for num := range union(a.inst, b.inst) {
		out = append(out, diffInstitution(num, a, b)...)
	}
	slices.SortFunc(out, func(x, y Event) int {
		return cmp.Or(cmp.Compare(x.Institution, y.Institution), cmp.Compare(kindRank(x.Kind), kindRank(y.Kind)), cmp.Compare(x.ID, y.ID))
	})
	return out
}

// view is a snapshot arranged per institution.
type view struct {
	inst    map[string]orgmodel.Institution
	groups  map[string]map[string]orgmodel.Group         // inst -> id -> group
	members map[string]map[string][]orgmodel.Affiliation // inst -> person -> affiliations
	persons map[string]orgmodel.Person
}

func viewOf(s *orgmodel.Snapshot) view {
	v := view{inst: map[string]orgmodel.Institution{}, groups: map[string]map[string]orgmodel.Group{},
		members: map[string]map[string][]orgmodel.Affiliation{}, persons: map[string]orgmodel.Person{}}
	if s == nil {
		return v
	}
	s.Index()
	for _, in := range s.Institutions {
		v.inst[in.Number] = in
	}
	for _, g := range s.Groups {
		m := v.groups[g.Institution]
		if m == nil {
			m = map[string]orgmodel.Group{}
			v.groups[g.Institution] = m
		}
		m[g.ID] = g
	}
	for _, p := range s.Persons {
		v.persons[p.ID] = p
	}
	for _, a := range s.Affiliations {
		inst := s.AffiliationInstitution(a)
		m := v.members[inst]
		if m == nil {
			m = map[string][]orgmodel.Affiliation{}
			v.members[inst] = m
		}
		m[a.PersonID] = append(m[a.PersonID], a)
	}
	return v
}

func union[V any](a, b map[string]V) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func diffInstitution(num string, a, b view) []Event {
	var out []Event
	ai, inA := a.inst[num]
	bi, inB := b.inst[num]
	switch {
	case !inA && inB:
		out = append(out, Event{Institution: num, Kind: KindInstitution, ID: num, Action: Create})
	case inA && !inB:
		out = append(out, Event{Institution: num, Kind: KindInstitution, ID: num, Action: Remove})
	default:
		if f := institutionFields(ai, bi); len(f) > 0 {
			out = append(out, Event{Institution: num, Kind: KindInstitution, ID: num, Action: Update, Fields: f})
		}
	}
	for id := range union(a.groups[num], b.groups[num]) {
		ag, inA := a.groups[num][id]
		bg, inB := b.groups[num][id]
		switch {
		case !inA:
			out = append(out, Event{Institution: num, Kind: KindGroup, ID: id, Action: Create})
		case !inB:
			out = append(out, Event{Institution: num, Kind: KindGroup, ID: id, Action: Remove})
		default:
			if f := groupFields(ag, bg); len(f) > 0 {
				out = append(out, Event{Institution: num, Kind: KindGroup, ID: id, Action: Update, Fields: f})
			}
		}
	}
	for id := range union(a.members[num], b.members[num]) {
		aa, inA := a.members[num][id]
		ba, inB := b.members[num][id]
		switch {
		case !inA:
			out = append(out, Event{Institution: num, Kind: KindPerson, ID: id, Action: Create})
		case !inB:
			out = append(out, Event{Institution: num, Kind: KindPerson, ID: id, Action: Remove})
		default:
			f := personFields(a.persons[id], b.persons[id])
			f = append(f, affiliationFields(aa, ba)...)
			if len(f) > 0 {
				out = append(out, Event{Institution: num, Kind: KindPerson, ID: id, Action: Update, Fields: f})
			}
		}
	}
	return out
}

type fields []FieldChange

func (fs *fields) add(name, before, after string) {
	if before != after {
		*fs = append(*fs, FieldChange{Field: name, Before: before, After: after})
	}
}

func (fs *fields) secret(name, before, after string) {
	if before != after {
		*fs = append(*fs, FieldChange{Field: name, Redacted: true})
	}
}

func period(p orgmodel.Period) string {
	if p == (orgmodel.Period{}) {
		return ""
	}
	f := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return f(p.From) + "/" + f(p.To)
}

func institutionFields(a, b orgmodel.Institution) []FieldChange {
	var fs fields
	fs.add("name", a.Name, b.Name)
	fs.add("abbreviation", a.Abbreviation, b.Abbreviation)
	fs.add("type", string(a.Type), string(b.Type))
	fs.add("valid", period(a.Valid), period(b.Valid))
	return fs
}

func groupFields(a, b orgmodel.Group) []FieldChange {
	var fs fields
	fs.add("name", a.Name, b.Name)
	fs.add("type", string(a.Type), string(b.Type))
	fs.add("level", a.Level, b.Level)
	fs.add("line", a.Line, b.Line)
	fs.add("schoolYear", a.SchoolYear, b.SchoolYear)
	fs.add("startYear", itoa(a.StartYear), itoa(b.StartYear))
	fs.add("valid", period(a.Valid), period(b.Valid))
	return fs
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func personFields(a, b orgmodel.Person) []FieldChange {
	var fs fields
	fs.add("givenName", a.GivenName, b.GivenName)
	fs.add("familyName", a.FamilyName, b.FamilyName)
	fs.add("protected", strconv.FormatBool(a.Protected), strconv.FormatBool(b.Protected))
	fs.add("aliasGivenName", a.AliasGivenName, b.AliasGivenName)
	fs.add("aliasFamilyName", a.AliasFamilyName, b.AliasFamilyName)
	fs.add("username", a.Username, b.Username)
	fs.add("uniId", a.UNIID, b.UNIID)
	fs.add("email", a.Email, b.Email)
	fs.secret("cpr", a.CPR, b.CPR)
	return fs
}

// affiliationFields compares a person's affiliations with one institution,
// merged per field: the union of roles and groups, the first non-empty
// level, main group and title.
func affiliationFields(a, b []orgmodel.Affiliation) []FieldChange {
	sa, sb := summarise(a), summarise(b)
	var fs fields
	fs.add("roles", sa.roles, sb.roles)
	fs.add("level", sa.level, sb.level)
	fs.add("mainGroupId", sa.mainGroup, sb.mainGroup)
	fs.add("groupIds", sa.groups, sb.groups)
	fs.add("title", sa.title, sb.title)
	fs.add("unitId", sa.unit, sb.unit)
	fs.add("valid", sa.valid, sb.valid)
	return fs
}

type affSummary struct{ roles, level, mainGroup, groups, title, unit, valid string }

func summarise(affs []orgmodel.Affiliation) affSummary {
	var roles, groups, units, valids []string
	var s affSummary
	for _, a := range affs {
		for _, r := range a.Roles {
			roles = append(roles, string(r))
		}
		groups = append(groups, a.GroupIDs...)
		if a.UnitID != "" {
			units = append(units, a.UnitID)
		}
		if p := period(a.Valid); p != "" {
			valids = append(valids, p)
		}
		if s.level == "" {
			s.level = a.Level
		}
		if s.mainGroup == "" {
			s.mainGroup = a.MainGroupID
		}
		if s.title == "" {
			s.title = a.Title
		}
	}
	norm := func(v []string) string {
		slices.Sort(v)
		return strings.Join(slices.Compact(v), ",")
	}
	s.roles, s.groups, s.unit, s.valid = norm(roles), norm(groups), norm(units), norm(valids)
	return s
}

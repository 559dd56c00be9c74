package os2mo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/orgsync/orgsync/orgmodel"
)

// Mapping says how OS2mo's classes and IT systems become the model.
type Mapping struct {
	// Institution is the municipality's institution: every OS2mo unit and
	// affiliation belongs to it (Type orgmodel.Municipality).
	Institution orgmodel.Institution
	// Hierarchies maps the user_key of an org_unit_hierarchy class to a
	// parallel hierarchy; a unit without the class, or with a class not
	// listed, is in the line organisation.
	Hierarchies map[string]orgmodel.Hierarchy
	// EngagementRoles maps an engagement type's or job function's user_key
	// to a STIL role (job function first); unlisted: DefaultRole.
	EngagementRoles map[string]orgmodel.Role
	// DefaultRole is the role of an engagement nothing maps; "" means TAP.
	DefaultRole orgmodel.Role
	// Associations: when true, associations become affiliations with the
	// role OtherEmployeeRole and the association type's name as raw role.
	Associations bool
	// ADSystem is the user_key of the IT system holding the AD bindings
	// (e.g. "Active Directory"): its IT users are the Bindings, and their
	// user_key becomes the person's reserved Username.
	ADSystem string
	// UNILoginSystem, when set, is the user_key of an IT system whose IT
	// users' user_key is the person's UNI-ID (used to match STIL).
	UNILoginSystem string
	// EmailAddressType, when set, is the user_key of the address type whose
	// value becomes the person's e-mail.
	EmailAddressType string
}

// Window is the validity interval read: From (zero: all history) to To
// (zero: open-ended). Reading at a point in time t with future-dated changes
// is Window{From: t}; strictly at t only is Window{From: t, To: t}.
type Window struct{ From, To time.Time }

// Binding is an IT user of the AD system: an employee bound to an account.
type Binding struct {
	UUID       string // the IT user's uuid
	PersonID   string // the employee's uuid
	Username   string // the IT user's user_key
	ExternalID string // the account's object id (external_id)
	Valid      orgmodel.Period
}

// Result is what Read returns.
type Result struct {
	// Snapshot holds the municipality institution, units, persons,
	// affiliations (engagements and, if mapped, associations) and managers.
	// It is not validated: merge it first (MergeSTIL) or validate it.
	Snapshot orgmodel.Snapshot
	// Bindings are the AD IT users, by person.
	Bindings []Binding
	// Requests is the number of GraphQL requests the read took.
	Requests int
}

type vUnit struct {
	UserKey   string   `json:"user_key"`
	Name      string   `json:"name"`
	Parent    *string  `json:"parent_uuid"`
	UnitType  *string  `json:"unit_type_uuid"`
	Level     *string  `json:"org_unit_level_uuid"`
	Hierarchy *string  `json:"org_unit_hierarchy"`
	Validity  validity `json:"validity"`
}

type vEmployee struct {
	UserKey   string   `json:"user_key"`
	CPR       *string  `json:"cpr_number"`
	GivenName string   `json:"given_name"`
	Surname   string   `json:"surname"`
	Validity  validity `json:"validity"`
}

type vEngagement struct {
	UserKey     string   `json:"user_key"`
	Employee    string   `json:"employee_uuid"`
	OrgUnit     string   `json:"org_unit_uuid"`
	JobFunction string   `json:"job_function_uuid"`
	Type        string   `json:"engagement_type_uuid"`
	IsPrimary   bool     `json:"is_primary"`
	Validity    validity `json:"validity"`
}

type vAssociation struct {
	Employee *string  `json:"employee_uuid"`
	OrgUnit  string   `json:"org_unit_uuid"`
	Type     *string  `json:"association_type_uuid"`
	Validity validity `json:"validity"`
}

type vManager struct {
	Employee         *string  `json:"employee_uuid"`
	OrgUnit          string   `json:"org_unit_uuid"`
	Type             *string  `json:"manager_type_uuid"`
	Level            *string  `json:"manager_level_uuid"`
	Responsibilities []string `json:"responsibility_uuids"`
	Validity         validity `json:"validity"`
}

type vITUser struct {
	UserKey    string   `json:"user_key"`
	ExternalID *string  `json:"external_id"`
	Employee   *string  `json:"employee_uuid"`
	ITSystem   string   `json:"itsystem_uuid"`
	Validity   validity `json:"validity"`
}

type vAddress struct {
	Employee *string  `json:"employee_uuid"`
	Type     string   `json:"address_type_uuid"`
	Value    string   `json:"value"`
	Validity validity `json:"validity"`
}

type vClass struct {
	UserKey string `json:"user_key"`
	Name    string `json:"name"`
	Facet   string `json:"facet_uuid"`
}

type vKey struct {
	UserKey string `json:"user_key"`
}

// period turns OS2mo's validity (to is the last valid day) into the
// model's half-open period.
func period(v validity) (orgmodel.Period, error) {
	var p orgmodel.Period
	if v.From != nil {
		t, err := parseTime(*v.From)
		if err != nil {
			return p, fmt.Errorf("validity.from: %w", err)
		}
		p.From = t
	}
	if v.To != nil {
		t, err := parseTime(*v.To)
		if err != nil {
			return p, fmt.Errorf("validity.to: %w", err)
		}
		p.To = t.AddDate(0, 0, 1)
	}
	return p, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, s)
}

func dateVar(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// obj is one fetched bitemporal object.
type obj[T any] struct {
	uuid string
	vs   []T
}

// fetch reads every page of a collection into memory.
func fetch[T any](ctx context.Context, c *Client, q query, filter map[string]any, dst *[]obj[T]) error {
	return pageAll(ctx, c, q, filter, func(id string, vs []T) error {
		*dst = append(*dst, obj[T]{id, vs})
		return nil
	})
}

// Read reads the organisation over the window w and maps it by m. The
// collections are read concurrently (at most four at a time), each page
// after page.
func (c *Client) Read(ctx context.Context, w Window, m Mapping) (*Result, error) {
	start := c.Requests()
	filter := map[string]any{"from_date": dateVar(w.From), "to_date": dateVar(w.To)}
	all := map[string]any{"from_date": nil, "to_date": nil}
	bad := func(kind, id string, err error) error { return fmt.Errorf("os2mo: %s %s: %w", kind, id, err) }

	var (
		rClasses []obj[vClass]
		rSystems []obj[vKey]
		rUnits   []obj[vUnit]
		rEmps    []obj[vEmployee]
		rEngs    []obj[vEngagement]
		rAssocs  []obj[vAssociation]
		rMgrs    []obj[vManager]
		rITUsers []obj[vITUser]
		rAddrs   []obj[vAddress]
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	g.Go(func() error { return fetch(gctx, c, qClasses, all, &rClasses) })
	g.Go(func() error { return fetch(gctx, c, qSystems, all, &rSystems) })
	g.Go(func() error { return fetch(gctx, c, qUnits, filter, &rUnits) })
	g.Go(func() error { return fetch(gctx, c, qEmployees, filter, &rEmps) })
	g.Go(func() error { return fetch(gctx, c, qEngagements, filter, &rEngs) })
	g.Go(func() error { return fetch(gctx, c, qManagers, filter, &rMgrs) })
	if m.Associations {
		g.Go(func() error { return fetch(gctx, c, qAssociations, filter, &rAssocs) })
	}
	if m.ADSystem != "" || m.UNILoginSystem != "" {
		g.Go(func() error { return fetch(gctx, c, qITUsers, filter, &rITUsers) })
	}
	if m.EmailAddressType != "" {
		g.Go(func() error { return fetch(gctx, c, qAddresses, filter, &rAddrs) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	classes := map[string]vClass{}
	for _, o := range rClasses {
		if len(o.vs) > 0 {
			classes[o.uuid] = o.vs[len(o.vs)-1]
		}
	}
	systems := map[string]string{} // uuid -> user_key
	for _, o := range rSystems {
		if len(o.vs) > 0 {
			systems[o.uuid] = o.vs[len(o.vs)-1].UserKey
		}
	}
	name := func(id *string) string {
		if id == nil {
			return ""
		}
		return classes[*id].Name
	}
	key := func(id *string) string {
		if id == nil {
			return ""
		}
		return classes[*id].UserKey
	}

	inst := m.Institution.Number
	snap := orgmodel.Snapshot{Institutions: []orgmodel.Institution{m.Institution}}
	snap.Units = make([]orgmodel.Unit, 0, len(rUnits))
	for _, o := range rUnits {
		if len(o.vs) == 0 {
			continue
		}
		pick, span, err := current(o.vs, func(v vUnit) validity { return v.Validity }, w.From)
		if err != nil {
			return nil, bad("org unit", o.uuid, err)
		}
		v := o.vs[pick]
		h := m.Hierarchies[key(v.Hierarchy)]
		if h == "" {
			h = orgmodel.LineOrganisation
		}
		snap.Units = append(snap.Units, orgmodel.Unit{ID: o.uuid, Name: v.Name, Hierarchy: h, ParentID: str(v.Parent),
			Institution: inst, Valid: span, Type: name(v.UnitType), Level: name(v.Level)})
	}
	// A root's parent is the OS2mo organisation, not a unit.
	known := make(map[string]bool, len(snap.Units))
	for _, u := range snap.Units {
		known[u.ID] = true
	}
	for i := range snap.Units {
		if !known[snap.Units[i].ParentID] {
			snap.Units[i].ParentID = ""
		}
	}

	snap.Persons = make([]orgmodel.Person, 0, len(rEmps))
	for _, o := range rEmps {
		if len(o.vs) == 0 {
			continue
		}
		pick, _, err := current(o.vs, func(v vEmployee) validity { return v.Validity }, w.From)
		if err != nil {
			return nil, bad("employee", o.uuid, err)
		}
		v := o.vs[pick]
		snap.Persons = append(snap.Persons, orgmodel.Person{ID: o.uuid, CPR: str(v.CPR), GivenName: v.GivenName, FamilyName: v.Surname})
	}
	def := m.DefaultRole
	if def == "" {
		def = orgmodel.TAP
	}
	for _, o := range rEngs {
		for _, v := range o.vs {
			p, err := period(v.Validity)
			if err != nil {
				return nil, bad("engagement", o.uuid, err)
			}
			role, ok := m.EngagementRoles[classes[v.JobFunction].UserKey]
			if !ok {
				if role, ok = m.EngagementRoles[classes[v.Type].UserKey]; !ok {
					role = def
				}
			}
			snap.Affiliations = append(snap.Affiliations, orgmodel.Affiliation{PersonID: v.Employee, Institution: inst,
				UnitID: v.OrgUnit, Roles: []orgmodel.Role{role}, Title: classes[v.JobFunction].Name, Valid: p,
				Source: "os2mo", LocalPersonID: v.UserKey, Primary: v.IsPrimary, EmploymentType: classes[v.Type].Name})
		}
	}
	for _, o := range rAssocs {
		for _, v := range o.vs {
			if v.Employee == nil {
				continue
			}
			p, err := period(v.Validity)
			if err != nil {
				return nil, bad("association", o.uuid, err)
			}
			snap.Affiliations = append(snap.Affiliations, orgmodel.Affiliation{PersonID: *v.Employee, Institution: inst,
				UnitID: v.OrgUnit, Roles: []orgmodel.Role{orgmodel.OtherEmployeeRole}, RawRoles: []string{name(v.Type)},
				Valid: p, Source: "os2mo"})
		}
	}
	for _, o := range rMgrs {
		for _, v := range o.vs {
			p, err := period(v.Validity)
			if err != nil {
				return nil, bad("manager", o.uuid, err)
			}
			var resp []string
			for _, r := range v.Responsibilities {
				resp = append(resp, classes[r].Name)
			}
			snap.Managers = append(snap.Managers, orgmodel.Manager{ID: o.uuid, UnitID: v.OrgUnit, PersonID: str(v.Employee),
				Level: name(v.Level), Type: name(v.Type), Responsibilities: resp, Valid: p})
		}
	}

	res := &Result{}
	persons := make(map[string]*orgmodel.Person, len(snap.Persons))
	for i := range snap.Persons {
		persons[snap.Persons[i].ID] = &snap.Persons[i]
	}
	for _, o := range rITUsers {
		if len(o.vs) == 0 {
			continue
		}
		pick, _, err := current(o.vs, func(v vITUser) validity { return v.Validity }, w.From)
		if err != nil {
			return nil, bad("it user", o.uuid, err)
		}
		v := o.vs[pick]
		p, _ := period(v.Validity)
		person := persons[str(v.Employee)]
		switch systems[v.ITSystem] {
		case "":
		case m.ADSystem:
			res.Bindings = append(res.Bindings, Binding{UUID: o.uuid, PersonID: str(v.Employee), Username: v.UserKey, ExternalID: str(v.ExternalID), Valid: p})
			if person != nil && p.Contains(w.From) {
				person.Username = v.UserKey
			}
		case m.UNILoginSystem:
			if person != nil {
				person.UNIID = v.UserKey
			}
		}
	}
	for _, o := range rAddrs {
		for _, v := range o.vs {
			if p := persons[str(v.Employee)]; p != nil && classes[v.Type].UserKey == m.EmailAddressType && p.Email == "" {
				p.Email = v.Value
			}
		}
	}
	sort.Slice(res.Bindings, func(i, j int) bool { return res.Bindings[i].PersonID < res.Bindings[j].PersonID })
	res.Snapshot = snap
	res.Requests = c.Requests() - start
	return res, nil
}

// current returns the index of the validity valid at at (else the first
// one starting after it, else the last) and the span of all validities.
func current[T any](vs []T, val func(T) validity, at time.Time) (int, orgmodel.Period, error) {
	best := -1
	var span orgmodel.Period
	for i, v := range vs {
		p, err := period(val(v))
		if err != nil {
			return 0, span, err
		}
		if i == 0 || p.From.Before(span.From) {
			span.From = p.From
		}
		if i == 0 || (!span.To.IsZero() && (p.To.IsZero() || p.To.After(span.To))) {
			span.To = p.To
		}
		if best < 0 && (p.Contains(at) || p.From.After(at)) {
			best = i
		}
	}
	if best < 0 {
		best = len(vs) - 1
	}
	return best, span, nil
}

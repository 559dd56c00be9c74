package catalog

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
)

// CSV columns. The first row names the columns (any order; unknown
// columns are errors, missing ones are empty). Each row is one record,
// its kind in the "kind" column: system, right, role, rule, user,
// assignment, delegation or derived. A rule's own kind (sod, time-window,
// limit) is in "rule_kind", its text in "text"; a user is a person
// ("person") or an IT system ("system"). Lists (rights, inherits, roles,
// classifications, systems) are separated by ";"; restrictions are
// "unit=ID;person=ID;system=ID"; dates are YYYY-MM-DD (from inclusive, to
// exclusive); booleans are "true"/"false" or empty.
var CSVColumns = []string{
	"kind", "id", "name", "system", "classification", "classifications", "systems", "rights", "inherits", "group",
	"requires_attestation", "user", "roles", "assigned_by", "from", "to", "restrictions", "unit", "sub_units",
	"stil_role", "title", "institution", "rule_kind", "text", "first_workdays", "max", "person",
}

// ReadCSV reads a catalogue from CSV (see CSVColumns), reporting every
// bad row at once; each error names the line and the field.
func ReadCSV(r io.Reader) (rolemodel.Catalogue, error) {
	var c rolemodel.Catalogue
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return c, fmt.Errorf("%w: csv header: %w", ErrFormat, err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		known := false
		for _, k := range CSVColumns {
			known = known || k == h
		}
		if !known {
			return c, fmt.Errorf("%w: csv header: unknown column %q", ErrFormat, h)
		}
		if _, dup := col[h]; dup {
			return c, fmt.Errorf("%w: csv header: column %q twice", ErrFormat, h)
		}
		col[h] = i
	}
	if _, ok := col["kind"]; !ok {
		return c, fmt.Errorf("%w: csv header: no kind column", ErrFormat)
	}
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrFormat, err))
			if _, ok := err.(*csv.ParseError); ok {
				continue
			}
			break
		}
		line, _ := cr.FieldPos(0) // only after a successful Read: it panics otherwise
		row := csvRow{rec: rec, col: col, line: line}
		row.add(&c)
		errs = append(errs, row.errs...)
	}
	return c, errors.Join(errs...)
}

type csvRow struct {
	rec  []string
	col  map[string]int
	line int
	errs []error
}

func (r *csvRow) get(name string) string {
	i, ok := r.col[name]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

func (r *csvRow) bad(field, f string, a ...any) {
	r.errs = append(r.errs, fmt.Errorf("%w: line %d: field %s: %s", ErrFormat, r.line, field, fmt.Sprintf(f, a...)))
}

func (r *csvRow) list(name string) []string {
	v := r.get(name)
	if v == "" {
		return nil
	}
	var out []string
	for _, x := range strings.Split(v, ";") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (r *csvRow) date(name string) time.Time {
	v := r.get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		r.bad(name, "%q is not a date YYYY-MM-DD", v)
	}
	return t
}

func (r *csvRow) period() orgmodel.Period {
	return orgmodel.Period{From: r.date("from"), To: r.date("to")}
}

func (r *csvRow) bool(name string) bool {
	switch v := strings.ToLower(r.get(name)); v {
	case "", "false", "no", "0":
		return false
	case "true", "yes", "1":
		return true
	default:
		r.bad(name, "%q is not true or false", v)
		return false
	}
}

func (r *csvRow) int(name string) int64 {
	v := r.get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		r.bad(name, "%q is not a whole number", v)
	}
	return n
}

func (r *csvRow) restrictions() []rolemodel.Restriction {
	var out []rolemodel.Restriction
	for _, x := range r.list("restrictions") {
		k, v, ok := strings.Cut(x, "=")
		kind := rolemodel.RestrictionKind(strings.TrimSpace(k))
		if !ok || strings.TrimSpace(v) == "" || (kind != rolemodel.RestrictUnit && kind != rolemodel.RestrictPerson && kind != rolemodel.RestrictSystem) {
			r.bad("restrictions", "%q: want unit=ID, person=ID or system=ID", x)
			continue
		}
		out = append(out, rolemodel.Restriction{Kind: kind, Value: strings.TrimSpace(v)})
	}
	return out
}

func (r *csvRow) add(c *rolemodel.Catalogue) {
	id := r.get("id")
	kind := r.get("kind")
	if id == "" && kind != "delegation" {
		r.bad("id", "empty")
	}
	switch kind {
	case "system":
		c.Systems = append(c.Systems, rolemodel.ITSystem{ID: id, Name: r.get("name")})
	case "right":
		c.Rights = append(c.Rights, rolemodel.Right{ID: id, Name: r.get("name"), System: r.get("system"),
			Classification: rolemodel.Classification(r.get("classification")), Group: r.get("group")})
	case "role":
		var cls []rolemodel.Classification
		for _, x := range r.list("classifications") {
			cls = append(cls, rolemodel.Classification(x))
		}
		c.Roles = append(c.Roles, rolemodel.Role{ID: id, Name: r.get("name"), Classifications: cls, Systems: r.list("systems"),
			Rights: r.list("rights"), Inherits: r.list("inherits"), Group: r.get("group"),
			RequiresAttestation: r.bool("requires_attestation"), Valid: r.period()})
	case "rule":
		c.Rules = append(c.Rules, rolemodel.Rule{ID: id, Kind: rolemodel.RuleKind(r.get("rule_kind")), Text: r.get("text"),
			Rights: r.list("rights"), FirstWorkdays: int(r.int("first_workdays")), Max: r.int("max"), Valid: r.period()})
	case "user":
		c.Users = append(c.Users, rolemodel.User{ID: id, PersonID: r.get("person"), System: r.get("system"), Valid: r.period()})
	case "assignment":
		c.Assignments = append(c.Assignments, rolemodel.Assignment{ID: id, User: r.get("user"), Roles: r.list("roles"),
			AssignedBy: r.get("assigned_by"), Valid: r.period(), Restrictions: r.restrictions()})
	case "delegation":
		c.Delegations = append(c.Delegations, rolemodel.Delegation{User: r.get("user"), Role: r.get("roles"), Valid: r.period()})
	case "derived":
		c.Derived = append(c.Derived, rolemodel.Derived{ID: id, Roles: r.list("roles"), AssignedBy: r.get("assigned_by"),
			Unit: r.get("unit"), SubUnits: r.bool("sub_units"), STILRole: orgmodel.Role(r.get("stil_role")), Title: r.get("title"),
			Institution: r.get("institution"), Valid: r.period(), Restrictions: r.restrictions()})
	default:
		r.bad("kind", "%q: want system, right, role, rule, user, assignment, delegation or derived", kind)
	}
}

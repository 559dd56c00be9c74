package stil

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Options tune Decode. The zero value is ready to use: lenient mode and
// institution types inferred from the data.
type Options struct {
	// Strict makes any record problem fail the whole institution: its
	// Export.Err is set and Result.Snapshot leaves it out, so that a caller
	// keeps its previous data for it.
	Strict bool
	// InstitutionTypes maps institution numbers to their type. Institutions
	// not listed get a type inferred from their students' roles.
	InstitutionTypes map[string]orgmodel.InstitutionType
	// MaxBadShare is the share of an institution's records (groups and
	// persons) that may be left out for problems before the whole
	// institution is held back (Export.Err wraps ErrTooManyBad). Zero means
	// DefaultMaxBadShare; 1 or more never holds an institution back for
	// this reason.
	MaxBadShare float64
}

// DefaultMaxBadShare is the share of bad records (5 %) above which an
// institution is held back when Options.MaxBadShare is zero.
const DefaultMaxBadShare = 0.05

// ContactPerson is a contact person (kontaktperson: parent or other adult)
// of a student, as the model keeps it (Snapshot.Contacts).
type ContactPerson = orgmodel.Contact

// Export is the decoded export of one institution.
type Export struct {
	Institution orgmodel.Institution
	// SchoolYears lists the ImportSource school years as given, e.g.
	// "2024-2025"; SchoolYear is the highest of them. Sources lists the
	// ImportSource elements whole (also in Institution.Sources).
	SchoolYears []string
	SchoolYear  string
	Sources     []orgmodel.ImportSource
	// ExportedAt is the export's exportDateTime (zero when absent).
	ExportedAt  time.Time
	AccessLevel string

	Groups         []orgmodel.Group
	Persons        []orgmodel.Person
	Affiliations   []orgmodel.Affiliation
	ContactPersons []ContactPerson

	// Records counts the groups and persons the export lists, used and
	// left out alike.
	Records int
	// Problems lists every record problem of this institution: records
	// left out (Skipped) and warnings about records kept.
	Problems []*RecordError
	// Err is set when the institution cannot be used and must be held back
	// (its previous data stays in force, see MergeOptions.Previous): no
	// institution number, no ImportSource (ErrNoImportSource), no person
	// (ErrEmptyExport), too many records left out (ErrTooManyBad), or any
	// problem in strict mode (ErrStrict).
	Err error

	importSources int
}

// Result is everything Decode read.
type Result struct {
	Exports []*Export
}

// Problems returns the record problems of every export, in input order.
func (r *Result) Problems() []*RecordError {
	var out []*RecordError
	for _, e := range r.Exports {
		out = append(out, e.Problems...)
	}
	return out
}

// Decode reads every UNILoginExportFullMyndighed element in r, wherever it
// sits (bare, inside a SOAP envelope, or several under one wrapper). It
// returns an error only when r is not well-formed XML, holds a SOAP fault or
// no export at all; record problems are reported in the Exports.
func Decode(r io.Reader, opt Options) (*Result, error) {
	d := &decoder{dec: xml.NewDecoder(r), opt: opt}
	res := &Result{}
	n := 0
	for {
		tok, err := d.dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, d.syntaxErr("", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "UNILoginExportFullMyndighed":
			n++
			path := fmt.Sprintf("UNILoginExportFullMyndighed[%d]", n)
			exp, err := d.export(se, path)
			if err != nil {
				return res, err
			}
			res.Exports = append(res.Exports, exp)
		case "Fault":
			var f struct {
				Code   string `xml:"faultcode"`
				String string `xml:"faultstring"`
				Reason string `xml:"Reason>Text"`
			}
			if err := d.dec.DecodeElement(&f, &se); err != nil {
				return res, d.syntaxErr("Fault", err)
			}
			msg := strings.TrimSpace(f.String + " " + f.Reason)
			return res, fmt.Errorf("stil: decode: %w: %s", ErrFault, msg)
		}
	}
	if n == 0 {
		return res, fmt.Errorf("stil: decode: %w", ErrNoExport)
	}
	return res, nil
}

// ErrNoExport is returned by Decode for a document without any
// UNILoginExportFullMyndighed element.
var ErrNoExport = errors.New("no UNILoginExportFullMyndighed element")

// ErrFault is returned by Decode for a SOAP fault from the service.
var ErrFault = errors.New("soap fault")

type decoder struct {
	dec *xml.Decoder
	opt Options
}

func (d *decoder) line() int {
	l, _ := d.dec.InputPos()
	return l
}

func (d *decoder) syntaxErr(path string, err error) error {
	if path == "" {
		return fmt.Errorf("stil: decode (line %d): %w", d.line(), err)
	}
	return fmt.Errorf("stil: decode %s (line %d): %w", path, d.line(), err)
}

// export reads one UNILoginExportFullMyndighed element.
func (d *decoder) export(start xml.StartElement, path string) (*Export, error) {
	exp := &Export{}
	startLine := d.line()
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "exportDateTime":
			t, err := parseDateTime(a.Value)
			if err != nil {
				exp.Problems = append(exp.Problems, &RecordError{Path: path + "/@exportDateTime", Line: startLine, Err: fmt.Errorf("%w: exportDateTime %q", ErrInvalid, a.Value)})
			}
			exp.ExportedAt = t
		case "accessLevel":
			exp.AccessLevel = a.Value
		}
	}
	nInst := 0
	for {
		tok, err := d.dec.Token()
		if err != nil {
			return nil, d.syntaxErr(path, unexpectedEOF(err))
		}
		switch t := tok.(type) {
		case xml.EndElement:
			d.finish(exp, path, startLine, nInst)
			return exp, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "ImportSource":
				exp.importSources++
				var src orgmodel.ImportSource
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "schoolYear":
						src.SchoolYear = collapse(a.Value)
						exp.SchoolYears = append(exp.SchoolYears, src.SchoolYear)
					case "source":
						src.Source = collapse(a.Value)
					case "sourceDateTime":
						t, err := parseDateTime(a.Value)
						if err != nil {
							exp.Problems = append(exp.Problems, &RecordError{Path: path + "/ImportSource/@sourceDateTime", Line: d.line(), Err: err})
						}
						src.At = t
					}
				}
				exp.Sources = append(exp.Sources, src)
				if err := d.dec.Skip(); err != nil {
					return nil, d.syntaxErr(path+"/ImportSource", err)
				}
			case "Institution":
				nInst++
				p := path + "/Institution"
				if nInst > 1 {
					exp.Problems = append(exp.Problems, &RecordError{Path: fmt.Sprintf("%s[%d]", p, nInst), Line: d.line(), Skipped: true,
						Err: fmt.Errorf("%w: more than one Institution in one export", ErrConflict)})
					if err := d.dec.Skip(); err != nil {
						return nil, d.syntaxErr(p, err)
					}
					continue
				}
				if err := d.institution(exp, p); err != nil {
					return nil, err
				}
			default:
				if err := d.dec.Skip(); err != nil {
					return nil, d.syntaxErr(path+"/"+t.Name.Local, err)
				}
			}
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// finish settles the school year, the institution type and strict mode.
func (d *decoder) finish(exp *Export, path string, line, nInst int) {
	if nInst == 0 {
		exp.Problems = append(exp.Problems, &RecordError{Path: path + "/Institution", Line: line, Skipped: true, Err: fmt.Errorf("%w: Institution", ErrMissing)})
	}
	best := -1
	for _, y := range exp.SchoolYears {
		start, ok := schoolYearStart(y)
		if !ok {
			exp.Problems = append(exp.Problems, &RecordError{Path: path + "/ImportSource/@schoolYear", Line: line, Institution: exp.Institution.Number,
				Err: fmt.Errorf("%w: school year %q, want YYYY-YYYY", ErrInvalid, y)})
			continue
		}
		if start > best {
			best, exp.SchoolYear = start, y
		}
	}
	for i := range exp.Groups {
		g := &exp.Groups[i]
		if g.Type != orgmodel.Hovedgruppe || exp.SchoolYear == "" {
			continue
		}
		g.SchoolYear = exp.SchoolYear
		if lvl, err := strconv.Atoi(g.Level); err == nil && lvl >= 0 && lvl <= 10 {
			g.StartYear = best - lvl
		}
	}
	if t, ok := d.opt.InstitutionTypes[exp.Institution.Number]; ok {
		exp.Institution.Type = t
	} else {
		exp.Institution.Type = inferType(exp.Affiliations)
	}
	exp.Institution.Sources = exp.Sources
	exp.Institution.AccessLevel = exp.AccessLevel
	exp.Institution.ExportedAt = exp.ExportedAt
	num := exp.Institution.Number
	if num != "" && exp.Institution.Name == "" && nInst > 0 {
		// InstitutionName is optional in the schema: fall back to the number.
		exp.Institution.Name = num
		exp.Problems = append(exp.Problems, &RecordError{Path: path + "/Institution/InstitutionName", Line: line, Institution: num,
			Err: fmt.Errorf("%w: InstitutionName; the institution number is used as its name", ErrMissing)})
	}
	skipped := 0
	for _, p := range exp.Problems {
		if p.Skipped {
			skipped++
		}
	}
	max := d.opt.MaxBadShare
	if max == 0 {
		max = DefaultMaxBadShare
	}
	switch {
	case exp.Err != nil:
	case num == "":
		exp.Err = fmt.Errorf("stil: decode %s: %w: InstitutionNumber", path, ErrMissing)
	case exp.importSources == 0:
		exp.Err = fmt.Errorf("stil: decode institution %s: %w", num, ErrNoImportSource)
	case len(exp.Persons) == 0 && skipped == 0:
		exp.Err = fmt.Errorf("stil: decode institution %s: %w: held back, not read as everyone leaving", num, ErrEmptyExport)
	case d.opt.Strict && len(exp.Problems) > 0:
		exp.Err = fmt.Errorf("stil: decode institution %s: %w: %d problem(s), first: %w", num, ErrStrict, len(exp.Problems), exp.Problems[0])
	case exp.Records > 0 && float64(skipped) > max*float64(exp.Records):
		exp.Err = fmt.Errorf("stil: decode institution %s: %w: %d of %d records left out, more than %g %%", num, ErrTooManyBad, skipped, exp.Records, max*100)
	}
}

// inferType guesses the institution type from the student roles: a daycare
// has children (Barn), youth education has students (Studerende).
func inferType(affs []orgmodel.Affiliation) orgmodel.InstitutionType {
	var barn, stud, elev int
	for _, a := range affs {
		for _, r := range a.Roles {
			switch r {
			case orgmodel.Barn:
				barn++
			case orgmodel.Studerende:
				stud++
			case orgmodel.Elev:
				elev++
			}
		}
	}
	switch {
	case barn > elev && barn >= stud:
		return orgmodel.Daycare
	case stud > elev:
		return orgmodel.FU
	}
	return orgmodel.School
}

// ref is a group reference of an affiliation, checked when the whole
// institution has been read.
type ref struct {
	aff      int // index in Export.Affiliations
	path     string
	line     int
	personID string
}

// institution reads the Institution element: number, name, groups, persons.
func (d *decoder) institution(exp *Export, path string) error {
	var (
		nGroup, nPerson int
		refs            []ref
		groupSeen       = map[string]bool{}
		personAt        = map[string]int{} // person ID -> index in exp.Persons
	)
	for {
		tok, err := d.dec.Token()
		if err != nil {
			return d.syntaxErr(path, unexpectedEOF(err))
		}
		switch t := tok.(type) {
		case xml.EndElement:
			d.resolve(exp, refs, mainGroups(exp.Groups, groupSeen))
			return nil
		case xml.StartElement:
			line := d.line()
			switch t.Name.Local {
			case "InstitutionNumber", "InstitutionName":
				var s string
				if err := d.dec.DecodeElement(&s, &t); err != nil {
					return d.syntaxErr(path+"/"+t.Name.Local, err)
				}
				if t.Name.Local == "InstitutionNumber" {
					exp.Institution.Number = collapse(s)
				} else {
					exp.Institution.Name = collapse(s)
				}
			case "Group":
				nGroup++
				exp.Records++
				p := fmt.Sprintf("%s/Group[%d]", path, nGroup)
				var xg xGroup
				if err := d.dec.DecodeElement(&xg, &t); err != nil {
					return d.syntaxErr(p, err)
				}
				g, warn, rerr := convertGroup(exp.Institution.Number, xg)
				if rerr == nil && groupSeen[g.ID] {
					rerr = &RecordError{Path: "/GroupId", Err: fmt.Errorf("%w: duplicate GroupId", ErrConflict)}
				}
				if rerr != nil {
					rerr.Path, rerr.Line, rerr.Institution, rerr.GroupID, rerr.Skipped = p+rerr.Path, line, exp.Institution.Number, collapse(xg.ID), true
					exp.Problems = append(exp.Problems, rerr)
					continue
				}
				if warn != nil {
					warn.Path, warn.Line, warn.Institution, warn.GroupID = p+warn.Path, line, exp.Institution.Number, g.ID
					exp.Problems = append(exp.Problems, warn)
				}
				groupSeen[g.ID] = true
				exp.Groups = append(exp.Groups, g)
			case "InstitutionPerson":
				nPerson++
				exp.Records++
				p := fmt.Sprintf("%s/InstitutionPerson[%d]", path, nPerson)
				var xp xInstitutionPerson
				if err := d.dec.DecodeElement(&xp, &t); err != nil {
					return d.syntaxErr(p, err)
				}
				refs = d.person(exp, xp, p, line, personAt, refs)
			default:
				if err := d.dec.Skip(); err != nil {
					return d.syntaxErr(path+"/"+t.Name.Local, err)
				}
			}
		}
	}
}

// mainGroups marks the groups of type Hovedgruppe as main groups (true) and
// the rest as other groups (false).
func mainGroups(gs []orgmodel.Group, seen map[string]bool) map[string]bool {
	out := make(map[string]bool, len(seen))
	for _, g := range gs {
		out[g.ID] = g.Type == orgmodel.Hovedgruppe
	}
	return out
}

// resolve checks the group references of every affiliation. A student whose
// main group is unknown or not a Hovedgruppe loses that affiliation (and
// the person goes when no affiliation is left); an unknown extra group is
// only dropped. groups maps each group ID to whether it is a main group.
func (d *decoder) resolve(exp *Export, refs []ref, groups map[string]bool) {
	inst := exp.Institution.Number
	for i := range exp.Groups {
		exp.Groups[i].Institution = inst
	}
	for i := range exp.Affiliations {
		exp.Affiliations[i].Institution = inst
	}
	for i := range exp.ContactPersons {
		exp.ContactPersons[i].Institution = inst
	}
	for i := range exp.Problems {
		if exp.Problems[i].Institution == "" {
			exp.Problems[i].Institution = inst
		}
	}
	drop := map[int]bool{}
	for _, r := range refs {
		a := &exp.Affiliations[r.aff]
		if main, ok := groups[a.MainGroupID]; a.MainGroupID != "" && !main {
			err := fmt.Errorf("%w: MainGroupId %q", ErrDangling, a.MainGroupID)
			if ok {
				err = fmt.Errorf("%w: MainGroupId %q is not a Hovedgruppe", ErrInvalid, a.MainGroupID)
			}
			exp.Problems = append(exp.Problems, &RecordError{Path: r.path + "/Student/MainGroupId", Line: r.line, Institution: inst, PersonID: r.personID, Skipped: true, Err: err})
			drop[r.aff] = true
			continue
		}
		kept := a.GroupIDs[:0]
		for _, id := range a.GroupIDs {
			if _, ok := groups[id]; ok {
				kept = append(kept, id)
				continue
			}
			exp.Problems = append(exp.Problems, &RecordError{Path: r.path + "/GroupId", Line: r.line, Institution: inst, PersonID: r.personID,
				Err: fmt.Errorf("%w: GroupId %q", ErrDangling, id)})
		}
		if len(kept) == 0 {
			kept = nil
		}
		a.GroupIDs = kept
	}
	if len(drop) == 0 {
		return
	}
	affs := exp.Affiliations[:0]
	alive := map[string]bool{}
	for i, a := range exp.Affiliations {
		if drop[i] {
			continue
		}
		affs = append(affs, a)
		alive[a.PersonID] = true
	}
	exp.Affiliations = affs
	persons := exp.Persons[:0]
	for _, p := range exp.Persons {
		if alive[p.ID] {
			persons = append(persons, p)
		}
	}
	exp.Persons = persons
	contacts := exp.ContactPersons[:0]
	for _, c := range exp.ContactPersons {
		if alive[c.StudentID] {
			contacts = append(contacts, c)
		}
	}
	exp.ContactPersons = contacts
}

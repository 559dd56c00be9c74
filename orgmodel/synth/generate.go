package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Config describes the municipality to generate. Sizes left zero are
// derived from Persons.
type Config struct {
	// Seed makes the output reproducible: the same Config gives the same
	// snapshot, byte for byte.
	Seed int64
	// Persons is the approximate number of persons (within a few per cent
	// for the presets).
	Persons int
	// SchoolYear is the current school year; default "2025-2026".
	SchoolYear string
	// Name is the municipality's name; default "Synthby Kommune".
	Name string
	// Schools and Daycares are the numbers of institutions of each kind;
	// 0 derives them from Persons (about 600 pupils per school and 70
	// children per daycare).
	Schools, Daycares int
	// FUs is the number of youth education institutions: 0 derives it from
	// Persons, a negative number means none.
	FUs int
}

// Presets. Copy one and change fields as needed.
var (
	// Tiny is a demo municipality of about 200 persons: two schools, one
	// daycare and the administration.
	Tiny = Config{Seed: 1, Persons: 200, Schools: 2, Daycares: 1, FUs: -1}
	// Small is a municipality of about 5,000 persons.
	Small = Config{Seed: 1, Persons: 5_000}
	// Medium is a municipality of about 60,000 persons, like a large Danish
	// municipality's schools and daycares.
	Medium = Config{Seed: 1, Persons: 60_000}
	// National is about 1,000,000 persons, the scale of every Danish
	// school and daycare at once.
	National = Config{Seed: 1, Persons: 1_000_000}
)

// DefaultSchoolYear is the school year of a Config that names none.
const DefaultSchoolYear = "2025-2026"

// Institution numbers are six digits: the municipality's administration is
// 100000, schools 2xxxxx, youth education 3xxxxx and daycares 4xxxxx.
const municipalityNumber = "100000"

// ReferenceTime is a sensible "now" for a generated snapshot of a school
// year: 15 September of its first year, 12:00 UTC. Future-dated facts in the
// snapshot (a start on 1 October, leavers on 1 January) lie after it.
func ReferenceTime(schoolYear string) time.Time {
	y, ok := orgmodel.ParseSchoolYear(schoolYear)
	if !ok {
		y, _ = orgmodel.ParseSchoolYear(DefaultSchoolYear)
	}
	return time.Date(y, time.September, 15, 12, 0, 0, 0, time.UTC)
}

// schoolYearStart is 1 August of the first year, when classes move up.
func schoolYearStart(y int) time.Time { return time.Date(y, time.August, 1, 0, 0, 0, 0, time.UTC) }

var (
	// Role slices are shared between affiliations (read-only).
	rolesElev       = []orgmodel.Role{orgmodel.Elev}
	rolesBarn       = []orgmodel.Role{orgmodel.Barn}
	rolesStuderende = []orgmodel.Role{orgmodel.Studerende}
	rolesLaerer     = []orgmodel.Role{orgmodel.Laerer}
	rolesPaedagog   = []orgmodel.Role{orgmodel.Paedagog}
	rolesPaedLaerer = []orgmodel.Role{orgmodel.Paedagog, orgmodel.Laerer}
	rolesLeder      = []orgmodel.Role{orgmodel.Leder}
	rolesLedelse    = []orgmodel.Role{orgmodel.Ledelse, orgmodel.Laerer}
	rolesTAP        = []orgmodel.Role{orgmodel.TAP}
	rolesTAPKons    = []orgmodel.Role{orgmodel.TAP, orgmodel.Konsulent}
	rolesKonsulent  = []orgmodel.Role{orgmodel.Konsulent}
	rolesVikar      = []orgmodel.Role{orgmodel.Vikar}
	rolesPraktikant = []orgmodel.Role{orgmodel.Praktikant}
	rolesEkstern    = []orgmodel.Role{orgmodel.Ekstern}
)

// gen is the state of one generation (or year roll).
type gen struct {
	r    *rand.Rand
	y    int // first year of the school year
	s    *orgmodel.Snapshot
	cpr  *cprAlloc
	pseq int // last person number used
	gseq int // last group number used
	useq int // last unit number used

	schools  []*school
	daycares []*inst
	fus      []*inst
	mun      *inst
	depts    []string // line units of the administration that take staff
	payroll  map[string]string
}

type inst struct {
	number, unit string
	rooms        []string // Hovedgruppe ids (daycare rooms, FU classes)
	team         string
}

type school struct {
	inst
	classes [11][]string // Hovedgruppe ids per level, by line
	aargang [11]string   // Årgang group per level
	sfo     string
}

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x6f7267_73796e63^stream))
}

// Generate builds a synthetic municipality: the administration (an
// institution of type MUNICIPALITY with units in the line organisation, the
// payroll hierarchy and MED), schools with classes 0-10 (main groups with
// level, line letter, school year and start year, plus year groups, an SFO
// group and a staff team), daycares with rooms, and youth education (FU).
// Persons are pupils, daycare children, FU students, teachers, pedagogues,
// managers, administrative staff, consultants, substitutes, trainees and
// externals; some hold several roles or work at two institutions, a few are
// both a student and an employee, some are name-protected with alias names,
// and a few have future-dated starts (1 October) or end dates (1 January).
//
// Names are realistic Danish names with æ, ø and å, hyphenated and
// multi-part names, and a share of names from other languages. CPR numbers
// are unique and well formed (valid dates, century digit), and fail the
// modulus-11 check so that numbers for persons born before 2007 cannot be
// real. Person IDs ("p" and eight digits) are assigned in ascending order,
// so Persons is sorted by ID.
//
// The result passes Validate. Its slices may share backing arrays (role and
// group lists of affiliations): copy before changing them in place.
func Generate(cfg Config) *orgmodel.Snapshot {
	if cfg.SchoolYear == "" {
		cfg.SchoolYear = DefaultSchoolYear
	}
	y, ok := orgmodel.ParseSchoolYear(cfg.SchoolYear)
	if !ok {
		cfg.SchoolYear = DefaultSchoolYear
		y, _ = orgmodel.ParseSchoolYear(DefaultSchoolYear)
	}
	if cfg.Name == "" {
		cfg.Name = "Synthby Kommune"
	}
	n := max(cfg.Persons, 50)
	g := &gen{
		r:       newRand(cfg.Seed, 1),
		y:       y,
		cpr:     newCPRAlloc(),
		payroll: map[string]string{},
	}
	g.s = &orgmodel.Snapshot{
		SchoolYear:   cfg.SchoolYear,
		Persons:      make([]orgmodel.Person, 0, n+n/50),
		Affiliations: make([]orgmodel.Affiliation, 0, n+n/10),
	}
	f := float64(n)
	pupils := int(0.60 * f)
	children := int(0.14 * f)
	fuStudents := int(0.03 * f)
	admin := max(int(0.05*f), 5)
	externals := max(int(0.025*f), 2)

	nSchools := cfg.Schools
	if nSchools <= 0 {
		nSchools = max(1, int(math.Round(float64(pupils)/600)))
	}
	nDaycares := cfg.Daycares
	if nDaycares <= 0 {
		nDaycares = max(1, int(math.Round(float64(children)/70)))
	}
	nFU := cfg.FUs
	if nFU == 0 {
		nFU = int(math.Round(float64(fuStudents) / 250))
		if n >= 2000 {
			nFU = max(nFU, 1)
		}
	}
	if nFU < 0 {
		nFU = 0
	}

	g.institutions(cfg.Name, nSchools, nDaycares, nFU)
	g.administration(admin)
	g.schoolsAndPupils(pupils)
	if nFU > 0 {
		g.youthEducation(fuStudents)
	}
	g.daycareChildren(children)
	g.externals(externals)
	return g.s
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func pad(prefix string, n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return prefix + s
}

func (g *gen) nextGroupID() string {
	g.gseq++
	return pad("G", g.gseq, 7)
}

func (g *gen) unit(name string, h orgmodel.Hierarchy, parent, institution string) string {
	g.useq++
	prefix := map[orgmodel.Hierarchy]string{orgmodel.LineOrganisation: "L", orgmodel.Payroll: "P", orgmodel.MED: "M"}[h]
	id := pad(prefix, g.useq, 5)
	g.s.Units = append(g.s.Units, orgmodel.Unit{ID: id, Name: name, Hierarchy: h, ParentID: parent, Institution: institution})
	return id
}

func (g *gen) group(in, name string, t orgmodel.GroupType, level, line string, startYear int) string {
	id := g.nextGroupID()
	grp := orgmodel.Group{ID: id, Institution: in, Name: name, Type: t, Level: level, Line: line, StartYear: startYear}
	if t == orgmodel.Hovedgruppe && startYear > 0 {
		grp.SchoolYear = orgmodel.SchoolYearOf(g.y)
	}
	g.s.Groups = append(g.s.Groups, grp)
	return id
}

// lineLetter returns the line letter of the i-th class of a level: A, B, …
func lineLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return string(rune('A'+i/26-1)) + string(rune('A'+i%26))
}

func (g *gen) institutions(name string, nSchools, nDaycares, nFU int) {
	s := g.s
	s.Institutions = append(s.Institutions, orgmodel.Institution{
		Number: municipalityNumber, Name: name, Abbreviation: "KOM", Type: orgmodel.Municipality,
	})
	g.mun = &inst{number: municipalityNumber}
	root := g.unit(name, orgmodel.LineOrganisation, "", municipalityNumber)
	g.mun.unit = root
	proot := g.unit(name+" lønorganisation", orgmodel.Payroll, "", municipalityNumber)
	mroot := g.unit("Hoved-MED", orgmodel.MED, "", municipalityNumber)
	dirs := map[string]string{}
	for _, d := range departments {
		dir, ok := dirs[d[0]]
		if !ok {
			dir = g.unit(d[0], orgmodel.LineOrganisation, root, municipalityNumber)
			dirs[d[0]] = dir
			g.payroll[dir] = g.unit("Løn "+d[0], orgmodel.Payroll, proot, municipalityNumber)
			g.unit("MED "+d[0], orgmodel.MED, mroot, municipalityNumber)
		}
		dept := g.unit(d[1], orgmodel.LineOrganisation, dir, municipalityNumber)
		g.payroll[dept] = g.unit("Løn "+d[1], orgmodel.Payroll, g.payroll[dir], municipalityNumber)
		g.depts = append(g.depts, dept)
	}
	bu := dirs["Børn og Unge"]
	schoolsUnit := g.unit("Skoler", orgmodel.LineOrganisation, bu, "")
	daycaresUnit := g.unit("Dagtilbud", orgmodel.LineOrganisation, bu, "")
	fuUnit := ""
	if nFU > 0 {
		fuUnit = g.unit("Ungdomsuddannelse", orgmodel.LineOrganisation, bu, "")
	}

	used := map[string]int{}
	instName := func(kind int, i int) string {
		place := placeNames[(i*7+kind*3)%len(placeNames)]
		var nm string
		switch kind {
		case 0:
			nm = []string{place + "skolen", place + " Skole", "Skolen ved " + place}[i/len(placeNames)%3]
		case 1:
			nm = []string{"Børnehuset " + place, place + " Børnehave", "Vuggestuen " + place}[i/len(placeNames)%3]
		default:
			nm = place + " FGU"
		}
		used[nm]++
		if c := used[nm]; c > 1 {
			nm += " " + strconv.Itoa(c)
		}
		return nm
	}
	for i := range nSchools {
		num := strconv.Itoa(200001 + i)
		nm := instName(0, i)
		s.Institutions = append(s.Institutions, orgmodel.Institution{Number: num, Name: nm, Abbreviation: "S" + strconv.Itoa(i+1), Type: orgmodel.School})
		sc := &school{inst: inst{number: num}}
		sc.unit = g.unit(nm, orgmodel.LineOrganisation, schoolsUnit, num)
		g.schools = append(g.schools, sc)
	}
	for i := range nFU {
		num := strconv.Itoa(300001 + i)
		nm := instName(2, i)
		s.Institutions = append(s.Institutions, orgmodel.Institution{Number: num, Name: nm, Abbreviation: "FU" + strconv.Itoa(i+1), Type: orgmodel.FU})
		g.fus = append(g.fus, &inst{number: num, unit: g.unit(nm, orgmodel.LineOrganisation, fuUnit, num)})
	}
	for i := range nDaycares {
		num := strconv.Itoa(400001 + i)
		nm := instName(1, i)
		s.Institutions = append(s.Institutions, orgmodel.Institution{Number: num, Name: nm, Abbreviation: "D" + strconv.Itoa(i+1), Type: orgmodel.Daycare})
		g.daycares = append(g.daycares, &inst{number: num, unit: g.unit(nm, orgmodel.LineOrganisation, daycaresUnit, num)})
	}
}

// birth returns a random birth date between 1 January of from and
// 31 December of to (inclusive), not after the given latest date.
func (g *gen) birth(from, to int, latest time.Time) time.Time {
	lo := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(to, 12, 31, 0, 0, 0, 0, time.UTC)
	if !latest.IsZero() && hi.After(latest) {
		hi = latest
	}
	days := int(hi.Sub(lo).Hours()/24) + 1
	return lo.AddDate(0, 0, g.r.IntN(max(days, 1)))
}

// names returns given and family names for a new person.
func (g *gen) names(female bool) (string, string) {
	if i := g.pseq - 1; i < len(featuredNames) {
		return featuredNames[i][0], featuredNames[i][1]
	}
	return g.randomNames(female)
}

func (g *gen) randomNames(female bool) (string, string) {
	if g.chance(0.03) {
		p := foreignNames[g.r.IntN(len(foreignNames))]
		return p[0], p[1]
	}
	var given string
	switch {
	case g.chance(0.04):
		given = g.pick(hyphenatedNames)
	case female:
		given = g.pick(femaleNames)
	default:
		given = g.pick(maleNames)
	}
	if g.chance(0.06) {
		if female {
			given += " " + g.pick(femaleNames)
		} else {
			given += " " + g.pick(maleNames)
		}
	}
	family := g.pick(familyNames)
	switch x := g.r.Float64(); {
	case x < 0.04:
		family = g.pick(familyNames) + "-" + family
	case x < 0.08:
		family = g.pick(familyNames) + " " + family
	}
	return given, family
}

// person adds a person born between the given years and returns its ID.
func (g *gen) person(fromYear, toYear int, latest time.Time) string {
	g.pseq++
	id := pad("p", g.pseq, 8)
	female := g.r.IntN(2) == 0
	b := g.birth(fromYear, toYear, latest)
	cpr, ok := g.cpr.alloc(b, female)
	for !ok { // the date is full: try the next day
		b = b.AddDate(0, 0, 1)
		cpr, ok = g.cpr.alloc(b, female)
	}
	given, family := g.names(female)
	p := orgmodel.Person{ID: id, CPR: cpr, GivenName: given, FamilyName: family, UNIID: pad("u", g.pseq, 8)}
	// Persons 9 and 10 are always protected so small presets have some.
	if g.pseq == 9 || g.pseq == 10 || g.chance(0.003) {
		p.Protected = true
		p.AliasGivenName, p.AliasFamilyName = g.randomNames(female)
	}
	if g.chance(0.002) {
		p.Username = "res" + strconv.Itoa(g.pseq)
	}
	g.s.Persons = append(g.s.Persons, p)
	return id
}

func (g *gen) adult() string { return g.person(g.y-66, g.y-23, time.Time{}) }

// staffPeriod returns a hire period: mostly open, some future starts and
// some leavers at the end of the term.
func (g *gen) staffPeriod() orgmodel.Period {
	from := time.Date(g.y-g.r.IntN(25), time.Month(1+g.r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
	switch x := g.r.Float64(); {
	case x < 0.005:
		return orgmodel.Period{From: time.Date(g.y, time.October, 1, 0, 0, 0, 0, time.UTC)}
	case x < 0.015:
		return orgmodel.Period{From: from, To: time.Date(g.y+1, time.January, 1, 0, 0, 0, 0, time.UTC)}
	}
	return orgmodel.Period{From: from}
}

func (g *gen) affiliate(a orgmodel.Affiliation) {
	g.s.Affiliations = append(g.s.Affiliations, a)
}

func (g *gen) administration(n int) {
	// A manager per department and a director per directorate; the rest
	// administrative staff and consultants.
	seen := map[string]bool{}
	for _, u := range g.s.Units {
		if u.Hierarchy != orgmodel.LineOrganisation || u.Institution != municipalityNumber || u.ParentID == "" {
			continue
		}
		roles := rolesLeder
		if u.ParentID == g.mun.unit {
			roles = []orgmodel.Role{orgmodel.Ledelse, orgmodel.Leder}
		}
		if seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		g.affiliate(orgmodel.Affiliation{PersonID: g.adult(), Institution: municipalityNumber, UnitID: u.ID, Roles: roles, Title: "Leder", Valid: g.staffPeriod()})
		n--
	}
	n = max(n, 2) // at least a consultant and one more
	for i := 0; n > 0; n, i = n-1, i+1 {
		unit := g.depts[g.r.IntN(len(g.depts))]
		roles, title := rolesTAP, "Administrativ medarbejder"
		switch x := g.r.Float64(); {
		case i == 0 || x < 0.25:
			roles, title = rolesKonsulent, "Konsulent"
		case x < 0.30:
			roles, title = rolesTAPKons, "Specialkonsulent"
		}
		id := g.adult()
		a := orgmodel.Affiliation{PersonID: id, Institution: municipalityNumber, UnitID: unit, Roles: roles, Title: title, Valid: g.staffPeriod()}
		g.affiliate(a)
		// Some consultants (PPR) also work at a school.
		if roles[0] == orgmodel.Konsulent && len(g.schools) > 0 && g.chance(0.2) {
			sc := g.schools[g.r.IntN(len(g.schools))]
			g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: sc.number, Roles: rolesKonsulent, Title: "PPR-konsulent", Valid: a.Valid})
		}
	}
}

func (g *gen) schoolsAndPupils(pupils int) {
	// Lines per level per school.
	perLevel := float64(pupils) / float64(len(g.schools)*11*22)
	total := 0
	lines := make([][11]int, len(g.schools))
	for i := range g.schools {
		base := max(1, int(math.Round(perLevel)))
		if perLevel >= 1.5 {
			base = max(1, base+g.r.IntN(3)-1)
		}
		for l := range 11 {
			n := base
			if base > 1 && g.chance(0.15) {
				n += g.r.IntN(3) - 1
			}
			lines[i][l] = max(n, 1)
		}
	}
	// The first school's 3rd grade always has at least two classes: the
	// year roll re-splits a level and needs one.
	lines[0][3] = max(lines[0][3], 2)
	for i := range g.schools {
		for l := range 11 {
			total += lines[i][l]
		}
	}
	classSize := float64(pupils) / float64(total)

	for i, sc := range g.schools {
		sc.team = g.group(sc.number, "Lærerteam", orgmodel.Team, "", "", 0)
		sc.sfo = g.group(sc.number, "SFO", orgmodel.SFO, "", "", 0)
		for l := range 11 {
			lv := strconv.Itoa(l)
			sc.aargang[l] = g.group(sc.number, lv+". årgang", orgmodel.Aargang, lv, "", 0)
			for k := range lines[i][l] {
				line := lineLetter(k)
				sc.classes[l] = append(sc.classes[l], g.group(sc.number, lv+line, orgmodel.Hovedgruppe, lv, line, g.y-l))
			}
		}
	}
	for _, sc := range g.schools {
		pupilsHere := 0
		for l := range 11 {
			withSFO := []string{sc.aargang[l], sc.sfo}
			without := []string{sc.aargang[l]}
			for _, cls := range sc.classes[l] {
				size := max(1, int(math.Round(classSize*(0.85+0.3*g.r.Float64()))))
				for range size {
					g.pupil(sc, l, cls, withSFO, without)
				}
				pupilsHere += size
			}
		}
		g.schoolStaff(sc, pupilsHere)
	}
}

func (g *gen) pupil(sc *school, level int, cls string, withSFO, without []string) string {
	// Born in the year they turn 6 + level during this school year.
	by := g.y - 6 - level
	id := g.person(by, by, time.Time{})
	groups := without
	if level <= 3 && g.chance(0.6) {
		groups = withSFO
	}
	valid := orgmodel.Period{From: schoolYearStart(g.y - level)}
	switch x := g.r.Float64(); {
	case x < 0.005:
		valid = orgmodel.Period{From: time.Date(g.y, time.November, 1, 0, 0, 0, 0, time.UTC)}
	case x < 0.01:
		valid.To = time.Date(g.y+1, time.January, 1, 0, 0, 0, 0, time.UTC)
	}
	g.affiliate(orgmodel.Affiliation{
		PersonID: id, Institution: sc.number, UnitID: sc.unit, Roles: rolesElev,
		Level: strconv.Itoa(level), MainGroupID: cls, GroupIDs: groups, Valid: valid,
	})
	return id
}

func (g *gen) randomClasses(sc *school, n int) []string {
	out := make([]string, 0, n+1)
	for range n {
		l := g.r.IntN(11)
		out = append(out, sc.classes[l][g.r.IntN(len(sc.classes[l]))])
	}
	return dedup(out)
}

func dedup(ids []string) []string {
	out := ids[:0]
	for i, id := range ids {
		dup := false
		for _, p := range ids[:i] {
			if p == id {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}

func (g *gen) schoolStaff(sc *school, pupils int) {
	staff := func(roles []orgmodel.Role, title string, groups []string) string {
		id := g.adult()
		g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: sc.number, UnitID: sc.unit, Roles: roles, Title: title, GroupIDs: groups, Valid: g.staffPeriod()})
		return id
	}
	staff(rolesLeder, "Skoleleder", nil)
	for range 1 + pupils/400 {
		staff(rolesLedelse, "Afdelingsleder", []string{sc.team})
	}
	teachers := max(2, pupils/11)
	for range teachers {
		groups := append(g.randomClasses(sc, 2+g.r.IntN(3)), sc.team)
		id := staff(rolesLaerer, "Lærer", groups)
		// Some teachers also teach at a second school.
		if len(g.schools) > 1 && g.chance(0.03) {
			other := g.schools[g.r.IntN(len(g.schools))]
			if other != sc {
				g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: other.number, UnitID: other.unit, Roles: rolesLaerer, Title: "Lærer", GroupIDs: g.randomClasses(other, 1), Valid: g.staffPeriod()})
			}
		}
	}
	for range max(1, pupils/60) {
		roles := rolesPaedagog
		if g.chance(0.1) {
			roles = rolesPaedLaerer
		}
		l := g.r.IntN(4)
		id := staff(roles, "Pædagog", []string{sc.sfo, sc.classes[l][0]})
		// Some pedagogues also work in a daycare.
		if len(g.daycares) > 0 && g.chance(0.03) {
			d := g.daycares[g.r.IntN(len(g.daycares))]
			g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: d.number, UnitID: d.unit, Roles: rolesPaedagog, Title: "Pædagog", Valid: g.staffPeriod()})
		}
	}
	for range 1 + pupils/200 {
		staff(rolesTAP, "Skolesekretær", nil)
	}
	for range 1 + pupils/150 {
		staff(rolesVikar, "Vikar", g.randomClasses(sc, 1))
	}
}

func (g *gen) youthEducation(students int) {
	per := max(1, students/len(g.fus))
	for _, fu := range g.fus {
		fu.team = g.group(fu.number, "Undervisere", orgmodel.Team, "", "", 0)
		nClasses := max(1, (per+19)/20)
		levels := make([]string, nClasses)
		for k := range nClasses {
			lv := "FGU" + strconv.Itoa(1+k%3)
			line := lineLetter(k / 3)
			levels[k] = lv
			fu.rooms = append(fu.rooms, g.group(fu.number, lv+line, orgmodel.Hovedgruppe, lv, line, 0))
		}
		for i := range per {
			id := g.person(g.y-24, g.y-16, time.Time{})
			cls, lv := fu.rooms[i%len(fu.rooms)], levels[i%len(fu.rooms)]
			g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: fu.number, UnitID: fu.unit, Roles: rolesStuderende, Level: lv, MainGroupID: cls, Valid: orgmodel.Period{From: schoolYearStart(g.y - g.r.IntN(2))}})
			// A few students are also substitutes at a school: student and
			// employee at once (global role: student by default).
			if len(g.schools) > 0 && (i == 0 || g.chance(0.01)) {
				sc := g.schools[g.r.IntN(len(g.schools))]
				g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: sc.number, UnitID: sc.unit, Roles: rolesVikar, Title: "Vikar", GroupIDs: g.randomClasses(sc, 1), Valid: g.staffPeriod()})
			}
		}
		staff := func(roles []orgmodel.Role, title string, groups []string) {
			g.affiliate(orgmodel.Affiliation{PersonID: g.adult(), Institution: fu.number, UnitID: fu.unit, Roles: roles, Title: title, GroupIDs: groups, Valid: g.staffPeriod()})
		}
		staff(rolesLeder, "Forstander", nil)
		for range max(1, per/12) {
			staff(rolesLaerer, "Underviser", []string{fu.team, fu.rooms[g.r.IntN(len(fu.rooms))]})
		}
		for range 1 + per/150 {
			staff(rolesTAP, "Administration", nil)
		}
	}
}

func (g *gen) daycareChildren(children int) {
	per := max(1, children/len(g.daycares))
	for _, d := range g.daycares {
		d.team = g.group(d.number, "Personale", orgmodel.Team, "", "", 0)
		nRooms := max(1, (per+19)/20)
		for k := range nRooms {
			name := roomNames[k%len(roomNames)]
			if k >= len(roomNames) {
				name += " " + strconv.Itoa(k/len(roomNames)+1)
			}
			d.rooms = append(d.rooms, g.group(d.number, name, orgmodel.Hovedgruppe, "", "", 0))
		}
		// Children are 0-5 years old and have not started school: the
		// oldest were born before the cut-off for this year's 0th grade.
		latest := time.Date(g.y, time.June, 30, 0, 0, 0, 0, time.UTC)
		for i := range per {
			id := g.person(g.y-5, g.y, latest)
			g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: d.number, UnitID: d.unit, Roles: rolesBarn, MainGroupID: d.rooms[i%len(d.rooms)], Valid: orgmodel.Period{From: schoolYearStart(g.y - g.r.IntN(3))}})
		}
		staff := func(roles []orgmodel.Role, title string, groups []string) {
			g.affiliate(orgmodel.Affiliation{PersonID: g.adult(), Institution: d.number, UnitID: d.unit, Roles: roles, Title: title, GroupIDs: groups, Valid: g.staffPeriod()})
		}
		staff(rolesLeder, "Dagtilbudsleder", []string{d.team})
		for range max(1, per/4) {
			staff(rolesPaedagog, "Pædagog", []string{d.team, d.rooms[g.r.IntN(len(d.rooms))]})
		}
		for range 1 + per/80 {
			staff(rolesTAP, "Køkkenmedhjælper", nil)
		}
	}
}

func (g *gen) externals(n int) {
	for i := range n {
		id := g.person(g.y-60, g.y-20, time.Time{})
		valid := orgmodel.Period{From: time.Date(g.y, time.August, 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)}
		if (i == 0 || i > 1 && g.chance(0.6)) && len(g.schools) > 0 {
			sc := g.schools[g.r.IntN(len(g.schools))]
			valid.To = time.Date(g.y+1, time.January, 1, 0, 0, 0, 0, time.UTC)
			g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: sc.number, UnitID: sc.unit, Roles: rolesPraktikant, Title: "Lærerstuderende", GroupIDs: g.randomClasses(sc, 1+g.r.IntN(2)), Valid: valid})
		} else {
			unit := g.depts[g.r.IntN(len(g.depts))]
			g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: municipalityNumber, UnitID: unit, Roles: rolesEkstern, Title: "Ekstern konsulent", Valid: valid})
		}
		// A few externals are also employed elsewhere in the municipality.
		if i == 0 || g.chance(0.02) {
			g.affiliate(orgmodel.Affiliation{PersonID: id, Institution: municipalityNumber, UnitID: g.depts[g.r.IntN(len(g.depts))], Roles: rolesTAP, Title: "Timelønnet", Valid: g.staffPeriod()})
		}
	}
}

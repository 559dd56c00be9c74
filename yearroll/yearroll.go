package yearroll

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// DefaultThreshold is the overlap share used when Options.Threshold is not
// positive: 70 %.
const DefaultThreshold = 0.70

// Lowest and highest class levels (0th to 10th grade).
const (
	MinLevel = 0
	MaxLevel = 10
)

// Class is a class (hovedgruppe, main group) of one school year as the
// matcher sees it. ID is unique within its institution; Name is what people
// call it ("3A"), used only in explanations; Level is the grade as text
// ("0".."10", or "DT", "Andet", ...); Line is the class letter or track
// ("A", "B", "x"). Pupils are person IDs; duplicates and empty IDs are
// ignored.
type Class struct {
	ID          string
	Name        string
	Institution string
	Level       string
	Line        string
	Pupils      []string
}

// Options configure Roll. The zero value is the municipalities' rule: 70 %
// of the new class's pupils.
type Options struct {
	// Threshold is the share of pupils, 0 < Threshold ≤ 1, that a class
	// must keep to match by overlap; a share exactly equal to it matches.
	// Zero, negative and NaN mean DefaultThreshold; above 1 nothing
	// matches by overlap.
	Threshold float64
	// Basis is whose pupils the share is measured against; an unknown value
	// means NewShare.
	Basis Basis
}

func (o Options) normalized() Options {
	if !(o.Threshold > 0) { // also catches NaN
		o.Threshold = DefaultThreshold
	}
	if !o.Basis.valid() {
		o.Basis = NewShare
	}
	return o
}

// Match pairs an old class with the new class that continues it: in the
// directories the old class's objects are renamed to the new class.
type Match struct {
	Institution string
	Old         string // ID of last year's class
	New         string // ID of this year's class
	OldName     string // name of last year's class, for explanations
	NewName     string // name of this year's class, for explanations
	// Level is the new class's level; the old class is at Level-1. For
	// KeptID it is the new class's level when that is a number, else 0.
	Level int
	Rule  Rule // WholeLevel, Overlap or KeptID
	// Shared is the number of pupils in both classes (those who left the
	// institution are not in the old class, see FromSnapshots).
	Shared    int
	OldPupils int // distinct pupils of the old class
	NewPupils int // distinct pupils of the new class
	// Share is the overlap on the Basis of the roll: Shared/NewPupils,
	// Shared/OldPupils, or the smaller of the two for Both.
	Share    float64
	NewShare float64 // Shared / NewPupils
	OldShare float64 // Shared / OldPupils
	// SameLine reports whether the classes have the same line.
	SameLine bool
}

// Outcome explains a class that was not matched: a new class that is new,
// or an old class that is retired.
type Outcome struct {
	Institution string
	Class       string // the class's ID
	Name        string // the class's name, for explanations
	Side        Side
	Level       string // as given
	Line        string // as given
	Pupils      int    // distinct pupils counted
	Reason      Rule
	// Best is the strongest counterpart considered (most shared pupils,
	// then higher share, then same line, then smaller ID): among those that
	// passed the threshold for Outmatched, among all that share a pupil for
	// BelowThreshold; empty otherwise.
	Best     string
	BestName string  // Best's name
	Shared   int     // pupils shared with Best
	Share    float64 // share on the roll's Basis with Best
	NewShare float64 // Shared / pupils of the new class of the pair
	OldShare float64 // Shared / pupils of the old class of the pair
	// TakenBy is, for Outmatched, the class Best was paired with instead;
	// TakenByName is its name.
	TakenBy, TakenByName string
}

// LevelOutcome says which rule decided one new level of one institution.
// There is one for every level 1..9 that has at least one eligible new
// class.
type LevelOutcome struct {
	Institution string
	Level       int  // the new level L, matched against old level L-1
	Rule        Rule // WholeLevel or Overlap
	// Unpaired lists, for Overlap, the new classes that had no single line
	// partner at level L-1 and so made the level fall back to overlap.
	Unpaired []string
}

// Result is the outcome of a year roll. Every new class appears exactly once,
// in Matches or in New; every old class exactly once, in Matches or in
// Retired. All slices are sorted by institution, then class ID (Levels by
// institution, then level).
type Result struct {
	Options Options // the options used, with defaults filled in
	Matches []Match
	New     []Outcome
	Retired []Outcome
	Levels  []LevelOutcome
}

// cls is a class prepared for matching.
type cls struct {
	src      *Class
	level    int    // parsed level; valid when numeric
	numeric  bool   // Level is a decimal number
	line     string // normalised line, "" for none
	pupils   []int32
	reason   Rule  // non-zero: not eligible, with this reason
	pos      int32 // position within its level bucket
	matched  bool
	reported bool
}

func lessCls(a, b *cls) int {
	return cmp.Or(
		strings.Compare(a.src.ID, b.src.ID),
		strings.Compare(a.src.Level, b.src.Level),
		strings.Compare(a.src.Line, b.src.Line),
		cmp.Compare(len(a.pupils), len(b.pupils)),
	)
}

// parseLevel parses a grade such as "3" or " 03 ". It accepts ASCII digits
// only, so "DT", "-1", "+2" and "3.0" are not numeric.
func parseLevel(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// normLine returns the comparison key of a line: trimmed and case-folded,
// so "a", "A" and " A " are the same line.
func normLine(s string) string {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return s
	}
	return strings.ToLower(strings.ToUpper(s))
}

// Roll matches last school year's classes (old) to this school year's
// classes (cur). Each institution is rolled on its own, each new level on
// its own; see the package documentation for the rules and the tie-break.
// Roll is deterministic: the result does not depend on the order of the
// classes or of their pupils. It never fails; classes it cannot use are
// reported with a reason.
func Roll(old, cur []Class, opt Options) Result {
	opt = opt.normalized()
	res := Result{Options: opt}

	type inst struct{ old, cur []*Class }
	byInst := make(map[string]*inst)
	get := func(name string) *inst {
		in := byInst[name]
		if in == nil {
			in = &inst{}
			byInst[name] = in
		}
		return in
	}
	for i := range old {
		in := get(old[i].Institution)
		in.old = append(in.old, &old[i])
	}
	for i := range cur {
		in := get(cur[i].Institution)
		in.cur = append(in.cur, &cur[i])
	}
	names := make([]string, 0, len(byInst))
	for n := range byInst {
		names = append(names, n)
	}
	slices.Sort(names)

	var r roller
	r.opt = opt
	r.res = &res
	for _, n := range names {
		in := byInst[n]
		r.institution(n, in.old, in.cur)
	}

	slices.SortFunc(res.Matches, func(a, b Match) int {
		return cmp.Or(strings.Compare(a.Institution, b.Institution), strings.Compare(a.New, b.New))
	})
	sortOutcomes := func(s []Outcome) {
		slices.SortStableFunc(s, func(a, b Outcome) int {
			return cmp.Or(
				strings.Compare(a.Institution, b.Institution),
				strings.Compare(a.Class, b.Class),
				strings.Compare(a.Level, b.Level),
				strings.Compare(a.Line, b.Line),
				cmp.Compare(a.Pupils, b.Pupils),
			)
		})
	}
	sortOutcomes(res.New)
	sortOutcomes(res.Retired)
	return res
}

// roller holds scratch state reused across institutions.
type roller struct {
	opt Options
	res *Result

	intern  map[string]int32
	primary []int32           // pupil -> first eligible old class holding it, -1 none
	extra   map[int32][]int32 // pupil -> further old classes (bad data)

	lv levelRoll // the level being matched, with buffers reused across levels
}

func (r *roller) prepare(src []*Class, side Side) []*cls {
	out := make([]*cls, len(src))
	for i, c := range src {
		k := &cls{src: c}
		k.level, k.numeric = parseLevel(c.Level)
		k.line = normLine(c.Line)
		k.pupils = make([]int32, 0, len(c.Pupils))
		for _, p := range c.Pupils {
			if p == "" {
				continue
			}
			id, ok := r.intern[p]
			if !ok {
				id = int32(len(r.intern))
				r.intern[p] = id
			}
			k.pupils = append(k.pupils, id)
		}
		slices.Sort(k.pupils)
		k.pupils = slices.Compact(k.pupils)
		out[i] = k
	}
	slices.SortFunc(out, lessCls)
	for i := range out {
		if (i > 0 && out[i-1].src.ID == out[i].src.ID) || (i+1 < len(out) && out[i+1].src.ID == out[i].src.ID) {
			out[i].reason = DuplicateID
		}
	}
	for _, k := range out {
		if k.reason != 0 {
			continue
		}
		switch {
		case !k.numeric:
			k.reason = NonNumericLevel
		case k.level > MaxLevel:
			k.reason = LevelOutOfRange
		case side == NewClass && k.level == 0:
			k.reason = Level0
		case side == NewClass && k.level == 10:
			k.reason = Level10
		case side == OldClass && k.level == 10:
			k.reason = LastLevel
		case side == OldClass && k.level == 9:
			k.reason = Level10
		case len(k.pupils) == 0:
			k.reason = EmptyClass
		}
	}
	return out
}

func (r *roller) outcome(k *cls, side Side, reason Rule) *Outcome {
	o := Outcome{
		Institution: k.src.Institution,
		Class:       k.src.ID,
		Name:        k.src.Name,
		Side:        side,
		Level:       k.src.Level,
		Line:        k.src.Line,
		Pupils:      len(k.pupils),
		Reason:      reason,
	}
	k.reported = true
	if side == NewClass {
		r.res.New = append(r.res.New, o)
		return &r.res.New[len(r.res.New)-1]
	}
	r.res.Retired = append(r.res.Retired, o)
	return &r.res.Retired[len(r.res.Retired)-1]
}

func (r *roller) institution(name string, oldSrc, curSrc []*Class) {
	if r.intern == nil {
		r.intern = make(map[string]int32)
		r.extra = make(map[int32][]int32)
	} else {
		clear(r.intern)
		clear(r.extra)
	}
	olds := r.prepare(oldSrc, OldClass)
	curs := r.prepare(curSrc, NewClass)

	// Buckets of eligible classes by level; old level L-1 is stored at L.
	var newAt, oldFor [MaxLevel + 1][]*cls
	for _, k := range curs {
		if k.reason == 0 {
			k.pos = int32(len(newAt[k.level]))
			newAt[k.level] = append(newAt[k.level], k)
		}
	}
	r.primary = slices.Grow(r.primary[:0], len(r.intern))[:len(r.intern)]
	for i := range r.primary {
		r.primary[i] = -1
	}
	for oi, k := range olds {
		if k.reason != 0 {
			continue
		}
		k.pos = int32(len(oldFor[k.level+1]))
		oldFor[k.level+1] = append(oldFor[k.level+1], k)
		for _, p := range k.pupils {
			if r.primary[p] < 0 {
				r.primary[p] = int32(oi)
			} else {
				r.extra[p] = append(r.extra[p], int32(oi))
			}
		}
	}
	// Unmatched classes are reported by level, then by eligibility; the
	// reports are held back until keptIDs has seen them.
	mark := len(r.res.New)
	markOld := len(r.res.Retired)
	for L := 1; L < MaxLevel; L++ {
		r.level(name, L, newAt[L], oldFor[L], olds)
	}
	for _, k := range curs {
		if !k.matched && !k.reported {
			r.outcome(k, NewClass, k.reason)
		}
	}
	for _, k := range olds {
		if !k.matched && !k.reported {
			r.outcome(k, OldClass, k.reason)
		}
	}
	r.keptIDs(name, curs, olds, mark, markOld)
}

// keptIDs turns a new and a retired class of the institution with the same
// ID into one KeptID match: a group that keeps its ID is the same group.
// New and Retired outcomes from index mark and markOld on belong to this
// institution.
func (r *roller) keptIDs(inst string, curs, olds []*cls, mark, markOld int) {
	oldByID := make(map[string]*cls)
	for _, k := range olds {
		if !k.matched && k.reason != DuplicateID {
			oldByID[k.src.ID] = k
		}
	}
	kept := make(map[string]bool)
	for _, nk := range curs {
		ok := oldByID[nk.src.ID]
		if nk.matched || nk.reason == DuplicateID || ok == nil {
			continue
		}
		nk.matched, ok.matched = true, true
		kept[nk.src.ID] = true
		shared := intersectCount(nk.pupils, ok.pupils)
		m := Match{
			Institution: inst,
			Old:         ok.src.ID,
			New:         nk.src.ID,
			OldName:     ok.src.Name,
			NewName:     nk.src.Name,
			Rule:        KeptID,
			Shared:      shared,
			OldPupils:   len(ok.pupils),
			NewPupils:   len(nk.pupils),
			SameLine:    nk.line != "" && nk.line == ok.line,
		}
		if nk.numeric {
			m.Level = nk.level
		}
		if len(nk.pupils) > 0 {
			m.NewShare = float64(shared) / float64(len(nk.pupils))
		}
		if len(ok.pupils) > 0 {
			m.OldShare = float64(shared) / float64(len(ok.pupils))
		}
		m.Share = r.opt.Basis.of(m.NewShare, m.OldShare)
		r.res.Matches = append(r.res.Matches, m)
	}
	if len(kept) == 0 {
		return
	}
	drop := func(o Outcome) bool { return kept[o.Class] }
	r.res.New = append(r.res.New[:mark], slices.DeleteFunc(r.res.New[mark:], drop)...)
	r.res.Retired = append(r.res.Retired[:markOld], slices.DeleteFunc(r.res.Retired[markOld:], drop)...)
}

// intersectCount counts the values two sorted slices share.
func intersectCount(a, b []int32) int {
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

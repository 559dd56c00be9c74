package naming

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// UsernameMax is the longest username a standard produces: the
// sAMAccountName limit, the tightest of all targets.
const UsernameMax = SAMAccountNameMax

// maxSpace bounds the number space of one standard (2^62 candidates).
const maxSpace = 1 << 62

// Standard is a username standard: how a username is made from a person's
// name and a number, and the number space it may use. Build one with
// UNILogin, NameDigits, DigitsName, PrefixName, Random or ParseStandard. A
// Standard is immutable and safe for concurrent use.
//
// Every standard has a finite number space; a Generator walks the whole of
// it (in order for sequence standards, in a seeded pseudo-random order
// otherwise) before it reports *ExhaustedError. The package documentation
// lists the standards with examples.
type Standard struct {
	name     string
	text     string
	parts    []upart
	size     uint64 // number of candidates per name
	ordered  bool   // walk 0..size-1 in order (sequence counters only)
	usesName bool   // refers to the person's name
	fixed    int    // length of literals, counters and {name:N} parts
}

type upartKind uint8

const (
	uLiteral  upartKind = iota
	uFirst              // first word of the given name
	uLast               // last word of the family name
	uGiven              // all of the given name
	uFamily             // all of the family name
	uName               // exactly N letters: first name, then last name, padded with x
	uSeq                // {n}: "", 1, 2, ... 9999
	uSeqFixed           // {n:W}: W digits counting 1, 2, ... 10^W-1, 0
	uDigits             // {d:W}: W random digits
	uAlnum              // {r:W}: W random a-z0-9
	uLetters            // {l:W}: W random a-z
)

// upart is one compiled piece of a username standard.
type upart struct {
	kind upartKind
	lit  string
	n    int    // letters to take (0 = all) or counter width
	size uint64 // counter: number of values
	div  uint64 // counter: mixed-radix divisor
}

func (p upart) counter() bool { return p.kind >= uSeq }

// seqMaxDigits bounds the variable-width {n} counter: "", 1 ... 9999.
const seqMaxDigits = 4

// ParseStandard compiles a username standard written as a template, for a
// municipality's own rules. name identifies the standard in errors and in
// *ExhaustedError. Every problem is reported at once in a *TemplateError.
//
// Literal text may use a-z, 0-9, '.', '-' and '_'. Placeholders:
//
//	{first} {first:N}    first word of the given name, at most N letters
//	{last} {last:N}      last word of the family name, at most N letters
//	{given} {given:N}    the whole given name (all words), at most N letters
//	{family} {family:N}  the whole family name, at most N letters
//	{name:N}             exactly N letters: from the first name, completed
//	                     from the last name, padded with 'x'
//	{n}                  sequence: nothing first, then 1, 2, ... 9999
//	{n:W}                sequence of W digits: 0001, 0002, ... 9999, 0000
//	{d:W}                W random digits (all 10^W values)
//	{r:W}                W random letters or digits (a-z0-9)
//	{l:W}                W random letters (a-z)
//
// Name letters are transliterated (æ→ae, ø→oe, å→aa, é→e) and lower case;
// everything else in a name is dropped. Name parts without a length are
// shortened, longest first, so that a username never exceeds UsernameMax
// (20) characters.
//
// A username always holds letters from the name (unless the standard does
// not use the name at all): a person for whom every name part of the
// standard is empty — "{last}{n}" for a family name without Latin letters —
// gets a username from the Generator's fallback standard instead. A
// separator ('.', '-', '_') left at either end of a username by an empty
// part or an empty {n} is dropped, and two separators that an empty part
// left side by side become one: "{first}.{last}{n}" gives "hansen" for a
// person without a given name. A standard whose literal text starts or
// ends with a separator, or holds two in a row, is refused here. A standard whose counters are all sequences walks its
// space in order; any random counter makes the walk a seeded permutation.
func ParseStandard(name, text string) (*Standard, error) {
	s := &Standard{name: name, text: text, ordered: true}
	e := &TemplateError{Template: name, Text: text}
	fail := func(off int, format string, args ...any) {
		e.Problems = append(e.Problems, TemplateProblem{Offset: off, Msg: fmt.Sprintf(format, args...)})
	}
	size := uint64(1)
	overflow := false
	for _, tok := range lex(text, fail) {
		if !tok.isVar {
			for i, r := range tok.lit {
				if !isLowerAlnum(r) && r != '.' && r != '-' && r != '_' {
					fail(tok.offset+i, "character %q not allowed in a username (use a-z, 0-9, '.', '-', '_')", r)
				}
			}
			s.parts = append(s.parts, upart{kind: uLiteral, lit: tok.lit})
			s.fixed += len(tok.lit)
			continue
		}
		p, err := usernamePart(tok)
		if err != nil {
			fail(tok.offset, "%v", err)
			continue
		}
		switch {
		case p.counter():
			if p.kind != uSeq && p.kind != uSeqFixed {
				s.ordered = false
			}
			if size > maxSpace/p.size {
				overflow = true
			} else {
				size *= p.size
			}
			s.fixed += p.n
		case p.kind == uName:
			s.usesName = true
			s.fixed += p.n
		default:
			s.usesName = true
		}
		s.parts = append(s.parts, p)
	}
	checkSeparators(s.parts, fail)
	if overflow {
		fail(0, "number space larger than 2^62 candidates")
	}
	if s.fixed > UsernameMax {
		fail(0, "usernames would be %d characters long, at most %d allowed", s.fixed, UsernameMax)
	}
	if len(s.parts) == 0 && len(e.Problems) == 0 {
		fail(0, "empty username standard")
	}
	if len(e.Problems) > 0 {
		e.sort()
		return nil, e
	}
	// Mixed-radix divisors: the last counter varies fastest.
	div := uint64(1)
	for i := len(s.parts) - 1; i >= 0; i-- {
		if s.parts[i].counter() {
			s.parts[i].div = div
			div *= s.parts[i].size
		}
	}
	s.size = size
	return s, nil
}

// isSeparator reports whether c is one of the separators a username
// standard may write between its parts.
func isSeparator(c byte) bool { return c == '.' || c == '-' || c == '_' }

// checkSeparators refuses literals that would put a separator at either end
// of every username, or two separators side by side: no name could make
// such a standard produce a good username.
func checkSeparators(parts []upart, fail func(off int, format string, args ...any)) {
	if len(parts) == 0 {
		return
	}
	if first := parts[0]; first.kind == uLiteral && isSeparator(first.lit[0]) {
		fail(0, "username standard starts with %q: a username must not start with a separator", first.lit[0])
	}
	if last := parts[len(parts)-1]; last.kind == uLiteral && isSeparator(last.lit[len(last.lit)-1]) {
		fail(0, "username standard ends with %q: a username must not end with a separator", last.lit[len(last.lit)-1])
	}
	for _, p := range parts {
		if p.kind != uLiteral {
			continue
		}
		for i := 1; i < len(p.lit); i++ {
			if isSeparator(p.lit[i]) && isSeparator(p.lit[i-1]) {
				fail(0, "username standard has two separators in a row in %q: write one", p.lit)
				break
			}
		}
	}
}

// usernamePart compiles one placeholder of a username standard.
func usernamePart(tok token) (upart, error) {
	if len(tok.mods) > 1 {
		return upart{}, fmt.Errorf("placeholder {%s}: at most one modifier", tok.name)
	}
	width := -1
	if len(tok.mods) == 1 {
		w, err := strconv.Atoi(strings.TrimSpace(tok.mods[0]))
		if err != nil || w < 1 || w > UsernameMax {
			return upart{}, fmt.Errorf("placeholder {%s}: length %q must be a number from 1 to %d", tok.name, tok.mods[0], UsernameMax)
		}
		width = w
	}
	need := func() error {
		if width < 0 {
			return fmt.Errorf("placeholder {%s} needs a length, e.g. {%s:4}", tok.name, tok.name)
		}
		return nil
	}
	pow := func(base uint64) (uint64, error) {
		v := uint64(1)
		for range width {
			if v > maxSpace/base {
				return 0, fmt.Errorf("placeholder {%s:%d}: number space too large", tok.name, width)
			}
			v *= base
		}
		return v, nil
	}
	var p upart
	var err error
	switch tok.name {
	case "first", "last", "given", "family":
		p.kind = map[string]upartKind{"first": uFirst, "last": uLast, "given": uGiven, "family": uFamily}[tok.name]
		p.n = max(width, 0)
	case "name":
		p.kind, p.n, err = uName, width, need()
	case "n":
		if width < 0 {
			p.kind, p.n, p.size = uSeq, seqMaxDigits, uint64(math.Pow10(seqMaxDigits))
		} else {
			p.kind, p.n = uSeqFixed, width
			p.size, err = pow(10)
		}
	case "d":
		if err = need(); err == nil {
			p.kind, p.n = uDigits, width
			p.size, err = pow(10)
		}
	case "r":
		if err = need(); err == nil {
			p.kind, p.n = uAlnum, width
			p.size, err = pow(36)
		}
	case "l":
		if err = need(); err == nil {
			p.kind, p.n = uLetters, width
			p.size, err = pow(26)
		}
	default:
		err = fmt.Errorf("unknown placeholder {%s}; known: first, last, given, family, name:N, n, n:W, d:W, r:W, l:W", tok.name)
	}
	return p, err
}

func mustStandard(name, text string) *Standard {
	s, err := ParseStandard(name, text)
	if err != nil {
		panic(err) // only for the fixed texts of this file
	}
	return s
}

// UNILogin is the UNI-Login style standard: four letters from the name and a
// four-digit sequence, "soer0001", "soer0002", ... (0000 last): 10,000
// usernames per four letters.
func UNILogin() *Standard { return mustStandard("uni-login", "{name:4}{n:4}") }

// NameDigits is four letters from the name and digits random digits
// (1 to 16): NameDigits(4) gives "soer4711" with all 10^digits numbers
// available per four letters.
func NameDigits(digits int) (*Standard, error) {
	if digits < 1 || digits > 16 {
		return nil, fmt.Errorf("name+digits standard: %d digits, want 1 to 16", digits)
	}
	return ParseStandard(fmt.Sprintf("name+digits(%d)", digits), fmt.Sprintf("{name:4}{d:%d}", digits))
}

// DigitsName is three random digits followed by three letters from the name:
// "472soe"; 1,000 usernames per three letters.
func DigitsName() *Standard { return mustStandard("digits+name", "{d:3}{name:3}") }

// PrefixName is a fixed prefix, the first and last name, and a short random
// suffix of suffix digits (1 to 4): PrefixName("elev", 2) gives
// "elevsoerenhansen27". The names are shortened, longest first, to keep the
// username within 20 characters.
func PrefixName(prefix string, suffix int) (*Standard, error) {
	if suffix < 1 || suffix > 4 {
		return nil, fmt.Errorf("prefix+name standard: suffix of %d digits, want 1 to 4", suffix)
	}
	var problems []error
	for _, r := range prefix {
		if !isLowerAlnum(r) && r != '.' && r != '-' && r != '_' {
			problems = append(problems, fmt.Errorf("prefix+name standard: prefix %q: character %q not allowed (use a-z, 0-9, '.', '-', '_')", prefix, r))
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return ParseStandard(fmt.Sprintf("prefix+name(%s)", prefix), fmt.Sprintf("%s{first}{last}{d:%d}", prefix, suffix))
}

// Random is a fully random username of length characters (4 to 12): a
// letter followed by letters and digits, "k3x9q2ma"; it ignores the name.
func Random(length int) (*Standard, error) {
	if length < 4 || length > 12 {
		return nil, fmt.Errorf("random standard: length %d, want 4 to 12", length)
	}
	return ParseStandard(fmt.Sprintf("random(%d)", length), fmt.Sprintf("{l:1}{r:%d}", length-1))
}

// NoLatinFallback is the standard a Generator uses by default for a person
// whose name has no letter that transliterates to a-z (Greek, Cyrillic,
// Arabic, Chinese names): "u" followed by seven random letters or digits,
// "u7k2m9qa". It never depends on the name, so it always yields a valid
// username.
func NoLatinFallback() *Standard { return mustStandard("no-latin fallback", "u{r:7}") }

// Name returns the name of the standard, as used in errors.
func (s *Standard) Name() string { return s.name }

// String returns the template text of the standard.
func (s *Standard) String() string { return s.text }

// Size returns the number of candidates the standard has for one name.
func (s *Standard) Size() uint64 { return s.size }

// Sequential reports whether the standard walks its number space in order
// (sequence counters only) rather than in a seeded random order.
func (s *Standard) Sequential() bool { return s.ordered }

// UsesName reports whether usernames of the standard are made from the
// person's name (and so need the fallback for names without Latin letters).
func (s *Standard) UsesName() bool { return s.usesName }

// names holds the lower-case a-z letters of a person's name.
type names struct {
	first, last, given, family string
}

// nameLetters splits given and family names into words of lower-case a-z
// letters after transliteration; words without such letters are dropped.
func nameLetters(given, family string) names {
	var n names
	n.given, n.first, _ = letterWords(given)
	n.family, _, n.last = letterWords(family)
	return n
}

func (n names) empty() bool { return n.given == "" && n.family == "" }

// letterWords returns the a-z letters of s (transliterated, lower case) and
// the first and the last word of them, as substrings of all.
func letterWords(s string) (all, first, last string) {
	t := Transliterate(s)
	buf := make([]byte, 0, len(t))
	firstEnd, lastStart, wordStart := -1, 0, 0
	for i := 0; i <= len(t); i++ {
		if i == len(t) || t[i] == ' ' {
			if len(buf) > wordStart {
				if firstEnd < 0 {
					firstEnd = len(buf)
				}
				lastStart = wordStart
			}
			wordStart = len(buf)
			continue
		}
		c := t[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' {
			buf = append(buf, c)
		}
	}
	if firstEnd < 0 {
		return "", "", ""
	}
	all = string(buf)
	return all, all[:firstEnd], all[lastStart:]
}

// space is a standard resolved for one name: the name parts filled in and
// shortened to fit; candidate i of the number space can then be built.
type space struct {
	std   *Standard
	names []string // resolved text per part (name parts only)
}

func (s *Standard) resolve(n names) space {
	sp := space{std: s, names: make([]string, len(s.parts))}
	total := s.fixed
	for i, p := range s.parts {
		var v string
		switch p.kind {
		case uFirst:
			v = n.first
		case uLast:
			v = n.last
		case uGiven:
			v = n.given
		case uFamily:
			v = n.family
		case uName:
			v = mixName(n, p.n)
		default:
			continue
		}
		if p.n > 0 && len(v) > p.n {
			v = v[:p.n]
		}
		sp.names[i] = v
		if p.kind != uName {
			total += len(v)
		}
	}
	// Shorten unbounded name parts, longest first, to fit UsernameMax.
	for total > UsernameMax {
		longest := -1
		for i, p := range s.parts {
			if p.kind >= uFirst && p.kind <= uFamily && (longest < 0 || len(sp.names[i]) > len(sp.names[longest])) {
				longest = i
			}
		}
		if longest < 0 || sp.names[longest] == "" {
			break // cannot happen: fixed <= UsernameMax is checked at parse
		}
		sp.names[longest] = sp.names[longest][:len(sp.names[longest])-1]
		total--
	}
	return sp
}

// fromName reports whether the resolved space puts letters of the name
// into its usernames: some name part is not empty ({name:N} counts when
// the name has letters at all; its 'x' padding does not).
func (sp *space) fromName(n names) bool {
	for i, p := range sp.std.parts {
		switch p.kind {
		case uFirst, uLast, uGiven, uFamily:
			if sp.names[i] != "" {
				return true
			}
		case uName:
			if !n.empty() {
				return true
			}
		}
	}
	return false
}

// key identifies the name-dependent stem of the space: persons with the
// same key share one sequence.
func (sp *space) key() string { return strings.Join(sp.names, "\x00") }

// mixName takes n letters from the first name, completes them from the last
// name (then the rest of the given and family names) and pads with 'x'.
func mixName(nm names, n int) string {
	b := make([]byte, 0, n)
	for _, src := range []string{nm.first, nm.last, strings.TrimPrefix(nm.given, nm.first), strings.TrimSuffix(nm.family, nm.last)} {
		if len(b) == n {
			break
		}
		take := min(len(src), n-len(b))
		b = append(b, src[:take]...)
	}
	for len(b) < n {
		b = append(b, 'x')
	}
	return string(b)
}

const (
	digits36 = "0123456789abcdefghijklmnopqrstuvwxyz"
	letters  = "abcdefghijklmnopqrstuvwxyz"
)

// candidate writes candidate idx (< std.size) into buf[:0] and returns it.
func (sp *space) candidate(buf []byte, idx uint64) []byte {
	buf = buf[:0]
	for i, p := range sp.std.parts {
		switch p.kind {
		case uLiteral:
			buf = append(buf, p.lit...)
		case uFirst, uLast, uGiven, uFamily, uName:
			buf = append(buf, sp.names[i]...)
		default:
			v := idx / p.div % p.size
			switch p.kind {
			case uSeq:
				if v > 0 {
					buf = strconv.AppendUint(buf, v, 10)
				}
			case uSeqFixed:
				buf = appendFixed(buf, (v+1)%p.size, p.n, digits36[:10])
			case uDigits:
				buf = appendFixed(buf, v, p.n, digits36[:10])
			case uAlnum:
				buf = appendFixed(buf, v, p.n, digits36)
			case uLetters:
				buf = appendFixed(buf, v, p.n, letters)
			}
		}
	}
	return tidySeparators(buf)
}

// tidySeparators drops separators at either end of a candidate and keeps
// only the first of separators side by side: what an empty name part or an
// empty {n} leaves behind. Counters never write separators, so two
// candidates differ after tidying when they differ in a counter's letters.
func tidySeparators(buf []byte) []byte {
	out := buf[:0]
	for i := 0; i < len(buf); i++ {
		c := buf[i]
		if isSeparator(c) && (len(out) == 0 || isSeparator(out[len(out)-1])) {
			continue
		}
		out = append(out, c)
	}
	for len(out) > 0 && isSeparator(out[len(out)-1]) {
		out = out[:len(out)-1]
	}
	return out
}

// appendFixed appends v written in base len(alphabet) with exactly width
// symbols (leading zeros).
func appendFixed(buf []byte, v uint64, width int, alphabet string) []byte {
	base := uint64(len(alphabet))
	start := len(buf)
	for range width {
		buf = append(buf, 0)
	}
	for i := len(buf) - 1; i >= start; i-- {
		buf[i] = alphabet[v%base]
		v /= base
	}
	return buf
}

// plausible reports whether a built candidate is a valid username for every
// target. Its characters are a-z, 0-9 and literal ".-_" by construction, so
// only length and the period rules remain to be checked.
func plausible(c []byte) bool {
	if len(c) == 0 || len(c) > UsernameMax || c[0] == '.' || c[len(c)-1] == '.' {
		return false
	}
	for i := 1; i < len(c); i++ {
		if c[i] == '.' && c[i-1] == '.' {
			return false
		}
	}
	switch string(c) {
	case "abuse", "postmaster":
		return false
	}
	return true
}

// ValidUsername reports every reason a username would be refused by one of
// the targets orgsync writes usernames to: AD sAMAccountName, the Entra
// userPrincipalName local part and mailNickname, and the Google username.
// Every standard in this package only produces usernames that pass.
func ValidUsername(s string) error {
	var errs []error
	for _, f := range []func(string) error{ValidSAMAccountName, ValidUPNLocalPart, ValidMailNickname, ValidGoogleLocalPart} {
		if err := f(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

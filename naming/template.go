package naming

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Placeholders of the name templates. Each is written in braces in a
// template, for example "{INSTITUTION_NAME} ({INSTITUTION_NUMBER})".
const (
	PlaceInstitutionName         = "INSTITUTION_NAME"
	PlaceInstitutionAbbreviation = "INSTITUTION_ABBREVIATION"
	PlaceInstitutionNumber       = "INSTITUTION_NUMBER"
	PlaceClassName               = "CLASS_NAME"
	PlaceClassID                 = "CLASS_ID"
	PlaceClassLevel              = "CLASS_LEVEL"
	PlaceClassYear               = "CLASS_YEAR"
	PlaceClassLine               = "CLASS_LINE"
	PlaceType                    = "TYPE"
	PlaceSchoolYear              = "SCHOOL_YEAR"
)

// placeholders maps each placeholder to its field in Vars.
var placeholders = map[string]func(*Vars) string{
	PlaceInstitutionName:         func(v *Vars) string { return v.InstitutionName },
	PlaceInstitutionAbbreviation: func(v *Vars) string { return v.InstitutionAbbreviation },
	PlaceInstitutionNumber:       func(v *Vars) string { return v.InstitutionNumber },
	PlaceClassName:               func(v *Vars) string { return v.ClassName },
	PlaceClassID:                 func(v *Vars) string { return v.ClassID },
	PlaceClassLevel:              func(v *Vars) string { return v.ClassLevel },
	PlaceClassYear:               func(v *Vars) string { return v.ClassYear },
	PlaceClassLine:               func(v *Vars) string { return v.ClassLine },
	PlaceType:                    func(v *Vars) string { return v.Type },
	PlaceSchoolYear:              func(v *Vars) string { return v.SchoolYear },
}

var placeholderList = "INSTITUTION_NAME, INSTITUTION_ABBREVIATION, INSTITUTION_NUMBER, CLASS_NAME, CLASS_ID, CLASS_LEVEL, CLASS_YEAR, CLASS_LINE, TYPE, SCHOOL_YEAR"

// Vars holds the values a name template can refer to. Empty fields are
// allowed; a ClassTemplate switches to its fallback when ClassYear or
// ClassLine is empty and the primary template needs it.
type Vars struct {
	InstitutionName         string // "Søndervangskolen"
	InstitutionAbbreviation string // "SVS"
	InstitutionNumber       string // STIL institution number, "280123"
	ClassName               string // "3.A"
	ClassID                 string // STIL group id, stable across school years
	ClassLevel              string // "3", "0", "DT"
	ClassYear               string // year the class started 0th grade, "2022"
	ClassLine               string // class letter or track, "A"
	Type                    string // institution type as shown, "Skole"
	SchoolYear              string // "2024-2025"
}

// ErrTemplate is the sentinel for a template that does not parse; the error
// carrying the details is a *TemplateError.
var ErrTemplate = errors.New("invalid template")

// TemplateError reports every problem of one template at once.
type TemplateError struct {
	// Template is the configured name of the template, for example
	// "ad.ou.class".
	Template string
	// Text is the template text as configured.
	Text string
	// Problems lists each problem with its byte offset in Text.
	Problems []TemplateProblem
}

// TemplateProblem is one problem in a template.
type TemplateProblem struct {
	Offset int    // byte offset in the template text
	Msg    string // what is wrong
}

// Error names the template and lists every problem with its offset.
func (e *TemplateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "parse template %q", e.Template)
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "offset %d: %s", p.Offset, p.Msg)
	}
	return b.String()
}

// sort orders the problems by offset (stable: same-offset problems keep
// the order in which they were found).
func (e *TemplateError) sort() {
	slices.SortStableFunc(e.Problems, func(a, b TemplateProblem) int { return a.Offset - b.Offset })
}

// Unwrap returns ErrTemplate so that errors.Is works.
func (e *TemplateError) Unwrap() error { return ErrTemplate }

// token is one piece of a lexed template: literal text or a placeholder with
// its modifiers.
type token struct {
	offset int
	lit    string   // literal text, when name == ""
	name   string   // placeholder name
	mods   []string // modifiers after ':' in order
	isVar  bool
}

// lex splits a template into literal text and {placeholder:mod:mod} tokens.
// "{{" and "}}" stand for literal braces.
func lex(text string, fail func(off int, format string, args ...any)) []token {
	var toks []token
	var lit strings.Builder
	litStart := 0
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{offset: litStart, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '{' && strings.HasPrefix(text[i:], "{{"), c == '}' && strings.HasPrefix(text[i:], "}}"):
			if lit.Len() == 0 {
				litStart = i
			}
			lit.WriteByte(c)
			i += 2
		case c == '{':
			end := strings.IndexAny(text[i+1:], "{}")
			if end < 0 || text[i+1+end] == '{' {
				fail(i, "unclosed '{' (write {{ for a literal brace)")
				if lit.Len() == 0 {
					litStart = i
				}
				lit.WriteByte(c)
				i++
				continue
			}
			flush()
			body := text[i+1 : i+1+end]
			parts := strings.Split(body, ":")
			toks = append(toks, token{offset: i, name: strings.TrimSpace(parts[0]), mods: parts[1:], isVar: true})
			i += end + 2
		case c == '}':
			fail(i, "unmatched '}' (write }} for a literal brace)")
			i++
		default:
			if lit.Len() == 0 {
				litStart = i
			}
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return toks
}

// Template is a parsed name template for OU, group, mail, Team, drive and
// display names. Parse it once with ParseTemplate at configuration time;
// Execute never fails. The zero value and nil are the empty template.
//
// Syntax: literal text with placeholders in braces, "{{" and "}}" for
// literal braces. A placeholder may carry modifiers after colons, applied
// left to right:
//
//	N      keep the first N characters          {INSTITUTION_NAME:20}
//	-N     keep the last N characters           {CLASS_YEAR:-2}  2024 → 24
//	lower  lower case                           {CLASS_LINE:lower}
//	upper  upper case                           {INSTITUTION_ABBREVIATION:upper}
//	ascii  transliterate (æ→ae, é→e, ...)       {INSTITUTION_NAME:ascii}
//	slug   lower-case a-z0-9 words joined by -  {CLASS_NAME:slug}  3.A → 3-a
type Template struct {
	name  string
	text  string
	parts []part
	uses  map[string]bool
}

// part is one compiled template piece.
type part struct {
	lit  string
	get  func(*Vars) string
	mods []func(string) string
}

// ParseTemplate parses a name template. name identifies the template in
// errors (for example "ad.ou.institution"). Every problem — unknown
// placeholder, bad modifier, unmatched brace — is reported at once in a
// *TemplateError. An empty or all-blank text gives the empty template,
// which means "do not create this object".
func ParseTemplate(name, text string) (*Template, error) {
	t := &Template{name: name, text: text, uses: map[string]bool{}}
	e := &TemplateError{Template: name, Text: text}
	fail := func(off int, format string, args ...any) {
		e.Problems = append(e.Problems, TemplateProblem{Offset: off, Msg: fmt.Sprintf(format, args...)})
	}
	for _, tok := range lex(text, fail) {
		if !tok.isVar {
			t.parts = append(t.parts, part{lit: tok.lit})
			continue
		}
		get, ok := placeholders[tok.name]
		if !ok {
			hint := ""
			if _, ok := placeholders[strings.ToUpper(tok.name)]; ok {
				hint = fmt.Sprintf(" (did you mean {%s}?)", strings.ToUpper(tok.name))
			}
			fail(tok.offset, "unknown placeholder {%s}%s; known: %s", tok.name, hint, placeholderList)
			continue
		}
		p := part{get: get}
		for _, m := range tok.mods {
			f, err := modifier(m)
			if err != nil {
				fail(tok.offset, "placeholder {%s}: %v", tok.name, err)
				continue
			}
			p.mods = append(p.mods, f)
		}
		t.uses[tok.name] = true
		t.parts = append(t.parts, p)
	}
	if len(e.Problems) > 0 {
		e.sort()
		return nil, e
	}
	if strings.TrimSpace(text) == "" {
		t.parts = nil
	}
	return t, nil
}

// modifier compiles one placeholder modifier.
func modifier(m string) (func(string) string, error) {
	switch m = strings.TrimSpace(m); m {
	case "lower":
		return strings.ToLower, nil
	case "upper":
		return strings.ToUpper, nil
	case "ascii":
		return Transliterate, nil
	case "slug":
		return func(s string) string { return Slug(s, 0) }, nil
	case "":
		return nil, errors.New("empty modifier")
	}
	n, err := strconv.Atoi(m)
	if err != nil || n == 0 || n > 1000 || n < -1000 {
		return nil, fmt.Errorf("bad modifier %q: want N or -N (1 to 1000 characters), lower, upper, ascii or slug", m)
	}
	if n > 0 {
		return func(s string) string { return Truncate(s, n) }, nil
	}
	return func(s string) string { return cutLast(s, -n) }, nil
}

// MustParseTemplate is ParseTemplate for templates fixed in code (tests,
// defaults); it panics on a parse error. Never use it on configuration.
func MustParseTemplate(name, text string) *Template {
	t, err := ParseTemplate(name, text)
	if err != nil {
		panic(err)
	}
	return t
}

// Name returns the name the template was parsed with.
func (t *Template) Name() string {
	if t == nil {
		return ""
	}
	return t.name
}

// String returns the template text as configured.
func (t *Template) String() string {
	if t == nil {
		return ""
	}
	return t.text
}

// Empty reports whether the template is empty, which means "do not create
// this object".
func (t *Template) Empty() bool { return t == nil || len(t.parts) == 0 }

// Uses reports whether the template refers to the placeholder (without
// braces, e.g. PlaceClassYear).
func (t *Template) Uses(placeholder string) bool { return t != nil && t.uses[placeholder] }

// Execute fills in the template. Values are cleaned (control and zero-width
// characters stripped, white space collapsed) before modifiers apply, and
// the result is cleaned again; what an empty value leaves behind is tidied
// away (double spaces, an empty "()" or "[]", a '-' or '_' at either end).
// Execute never fails; the empty template gives "". The result is a display
// value: apply the target's rule (ADName, Slug, ...) before writing it.
func (t *Template) Execute(v Vars) string {
	if t.Empty() {
		return ""
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.get == nil {
			b.WriteString(p.lit)
			continue
		}
		s := Clean(p.get(&v))
		for _, m := range p.mods {
			s = m(s)
		}
		b.WriteString(s)
	}
	return tidy(Clean(b.String()))
}

// tidy removes what empty values leave behind: an empty pair of brackets
// ("Skole ()" → "Skole") and a '-' or '_' separator at either end
// ("-3.A" → "3.A").
func tidy(s string) string {
	for strings.Contains(s, "()") || strings.Contains(s, "[]") {
		s = Clean(strings.NewReplacer("()", "", "[]", "").Replace(s))
	}
	return strings.TrimFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '_' })
}

// ClassTemplate is a name template for objects that follow a class (OUs,
// groups, Teams, drives) with a fallback for classes that lack a start year
// or a line.
type ClassTemplate struct {
	// Primary is the template in normal use.
	Primary *Template
	// Fallback is used instead when the class has no ClassYear or no
	// ClassLine and Primary refers to the missing one. nil means no fallback:
	// Primary is used with the value left out.
	Fallback *Template
}

// ParseClassTemplate parses a class template and its fallback; an empty
// fallback text means "no fallback". Problems of both templates are reported
// together; the fallback is named name+".fallback".
func ParseClassTemplate(name, primary, fallback string) (ClassTemplate, error) {
	var c ClassTemplate
	p, err1 := ParseTemplate(name, primary)
	var err2 error
	if strings.TrimSpace(fallback) != "" {
		c.Fallback, err2 = ParseTemplate(name+".fallback", fallback)
	}
	if err := errors.Join(err1, err2); err != nil {
		return ClassTemplate{}, err
	}
	c.Primary = p
	return c, nil
}

// Empty reports whether the primary template is empty: objects of this kind
// are not created.
func (c ClassTemplate) Empty() bool { return c.Primary.Empty() }

// Execute fills in the primary template, or the fallback when the class has
// no start year or no line and the primary template needs it.
func (c ClassTemplate) Execute(v Vars) string {
	if c.Primary.Empty() {
		return ""
	}
	if c.Fallback != nil && c.needsFallback(v) {
		return c.Fallback.Execute(v)
	}
	return c.Primary.Execute(v)
}

func (c ClassTemplate) needsFallback(v Vars) bool {
	return c.Primary.Uses(PlaceClassYear) && Clean(v.ClassYear) == "" ||
		c.Primary.Uses(PlaceClassLine) && Clean(v.ClassLine) == ""
}

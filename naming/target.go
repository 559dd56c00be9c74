package naming

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the directory targets, in the units each target counts.
const (
	// ADNameMax is the longest CN or OU name Active Directory accepts
	// (UTF-16 code units).
	ADNameMax = 64
	// SAMAccountNameMax is the longest sAMAccountName (pre-Windows 2000
	// logon name).
	SAMAccountNameMax = 20
	// LocalPartMax is the longest local part (before "@") of an e-mail
	// address, a userPrincipalName, an Entra mailNickname or a Google
	// username or group address.
	LocalPartMax = 64
	// UPNMax is the longest userPrincipalName Entra ID accepts.
	UPNMax = 113
	// DomainMax is the longest DNS domain name.
	DomainMax = 253
)

// ErrInvalidName is the sentinel for a name a target does not accept; the
// error carrying the details is an *InvalidNameError.
var ErrInvalidName = errors.New("invalid name")

// InvalidNameError reports every rule of a target that a value breaks.
type InvalidNameError struct {
	// Rule names the target rule set, for example "sAMAccountName".
	Rule string
	// Value is the rejected value.
	Value string
	// Problems lists each broken rule, in the order checked.
	Problems []string
}

// Error lists every problem of the value.
func (e *InvalidNameError) Error() string {
	return fmt.Sprintf("validate %s %q: %s", e.Rule, e.Value, strings.Join(e.Problems, "; "))
}

// Unwrap returns ErrInvalidName so that errors.Is works.
func (e *InvalidNameError) Unwrap() error { return ErrInvalidName }

// check collects the problems of one value against one rule set.
type check struct {
	rule, value string
	problems    []string
}

func (c *check) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *check) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &InvalidNameError{Rule: c.rule, Value: c.value, Problems: c.problems}
}

// length fails when s is empty or longer than max runes.
func (c *check) length(s string, max int) {
	if s == "" {
		c.fail("empty")
		return
	}
	if !utf8.ValidString(s) {
		c.fail("not valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		c.fail("%d characters, at most %d allowed", n, max)
	}
}

// chars fails once per distinct rune of s that allowed rejects.
func (c *check) chars(s string, allowed func(r rune) bool) {
	var bad []string
	seen := map[rune]bool{}
	for _, r := range s {
		if !allowed(r) && !seen[r] {
			seen[r] = true
			bad = append(bad, strconv.QuoteRune(r))
		}
	}
	if len(bad) > 0 {
		c.fail("character(s) not allowed: %s", strings.Join(bad, " "))
	}
}

// dots fails on a leading or trailing period and on two periods in a row.
func (c *check) dots(s string) {
	if strings.HasPrefix(s, ".") {
		c.fail("starts with a period")
	}
	if len(s) > 1 && strings.HasSuffix(s, ".") { // "." alone counts once
		c.fail("ends with a period")
	}
	if strings.Contains(s, "..") {
		c.fail("two periods in a row")
	}
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isLowerAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}

// ADName prepares a CN or OU name for Active Directory: it cleans the value
// like Clean (Danish letters stay), replaces "&" with " og " (Danish "and")
// and "/" with a space, and cuts the result to ADNameMax UTF-16 code units
// (so also at most 64 runes) without splitting a character. The result is a
// plain value: escape it with EscapeDN when building a DN.
func ADName(s string) string {
	if strings.ContainsAny(s, "&/") {
		s = strings.NewReplacer("&", " og ", "/", " ").Replace(s)
	}
	return cut(Clean(s), ADNameMax, true)
}

// ValidADName reports every reason Active Directory would refuse s as a CN
// or OU value, or orgsync would not write it: empty, longer than ADNameMax
// UTF-16 code units, an invisible (control, zero-width, private-use)
// character, or a space at either end. Values from ADName always pass
// unless empty.
func ValidADName(s string) error {
	c := check{rule: "AD name", value: s}
	if s == "" {
		c.fail("empty")
	} else if !utf8.ValidString(s) {
		c.fail("not valid UTF-8")
	} else if n := utf16Len(s); n > ADNameMax {
		c.fail("%d UTF-16 code units, at most %d allowed", n, ADNameMax)
	}
	c.chars(s, func(r rune) bool { return r == ' ' || !isInvisible(r) && !isSpace(r) })
	if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		c.fail("starts or ends with a space")
	}
	return c.err()
}

// UTF16Len returns the length of s in UTF-16 code units, the way Active
// Directory and Windows count: one per character, two for a character
// outside the Basic Multilingual Plane (most emoji, rare CJK ideographs).
func UTF16Len(s string) int { return utf16Len(s) }

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// EscapeDN escapes an attribute value for use in a distinguished name (RFC
// 4514, section 2.4): the characters `" + , ; < > \ =` are escaped with a
// backslash, as are '#' at the start and spaces at the start and end; NUL,
// other ASCII control characters and bytes that are not valid UTF-8 are
// written as \XX hex pairs. Everything else, including Danish letters, is
// kept as UTF-8.
func EscapeDN(s string) string {
	const hex = "0123456789ABCDEF"
	lead := len(s) - len(strings.TrimLeft(s, " "))
	trail := len(strings.TrimRight(s, " "))
	if lead == len(s) {
		trail = len(s) // all spaces: escaped as leading ones
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' && (i < lead || i >= trail),
			c == '#' && i == 0,
			c == '"', c == '+', c == ',', c == ';', c == '<', c == '>', c == '\\', c == '=':
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
		case c < 0x20 || c == 0x7f:
			b.WriteByte('\\')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			i++
		case c < 0x80:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteByte('\\')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
		}
	}
	return b.String()
}

// EscapeFilter escapes a value for use in an LDAP search filter (RFC 4515,
// section 3): `*`, `(`, `)`, `\` and NUL become \2a, \28, \29, \5c and \00.
// UTF-8 text is kept as it is; bytes that are not valid UTF-8 and the
// replacement character U+FFFD are hex-escaped too.
func EscapeFilter(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			switch c {
			case '*', '(', ')', '\\', 0:
				b.WriteByte('\\')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError {
			// An invalid byte, or U+FFFD itself, which some filter parsers
			// (go-ldap) refuse unescaped: write the bytes as hex.
			for _, c := range []byte(s[i : i+size]) {
				b.WriteByte('\\')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			}
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// DisplayName builds "{given} {family} ({username})" from cleaned names and
// cuts it to max runes without splitting a character. The name part is
// shortened first so that " (username)" survives; only when the username
// part alone is longer than max is it cut too. Empty parts are left out, so
// a person without names gets just the username. max <= 0 means no limit.
func DisplayName(given, family, username string, max int) string {
	return displayName(given, family, username, max, false)
}

// DisplayNameUTF16 is DisplayName with max counted in UTF-16 code units,
// as Active Directory counts the length of a cn (see UTF16Len).
func DisplayNameUTF16(given, family, username string, max int) string {
	return displayName(given, family, username, max, true)
}

func displayName(given, family, username string, max int, utf16 bool) string {
	length := utf8.RuneCountInString
	if utf16 {
		length = utf16Len
	}
	name := Clean(given + " " + family)
	username = Clean(username)
	if username == "" {
		return limit(name, max, utf16)
	}
	suffix := "(" + username + ")"
	if name == "" {
		return limit(suffix, max, utf16)
	}
	full := name + " " + suffix
	if max <= 0 || length(full) <= max {
		return full
	}
	room := max - length(suffix) - 1
	if room <= 0 {
		return limit(suffix, max, utf16)
	}
	name = strings.TrimRight(cut(name, room, utf16), " -,.")
	if name == "" {
		return limit(suffix, max, utf16)
	}
	return name + " " + suffix
}

func limit(s string, max int, utf16 bool) string {
	if max <= 0 {
		return s
	}
	return cut(s, max, utf16)
}

// ValidSAMAccountName reports every reason Active Directory would refuse s
// as a sAMAccountName: empty, longer than 20 characters, one of
// `" / \ [ ] : ; | = , + * ? < > @`, a control character, a leading or
// trailing space, a trailing period, or nothing but periods and spaces.
func ValidSAMAccountName(s string) error {
	c := check{rule: "sAMAccountName", value: s}
	c.length(s, SAMAccountNameMax)
	c.chars(s, func(r rune) bool {
		return !isInvisible(r) && !strings.ContainsRune(`"/\[]:;|=,+*?<>@`, r)
	})
	if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		c.fail("starts or ends with a space")
	}
	if strings.HasSuffix(s, ".") {
		c.fail("ends with a period")
	}
	if s != "" && strings.Trim(s, ". ") == "" {
		c.fail("only periods and spaces")
	}
	return c.err()
}

// ValidMailNickname reports every reason Entra ID would refuse s as a
// mailNickname (mail alias): empty, longer than 64 characters, not ASCII, a
// space or one of `@ ( ) \ [ ] " ; : < > ,`, or a period at either end or
// two in a row.
func ValidMailNickname(s string) error {
	c := check{rule: "mailNickname", value: s}
	c.length(s, LocalPartMax)
	c.chars(s, func(r rune) bool {
		return r > ' ' && r < 0x7f && !strings.ContainsRune(`@()\[]";:<>,`, r)
	})
	c.dots(s)
	return c.err()
}

// ValidUPNLocalPart reports every reason Entra ID would refuse s as the part
// of a userPrincipalName before "@": empty, longer than 64 characters, a
// character other than A-Z a-z 0-9 and `' . - _ ! # ^ ~`, or a period at
// either end or two in a row.
func ValidUPNLocalPart(s string) error {
	c := check{rule: "userPrincipalName local part", value: s}
	upnLocal(&c, s)
	return c.err()
}

func upnLocal(c *check, s string) {
	c.length(s, LocalPartMax)
	c.chars(s, func(r rune) bool { return isASCIIAlnum(r) || strings.ContainsRune(`'.-_!#^~`, r) })
	c.dots(s)
}

// ValidUserPrincipalName reports every problem of a whole userPrincipalName
// "local@domain": the local part as ValidUPNLocalPart, the domain as a DNS
// name, and at most 113 characters in all.
func ValidUserPrincipalName(s string) error {
	c := check{rule: "userPrincipalName", value: s}
	local, domain, ok := strings.Cut(s, "@")
	if !ok {
		c.fail("no @")
	}
	upnLocal(&c, local)
	if ok {
		domainRules(&c, domain)
	}
	if n := utf8.RuneCountInString(s); n > UPNMax {
		c.fail("%d characters, at most %d allowed", n, UPNMax)
	}
	return c.err()
}

// ValidGoogleLocalPart reports every reason Google Workspace would refuse s
// as the username (primary e-mail local part) of a user: empty, longer than
// 64 characters, a character other than a-z 0-9 and `- _ ' .` (upper case
// is refused because Google would silently lower it), a period at either end
// or two in a row, or a reserved name (abuse, postmaster).
func ValidGoogleLocalPart(s string) error {
	c := check{rule: "Google username", value: s}
	googleLocal(&c, s)
	return c.err()
}

func googleLocal(c *check, s string) {
	c.length(s, LocalPartMax)
	c.chars(s, func(r rune) bool { return isLowerAlnum(r) || strings.ContainsRune(`-_'.`, r) })
	c.dots(s)
	if s == "abuse" || s == "postmaster" {
		c.fail("reserved by Google")
	}
}

// ValidGoogleGroupEmail reports every problem of a Google group address
// "local@domain": the local part follows the username rules of
// ValidGoogleLocalPart, the domain must be a DNS name.
func ValidGoogleGroupEmail(s string) error {
	c := check{rule: "Google group email", value: s}
	local, domain, ok := strings.Cut(s, "@")
	if !ok {
		c.fail("no @")
	}
	googleLocal(&c, local)
	if ok {
		domainRules(&c, domain)
	}
	return c.err()
}

// domainRules checks a DNS domain name: labels of a-z A-Z 0-9 and '-', not
// starting or ending with '-', 1 to 63 characters each, at least two labels,
// at most 253 characters in all.
func domainRules(c *check, d string) {
	if d == "" {
		c.fail("empty domain")
		return
	}
	if len(d) > DomainMax {
		c.fail("domain longer than %d characters", DomainMax)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		c.fail("domain %q has no dot", d)
	}
	for _, l := range labels {
		switch {
		case l == "":
			c.fail("domain %q has an empty label", d)
		case len(l) > 63:
			c.fail("domain label %q longer than 63 characters", l)
		case l[0] == '-' || l[len(l)-1] == '-':
			c.fail("domain label %q starts or ends with '-'", l)
		}
		for _, r := range l {
			if !isASCIIAlnum(r) && r != '-' {
				c.fail("domain label %q has character %q", l, r)
				break
			}
		}
	}
}

// AppleIDMax is the longest identifier this package produces for Apple School
// Manager CSV files; Apple documents the character set, not a limit, so this
// is a conservative bound.
const AppleIDMax = 255

// ValidAppleID reports every reason Apple School Manager would refuse s as an
// identifier in its CSV files (person_id, class_id, location_id, ...): empty,
// a character other than ASCII letters, digits and '-', or longer than
// AppleIDMax.
func ValidAppleID(s string) error {
	c := check{rule: "Apple School Manager id", value: s}
	c.length(s, AppleIDMax)
	c.chars(s, func(r rune) bool { return isASCIIAlnum(r) || r == '-' })
	return c.err()
}

// Slug turns any text into a lower-case identifier of a-z, 0-9 and single
// '-' between words, at most max characters (LocalPartMax when max <= 0 or
// larger), for group
// e-mail addresses, mail nicknames and Apple ids made from display names:
// "3.A Søndervang Skole" → "3-a-soendervang-skole". The result is valid for
// ValidGoogleLocalPart, ValidMailNickname, ValidUPNLocalPart and
// ValidAppleID unless it is empty (no usable letter or digit) or one of
// Google's reserved names.
func Slug(s string, max int) string {
	if max <= 0 || max > LocalPartMax {
		max = LocalPartMax
	}
	t := Transliterate(s)
	b := make([]byte, 0, len(t))
	dash := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = false
			b = append(b, c)
		case c == '\'':
			// O'Brien → obrien
		default:
			dash = true
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	for len(b) > 0 && b[len(b)-1] == '-' {
		b = b[:len(b)-1]
	}
	return string(b)
}

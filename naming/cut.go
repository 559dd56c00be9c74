package naming

import (
	"unicode"
	"unicode/utf8"
)

// extends reports whether r continues the character before it: combining
// marks, the zero-width joiner, variation selectors and emoji skin-tone
// modifiers. A cut never falls before such a rune.
func extends(r rune) bool {
	switch {
	case r == '\u200D':
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF:
		return true
	case r < 0x300:
		return false
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

// cut returns the longest prefix of s that is at most max units long and
// ends at a character boundary, where units counts runes, or UTF-16 code
// units when utf16 is set (the way Active Directory counts). A base letter is
// never separated from its combining marks, nor an emoji from its joiner
// sequence; trailing white space left by the cut is removed.
func cut(s string, max int, utf16 bool) string {
	if max <= 0 {
		return ""
	}
	if len(s) <= max {
		return s // at most max bytes, so at most max runes and UTF-16 units
	}
	n := 0
	end := 0        // byte offset of the last safe cut point
	joined := false // previous rune was a ZWJ: the next one belongs to it
	for i, r := range s {
		w := 1
		if utf16 && r > 0xFFFF {
			w = 2
		}
		if !extends(r) && !joined {
			end = i
		}
		joined = r == '\u200D'
		if n+w > max {
			return trimRightSpace(s[:end])
		}
		n += w
	}
	return s
}

// cutLast returns the longest suffix of s that is at most max runes long and
// starts at a character boundary (not on a combining mark).
func cutLast(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := len(s); i > 0; {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		n++
		if n == max {
			// move forward past marks that would start the result
			for i < len(s) {
				r, size := utf8.DecodeRuneInString(s[i:])
				if !extends(r) {
					break
				}
				i += size
			}
			return trimLeftSpace(s[i:])
		}
	}
	return s
}

func trimRightSpace(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

func trimLeftSpace(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

// Truncate cuts s to at most max runes without splitting a character: a
// letter keeps its combining marks and an emoji sequence stays whole (the
// cut falls before it instead). White space left at the end is removed.
func Truncate(s string, max int) string { return cut(s, max, false) }

// TruncateUTF16 is Truncate with max counted in UTF-16 code units, as
// Active Directory counts (see UTF16Len).
func TruncateUTF16(s string, max int) string { return cut(s, max, true) }

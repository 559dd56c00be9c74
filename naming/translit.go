package naming

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// special lists letters that Unicode decomposition does not reduce to ASCII
// (they are base letters of their own) with their conventional Latin
// transliteration. Danish letters follow the Danish convention (æ→ae, ø→oe,
// å→aa), which differs from the German/Nordic "ö→o" fold on purpose: it is
// what people recognise and what UNI-Login uses.
var special = map[rune]string{
	'æ': "ae", 'Æ': "Ae", 'ø': "oe", 'Ø': "Oe", 'å': "aa", 'Å': "Aa",
	'ß': "ss", 'ẞ': "SS", 'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D",
	'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "Th", 'œ': "oe", 'Œ': "Oe",
	'ı': "i", 'ħ': "h", 'Ħ': "H", 'ŧ': "t", 'Ŧ': "T", 'ŋ': "n", 'Ŋ': "N",
	'ĸ': "k", 'ſ': "s", 'ƒ': "f", 'ɨ': "i", 'ŀ': "l", 'Ŀ': "L",
	// Typographic punctuation that has an obvious ASCII counterpart.
	'\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u02BC': "'",
	'\u00B4': "'", '\u2032': "'", '\u201C': "\"", '\u201D': "\"", '\u201E': "\"",
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-",
	'\u2015': "-", '\u2212': "-", '\u00AD': "",
}

// twoLetter holds the upper-case letters whose transliteration has two
// letters; in an all-capitals word both are upper case ("ÆRØ" → "AEROE").
var twoLetter = map[rune]string{
	'Æ': "AE", 'Ø': "OE", 'Å': "AA", 'Þ': "TH", 'Œ': "OE",
}

// isSpace reports whether r separates words: Unicode white space, including
// the no-break spaces.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r)
}

// isInvisible reports whether r is a control, format (zero-width, bidi
// control, soft hyphen), private-use or surrogate code point, or a
// noncharacter: code points that must never reach a directory.
func isInvisible(r rune) bool {
	if r < 0x80 {
		return r < 0x20 || r == 0x7f
	}
	if r == utf8.RuneError || (r >= 0xFDD0 && r <= 0xFDEF) || r&0xFFFE == 0xFFFE {
		return true
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}

// asciiClean reports whether s is already printable ASCII with single spaces
// between words and none at either end: then Transliterate and Clean return
// it unchanged, which is the common case for Danish institution names.
func asciiClean(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case c > ' ' && c < 0x7f:
			prevSpace = false
		default:
			return false
		}
	}
	return !prevSpace || s == ""
}

// spaceWriter collapses runs of white space into one space and drops white
// space at both ends.
type spaceWriter struct {
	b       strings.Builder
	pending bool
}

func (w *spaceWriter) space() { w.pending = w.b.Len() > 0 }

func (w *spaceWriter) text(s string) {
	if s == "" {
		return
	}
	if w.pending {
		w.b.WriteByte(' ')
		w.pending = false
	}
	w.b.WriteString(s)
}

func (w *spaceWriter) rune(r rune) {
	if w.pending {
		w.b.WriteByte(' ')
		w.pending = false
	}
	w.b.WriteRune(r)
}

// Transliterate turns a name into printable ASCII: it normalises to NFC,
// writes the Danish letters as æ→ae, ø→oe, å→aa (Æ→Ae, or AE inside an
// all-capitals word), folds other Latin letters with diacritics to their base
// letter (é→e, ü→u, ñ→n, ł→l, ß→ss), turns typographic quotes and dashes into
// ASCII ones, drops anything it cannot transliterate (other scripts, emoji,
// symbols), strips control and zero-width characters and collapses white
// space (including no-break spaces) into single spaces. Case is kept.
//
// The result is idempotent: Transliterate(Transliterate(s)) ==
// Transliterate(s). Use Clean where a target accepts Unicode.
func Transliterate(s string) string {
	if asciiClean(s) {
		return s
	}
	s = norm.NFC.String(s)
	var w spaceWriter
	w.b.Grow(len(s))
	var prev rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var next rune
		if i+size < len(s) {
			next, _ = utf8.DecodeRuneInString(s[i+size:])
		}
		translitRune(&w, r, prev, next)
		prev = r
		i += size
	}
	return w.b.String()
}

// translitRune writes the transliteration of r; prev and next are its
// neighbours (0 at the ends), used to choose "AE" over "Ae" in capitals.
func translitRune(w *spaceWriter, r, prev, next rune) {
	switch {
	case r < 0x80:
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			w.space()
		case r < 0x20 || r == 0x7f:
			// control: dropped
		default:
			w.rune(r)
		}
		return
	case isSpace(r):
		w.space()
		return
	case r == utf8.RuneError:
		return
	}
	if t, ok := special[r]; ok {
		if up, ok := twoLetter[r]; ok && allCapsContext(prev, next) {
			t = up
		}
		w.text(t)
		return
	}
	if isInvisible(r) || unicode.In(r, unicode.Mn, unicode.Me) {
		return
	}
	if f, ok := latinFold(r); ok {
		w.text(f)
		return
	}
	slowFold(w, r, prev, next)
}

// slowFold writes the fold of r by compatibility decomposition, which folds
// accents (é → e + U+0301), ligatures (ﬁ → fi) and width variants (Ａ → A);
// what is ASCII afterwards is kept.
func slowFold(w *spaceWriter, r, prev, next rune) {
	var buf [4]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, d := range norm.NFKD.String(string(buf[:n])) {
		switch {
		case d > ' ' && d < 0x7f:
			w.rune(d)
		case d == ' ':
			// A compatibility spacing mark (such as U+00A8 diaeresis)
			// decomposes to a space plus a combining mark: drop both.
		default:
			if t, ok := special[d]; ok {
				if up, ok := twoLetter[d]; ok && allCapsContext(prev, next) {
					t = up
				}
				w.text(t)
			}
		}
	}
}

// allCapsContext reports whether a letter between prev and next stands in an
// all-capitals word: the next letter is upper case, or there is no next
// letter and the previous one is upper case.
func allCapsContext(prev, next rune) bool {
	if unicode.IsUpper(next) {
		return true
	}
	return !unicode.IsLetter(next) && unicode.IsUpper(prev)
}

// Clean prepares a name for display where the target accepts Unicode (display
// names, OU and group display names): it keeps Danish and all other letters,
// strips control, zero-width, bidi-control, private-use and invalid
// characters, collapses white space (no-break spaces become plain spaces),
// trims both ends and normalises to NFC. It is idempotent.
func Clean(s string) string {
	if asciiClean(s) {
		return s
	}
	var w spaceWriter
	w.b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			// an invalid byte, or U+FFFD itself: no name information
		case isSpace(r):
			w.space()
		case isInvisible(r):
		default:
			w.rune(r)
		}
	}
	out := w.b.String()
	if !norm.NFC.IsNormalString(out) {
		out = norm.NFC.String(out)
	}
	return out
}

// Latin letters with diacritics are by far the most common non-ASCII input;
// their folds are computed once (decomposing rune by rune allocates in
// x/text) for Latin-1 Supplement to Latin Extended-B and for Latin Extended
// Additional (Vietnamese).
const (
	foldLo1, foldHi1 = 0x80, 0x250
	foldLo2, foldHi2 = 0x1E00, 0x1F00
)

type foldEntry struct {
	s  string
	ok bool // false: fold needs context (or is not a plain decomposition)
}

var foldTables = sync.OnceValue(func() [2][]foldEntry {
	build := func(lo, hi rune) []foldEntry {
		t := make([]foldEntry, hi-lo)
		for r := lo; r < hi; r++ {
			if _, sp := special[r]; sp || isInvisible(r) || isSpace(r) || unicode.In(r, unicode.Mn, unicode.Me) {
				continue
			}
			var b strings.Builder
			ok := true
			for _, d := range norm.NFKD.String(string(r)) {
				switch {
				case d > ' ' && d < 0x7f:
					b.WriteRune(d)
				case d == ' ':
				default:
					if _, sp := special[d]; sp {
						ok = false // e.g. ǿ → ø: Danish letter, casing by context
					}
				}
			}
			t[r-lo] = foldEntry{s: b.String(), ok: ok}
		}
		return t
	}
	return [2][]foldEntry{build(foldLo1, foldHi1), build(foldLo2, foldHi2)}
})

// latinFold returns the precomputed fold of r, if it has one.
func latinFold(r rune) (string, bool) {
	switch {
	case r >= foldLo1 && r < foldHi1:
		e := foldTables()[0][r-foldLo1]
		return e.s, e.ok
	case r >= foldLo2 && r < foldHi2:
		e := foldTables()[1][r-foldLo2]
		return e.s, e.ok
	}
	return "", false
}

package naming_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"github.com/orgsync/orgsync/naming"
)

var long300 = strings.Repeat("Østergård-", 30) // 300 characters

func TestTransliterate(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"danish", "Søren Ærø-Åkjær", "Soeren Aeroe-Aakjaer"},
		{"danish hyphenated given", "Anne-Mette Østergård", "Anne-Mette Oestergaard"},
		{"danish initial å", "Bjørn Ågesen", "Bjoern Aagesen"},
		{"all capitals", "ÆRØ ÅS", "AEROE AAS"},
		{"single capital letter", "Å", "Aa"},
		{"capital then lower", "Ærø", "Aeroe"},
		{"decomposed å", "A\u030Agesen", "Aagesen"},
		{"o with stroke has no decomposition", "Bj\u00F8rn", "Bjoern"},
		{"decomposed é", "Aubigne\u0301", "Aubigne"},
		{"vietnamese", "Nguyễn Thị Minh Khai", "Nguyen Thi Minh Khai"},
		{"apostrophe", "O'Brien", "O'Brien"},
		{"typographic apostrophe", "O\u2019Brien", "O'Brien"},
		{"french", "Jean-Luc d'Aubigné", "Jean-Luc d'Aubigne"},
		{"german", "Jürgen Müßig", "Jurgen Mussig"},
		{"polish", "Łukasz Wałęsa", "Lukasz Walesa"},
		{"spanish", "Peña Núñez", "Pena Nunez"},
		{"icelandic", "Þór Guðmundsdóttir", "Thor Gudmundsdottir"},
		{"turkish dotless i", "Yıldız", "Yildiz"},
		{"no-break space", "Anne\u00A0Marie", "Anne Marie"},
		{"narrow no-break space", "Anne\u202FMarie", "Anne Marie"},
		{"zero-width space", "Zero\u200BWidth", "ZeroWidth"},
		{"zero-width joiner and BOM", "\uFEFFAn\u200Dna", "Anna"},
		{"soft hyphen", "Ander\u00ADsen", "Andersen"},
		{"bidi override", "\u202EAnna\u202C", "Anna"},
		{"emoji dropped", "Mia 😀 Holm", "Mia Holm"},
		{"emoji sequence dropped", "Ib 👩🏽‍💻", "Ib"},
		{"greek dropped", "Αλέξανδρος", ""},
		{"cyrillic dropped", "Владимир Путин", ""},
		{"arabic dropped", "محمد", ""},
		{"chinese dropped", "王小明", ""},
		{"mixed scripts keep latin", "Ωmega Hansen", "mega Hansen"},
		{"fullwidth and ligature", "ﬁne Ａ", "fine A"},
		{"control characters", "An\x00na\x07 \tHolm\r\n", "Anna Holm"},
		{"collapse white space", "  Ib   \t  Holm  ", "Ib Holm"},
		{"invalid UTF-8", "An\xffna", "Anna"},
		{"empty", "", ""},
		{"300 characters", long300, strings.Repeat("Oestergaard-", 30)},
		{"en dash", "Hansen–Nielsen", "Hansen-Nielsen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, naming.Transliterate(tt.in)); diff != "" {
				t.Errorf("Transliterate(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"danish kept", "Søren Ærø-Åkjær", "Søren Ærø-Åkjær"},
		{"decomposed composed", "A\u030Agesen", "Ågesen"},
		{"vietnamese kept", "Nguyễn Thị Minh Khai", "Nguyễn Thị Minh Khai"},
		{"greek kept", "Αλέξανδρος", "Αλέξανδρος"},
		{"emoji kept", "Mia 😀", "Mia 😀"},
		{"no-break space", "Anne\u00A0Marie", "Anne Marie"},
		{"zero-width space", "Zero\u200BWidth", "ZeroWidth"},
		{"soft hyphen", "Ander\u00ADsen", "Andersen"},
		{"bidi controls", "\u202EAnna\u202C", "Anna"},
		{"private use", "A\uE000B", "AB"},
		{"control", "A\x01B\nC", "AB C"},
		{"invalid UTF-8", "A\xffB", "AB"},
		{"trim and collapse", " \u2003 3.A \u3000 ", "3.A"},
		{"line separator", "a\u2028b", "a b"},
		{"mark after removed ZWJ composes", "a\u200D\u030A", "å"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, naming.Clean(tt.in)); diff != "" {
				t.Errorf("Clean(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// checkTransliterated fails unless s is printable ASCII with single inner
// spaces, and stable under a second Transliterate.
func checkTransliterated(t *testing.T, in, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			t.Fatalf("Transliterate(%q) = %q: byte %#x not printable ASCII", in, s, s[i])
		}
	}
	if strings.Contains(s, "  ") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		t.Fatalf("Transliterate(%q) = %q: white space not collapsed", in, s)
	}
	if again := naming.Transliterate(s); again != s {
		t.Fatalf("Transliterate not idempotent: %q -> %q -> %q", in, s, again)
	}
}

// checkCleaned fails unless s is valid NFC UTF-8 without invisible
// characters or extra white space, and stable under a second Clean.
func checkCleaned(t *testing.T, in, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("Clean(%q) = %q: invalid UTF-8", in, s)
	}
	if !norm.NFC.IsNormalString(s) {
		t.Fatalf("Clean(%q) = %q: not NFC", in, s)
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == '\u200B' || r == '\u00A0' || r == '\uFEFF' || r == utf8.RuneError {
			t.Fatalf("Clean(%q) = %q: contains %U", in, s, r)
		}
	}
	if strings.Contains(s, "  ") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		t.Fatalf("Clean(%q) = %q: white space not collapsed", in, s)
	}
	if again := naming.Clean(s); again != s {
		t.Fatalf("Clean not idempotent: %q -> %q -> %q", in, s, again)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short", "Ib", 5, "Ib"},
		{"ascii", "abcdef", 3, "abc"},
		{"danish runes", "ææææ", 2, "ææ"},
		{"keeps combining mark with its letter", "ab\u0301c", 2, "a"},
		{"combining mark fits", "ab\u0301c", 3, "ab\u0301"},
		{"emoji zwj sequence not split", "a👩\u200D💻", 3, "a"},
		{"trailing space removed", "ab cd", 3, "ab"},
		{"zero", "abc", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := naming.Truncate(tt.in, tt.max); got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestTruncateUTF16(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"BMP counts as runes", "ææææ", 2, "ææ"},
		{"astral character counts twice", "a😀b", 3, "a😀"},
		{"astral character does not fit in one unit", "a😀b", 2, "a"},
		{"Fraktur letters", "𝔘𝔫𝔦", 5, "𝔘𝔫"},
		{"fits", "Åse 😀", 6, "Åse 😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := naming.TruncateUTF16(tt.in, tt.max); got != tt.want {
				t.Errorf("TruncateUTF16(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if got := naming.UTF16Len(naming.TruncateUTF16(tt.in, tt.max)); got > tt.max {
				t.Errorf("UTF16Len of the result = %d > %d", got, tt.max)
			}
		})
	}
}

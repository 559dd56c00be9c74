package naming_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/naming"
)

func TestADName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"danish kept", "Søndervangskolen (280123)", "Søndervangskolen (280123)"},
		{"ampersand", "Børn & Unge", "Børn og Unge"},
		{"ampersand without spaces", "A&B", "A og B"},
		{"slash", "0./1. klasse", "0. 1. klasse"},
		{"specials kept for EscapeDN", `a+b,c"d<e>f;g#h=i\j`, `a+b,c"d<e>f;g#h=i\j`},
		{"cleaned", "\u200B 3.A\u00A0\u00A0SVS ", "3.A SVS"},
		{"cut to 64", strings.Repeat("x", 70), strings.Repeat("x", 64)},
		{"cut to 64 danish", strings.Repeat("æ", 70), strings.Repeat("æ", 64)},
		{"cut keeps combining mark", strings.Repeat("x", 63) + "e\u0301", strings.Repeat("x", 63) + "é"},
		{"cut counts UTF-16 units", strings.Repeat("x", 63) + "😀", strings.Repeat("x", 63)},
		{"cut leaves no trailing space", strings.Repeat("x", 63) + " yz", strings.Repeat("x", 63)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, naming.ADName(tt.in)); diff != "" {
				t.Errorf("ADName(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestEscapeDN(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Søndervangskolen", "Søndervangskolen"},
		{"specials", `a+b,c"d<e>f;g=h\i`, `a\+b\,c\"d\<e\>f\;g\=h\\i`},
		{"leading hash", "#1", `\#1`},
		{"inner hash", "a#1", "a#1"},
		{"leading and trailing space", " a b ", `\ a b\ `},
		{"runs of spaces", "  a  ", `\ \ a\ \ `},
		{"only spaces", "  ", `\ \ `},
		{"NUL and control", "a\x00b\nc", `a\00b\0Ac`},
		{"invalid UTF-8", "a\xffb", `a\FFb`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := naming.EscapeDN(tt.in); got != tt.want {
				t.Errorf("EscapeDN(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeFilter(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "soer0001", "soer0001"},
		{"danish kept", "Ærø", "Ærø"},
		{"specials", `a*(b)\c`, `a\2a\28b\29\5cc`},
		{"NUL", "a\x00", `a\00`},
		{"invalid UTF-8", "a\xff", `a\ff`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := naming.EscapeFilter(tt.in); got != tt.want {
				t.Errorf("EscapeFilter(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct {
		name                    string
		given, family, username string
		max                     int
		want                    string
	}{
		{"fits", "Søren", "Ærø-Åkjær", "soer0001", 64, "Søren Ærø-Åkjær (soer0001)"},
		{"cleaned", " Anne\u00A0Mette ", "Øster\u200Bgård", "anne0001", 64, "Anne Mette Østergård (anne0001)"},
		{"cut keeps username", "Søren Kristian", "Ærø-Åkjær Hansen Nielsen", "soer0001", 30, "Søren Kristian Ærø (soer0001)"},
		{"fits exactly", "Ib", "Holm", "ibho0001", 18, "Ib Holm (ibho0001)"},
		{"cut by one", "Ib", "Holm", "ibho0001", 17, "Ib Hol (ibho0001)"},
		{"cut drops dangling hyphen", "Ib", "Holm-Ravn", "ibho0001", 19, "Ib Holm (ibho0001)"},
		{"no room for name", "Ib", "Holm", "ibho0001", 10, "(ibho0001)"},
		{"username longer than limit", "Ib", "Holm", "ibho0001", 5, "(ibho"},
		{"no names", "", "", "soer0001", 64, "(soer0001)"},
		{"no username", "Ib", "Holm", "", 64, "Ib Holm"},
		{"no limit", strings.Repeat("a", 100), "b", "u", 0, strings.Repeat("a", 100) + " b (u)"},
		{"300 characters", long300, long300, "oest0001", 64, naming.Truncate(long300, 64-11) + " (oest0001)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := naming.DisplayName(tt.given, tt.family, tt.username, tt.max)
			if got != tt.want {
				t.Errorf("DisplayName = %q, want %q", got, tt.want)
			}
			if tt.max > 0 && utf8.RuneCountInString(got) > tt.max {
				t.Errorf("DisplayName = %q: longer than %d", got, tt.max)
			}
		})
	}
}

func TestValidators(t *testing.T) {
	type validator struct {
		name string
		f    func(string) error
	}
	sam := validator{"sAMAccountName", naming.ValidSAMAccountName}
	nick := validator{"mailNickname", naming.ValidMailNickname}
	upnLocal := validator{"UPN local", naming.ValidUPNLocalPart}
	upn := validator{"UPN", naming.ValidUserPrincipalName}
	google := validator{"Google username", naming.ValidGoogleLocalPart}
	group := validator{"Google group email", naming.ValidGoogleGroupEmail}
	apple := validator{"Apple id", naming.ValidAppleID}
	user := validator{"username", naming.ValidUsername}
	ad := validator{"AD name", naming.ValidADName}

	tests := []struct {
		v        validator
		in       string
		problems int // 0 = valid
	}{
		{sam, "soer0001", 0},
		{sam, "Søren", 0}, // AD takes Unicode here
		{sam, strings.Repeat("a", 20), 0},
		{sam, strings.Repeat("a", 21), 1},
		{sam, "", 1},
		{sam, "a@b", 1},
		{sam, `a"b/c\d[e]f:g;h|i=j`, 1},
		{sam, ",+*?<>", 1},
		{sam, "a\tb", 1},
		{sam, "abc.", 1},
		{sam, " abc", 1},
		{sam, "...", 2},
		{sam, "a\u200Bb", 1},
		{nick, "soer0001", 0},
		{nick, "anne.mette", 0},
		{nick, "anne mette", 1},
		{nick, "søren", 1},
		{nick, ".a..b.", 3},
		{nick, "a@(b)", 1},
		{nick, strings.Repeat("a", 65), 1},
		{upnLocal, "anne.mette_o'brien", 0},
		{upnLocal, "a&b", 1},
		{upnLocal, "søren", 1},
		{upnLocal, "a..b", 1},
		{upn, "soer0001@skole.dk", 0},
		{upn, "soer0001", 1},
		{upn, "soer0001@skole", 1},
		{upn, "soer0001@-skole.dk", 1},
		{upn, "a@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + ".dk", 1},
		{google, "soer0001", 0},
		{google, "anne-mette.o'brien_2", 0},
		{google, "Soer0001", 1},
		{google, "a+b", 1},
		{google, ".ab", 1},
		{google, "postmaster", 1},
		{group, "3a-svs@skole.dk", 0},
		{group, "3a svs@skole.dk", 1},
		{group, "3a-svs", 1},
		{group, "3a=svs@skole_x.dk", 2},
		{apple, "AE4A6BB3-8D97-446A-BAA9-EDEA567453D3", 0},
		{apple, "class_3a", 1},
		{apple, "", 1},
		{ad, "Søndervangskolen (280123)", 0},
		{ad, strings.Repeat("æ", 64), 0},
		{ad, strings.Repeat("x", 63) + "😀", 1},
		{ad, " a\u200Bb\u00A0", 2},
		{ad, "", 1},
		{user, "soer0001", 0},
		{user, "Søren", 3}, // UPN, mailNickname, Google refuse it
	}
	for _, tt := range tests {
		t.Run(tt.v.name+"/"+tt.in, func(t *testing.T) {
			err := tt.v.f(tt.in)
			if tt.problems == 0 {
				if err != nil {
					t.Fatalf("%s(%q) = %v, want valid", tt.v.name, tt.in, err)
				}
				return
			}
			if !errors.Is(err, naming.ErrInvalidName) {
				t.Fatalf("%s(%q) = %v, want ErrInvalidName", tt.v.name, tt.in, err)
			}
			n := 0
			for _, e := range flatten(err) {
				var ie *naming.InvalidNameError
				if errors.As(e, &ie) {
					if tt.v.name != "username" {
						n += len(ie.Problems)
					} else {
						n++
					}
				}
			}
			if n != tt.problems {
				t.Errorf("%s(%q) = %v: %d problems, want %d", tt.v.name, tt.in, err, n, tt.problems)
			}
		})
	}
}

// flatten unpacks errors.Join.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestSlug(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"3.A Søndervang Skole", 0, "3-a-soendervang-skole"},
		{"O'Brien", 0, "obrien"},
		{"--x--", 0, "x"},
		{"Владимир", 0, ""},
		{"abc def", 4, "abc"},
		{strings.Repeat("ab ", 40), 0, strings.TrimRight(strings.Repeat("ab-", 22)[:64], "-")},
	}
	for _, tt := range tests {
		if got := naming.Slug(tt.in, tt.max); got != tt.want {
			t.Errorf("Slug(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

package naming_test

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/fnv"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/naming"
)

// nameSeeds are the hard cases of the issue, used to seed every fuzz target.
var nameSeeds = []string{
	"Søren Ærø-Åkjær", "Anne-Mette Østergård", "Bjørn Ågesen", "Nguyễn Thị Minh Khai",
	"O'Brien", "Jean-Luc d'Aubigné", "Anne\u00A0Marie", "Zero\u200BWidth\u200D", "Mia 😀 👩🏽\u200D💻",
	long300, "A\u030Agesen", "ÆRØ", "Владимир", "王小明", "محمد", "", " ", "#lead", " trail ",
	`a+b,c"d<e>f;g=h\i`, "x\x00y\xff", "\uFFFD", "Σ\u0301", "\u0301lead mark",
}

func FuzzTransliterate(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTransliterated(t, s, naming.Transliterate(s))
		checkCleaned(t, s, naming.Clean(s))
	})
}

func FuzzSlug(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		got := naming.Slug(s, max)
		if got == "" || got == "abuse" || got == "postmaster" {
			return
		}
		for _, v := range []func(string) error{naming.ValidGoogleLocalPart, naming.ValidMailNickname, naming.ValidUPNLocalPart, naming.ValidAppleID} {
			if err := v(got); err != nil {
				t.Fatalf("Slug(%q, %d) = %q: %v", s, max, got, err)
			}
		}
		if max > 0 && utf8.RuneCountInString(got) > max {
			t.Fatalf("Slug(%q, %d) = %q: too long", s, max, got)
		}
	})
}

// roundTripDN checks that value, escaped, survives go-ldap's DN parser.
func roundTripDN(t *testing.T, value string) {
	t.Helper()
	esc := naming.EscapeDN(value)
	dn, err := ldap.ParseDN("CN=" + esc + ",OU=elever,DC=skole,DC=test")
	if err != nil {
		t.Fatalf("ParseDN of EscapeDN(%q) = %q: %v", value, esc, err)
	}
	if len(dn.RDNs) != 4 || len(dn.RDNs[0].Attributes) != 1 {
		t.Fatalf("EscapeDN(%q) = %q split the DN: %v", value, esc, dn)
	}
	if got := dn.RDNs[0].Attributes[0].Value; got != value {
		t.Fatalf("EscapeDN(%q) = %q parses back as %q", value, esc, got)
	}
}

func FuzzEscapeDN(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return // an empty RDN value is not a name
		}
		roundTripDN(t, s)
	})
}

func FuzzEscapeFilter(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Add("*)(objectClass=*")
	f.Fuzz(func(t *testing.T, s string) {
		esc := naming.EscapeFilter(s)
		p, err := ldap.CompileFilter("(sAMAccountName=" + esc + ")")
		if err != nil {
			t.Fatalf("CompileFilter of EscapeFilter(%q) = %q: %v", s, esc, err)
		}
		if p.Tag != ldap.FilterEqualityMatch || len(p.Children) != 2 {
			t.Fatalf("EscapeFilter(%q) = %q did not compile to one equality match", s, esc)
		}
		if got := string(p.Children[1].Data.Bytes()); got != s {
			t.Fatalf("EscapeFilter(%q) = %q compiles back to %q", s, esc, got)
		}
	})
}

func FuzzADName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := naming.ADName(s)
		if n := len(utf16.Encode([]rune(got))); n > naming.ADNameMax {
			t.Fatalf("ADName(%q) = %q: %d UTF-16 units", s, got, n)
		}
		if strings.ContainsAny(got, "&/") {
			t.Fatalf("ADName(%q) = %q keeps & or /", s, got)
		}
		checkCleaned(t, s, got)
		if got != "" {
			if err := naming.ValidADName(got); err != nil {
				t.Fatalf("ADName(%q) = %q: %v", s, got, err)
			}
			roundTripDN(t, got)
		}
	})
}

func FuzzDisplayName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s, "Hansen", "soer0001", 64)
	}
	f.Fuzz(func(t *testing.T, given, family, username string, max int) {
		max %= 300
		for _, v := range []struct {
			name   string
			f      func(given, family, username string, max int) string
			length func(string) int
		}{
			{"DisplayName", naming.DisplayName, utf8.RuneCountInString},
			{"DisplayNameUTF16", naming.DisplayNameUTF16, func(s string) int { return len(utf16.Encode([]rune(s))) }},
		} {
			got := v.f(given, family, username, max)
			if max > 0 && v.length(got) > max {
				t.Fatalf("%s(%q, %q, %q, %d) = %q: too long", v.name, given, family, username, max, got)
			}
			checkCleaned(t, given+"|"+family, got)
			u := naming.Clean(username)
			// The username survives whole when it fits with a space and a
			// name character; a name that cannot be cut that short (a
			// letter with its marks) is left out.
			suffix := "(" + u + ")"
			if u != "" && naming.Clean(given+" "+family) != "" && max > v.length(suffix)+1 && !strings.HasSuffix(got, suffix) {
				t.Fatalf("%s(%q, %q, %q, %d) = %q lost the username", v.name, given, family, username, max, got)
			}
		}
	})
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		"{INSTITUTION_NAME} ({INSTITUTION_NUMBER})", "{CLASS_YEAR:-2}{CLASS_LINE:lower}", "{{x}}",
		"{CLASS_NAME:ascii:slug:3}", "{X}", "{", "}", "{CLASS_NAME:}", "{CLASS_NAME:-0}", "",
	} {
		f.Add(s, "Søren & Co/3.A")
	}
	f.Fuzz(func(t *testing.T, text, value string) {
		tpl, err := naming.ParseTemplate("fuzz", text)
		if err != nil {
			var te *naming.TemplateError
			if !errors.As(err, &te) || len(te.Problems) == 0 || te.Template != "fuzz" {
				t.Fatalf("ParseTemplate(%q): error %v without problems", text, err)
			}
			return
		}
		v := naming.Vars{value, value, value, value, value, value, value, value, value, value}
		got := tpl.Execute(v)
		checkCleaned(t, text, got)
		if tpl.Empty() && got != "" {
			t.Fatalf("empty template %q gave %q", text, got)
		}
		ct := naming.ClassTemplate{Primary: tpl, Fallback: tpl}
		_ = ct.Execute(naming.Vars{ClassName: value})
		if ad := naming.ADName(got); ad != "" {
			roundTripDN(t, ad)
		}
	})
}

// hashChecker says a username is taken for about a third of all names,
// deterministically per seed.
type hashChecker uint64

func (h hashChecker) Exists(_ context.Context, u string) (bool, error) {
	x := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(h))
	x.Write(b[:])
	x.Write([]byte(u))
	return x.Sum64()%3 == 0, nil
}

var fuzzDeny = []string{"sex", "fu", "666"}

// checkGenerated asserts the username rules on one generated name.
func checkGenerated(t *testing.T, std *naming.Standard, p naming.Person, u string, err error) {
	t.Helper()
	if err != nil {
		if errors.Is(err, naming.ErrExhausted) {
			return
		}
		t.Fatalf("%s: Username(%q, %q): %v", std.Name(), p.GivenName, p.FamilyName, err)
	}
	if verr := naming.ValidUsername(u); verr != nil {
		t.Fatalf("%s: Username(%q, %q) = %q: %v", std.Name(), p.GivenName, p.FamilyName, u, verr)
	}
	if strings.IndexAny(u[:1], ".-_") == 0 || strings.IndexAny(u[len(u)-1:], ".-_") == 0 {
		t.Fatalf("%s: Username(%q, %q) = %q starts or ends with a separator", std.Name(), p.GivenName, p.FamilyName, u)
	}
	if std.UsesName() && !strings.HasPrefix(u, "u") && strings.Trim(u, "0123456789.-_") == "" {
		t.Fatalf("%s: Username(%q, %q) = %q holds no letter", std.Name(), p.GivenName, p.FamilyName, u)
	}
	for _, d := range fuzzDeny {
		if strings.Contains(u, d) {
			t.Fatalf("%s: Username(%q, %q) = %q contains denied %q", std.Name(), p.GivenName, p.FamilyName, u, d)
		}
	}
}

func FuzzUsername(f *testing.F) {
	for i, s := range nameSeeds {
		f.Add(s, "Hansen", uint64(i))
		f.Add("Ib", s, uint64(i))
	}
	stds := []*naming.Standard{
		naming.UNILogin(), must(naming.NameDigits(4)), naming.DigitsName(), must(naming.PrefixName("elev", 2)),
		must(naming.Random(8)), must(naming.ParseStandard("custom", "{first:3}{last:3}{n}")),
		must(naming.ParseStandard("dots", "{given}.{family}{d:1}")), naming.NoLatinFallback(),
		must(naming.ParseStandard("separators", "{first}_{last}{n}")), must(naming.ParseStandard("bounded", "{given:3}-{family:3}{n}")),
	}
	f.Fuzz(func(t *testing.T, given, family string, seed uint64) {
		p := naming.Person{ID: "fuzz", GivenName: given, FamilyName: family}
		for _, std := range stds {
			g, err := naming.NewGenerator(std, hashChecker(seed), naming.Options{
				Deny: fuzzDeny, Rand: mrand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}), MaxAttempts: 2000,
			})
			if err != nil {
				t.Fatal(err)
			}
			u, err := g.Username(context.Background(), p)
			checkGenerated(t, std, p, u, err)
		}
	})
}

func FuzzParseStandard(f *testing.F) {
	for _, s := range []string{"{first:3}{last:3}{n}", "{name:4}{n:4}", "{d:3}{name:3}", "elev{first}{last}{d:2}",
		"{l:1}{r:7}", "{given}.{family}", ".{first}.", "{n}", "{x}", "{r:13}", "{name:21}", "a..b{n}"} {
		f.Add(s, "Søren", "Ærø-Åkjær", uint64(1))
	}
	f.Fuzz(func(t *testing.T, text, given, family string, seed uint64) {
		std, err := naming.ParseStandard("fuzz", text)
		if err != nil {
			var te *naming.TemplateError
			if !errors.As(err, &te) || len(te.Problems) == 0 {
				t.Fatalf("ParseStandard(%q): error %v without problems", text, err)
			}
			return
		}
		g, err := naming.NewGenerator(std, hashChecker(seed), naming.Options{Deny: fuzzDeny, Rand: mrand.NewChaCha8([32]byte{byte(seed)}), MaxAttempts: 2000})
		if err != nil {
			t.Fatal(err)
		}
		p := naming.Person{ID: "fuzz", GivenName: given, FamilyName: family}
		u, err := g.Username(context.Background(), p)
		checkGenerated(t, std, p, u, err)
	})
}

func FuzzPassword(f *testing.F) {
	f.Add(36, "", uint64(1))
	f.Add(3, "Aa1", uint64(2))
	f.Add(8, "ÆØÅæøå123", uint64(3))
	f.Fuzz(func(t *testing.T, length int, alphabet string, seed uint64) {
		length %= 200
		pw, err := naming.Password(mrand.NewChaCha8([32]byte{byte(seed)}), naming.PasswordPolicy{Length: length, Alphabet: alphabet})
		if err != nil {
			return
		}
		want := length
		if want == 0 {
			want = naming.DefaultPasswordLength
		}
		if utf8.RuneCountInString(pw) != want || !hasClasses(pw) {
			t.Fatalf("Password(%d, %q) = %q", length, alphabet, pw)
		}
	})
}

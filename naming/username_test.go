package naming_test

import (
	"context"
	"errors"
	mrand "math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/naming"
)

// seeded returns a reproducible random source for tests.
func seeded(seed byte) *mrand.ChaCha8 { return mrand.NewChaCha8([32]byte{seed}) }

// must unwraps a standard built from a fixed, known-good configuration.
func must(s *naming.Standard, err error) *naming.Standard {
	if err != nil {
		panic(err)
	}
	return s
}

func newGen(t testing.TB, std *naming.Standard, c naming.Checker, opt naming.Options) *naming.Generator {
	t.Helper()
	if opt.Rand == nil {
		opt.Rand = seeded(1)
	}
	g, err := naming.NewGenerator(std, c, opt)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// standards returns every built-in standard with the shape of its usernames
// for "Søren Ærø-Åkjær".
func standards(t testing.TB) []struct {
	std   *naming.Standard
	shape *regexp.Regexp
} {
	return []struct {
		std   *naming.Standard
		shape *regexp.Regexp
	}{
		{naming.UNILogin(), regexp.MustCompile(`^soer[0-9]{4}$`)},
		{must(naming.NameDigits(5)), regexp.MustCompile(`^soer[0-9]{5}$`)},
		{naming.DigitsName(), regexp.MustCompile(`^[0-9]{3}soe$`)},
		{must(naming.PrefixName("elev", 2)), regexp.MustCompile(`^elevsoerenaeroeaak[0-9]{2}$`)},
		{must(naming.Random(8)), regexp.MustCompile(`^[a-z][a-z0-9]{7}$`)},
		{must(naming.ParseStandard("custom", "{first:3}{last:3}{n}")), regexp.MustCompile(`^soeaer[0-9]{0,4}$`)},
		{naming.NoLatinFallback(), regexp.MustCompile(`^u[a-z0-9]{7}$`)},
	}
}

var soeren = naming.Person{ID: "p1", GivenName: "Søren", FamilyName: "Ærø-Åkjær"}

func TestStandardsShape(t *testing.T) {
	ctx := context.Background()
	for _, tt := range standards(t) {
		t.Run(tt.std.Name(), func(t *testing.T) {
			taken := naming.NewReserved()
			g := newGen(t, tt.std, taken, naming.Options{})
			for range 20 {
				u, err := g.Username(ctx, soeren)
				if err != nil {
					t.Fatal(err)
				}
				if !tt.shape.MatchString(u) {
					t.Errorf("username %q does not match %s", u, tt.shape)
				}
				if err := naming.ValidUsername(u); err != nil {
					t.Error(err)
				}
				if taken.Contains(u) {
					t.Errorf("username %q given twice", u)
				}
				taken.Add(u)
			}
		})
	}
}

func TestSequenceStandards(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		std    *naming.Standard
		person naming.Person
		want   []string
	}{
		{"uni-login", naming.UNILogin(), soeren, []string{"soer0001", "soer0002", "soer0003"}},
		{"uni-login short names", naming.UNILogin(), naming.Person{GivenName: "Bo", FamilyName: "Li"}, []string{"boli0001", "boli0002"}},
		{"uni-login one short name", naming.UNILogin(), naming.Person{GivenName: "Bo"}, []string{"boxx0001"}},
		{"uni-login from family name", naming.UNILogin(), naming.Person{GivenName: "王", FamilyName: "Wang"}, []string{"wang0001"}},
		{"danish letters", naming.UNILogin(), naming.Person{GivenName: "Åse", FamilyName: "Øberg"}, []string{"aase0001"}},
		{"decomposed input", naming.UNILogin(), naming.Person{GivenName: "A\u030Ase", FamilyName: "Berg"}, []string{"aase0001"}},
		{"name with emoji and zero-width", naming.UNILogin(), naming.Person{GivenName: "Mi\u200Ba 😀", FamilyName: "Holm"}, []string{"miah0001"}},
		{"template", must(naming.ParseStandard("custom", "{first:3}{last:3}{n}")), soeren, []string{"soeaer", "soeaer1", "soeaer2"}},
		{"template with dot", must(naming.ParseStandard("dot", "{first}.{last}{n}")), naming.Person{GivenName: "Anne-Mette", FamilyName: "Østergård"}, []string{"annemet.oesterga", "annemet.oesterga1"}},
		{"last word of family name", must(naming.ParseStandard("dot", "{first}.{last}")), naming.Person{GivenName: "Anders Fogh", FamilyName: "Fogh Rasmussen"}, []string{"anders.rasmussen"}},
		{"whole given and family", must(naming.ParseStandard("whole", "{given:6}{family:6}")), naming.Person{GivenName: "Jean-Luc", FamilyName: "d'Aubigné"}, []string{"jeanludaubig"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			taken := naming.NewReserved()
			g := newGen(t, tt.std, taken, naming.Options{})
			var got []string
			for range tt.want {
				u, err := g.Username(ctx, tt.person)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, u)
				taken.Add(u)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("usernames (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLongNamesFit(t *testing.T) {
	ctx := context.Background()
	std := must(naming.ParseStandard("long", "{given}.{family}{n}"))
	g := newGen(t, std, naming.NewReserved(), naming.Options{})
	u, err := g.Username(ctx, naming.Person{GivenName: long300, FamilyName: "Hansen"})
	if err != nil {
		t.Fatal(err)
	}
	// 20 - 1 (dot) - 4 (widest counter) = 15 letters; the longest name part
	// is shortened first.
	if want := "oestergaa.hansen"; u != want {
		t.Errorf("username = %q, want %q", u, want)
	}
	if err := naming.ValidUsername(u); err != nil {
		t.Error(err)
	}
}

// TestWholeSpace takes every candidate of small standards one by one; the
// next person must then get an *ExhaustedError naming person and standard.
func TestWholeSpace(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		std  *naming.Standard
		size int
	}{
		{"digits+name", naming.DigitsName(), 1000},
		{"name+digits(2)", must(naming.NameDigits(2)), 100},
		{"fixed-width sequence", must(naming.ParseStandard("seq", "{name:4}{n:3}")), 1000},
		{"two counters", must(naming.ParseStandard("two", "{d:1}{name:2}{l:1}")), 260},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.std.Size(); got != uint64(tt.size) {
				t.Fatalf("Size() = %d, want %d", got, tt.size)
			}
			taken := naming.NewReserved()
			g := newGen(t, tt.std, taken, naming.Options{})
			for i := range tt.size {
				u, err := g.Username(ctx, soeren)
				if err != nil {
					t.Fatalf("username %d of %d: %v", i+1, tt.size, err)
				}
				if taken.Contains(u) {
					t.Fatalf("username %q given twice", u)
				}
				taken.Add(u)
			}
			_, err := g.Username(ctx, soeren)
			var ee *naming.ExhaustedError
			if !errors.As(err, &ee) || !errors.Is(err, naming.ErrExhausted) {
				t.Fatalf("after %d usernames: err = %v, want *ExhaustedError", tt.size, err)
			}
			want := naming.ExhaustedError{PersonID: "p1", Standard: tt.std.Name(), Tried: uint64(tt.size), Space: uint64(tt.size)}
			if diff := cmp.Diff(want, *ee); diff != "" {
				t.Errorf("ExhaustedError (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), `person "p1"`) || !strings.Contains(err.Error(), tt.std.Name()) {
				t.Errorf("error %q does not name person and standard", err)
			}
		})
	}
}

func TestSeededIsReproducible(t *testing.T) {
	ctx := context.Background()
	run := func(seed byte) []string {
		std := must(naming.NameDigits(4))
		taken := naming.NewReserved()
		g := newGen(t, std, taken, naming.Options{Rand: seeded(seed)})
		var out []string
		for _, p := range []naming.Person{soeren, {GivenName: "Anne-Mette", FamilyName: "Østergård"}, {GivenName: "Bjørn", FamilyName: "Ågesen"}, soeren} {
			u, err := g.Username(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			taken.Add(u)
			out = append(out, u)
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different usernames (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Errorf("different seeds gave the same usernames %v", a)
	}
}

func TestDenyList(t *testing.T) {
	ctx := context.Background()
	t.Run("skips denied candidates", func(t *testing.T) {
		g := newGen(t, naming.UNILogin(), naming.NewReserved(), naming.Options{Deny: []string{"00"}})
		u, err := g.Username(ctx, soeren)
		if err != nil {
			t.Fatal(err)
		}
		if u != "soer0101" { // 0001..0100 contain "00"
			t.Errorf("username = %q, want soer0101", u)
		}
	})
	t.Run("transliterated and case-insensitive", func(t *testing.T) {
		g := newGen(t, naming.UNILogin(), naming.NewReserved(), naming.Options{Deny: []string{"SØ"}})
		_, err := g.Username(ctx, soeren)
		if !errors.Is(err, naming.ErrExhausted) {
			t.Fatalf("err = %v, want ErrExhausted: every candidate starts with \"soe\"", err)
		}
	})
	t.Run("empty entry refused", func(t *testing.T) {
		_, err := naming.NewGenerator(naming.UNILogin(), naming.NewReserved(), naming.Options{Deny: []string{"ok", " ", "Ω"}})
		if err == nil || !strings.Contains(err.Error(), "entry 1") || !strings.Contains(err.Error(), "entry 2") {
			t.Errorf("err = %v, want both empty entries named", err)
		}
	})
}

func TestStability(t *testing.T) {
	ctx := context.Background()
	allTaken := naming.CheckerFunc(func(context.Context, string) (bool, error) { return true, nil })
	g := newGen(t, naming.UNILogin(), allTaken, naming.Options{})
	tests := []struct {
		name string
		p    naming.Person
		want string
	}{
		{"existing never changes", naming.Person{ID: "p", GivenName: "Søren", Existing: "OldName", Reserved: "soer0042"}, "OldName"},
		{"reserved wins", naming.Person{ID: "p", GivenName: "Søren", Reserved: "soer0042"}, "soer0042"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := g.Username(ctx, tt.p)
			if err != nil || u != tt.want {
				t.Errorf("Username = %q, %v; want %q", u, err, tt.want)
			}
		})
	}
	t.Run("invalid reserved refused", func(t *testing.T) {
		_, err := g.Username(ctx, naming.Person{ID: "p", Reserved: "søren hansen"})
		if !errors.Is(err, naming.ErrInvalidName) || !strings.Contains(err.Error(), `person "p"`) {
			t.Errorf("err = %v, want ErrInvalidName naming the person", err)
		}
	})
}

func TestNoLatinLetters(t *testing.T) {
	ctx := context.Background()
	shape := regexp.MustCompile(`^u[a-z0-9]{7}$`)
	for _, p := range []naming.Person{
		{GivenName: "Αλέξανδρος", FamilyName: "Παπαδόπουλος"},
		{GivenName: "Владимир", FamilyName: "Иванов"},
		{GivenName: "محمد", FamilyName: "علي"},
		{GivenName: "小明", FamilyName: "王"},
		{GivenName: "😀", FamilyName: "\u200B"},
		{},
	} {
		for _, std := range []*naming.Standard{naming.UNILogin(), naming.DigitsName(), must(naming.ParseStandard("t", "{first}{last}"))} {
			g := newGen(t, std, naming.NewReserved(), naming.Options{})
			u, err := g.Username(ctx, p)
			if err != nil {
				t.Fatalf("%s %v: %v", std.Name(), p, err)
			}
			if !shape.MatchString(u) {
				t.Errorf("%s %q %q: username %q from the fallback expected", std.Name(), p.GivenName, p.FamilyName, u)
			}
		}
	}
	t.Run("own fallback", func(t *testing.T) {
		fb := must(naming.ParseStandard("elev fallback", "elev{d:6}"))
		g := newGen(t, naming.UNILogin(), naming.NewReserved(), naming.Options{Fallback: fb})
		u, err := g.Username(ctx, naming.Person{GivenName: "Владимир"})
		if err != nil || !regexp.MustCompile(`^elev[0-9]{6}$`).MatchString(u) {
			t.Errorf("Username = %q, %v", u, err)
		}
	})
	t.Run("fallback must not use the name", func(t *testing.T) {
		_, err := naming.NewGenerator(naming.UNILogin(), naming.NewReserved(), naming.Options{Fallback: naming.DigitsName()})
		if err == nil {
			t.Error("NewGenerator accepted a name-based fallback")
		}
	})
}

func TestCheckerErrorsAndCancel(t *testing.T) {
	boom := errors.New("ldap: server down")
	failing := naming.CheckerFunc(func(context.Context, string) (bool, error) { return false, boom })
	g := newGen(t, naming.UNILogin(), failing, naming.Options{})
	_, err := g.Username(context.Background(), soeren)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `person "p1"`) {
		t.Errorf("err = %v, want the checker's error wrapped with the person", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g = newGen(t, naming.UNILogin(), naming.NewReserved(), naming.Options{})
	if _, err := g.Username(ctx, soeren); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestMaxAttempts(t *testing.T) {
	allTaken := naming.CheckerFunc(func(context.Context, string) (bool, error) { return true, nil })
	g := newGen(t, must(naming.Random(8)), allTaken, naming.Options{MaxAttempts: 50})
	_, err := g.Username(context.Background(), soeren)
	var ee *naming.ExhaustedError
	if !errors.As(err, &ee) || ee.Tried != 50 {
		t.Errorf("err = %v, want exhausted after 50", err)
	}
}

func TestNewGeneratorReportsAll(t *testing.T) {
	_, err := naming.NewGenerator(nil, nil, naming.Options{Deny: []string{""}})
	for _, want := range []string{"no standard", "no checker", "deny-list entry 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %q", err, want)
		}
	}
}

func TestParseStandardErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // substrings of the problems, in order
	}{
		{"unknown placeholder", "{middle}", []string{"unknown placeholder {middle}"}},
		{"upper-case literal", "Elev{n}", []string{`character 'E' not allowed`}},
		{"space in literal", "a b{n}", []string{`character ' ' not allowed`}},
		{"name needs a length", "{name}", []string{"{name} needs a length"}},
		{"digits need a length", "{first}{d}", []string{"{d} needs a length"}},
		{"bad length", "{first:x}{d:0}", []string{`length "x"`, `length "0"`}},
		{"too long", "{name:10}{d:11}", []string{"21 characters"}},
		{"space too large", "{r:11}{d:8}", []string{"larger than 2^62"}},
		{"part too large", "{r:12}", []string{"{r:12}: number space too large"}},
		{"one modifier", "{first:3:4}", []string{"at most one modifier"}},
		{"empty", "", []string{"empty username standard"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := naming.ParseStandard("kommune", tt.text)
			var te *naming.TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *TemplateError", err)
			}
			if te.Template != "kommune" {
				t.Errorf("error names %q", te.Template)
			}
			if len(te.Problems) != len(tt.want) {
				t.Fatalf("problems = %v, want %d", te.Problems, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(te.Problems[i].Msg, w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, te.Problems[i].Msg, w)
				}
			}
		})
	}
}

func TestConstructorErrors(t *testing.T) {
	for name, err := range map[string]error{
		"NameDigits(0)":       second(naming.NameDigits(0)),
		"NameDigits(17)":      second(naming.NameDigits(17)),
		"PrefixName bad":      second(naming.PrefixName("El ev", 2)),
		"PrefixName suffix":   second(naming.PrefixName("elev", 5)),
		"PrefixName too long": second(naming.PrefixName("abcdefghijklmnopq", 4)),
		"Random(3)":           second(naming.Random(3)),
		"Random(13)":          second(naming.Random(13)),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestCheckers(t *testing.T) {
	ctx := context.Background()
	var r naming.Reserved // zero value usable
	r.Add("Soer0001", "")
	if ok, _ := r.Exists(ctx, "SOER0001"); !ok {
		t.Error("Reserved is not case-insensitive")
	}
	if r.Len() != 1 {
		t.Errorf("Len() = %d, want 1 (empty names ignored)", r.Len())
	}
	r.Remove("soer0001")
	if r.Contains("soer0001") {
		t.Error("Remove did not remove")
	}
	boom := errors.New("boom")
	any := naming.AnyChecker{naming.NewReserved("a"), naming.CheckerFunc(func(_ context.Context, u string) (bool, error) {
		if u == "err" {
			return false, boom
		}
		return u == "b", nil
	})}
	for u, want := range map[string]bool{"a": true, "b": true, "c": false} {
		if got, err := any.Exists(ctx, u); got != want || err != nil {
			t.Errorf("AnyChecker.Exists(%q) = %v, %v; want %v", u, got, err, want)
		}
	}
	if _, err := any.Exists(ctx, "err"); !errors.Is(err, boom) {
		t.Errorf("AnyChecker error = %v", err)
	}
}

// TestGeneratorConcurrent uses one generator from several goroutines; run
// with -race to check the shared random source is guarded.
func TestGeneratorConcurrent(t *testing.T) {
	g := newGen(t, must(naming.NameDigits(6)), naming.NewReserved(), naming.Options{})
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 50 {
				u, err := g.Username(context.Background(), soeren)
				if err == nil && !strings.HasPrefix(u, "soer") {
					err = errors.New("bad username " + u)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

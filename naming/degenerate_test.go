package naming_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/naming"
)

// TestCustomStandardWithEmptyNameParts is the regression test for custom
// standards that made degenerate usernames when a name part was empty or
// had no Latin letters: "1", "_onlyfamily", "-onl", and a false
// "exhausted" for "{first}.{last}{n}" without a given name.
func TestCustomStandardWithEmptyNameParts(t *testing.T) {
	fallback := regexp.MustCompile(`^u[a-z0-9]{7}$`)
	tests := []struct {
		name          string
		std           string
		given, family string
		taken         []string
		want          string         // exact username, or
		shape         *regexp.Regexp // its shape
	}{
		{name: "no Latin letter in the only part used", std: "{last}{n}", given: "Ali", family: "李", shape: fallback},
		{name: "separator before an empty first name", std: "{first}_{last}{n}", family: "Onlyfamily", want: "onlyfamily"},
		{name: "separator after an empty last name", std: "{first}_{last}{n}", given: "Ali", want: "ali"},
		{name: "bounded parts", std: "{given:3}-{family:3}{n}", family: "Onlyfamily", want: "onl"},
		{name: "period and empty given name", std: "{first}.{last}{n}", family: "Onlyfamily", want: "onlyfamily"},
		{name: "period and a taken first candidate", std: "{first}.{last}{n}", family: "Onlyfamily", taken: []string{"onlyfamily"}, want: "onlyfamily1"},
		{name: "empty middle part", std: "{first}.{family:1}.{last}{n}", given: "Ali", family: "李 Hansen", want: "ali.h.hansen"},
		{name: "empty counter before a separator", std: "{n}.{last}", family: "Hansen", want: "hansen"},
		{name: "whole names keep their separator", std: "{first}_{last}{n}", given: "Ali", family: "Hansen", want: "ali_hansen"},
		{name: "no letters at all", std: "{first}.{last}{n}", given: "李", family: "王", shape: fallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			std, err := naming.ParseStandard("custom", tt.std)
			if err != nil {
				t.Fatal(err)
			}
			g := newGen(t, std, naming.NewReserved(tt.taken...), naming.Options{})
			u, err := g.Username(context.Background(), naming.Person{ID: "p1", GivenName: tt.given, FamilyName: tt.family})
			if err != nil {
				t.Fatalf("Username: %v", err)
			}
			if tt.shape != nil && !tt.shape.MatchString(u) || tt.shape == nil && u != tt.want {
				t.Errorf("%s for (%q, %q) = %q, want %q%v", tt.std, tt.given, tt.family, u, tt.want, tt.shape)
			}
			if err := naming.ValidUsername(u); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestStandardRefusesSeparatorsAtEnds: a standard whose own text puts a
// separator at either end, or two side by side, can never make a good
// username and is refused with the reason.
func TestStandardRefusesSeparatorsAtEnds(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{".{first}{n}", "must not start with a separator"},
		{"{first}{n}_", "must not end with a separator"},
		{"{first}._{last}", "two separators in a row"},
	} {
		_, err := naming.ParseStandard("custom", tt.text)
		if !errors.Is(err, naming.ErrTemplate) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseStandard(%q): err = %v, want %q", tt.text, err, tt.want)
		}
	}
}

// TestUnusableStandardSaysWhy: when no candidate was taken but none could
// be used, the error says so instead of "exhausted".
func TestUnusableStandardSaysWhy(t *testing.T) {
	std := must(naming.ParseStandard("custom", "{first}{n:1}"))
	g := newGen(t, std, naming.NewReserved(), naming.Options{Deny: []string{"ali"}})
	_, err := g.Username(context.Background(), naming.Person{ID: "p1", GivenName: "Ali", FamilyName: "Hansen"})
	var ee *naming.ExhaustedError
	if !errors.As(err, &ee) || !errors.Is(err, naming.ErrExhausted) {
		t.Fatalf("err = %v, want *ExhaustedError", err)
	}
	if ee.Denied != 10 || ee.Tried != 10 {
		t.Errorf("Denied, Tried = %d, %d; want 10, 10", ee.Denied, ee.Tried)
	}
	if msg := err.Error(); !strings.Contains(msg, "makes no usable username") || !strings.Contains(msg, "none of its 10 candidates was taken") {
		t.Errorf("error %q does not say why no username could be made", msg)
	}
}

package desired

import (
	"context"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

// TestDisplayNameMatchesNaming checks the fast path of builder.displayName
// against naming.DisplayNameUTF16, which it must equal for cleaned names.
func TestDisplayNameMatchesNaming(t *testing.T) {
	names := []string{
		"", "Anna", "Søren", "Åse-Marie", "Ærø Øster", "van der Berg", "O'Neil",
		"Zoë", "e\u0301", "\u0301x", "a\u00a0b", "x\u0085", "\u2028y", " padded ",
		"tab\tbed", "zero\u200bwidth", "ﬁne", "José María", "Nguyễn",
		strings.Repeat("Long", 20), strings.Repeat("æ", 70), "👩‍👩‍👧 family",
		strings.Repeat("😀", 20), "𠜎𠜱𠝹 Chen", strings.Repeat("a", 28) + "𝔘",
	}
	users := []string{"ab12", "anna1234", "x", "has space", "ø1", strings.Repeat("u", 70)}
	for _, max := range []int{10, 20, 64, 256} {
		b := &builder{p: &Projection{maxName: max}}
		for _, g := range names {
			for _, f := range names {
				given, family := naming.Clean(g), naming.Clean(f)
				if given == "" && family == "" {
					continue // Build refuses such a person
				}
				display := strings.TrimSpace(given + " " + family)
				for _, u := range users {
					want := naming.DisplayNameUTF16(given, family, u, max)
					if n := naming.UTF16Len(want); n > max {
						t.Errorf("DisplayNameUTF16(%q, %q, %q, %d) = %q: %d UTF-16 units", given, family, u, max, want, n)
					}
					if got := b.displayName(display, given, family, u); got != want {
						t.Errorf("displayName(%q, %q, %q, %d) = %q, want %q", given, family, u, max, got, want)
					}
				}
			}
		}
	}
}

// TestBuildInParts checks that making the users in several parts gives
// the same objects, and the same errors in the same order, as one part.
func TestBuildInParts(t *testing.T) {
	s := synth.Generate(synth.Small)
	at := synth.ReferenceTime(s.SchoolYear)
	gen, err := naming.NewGenerator(naming.UNILogin(), naming.NewReserved(), naming.Options{Rand: rand.NewChaCha8([32]byte{1})})
	if err != nil {
		t.Fatal(err)
	}
	names, err := AssignUsernames(context.Background(), s, at, nil, gen)
	if err != nil {
		t.Fatal(err)
	}
	proj, err := DefaultConfig().Compile()
	if err != nil {
		t.Fatal(err)
	}
	// Some persons in every part lose their username: errors.
	broken := maps.Clone(names)
	for i := 0; i < len(s.Persons); i += len(s.Persons) / 7 {
		delete(broken, s.Persons[i].ID)
	}
	defer func(f func(int) int) { userParts = f }(userParts)
	build := func(parts int, names map[string]string) ([]diff.Object, error) {
		userParts = func(int) int { return parts }
		return proj.Build(s, Input{At: at, Usernames: names})
	}
	want, err := build(1, names)
	if err != nil {
		t.Fatal(err)
	}
	_, wantErr := build(1, broken)
	if wantErr == nil {
		t.Fatal("no error for persons without a username")
	}
	for _, parts := range []int{2, 3, 8} {
		got, err := build(parts, names)
		if err != nil {
			t.Fatalf("%d parts: %v", parts, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d parts: objects differ from one part (-want +got):\n%s", parts, diff)
		}
		if _, err := build(parts, broken); err == nil || err.Error() != wantErr.Error() {
			t.Errorf("%d parts: error\n%v\nwant\n%v", parts, err, wantErr)
		}
	}
}

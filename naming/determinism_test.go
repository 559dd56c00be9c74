package naming_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/naming"
)

// TestUsernamesDeterministicPerPerson: without naming.Options.Rand a person's
// username depends only on the inputs — not on the order persons are
// generated in, nor on the run — so a dry run and an apply agree; a
// different salt walks differently.
func TestUsernamesDeterministicPerPerson(t *testing.T) {
	ctx := context.Background()
	persons := []naming.Person{
		{ID: "p1", GivenName: "Αλέξανδρος", FamilyName: "Παπαδόπουλος"},
		{ID: "p2", GivenName: "Дмитрий", FamilyName: "Иванов"},
		{ID: "p3", GivenName: "محمد", FamilyName: "علي"},
		{ID: "p4", GivenName: "李", FamilyName: "王"},
		{ID: "p5", GivenName: "Åse", FamilyName: "Ørum"},
	}
	run := func(order []int, salt string) map[string]string {
		std, err := naming.NameDigits(4)
		if err != nil {
			t.Fatal(err)
		}
		g, err := naming.NewGenerator(std, naming.NewReserved(), naming.Options{Salt: []byte(salt)})
		if err != nil {
			t.Fatal(err)
		}
		batch := make([]naming.Person, len(order))
		for i, j := range order {
			batch[i] = persons[j]
		}
		got, err := g.Assign(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, a := range got {
			out[a.PersonID] = a.Username
		}
		return out
	}
	first := run([]int{0, 1, 2, 3, 4}, "s")
	if diff := cmp.Diff(first, run([]int{4, 3, 2, 1, 0}, "s")); diff != "" {
		t.Errorf("usernames depend on the order (-first +reversed):\n%s", diff)
	}
	if diff := cmp.Diff(first, run([]int{0, 1, 2, 3, 4}, "s")); diff != "" {
		t.Errorf("usernames differ between runs (-first +second):\n%s", diff)
	}
	if cmp.Equal(first, run([]int{0, 1, 2, 3, 4}, "other")) {
		t.Error("the salt changes nothing")
	}
}

package naming_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/naming"
)

func TestAssign(t *testing.T) {
	ctx := context.Background()
	g := newGen(t, naming.UNILogin(), naming.NewReserved("soer0002"), naming.Options{})
	persons := []naming.Person{
		{ID: "a", GivenName: "Søren", FamilyName: "Ærø-Åkjær"},
		{ID: "b", GivenName: "Søren", FamilyName: "Hansen"},
		{ID: "c", GivenName: "Søren", FamilyName: "Berg", Existing: "soer0001"}, // claimed before a is generated
		{ID: "a", GivenName: "Søren", FamilyName: "Ærø-Åkjær"},                  // same person at a second institution
		{ID: "d", GivenName: "Anne", FamilyName: "Holm", Reserved: "soer0003"},  // source reservation
		{ID: "e", GivenName: "Владимир", FamilyName: "Иванов"},
	}
	got, err := g.Assign(ctx, persons)
	if err != nil {
		t.Fatal(err)
	}
	want := []naming.Assignment{
		{PersonID: "a", Username: "soer0004", Source: naming.SourceGenerated}, // 0001 existing (c), 0002 taken, 0003 reserved (d)
		{PersonID: "b", Username: "soer0005", Source: naming.SourceGenerated},
		{PersonID: "c", Username: "soer0001", Source: naming.SourceExisting},
		{PersonID: "a", Username: "soer0004", Source: naming.SourceGenerated},
		{PersonID: "d", Username: "soer0003", Source: naming.SourceReserved},
		{PersonID: "e", Username: got[5].Username, Source: naming.SourceGenerated},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("assignments (-want +got):\n%s", diff)
	}
	if err := naming.ValidUsername(got[5].Username); err != nil || got[5].Username[0] != 'u' {
		t.Errorf("fallback username %q: %v", got[5].Username, err)
	}
}

func TestAssignMergesDuplicateIDs(t *testing.T) {
	g := newGen(t, naming.UNILogin(), naming.NewReserved(), naming.Options{})
	got, err := g.Assign(context.Background(), []naming.Person{
		{ID: "a", GivenName: "Ib", FamilyName: "Holm"},
		{ID: "a", GivenName: "Ib", FamilyName: "Holm", Existing: "ibho0042"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range got {
		if a.Username != "ibho0042" || a.Source != naming.SourceExisting {
			t.Errorf("assignment %+v, want the existing username on every entry", a)
		}
	}
}

func TestAssignProblems(t *testing.T) {
	ctx := context.Background()
	std := must(naming.ParseStandard("tiny", "{name:4}{d:1}"))
	g := newGen(t, std, naming.NewReserved(), naming.Options{})
	var persons []naming.Person
	for i := range 11 { // 10 candidates for "ibho": the 11th is exhausted
		persons = append(persons, naming.Person{ID: fmt.Sprint("p", i), GivenName: "Ib", FamilyName: "Holm"})
	}
	persons = append(persons,
		naming.Person{ID: "x", GivenName: "Xi", Reserved: "same"},
		naming.Person{ID: "y", GivenName: "Yu", Reserved: "same"},
		naming.Person{ID: "z", GivenName: "Zo", Reserved: "Not Valid"},
	)
	got, err := g.Assign(ctx, persons)
	if err == nil {
		t.Fatal("no error")
	}
	var ee *naming.ExhaustedError
	var ce *naming.ConflictError
	if !errors.As(err, &ee) || ee.PersonID != "p10" {
		t.Errorf("err = %v, want exhaustion of p10", err)
	}
	if !errors.As(err, &ce) || *ce != (naming.ConflictError{Username: "same", PersonID: "y", HolderID: "x"}) {
		t.Errorf("err = %v, want conflict of y with x", err)
	}
	if !errors.Is(err, naming.ErrInvalidName) {
		t.Errorf("err = %v, want the invalid reservation of z", err)
	}
	seen := map[string]bool{}
	for i, a := range got[:10] {
		if a.Username == "" || seen[a.Username] {
			t.Errorf("entry %d: %+v not unique", i, a)
		}
		seen[a.Username] = true
	}
	for _, i := range []int{10, 12, 13} {
		if got[i].Username != "" || got[i].Source != naming.SourceNone || got[i].PersonID != persons[i].ID {
			t.Errorf("entry %d = %+v, want no username", i, got[i])
		}
	}
	if got[11].Username != "same" {
		t.Errorf("first holder lost the reservation: %+v", got[11])
	}
}

func TestAssignStopsOnCheckerError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	c := naming.CheckerFunc(func(context.Context, string) (bool, error) {
		calls++
		if calls > 2 {
			return false, boom
		}
		return false, nil
	})
	g := newGen(t, naming.UNILogin(), c, naming.Options{})
	persons := []naming.Person{{ID: "1", GivenName: "A"}, {ID: "2", GivenName: "B"}, {ID: "3", GivenName: "C"}, {ID: "4", GivenName: "D"}}
	got, err := g.Assign(context.Background(), persons)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if got[0].Username == "" || got[1].Username == "" || got[2].Username != "" || got[3].Username != "" {
		t.Errorf("assignments = %+v, want the first two only", got)
	}
}

// TestAssignWholeSequence fills the whole UNI-Login space of one set of
// letters in one batch (linear thanks to the sequence cursor) and checks the
// batch gives the same usernames as one-by-one generation would.
func TestAssignWholeSequence(t *testing.T) {
	ctx := context.Background()
	var persons []naming.Person
	for i := range 10001 {
		persons = append(persons, naming.Person{ID: fmt.Sprint(i), GivenName: "Søren", FamilyName: "Ærø"})
	}
	g := newGen(t, naming.UNILogin(), naming.NewReserved("soer0500"), naming.Options{})
	got, err := g.Assign(ctx, persons)
	want := "generate username for person \"9999\": standard \"uni-login\" exhausted after 10000 of 10000 candidates\n" +
		"generate username for person \"10000\": standard \"uni-login\" exhausted after 10000 of 10000 candidates"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	seen := map[string]bool{"soer0500": true}
	for _, a := range got[:9999] {
		if seen[a.Username] {
			t.Fatalf("%q given twice", a.Username)
		}
		seen[a.Username] = true
	}
	if got[0].Username != "soer0001" || got[498].Username != "soer0499" || got[499].Username != "soer0501" || got[9998].Username != "soer0000" {
		t.Errorf("order: %q %q %q %q", got[0].Username, got[498].Username, got[499].Username, got[9998].Username)
	}
	if got[9999].Username != "" || got[10000].Username != "" {
		t.Errorf("10,000th and 10,001st persons got %q %q; only 9,999 numbers were free", got[9999].Username, got[10000].Username)
	}
}

// TestAssignMatchesOneByOne: for a sequence standard a batch gives exactly
// what one-by-one generation gives when each result is recorded.
func TestAssignMatchesOneByOne(t *testing.T) {
	ctx := context.Background()
	names := [][2]string{{"Søren", "Ærø"}, {"Søren", "Hansen"}, {"Anne", "Holm"}, {"Anna", "Holm"}, {"Bo", "Li"}, {"Bo", "Lind"}}
	var persons []naming.Person
	for i := range 300 {
		n := names[i%len(names)]
		persons = append(persons, naming.Person{ID: fmt.Sprint(i), GivenName: n[0], FamilyName: n[1]})
	}
	std := must(naming.ParseStandard("seq", "{first:3}{last:1}{n}"))
	batch, err := newGen(t, std, naming.NewReserved("soeh", "annh3"), naming.Options{}).Assign(ctx, persons)
	if err != nil {
		t.Fatal(err)
	}
	taken := naming.NewReserved("soeh", "annh3")
	g := newGen(t, std, taken, naming.Options{})
	for i, p := range persons {
		u, err := g.Username(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		taken.Add(u)
		if batch[i].Username != u {
			t.Fatalf("person %d: batch %q, one-by-one %q", i, batch[i].Username, u)
		}
	}
}

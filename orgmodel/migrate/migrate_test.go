package migrate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/orgmodel/migrate"
)

func TestCompare(t *testing.T) {
	persons := []migrate.Person{
		{ID: "p1", CPR: "0101100001"},                  // by CPR
		{ID: "p2", UNIID: "u2"},                        // by UNI-ID
		{ID: "p3", Username: "Bob3"},                   // by username, case-insensitive
		{ID: "p4", CPR: "0101100004"},                  // two accounts with the CPR
		{ID: "p5", CPR: "0101100005"},                  // no account
		{ID: "p6", CPR: "0101100006"},                  // outside the base
		{ID: "p7", CPR: "0101100007"},                  // already managed
		{ID: "p8", Username: "dup"},                    // two persons,
		{ID: "p9", Username: "DUP"},                    // one account
		{ID: "pa", CPR: "0101100010", Username: "kim"}, // CPR tried first
	}
	accounts := []migrate.Account{
		{ID: "a1", Username: "ann", CPR: "0101100001", InBase: true},
		{ID: "a2", Username: "bo", UNIID: "u2", InBase: true},
		{ID: "a3", Username: "bob3", InBase: true},
		{ID: "a4a", Username: "d1", CPR: "0101100004", InBase: true},
		{ID: "a4b", Username: "d2", CPR: "0101100004", InBase: true},
		{ID: "a6", Username: "out", CPR: "0101100006"},
		{ID: "a7", Username: "mgd", CPR: "0101100007", InBase: true, Managed: true},
		{ID: "a8", Username: "dup", InBase: true},
		{ID: "aa", Username: "kim2", CPR: "0101100010", InBase: true},
		{ID: "ab", Username: "kim", InBase: true},
		{ID: "zz", Username: "orphan", InBase: true},
		{ID: "zo", Username: "elsewhere"},
	}
	rep, err := migrate.Compare(persons, accounts, nil)
	if err != nil {
		t.Fatal(err)
	}
	type line struct{ ID, Status, Rule, User, Accounts string }
	var got []line
	for _, r := range rep.Persons {
		got = append(got, line{r.Person.ID, string(r.Status), r.Rule, r.Username, strings.Join(r.Accounts, ",")})
	}
	want := []line{
		{"p1", "matched", "cpr", "ann", "a1"},
		{"p2", "matched", "uniId", "bo", "a2"},
		{"p3", "matched", "username", "bob3", "a3"},
		{"p4", "ambiguous", "cpr", "", "a4a,a4b"},
		{"p5", "unmatched", "", "", ""},
		{"p6", "outside", "cpr", "out", "a6"},
		{"p7", "managed", "cpr", "mgd", "a7"},
		{"p8", "ambiguous", "username", "", "a8"},
		{"p9", "ambiguous", "username", "", "a8"},
		{"pa", "matched", "cpr", "kim2", "aa"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("persons (-want +got):\n%s", d)
	}
	var orphans []string
	for _, a := range rep.Orphans {
		orphans = append(orphans, a.ID)
	}
	if d := cmp.Diff([]string{"ab", "zz"}, orphans); d != "" {
		t.Errorf("orphans (-want +got):\n%s", d)
	}
	if rep.OutsideUnmatched != 1 {
		t.Errorf("OutsideUnmatched = %d, want 1", rep.OutsideUnmatched)
	}
	if d := cmp.Diff(map[string]string{"p1": "ann", "p2": "bo", "p3": "bob3", "p7": "mgd", "pa": "kim2"}, rep.Usernames()); d != "" {
		t.Errorf("Usernames (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]bool{"p4": true, "p6": true, "p8": true, "p9": true}, rep.Blocked()); d != "" {
		t.Errorf("Blocked (-want +got):\n%s", d)
	}
	var md strings.Builder
	if err := rep.Render(&md); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| p4 |  |  | ambiguous | cpr |  | a4a; a4b |", "| zz | orphan |", "1 accounts outside"} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, md.String())
		}
	}
	if strings.Contains(md.String(), "0101100001") {
		t.Error("the report shows a CPR number")
	}
}

func TestCompareBadRule(t *testing.T) {
	if _, err := migrate.Compare(nil, nil, []string{"email"}); !errors.Is(err, migrate.ErrRule) {
		t.Errorf("err = %v, want ErrRule", err)
	}
}

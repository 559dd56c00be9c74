package inventory_test

import (
	"strings"
	"testing"

	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/diff/inventory"
)

func TestBuild(t *testing.T) {
	rows := inventory.Build([]inventory.Target{inventory.Memdir(), inventory.Google("orgsync", false)})
	for _, tc := range []struct {
		target  string
		kind    inventory.PersonKind
		neutral string
		want    bool
	}{
		{"memdir", inventory.Pupil, attr.Level, true},
		{"memdir", inventory.Employee, attr.Level, false}, // pupils only
		{"memdir", inventory.Employee, attr.Title, true},
		{"memdir", inventory.Pupil, attr.CPR, true},
		{"google", inventory.Pupil, attr.CPR, false}, // not projected
		{"google", inventory.Contact, attr.GivenName, false},
	} {
		if got := inventory.Has(rows, tc.target, tc.kind, tc.neutral); got != tc.want {
			t.Errorf("Has(%s, %s, %s) = %v, want %v", tc.target, tc.kind, tc.neutral, got, tc.want)
		}
	}
	var md, csv strings.Builder
	if err := inventory.WriteMarkdown(&md, rows); err != nil {
		t.Fatal(err)
	}
	if err := inventory.WriteCSV(&csv, rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| contact | (nothing) |") || strings.Count(csv.String(), "\n") != len(rows)+1 {
		t.Errorf("outputs:\n%s\n%s", md.String(), csv.String())
	}
}

package ad_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// awkward are names that need escaping in DNs or filters.
var awkward = []struct {
	name, value string
}{
	{"comma", "Hansen, Ole"},
	{"plus", "A+B"},
	{"quote", `Say "hi"`},
	{"backslash", `back\slash`},
	{"leading hash", "#1 klasse"},
	{"leading space", " forrest"},
	{"angle semicolon equals", "a<b>c;d=e"},
	{"filter metacharacters", `*(x)\`},
	{"non-BMP", "Smil 😀 𝔘"},
	{"danish", "Æblegården Ørsted Ål"},
	{"trailing hash", "klasse #"},
}

// TestEscapingRoundTrip creates OUs, groups and users with awkward names
// and Keys, renames and moves them, adds members across them, and checks
// Read gives every name and Key back unchanged.
func TestEscapingRoundTrip(t *testing.T) {
	s := samba(t)
	c, _ := s.client(t, "escape")
	var changes []diff.Change
	want := map[string]string{} // key -> name
	for i, a := range awkward {
		ok := fmt.Sprintf("ou/%s/%s", a.name, a.value) // Keys may hold anything
		gk := fmt.Sprintf("group/%d/%s", i, a.value)
		uk := fmt.Sprintf("user/%d*(%s)", i, a.value)
		changes = append(changes,
			create(ou(ok, a.value, "")),
			create(group(gk, a.value, ok)),
			create(user(uk, ok, fmt.Sprintf("esc%02d", i), a.value, "Test")),
		)
		want[ok] = a.value
		want[gk] = a.value
		want[uk] = a.value + " Test (" + fmt.Sprintf("esc%02d", i) + ")"
	}
	apply(t, c, changes...)
	// every user joins every group
	changes = changes[:0]
	for i := range awkward {
		for j, b := range awkward {
			changes = append(changes, diff.Change{Action: diff.AddMember, Kind: diff.Group,
				Key: fmt.Sprintf("group/%d/%s", i, awkward[i].value), Member: fmt.Sprintf("user/%d*(%s)", j, b.value)})
		}
	}
	apply(t, c, changes...)

	check := func(stage string) {
		t.Helper()
		got := byKey(read(t, c))
		for k, name := range want {
			o, ok := got[k]
			if !ok {
				t.Errorf("%s: %q not read back", stage, k)
				continue
			}
			if o.Name != name {
				t.Errorf("%s: %q name = %q, want %q", stage, k, o.Name, name)
			}
			if o.Kind == diff.Group && len(o.Members) != len(awkward) {
				t.Errorf("%s: %q has %d members, want %d", stage, k, len(o.Members), len(awkward))
			}
		}
	}
	check("create")

	// Rename every OU to the next awkward name and move every user into
	// the next OU.
	changes = changes[:0]
	for i, a := range awkward {
		next := awkward[(i+1)%len(awkward)]
		ok := fmt.Sprintf("ou/%s/%s", a.name, a.value)
		changes = append(changes, diff.Change{Action: diff.Rename, Kind: diff.Container, Key: ok,
			After: &diff.Object{Kind: diff.Container, Key: ok, Name: next.value + " 2"}})
		want[ok] = next.value + " 2"
	}
	apply(t, c, changes...)
	changes = changes[:0]
	for i, a := range awkward {
		next := awkward[(i+1)%len(awkward)]
		changes = append(changes, diff.Change{Action: diff.Move, Kind: diff.User, Key: fmt.Sprintf("user/%d*(%s)", i, a.value),
			After: &diff.Object{Kind: diff.User, Parent: fmt.Sprintf("ou/%s/%s", next.name, next.value)}})
	}
	apply(t, c, changes...)
	check("rename and move")
}

// TestRejectedValues checks that values AD refuses give an *ad.Error that
// names the person (Key) and the attribute, wrapping ErrConstraint.
func TestRejectedValues(t *testing.T) {
	s := samba(t)
	c, _ := s.client(t, "rejected")
	apply(t, c, create(ou("ou/a", "a", "")))
	long := strings.Repeat("x", 65)
	cases := []struct {
		name string
		obj  diff.Object
		attr string
	}{
		{"username too long", user("user/1", "ou/a", "abcdefghijklmnopqrstu", "A", "B"), "sAMAccountName"},
		{"username with bad character", user("user/2", "ou/a", "ab[1]", "A", "B"), "sAMAccountName"},
		{"name too long", diff.Object{Kind: diff.User, Key: "user/3", Parent: "ou/a", Name: long,
			Attrs: diff.Attrs{{Name: "username", Value: "ok3"}}}, "cn"},
		{"non-BMP pushes name over 64 UTF-16 units", diff.Object{Kind: diff.Container, Key: "ou/b", Name: strings.Repeat("😀", 33)}, "ou"},
		{"given name too long", diff.Object{Kind: diff.User, Key: "user/4", Parent: "ou/a", Name: "x B (ok4)",
			Attrs: diff.AttrsFrom(map[string]string{"username": "ok4", "givenName": long})}, "givenName"},
		{"CPR too long for employeeID", user("user/5", "ou/a", "ok5", "A", "B", "cpr", "01018012345678901"), "employeeID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Apply(context.Background(), create(tc.obj))
			var e *ad.Error
			if !errors.As(err, &e) {
				t.Fatalf("Apply: %v, want *ad.Error", err)
			}
			if e.Key != tc.obj.Key || !strings.EqualFold(e.Attr, tc.attr) || !errors.Is(err, diff.ErrConstraint) {
				t.Errorf("error %q: key %q attr %q constraint %v; want key %q attr %q constraint", err, e.Key, e.Attr,
					errors.Is(err, diff.ErrConstraint), tc.obj.Key, tc.attr)
			}
			if !strings.Contains(err.Error(), tc.obj.Key) {
				t.Errorf("message %q does not name %s", err, tc.obj.Key)
			}
		})
	}
	// an update AD refuses names the attribute as well
	apply(t, c, create(user("user/9", "ou/a", "ok9", "A", "B")))
	err := c.Apply(context.Background(), diff.Change{Action: diff.Update, Kind: diff.User, Key: "user/9",
		Attrs: []diff.AttrChange{{Name: "familyName", Before: "B", After: long}}})
	var e *ad.Error
	if !errors.As(err, &e) || e.Key != "user/9" || e.Attr != "sn" || !errors.Is(err, diff.ErrConstraint) {
		t.Errorf("update sn too long: %v (%+v)", err, e)
	}
}

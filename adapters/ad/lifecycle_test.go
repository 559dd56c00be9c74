package ad_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/orgsync/orgsync/adapters/ad"
	"github.com/orgsync/orgsync/diff"
)

// TestLifecycle walks one user, one group and two OUs through every
// action against the real server and checks both what Read reports and
// what an administrator would see in AD.
func TestLifecycle(t *testing.T) {
	s := samba(t)
	cfg := s.config(s.testOU(t, "lifecycle"))
	const pw = "Start-Kode-2024!x"
	cfg.NewPassword = func(string) (string, error) { return pw, nil }
	c := s.clientAt(t, cfg)
	ctx := context.Background()

	school := ou("ou/inst/101", "Byskolen (101)", "")
	staff := ou("ou/inst/101/employees", "medarbejdere", "ou/inst/101")
	other := ou("ou/inst/102", "Nordskolen (102)", "")
	u := user("user/p1", "ou/inst/101/employees", "anha0001", "Anna", "Hansen",
		"email", "anna@skole.test", "cpr", "0101801234", "uniId", "anna1", "roles", "Lærer",
		"globalRole", "employee", "institutions", "101", "startYear", "2019")
	g := group("group/101/staff", "BY medarbejdere", "ou/inst/101")
	g.Attrs = diff.Attrs{{Name: "email", Value: "by-staff@skole.test"}}
	apply(t, c, create(school), create(staff), create(other), create(u), create(g),
		diff.Change{Action: diff.AddMember, Kind: diff.Group, Key: g.Key, Member: u.Key})

	got := byKey(read(t, c))
	want := map[string]diff.Object{
		school.Key: {Kind: diff.Container, Key: school.Key, Name: school.Name, Institution: "101", Managed: true},
		staff.Key:  {Kind: diff.Container, Key: staff.Key, Name: staff.Name, Parent: school.Key, Institution: "101", Managed: true},
		other.Key:  {Kind: diff.Container, Key: other.Key, Name: other.Name, Institution: "102", Managed: true},
		u.Key: {Kind: diff.User, Key: u.Key, Name: u.Name, Parent: staff.Key, Attrs: u.Attrs,
			Institution: "101", Managed: true},
		g.Key: {Kind: diff.Group, Key: g.Key, Name: g.Name, Parent: school.Key, Attrs: g.Attrs,
			Members: []string{u.Key}, Institution: "101", Managed: true},
	}
	ignoreID := cmpopts.IgnoreFields(diff.Object{}, "ID")
	if d := cmp.Diff(want, got, ignoreID); d != "" {
		t.Fatalf("Read after create (-want +got):\n%s", d)
	}

	// What AD holds.
	e := s.entry(t, cfg.Base, "(sAMAccountName=anha0001)", "userPrincipalName", "userAccountControl", "pwdLastSet", "adminDescription", "objectGUID", "cn")
	if e == nil {
		t.Fatal("user not found by sAMAccountName")
	}
	for attr, v := range map[string]string{"userPrincipalName": "anha0001@skole.test", "userAccountControl": "512",
		"pwdLastSet": "0", "adminDescription": "orgsync:user/p1", "cn": "Anna Hansen (anha0001)"} {
		if got := e.GetAttributeValue(attr); got != v {
			t.Errorf("%s = %q, want %q", attr, got, v)
		}
	}
	guid := string(e.GetRawAttributeValue("objectGUID"))
	// The password is set and must be changed: AD answers a bind with
	// "data 773" (must change), not "data 52e" (bad password).
	conn := s.conn(t)
	err := conn.Bind("anha0001@skole.test", pw)
	conn.Close()
	if err == nil || !strings.Contains(err.Error(), "773") {
		t.Errorf("bind as new user: %v, want a must-change-password refusal (data 773)", err)
	}
	gt := s.entry(t, cfg.Base, "(adminDescription=orgsync:group/101/staff)", "groupType")
	if gt.GetAttributeValue("groupType") != "-2147483646" {
		t.Errorf("groupType = %s, want global security", gt.GetAttributeValue("groupType"))
	}

	// Update, clear, rename, move.
	u2 := got[u.Key]
	apply(t, c,
		diff.Change{Action: diff.Update, Kind: diff.User, Key: u.Key, Before: &u2, Attrs: []diff.AttrChange{
			{Name: "familyName", Before: "Hansen", After: "Holm"},
			{Name: "email", Before: "anna@skole.test", After: ""},
			{Name: "username", Before: "anha0001", After: "anho0001"},
			{Name: "notStored", Before: "", After: "x"},
		}},
		diff.Change{Action: diff.Rename, Kind: diff.User, Key: u.Key, Before: &u2, After: &diff.Object{Kind: diff.User, Key: u.Key, Name: "Anna Holm (anho0001)"}},
		diff.Change{Action: diff.Move, Kind: diff.User, Key: u.Key, Before: &u2, After: &diff.Object{Kind: diff.User, Key: u.Key, Parent: other.Key}},
		diff.Change{Action: diff.Rename, Kind: diff.Container, Key: school.Key, Before: &u2, After: &diff.Object{Kind: diff.Container, Key: school.Key, Name: "Byskolen, nu (101)"}},
	)
	// the group still finds its members after the rename of its OU
	apply(t, c, diff.Change{Action: diff.RemoveMember, Kind: diff.Group, Key: g.Key, Member: u.Key})
	got = byKey(read(t, c))
	gu := got[u.Key]
	if gu.Name != "Anna Holm (anho0001)" || gu.Parent != other.Key || gu.Attrs.Get("familyName") != "Holm" ||
		gu.Attrs.Get("username") != "anho0001" || gu.Attrs.Get("email") != "" {
		t.Errorf("user after update/rename/move: %+v", gu)
	}
	if got[school.Key].Name != "Byskolen, nu (101)" || got[staff.Key].Parent != school.Key {
		t.Errorf("renamed OU: %+v / %+v", got[school.Key], got[staff.Key])
	}
	if len(got[g.Key].Members) != 0 {
		t.Errorf("members after remove: %v", got[g.Key].Members)
	}
	e = s.entry(t, cfg.Base, "(sAMAccountName=anho0001)", "objectGUID", "userPrincipalName")
	if e == nil || string(e.GetRawAttributeValue("objectGUID")) != guid {
		t.Fatalf("renamed user lost its objectGUID: %v", e)
	}
	if e.GetAttributeValue("userPrincipalName") != "anho0001@skole.test" {
		t.Errorf("userPrincipalName = %s", e.GetAttributeValue("userPrincipalName"))
	}

	// Disable, then enable.
	dis := gu.Clone()
	dis.Disabled = true
	dis.Attrs.Set("disabledDate", "2026-11-22")
	apply(t, c, diff.Change{Action: diff.Disable, Kind: diff.User, Key: u.Key, Before: &gu, After: &dis},
		diff.Change{Action: diff.Disable, Kind: diff.Group, Key: g.Key, Before: ptr(got[g.Key]),
			After: &diff.Object{Kind: diff.Group, Key: g.Key, Attrs: diff.Attrs{{Name: "disabledDate", Value: "2026-11-22"}}}})
	got = byKey(read(t, c))
	if !got[u.Key].Disabled || got[u.Key].Attrs.Get("disabledDate") != "2026-11-22" {
		t.Errorf("disabled user: %+v", got[u.Key])
	}
	if got[g.Key].Attrs.Get("disabledDate") != "2026-11-22" {
		t.Errorf("retired group: %+v", got[g.Key])
	}
	if v := s.entry(t, cfg.Base, "(sAMAccountName=anho0001)", "userAccountControl").GetAttributeValue("userAccountControl"); v != "514" {
		t.Errorf("userAccountControl after disable = %s, want 514", v)
	}
	en := got[u.Key].Clone()
	en.Disabled = false
	en.Attrs.Delete("disabledDate")
	apply(t, c, diff.Change{Action: diff.Enable, Kind: diff.User, Key: u.Key, Before: ptr(got[u.Key]), After: &en})
	got = byKey(read(t, c))
	if got[u.Key].Disabled || got[u.Key].Attrs.Get("disabledDate") != "" {
		t.Errorf("enabled user: %+v", got[u.Key])
	}

	// Delete, twice (the second finds nothing and succeeds).
	del := diff.Change{Action: diff.Delete, Kind: diff.User, Key: u.Key, Before: ptr(got[u.Key])}
	apply(t, c, del)
	if err := c.Apply(ctx, del); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if _, ok := byKey(read(t, c))[u.Key]; ok {
		t.Error("deleted user still read")
	}
}

func ptr[T any](v T) *T { return &v }

// TestUnmanagedNeverTouched puts a hand-made user next to ours: Read does
// not report it as managed, Apply refuses to change it, and a group of
// ours keeps it as a member without reporting it.
func TestUnmanagedNeverTouched(t *testing.T) {
	s := samba(t)
	c, base := s.client(t, "unmanaged")
	apply(t, c, create(ou("ou/x", "x", "")), create(group("group/g", "g", "ou/x")))
	conn := s.conn(t)
	defer conn.Close()
	dn := "CN=Hand Made,OU=x," + base
	add := ldap.NewAddRequest(dn, nil)
	add.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
	add.Attribute("sAMAccountName", []string{"handmade"})
	add.Attribute("employeeID", []string{"0202021234"})
	if err := conn.Add(add); err != nil {
		t.Fatal(err)
	}
	gdn := s.entry(t, base, "(cn=g)").DN
	mod := ldap.NewModifyRequest(gdn, nil)
	mod.Add("member", []string{dn})
	if err := conn.Modify(mod); err != nil {
		t.Fatal(err)
	}

	objs := read(t, c)
	var cand *diff.Object
	for i, o := range objs {
		if o.Kind == diff.User {
			cand = &objs[i]
		}
	}
	if cand == nil || cand.Managed || cand.Key != "" || cand.Attrs.Get("cpr") != "0202021234" || cand.Parent != "ou/x" {
		t.Fatalf("hand-made user as adoption candidate: %+v", cand)
	}
	if m := byKey(objs)["group/g"].Members; len(m) != 0 {
		t.Errorf("unmanaged member reported: %v", m)
	}
	for _, ch := range []diff.Change{
		{Action: diff.Update, Kind: diff.User, Key: "", Before: cand, Attrs: []diff.AttrChange{{Name: "givenName", After: "X"}}},
		{Action: diff.Disable, Kind: diff.User, Key: "", Before: cand, After: cand},
		{Action: diff.Delete, Kind: diff.User, Key: "", Before: cand},
	} {
		if err := c.Apply(context.Background(), ch); !errors.Is(err, diff.ErrUnmanaged) {
			t.Errorf("%s on unmanaged user: %v, want ErrUnmanaged", ch.Action, err)
		}
	}
	// Emptying our group leaves the hand-made member alone.
	apply(t, c, diff.Change{Action: diff.RemoveMember, Kind: diff.Group, Key: "group/g", Member: "user/nobody"})
	if e := s.entry(t, base, "(cn=g)", "member"); len(e.GetAttributeValues("member")) != 1 {
		t.Errorf("group members = %v", e.GetAttributeValues("member"))
	}

	// Adoption writes the mark; then the user is ours.
	apply(t, c, diff.Change{Action: diff.Adopt, Kind: diff.User, Key: "user/hm", Before: cand})
	got := byKey(read(t, c))
	if o, ok := got["user/hm"]; !ok || !o.Managed || o.Attrs.Get("username") != "handmade" {
		t.Errorf("adopted user: %+v", o)
	}
	var ae *ad.Error
	if err := c.Apply(context.Background(), create(user("user/dup", "ou/x", "handmade", "Hand", "Made"))); !errors.As(err, &ae) {
		t.Errorf("create with a taken sAMAccountName: %v", err)
	}
}

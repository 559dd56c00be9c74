package ad_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
)

// TestLimitsFromSchema: the limits come from the live schema.
func TestLimitsFromSchema(t *testing.T) {
	s := samba(t)
	c, _ := s.client(t, "limits")
	lim, err := c.LoadLimits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for attr, want := range map[string]int{"givenname": 64, "sn": 64, "cn": 64, "displayname": 256} {
		if lim.Max[attr] != want {
			t.Errorf("rangeUpper of %s = %d, want %d", attr, lim.Max[attr], want)
		}
	}
	if !lim.Multi["departmentnumber"] || lim.Multi["employeetype"] {
		t.Errorf("multi-valued: departmentNumber %v, employeeType %v; want true, false", lim.Multi["departmentnumber"], lim.Multi["employeetype"])
	}
}

// TestPrepareLimits: a 70-character given name is shortened to 64 UTF-16
// code units (without splitting a character), the user is created and a
// second plan is empty; a value that may not be cut is left out and
// reported for that person only.
func TestPrepareLimits(t *testing.T) {
	s := samba(t)
	c, base := s.client(t, "prepare")
	long := strings.Repeat("Æ", 62) + "😀😀😀😀" + "Bo" // 72 runes, 76 UTF-16 units
	u := user("user/long", "", "lg"+suffix(t), long, "Hansen")
	bad := user("user/bad", "", "bd"+suffix(t), "Bo", "Berg", "title", strings.Repeat("x", 200))
	ok := user("user/ok", "", "ok"+suffix(t), "Eva", "Dahl")
	desired, probs := c.PrepareProblems([]diff.Object{u, bad, ok})
	if len(probs) != 1 || probs[0].Key != "user/bad" || probs[0].Field != "title" || probs[0].Max != 128 {
		t.Fatalf("problems = %+v, want one for user/bad's title", probs)
	}
	if !strings.Contains(probs[0].Error(), "user/bad") || !strings.Contains(probs[0].Error(), "title") {
		t.Errorf("problem does not name record and field: %v", probs[0])
	}
	if u.Attrs.Get("givenName") != long {
		t.Error("PrepareProblems changed its input")
	}
	g := desired[0].Attrs.Get("givenName")
	if naming.UTF16Len(g) > 64 || !strings.HasPrefix(long, g) || len(g) < 60 {
		t.Errorf("given name cut to %q (%d UTF-16 units)", g, naming.UTF16Len(g))
	}
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	p, err := diff.Compute(desired, read(t, c), diff.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := diff.Apply(context.Background(), c, p, diff.ApplyOptions{}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	e := s.entry(t, base, "(adminDescription=orgsync:user/long)", "givenName")
	if e == nil || e.GetAttributeValue("givenName") != g {
		t.Fatalf("givenName in AD = %v", e)
	}
	desired, _ = c.PrepareProblems([]diff.Object{u, bad, ok})
	p, err = diff.Compute(desired, read(t, c), diff.Options{Now: now})
	if err != nil || !p.Empty() {
		t.Errorf("second plan: %v %+v", err, p.Changes)
	}
}

// TestMultiValuedAndOmit: institutions go to departmentNumber one value
// each and read back equal; an attribute in Omit is not written anywhere.
func TestMultiValuedAndOmit(t *testing.T) {
	s := samba(t)
	base := s.testOU(t, "multi")
	cfg := s.config(base)
	cfg.Attributes.StartYear = ""
	cfg.Attributes.Omit = []string{"startYear"}
	c := s.clientAt(t, cfg)
	u := user("user/m", "", "mv"+suffix(t), "Mia", "Holm", "institutions", "280017,280018", "startYear", "2019")
	desired := c.Prepare([]diff.Object{u})
	if desired[0].Attrs.Has("startYear") {
		t.Error("Prepare kept an omitted attribute")
	}
	apply(t, c, create(u)) // the unprepared object: Apply leaves it out too
	e := s.entry(t, base, "(adminDescription=orgsync:user/m)", "departmentNumber", "extensionName", "division")
	vals := e.GetAttributeValues("departmentNumber")
	slices.Sort(vals)
	if !slices.Equal(vals, []string{"280017", "280018"}) {
		t.Errorf("departmentNumber = %q, want one value per institution", vals)
	}
	for _, v := range e.GetAttributeValues("extensionName") {
		if strings.HasPrefix(v, "startYear") {
			t.Errorf("omitted attribute written to extensionName: %q", v)
		}
	}
	if e.GetAttributeValue("division") != "" {
		t.Error("omitted attribute written to division")
	}
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	p, err := diff.Compute(desired, read(t, c), diff.Options{Now: now})
	if err != nil || !p.Empty() {
		t.Fatalf("plan after create: %v %+v", err, p.Changes)
	}
	// An update to three institutions replaces the values.
	u3 := u.Clone()
	u3.Attrs.Set("institutions", "280017,280018,280019")
	p, _ = diff.Compute(c.Prepare([]diff.Object{u3}), read(t, c), diff.Options{Now: now})
	if _, err := diff.Apply(context.Background(), c, p, diff.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	e = s.entry(t, base, "(adminDescription=orgsync:user/m)", "departmentNumber")
	if n := len(e.GetAttributeValues("departmentNumber")); n != 3 {
		t.Errorf("departmentNumber has %d values after the update, want 3", n)
	}
	if p, _ := diff.Compute(c.Prepare([]diff.Object{u3}), read(t, c), diff.Options{Now: now}); !p.Empty() {
		t.Errorf("plan after update: %+v", p.Changes)
	}
}

// TestUPNSuffixes: the forest's UPN suffixes include its domain's DNS name.
func TestUPNSuffixes(t *testing.T) {
	s := samba(t)
	c, _ := s.client(t, "upn")
	got, err := c.UPNSuffixes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(got, func(x string) bool { return strings.EqualFold(x, "skole.test") }) {
		t.Errorf("UPN suffixes %q lack skole.test", got)
	}
}

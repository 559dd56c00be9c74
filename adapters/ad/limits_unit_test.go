package ad

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
)

func testClient(m AttributeMap) *Client {
	c := &Client{cfg: Config{Store: "extensionName", Attributes: m, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		attrs: map[diff.Kind]map[string]string{}, limits: defaultLimits()}
	for _, k := range []diff.Kind{diff.Container, diff.User, diff.Group} {
		c.attrs[k] = m.neutral(k)
	}
	return c
}

// TestEnforceLimits: names are cut UTF-16-aware to the limit, other
// values left out with a problem naming record and field; lists are
// checked per value when written one value each.
func TestEnforceLimits(t *testing.T) {
	c := testClient(DefaultAttributes)
	long := strings.Repeat("ø", 60) + "😀😀😀" // 66 UTF-16 units
	in := []diff.Object{
		{Kind: diff.User, Key: "user/1", Name: "n", Attrs: diff.AttrsFrom(map[string]string{
			"givenName": long, "familyName": "Hansen", "title": strings.Repeat("t", 129), "institutions": "280017,280018"})},
		{Kind: diff.Container, Key: "ou/x", Name: strings.Repeat("O", 70)},
	}
	out, probs := c.PrepareProblems(in)
	if g := out[0].Attrs.Get("givenName"); naming.UTF16Len(g) > 64 || !strings.HasPrefix(long, g) || naming.UTF16Len(g) < 62 {
		t.Errorf("givenName cut to %q (%d units)", g, naming.UTF16Len(g))
	}
	if out[0].Attrs.Has("title") || !out[0].Attrs.Has("institutions") || out[0].Attrs.Get("familyName") != "Hansen" {
		t.Errorf("attributes after Prepare: %v", out[0].Attrs)
	}
	want := []Problem{{Key: "user/1", Name: "n", Attr: "title", Field: "title", Len: 129, Max: 128}}
	if d := cmp.Diff(want, probs); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if n := naming.UTF16Len(out[1].Name); n != 64 {
		t.Errorf("OU name cut to %d units", n)
	}
	if in[0].Attrs.Get("givenName") != long || !in[0].Attrs.Has("title") || len(in[1].Name) != 70 {
		t.Error("PrepareProblems changed its input")
	}
	if got := c.values(diff.User, "institutions", "280017,280018"); !cmp.Equal(got, []string{"280017", "280018"}) {
		t.Errorf("institutions written as %q, want one value each", got)
	}
	if got := c.values(diff.User, "globalRole", "a,b"); !cmp.Equal(got, []string{"a,b"}) {
		t.Errorf("single-valued attribute written as %q", got)
	}
}

// TestOmit: a name in Omit is not stored, not even in the store.
func TestOmit(t *testing.T) {
	m := DefaultAttributes
	m.Omit = []string{"startYear"}
	c := testClient(m)
	c.cfg.Attributes = m
	if _, _, ok := c.stored(diff.User, "startYear"); ok {
		t.Error("omitted attribute stored")
	}
	if a, generic, ok := c.stored(diff.User, "level"); !ok || !generic || a != "extensionName" {
		t.Errorf("level: %q %v %v", a, generic, ok)
	}
}

func TestDomainConfig(t *testing.T) {
	base := Config{URL: "ldaps://dc", BindDN: "a@b", Password: "x", Base: "OU=a,DC=b,DC=c", UPNDomain: "b"}
	cfg, err := base.withDefaults()
	if err != nil || !strings.EqualFold(cfg.Domain, "DC=b,DC=c") || cfg.Strays != "move" || cfg.GroupSAM != "{name}-{hash}" {
		t.Fatalf("defaults: domain %q strays %q groupSAM %q, %v", cfg.Domain, cfg.Strays, cfg.GroupSAM, err)
	}
	bad := base
	bad.Domain, bad.Strays, bad.GroupSAM = "DC=x", "keep", "{name}"
	_, err = bad.withDefaults()
	for _, want := range []string{"config Domain", "config Strays", "config GroupSAM"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q not reported: %v", want, err)
		}
	}
}

package ad_test

import (
	"strings"
	"testing"

	"github.com/orgsync/orgsync/adapters/ad"
)

func TestGroupSAMTemplate(t *testing.T) {
	tests := []struct {
		tmpl, name, key string
		want            string // prefix of the result ("" = any)
		bad             bool
	}{
		{"", "4A", "group/1/4a", "4A-", false},
		{"", "Alle elever på Næsby Skole", "group/x", "Alle-elever-", false},
		{"", "a/b\\c[d]e:f;g|h=i,j+k*l?m<n>o@p", "group/y", "a-b-c-d-e-f-g-", false},
		{"g-{hash}", "whatever", "group/z", "g-", false},
		{"{name}", "x", "k", "", true},
		{"{name}{hash}x{bad}", "x", "k", "", true},
		{"grp with space {hash}", "x", "k", "", true},
	}
	for _, tc := range tests {
		got, err := ad.GroupSAM(tc.tmpl, tc.name, tc.key)
		if tc.bad {
			if err == nil {
				t.Errorf("template %q accepted", tc.tmpl)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(got, tc.want) || len(got) > 20 {
			t.Errorf("GroupSAM(%q, %q) = %q, %v; want prefix %q, at most 20", tc.tmpl, tc.name, got, err, tc.want)
		}
	}
	a, _ := ad.GroupSAM("", "4A", "group/1/4a")
	b, _ := ad.GroupSAM("", "4A", "group/2/4a")
	if a == b {
		t.Errorf("two groups named 4A share %q", a)
	}
}

func FuzzGroupSAM(f *testing.F) {
	f.Add("{name}-{hash}", "Alle elever", "group/1")
	f.Add("g{hash}{name}", "ÆØÅ \x00 😀", "k")
	f.Fuzz(func(t *testing.T, tmpl, name, key string) {
		got, err := ad.GroupSAM(tmpl, name, key)
		if err != nil {
			return
		}
		if len(got) > 20 || got == "" || strings.ContainsAny(got, "\"/\\[]:;|=,+*?<>@ ") {
			t.Errorf("GroupSAM(%q, %q, %q) = %q", tmpl, name, key, got)
		}
		for _, r := range got {
			if r < 0x20 || r > 0x7e {
				t.Errorf("GroupSAM(%q, %q, %q) = %q: not printable ASCII", tmpl, name, key, got)
			}
		}
	})
}

func TestDomainOf(t *testing.T) {
	for in, want := range map[string]string{
		"OU=Skoledata,DC=skole,DC=dk": "DC=skole,DC=dk",
		"DC=skole,DC=dk":              "DC=skole,DC=dk",
		"OU=a,OU=b,DC=x":              "DC=x",
	} {
		if got := ad.DomainOf(in); !strings.EqualFold(got, want) {
			t.Errorf("DomainOf(%q) = %q, want %q", in, got, want)
		}
	}
}

package ad

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
)

func TestSentinel(t *testing.T) {
	cases := []struct {
		code uint16
		want error
	}{
		{ldap.LDAPResultNoSuchObject, diff.ErrNotFound},
		{ldap.LDAPResultEntryAlreadyExists, diff.ErrExists},
		{ldap.LDAPResultConstraintViolation, diff.ErrConstraint},
		{ldap.LDAPResultInvalidAttributeSyntax, diff.ErrConstraint},
		{ldap.LDAPResultUnwillingToPerform, diff.ErrConstraint},
		{ldap.LDAPResultBusy, diff.ErrTemporary},
		{ldap.LDAPResultUnavailable, diff.ErrTemporary},
		{ldap.ErrorNetwork, diff.ErrTemporary},
		{ldap.LDAPResultInsufficientAccessRights, nil},
		{ldap.LDAPResultInvalidCredentials, nil},
	}
	for _, tc := range cases {
		t.Run(ldap.LDAPResultCodeMap[tc.code], func(t *testing.T) {
			err := opError("create", "user/1", "CN=x", ldap.NewError(tc.code, errors.New("boom")))
			if got := sentinel(ldap.NewError(tc.code, errors.New("boom"))); got != tc.want {
				t.Errorf("sentinel = %v, want %v", got, tc.want)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.want)
			}
			var le *ldap.Error
			if !errors.As(err, &le) || le.ResultCode != tc.code {
				t.Errorf("the LDAP error is not reachable through %v", err)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	err := opError("create", "user/42", "CN=Ole,OU=x", ldap.NewError(ldap.LDAPResultConstraintViolation,
		errors.New("00002082: Atribute sn exceeds range upper of 64 for attribute givenName")), "sn", "givenName", "sAMAccountName")
	want := `ad: create user/42 (attribute givenName) at "CN=Ole,OU=x": constraint violation: LDAP Result Code 19 "Constraint Violation": 00002082: Atribute sn exceeds range upper of 64 for attribute givenName`
	if err.Error() != want {
		t.Errorf("message\n got %s\nwant %s", err, want)
	}
}

func TestRejectedAttr(t *testing.T) {
	attrs := []string{"sn", "sAMAccountName", "givenName", "cn", "employeeID"}
	cases := map[string]string{
		"0000207D: AtrErr: DSID-03151804, #1: 0: 0000207D: DSID-03151804, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 90001 (sAMAccountName)": "sAMAccountName",
		"samldb: attribute 'givenName' value too long": "givenName",
		"snow is falling":                       "",
		"acl: sn and sAMAccountName both":       "sAMAccountName",
		"value for employeeID is too long (17)": "employeeID",
		"":                                      "",
	}
	for msg, want := range cases {
		if got := rejectedAttr(msg, attrs); got != want {
			t.Errorf("rejectedAttr(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestSplitDN(t *testing.T) {
	cases := []struct{ dn, rdn, parent string }{
		{"CN=a,OU=b,DC=c", "CN=a", "OU=b,DC=c"},
		{`CN=Hansen\, Ole,OU=b`, `CN=Hansen\, Ole`, "OU=b"},
		{`CN=back\\,OU=b`, `CN=back\\`, "OU=b"},
		{`CN=x\2Cy,OU=b`, `CN=x\2Cy`, "OU=b"},
		{"DC=test", "DC=test", ""},
		{"CN=a, OU=b", "CN=a", "OU=b"},
	}
	for _, tc := range cases {
		rdn, parent := splitDN(tc.dn)
		if rdn != tc.rdn || parent != tc.parent {
			t.Errorf("splitDN(%q) = %q, %q; want %q, %q", tc.dn, rdn, parent, tc.rdn, tc.parent)
		}
	}
}

// FuzzSplitDN: for any value escaped with naming.EscapeDN, splitDN finds
// the RDN boundary that go-ldap's parser finds.
func FuzzSplitDN(f *testing.F) {
	for _, s := range []string{"Hansen, Ole", `a\b`, "#x", " lead", "trail ", `"q"`, "a+b", "😀", "x=y;z<>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		if value == "" || !utf8.ValidString(value) {
			return
		}
		dn := "CN=" + naming.EscapeDN(value) + ",OU=p\\,q,DC=test"
		rdn, parent := splitDN(dn)
		if parent != `OU=p\,q,DC=test` {
			t.Fatalf("splitDN(%q) parent = %q", dn, parent)
		}
		parsed, err := ldap.ParseDN(rdn)
		if err != nil {
			t.Fatalf("ParseDN(%q): %v", rdn, err)
		}
		if got := parsed.RDNs[0].Attributes[0].Value; got != value {
			t.Fatalf("round trip %q -> %q -> %q", value, rdn, got)
		}
		if !sameRDN(rdn, "cn="+naming.EscapeDN(value)) {
			t.Fatalf("sameRDN differs for %q", value)
		}
	})
}

func TestUnicodePwd(t *testing.T) {
	got := unicodePwd("Å1😀")
	u := utf16.Encode([]rune(`"Å1😀"`))
	if len(got) != 2*len(u) {
		t.Fatalf("length %d, want %d", len(got), 2*len(u))
	}
	for i, c := range u {
		if got[2*i] != byte(c) || got[2*i+1] != byte(c>>8) {
			t.Fatalf("unit %d: % x", i, got[2*i:2*i+2])
		}
	}
	if want := "\"\x00A\x00\"\x00"; unicodePwd("A") != want {
		t.Errorf("unicodePwd(A) = %q, want %q", unicodePwd("A"), want)
	}
}

func TestFormatGUID(t *testing.T) {
	b := []byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	if got := formatGUID(b); got != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Errorf("formatGUID = %s", got)
	}
	if formatGUID([]byte{1, 2}) != "" {
		t.Error("short GUID not empty")
	}
}

func TestInstitutionOf(t *testing.T) {
	for key, want := range map[string]string{
		"ou/inst/280017": "280017", "ou/inst/280017/students": "280017", "ou/students/280017": "280017",
		"ou/employees/1": "1", "ou/students": "", "ou/class/280017/4A": "", "ou/disabled/2026-01-01": "",
		"ou/students/1/x": "",
	} {
		if got := institutionOf(key); got != want {
			t.Errorf("institutionOf(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestConfigProblemsAtOnce(t *testing.T) {
	_, err := Config{URL: "ldap://dc", Attributes: AttributeMap{UNIID: "employeeNumber"}, AdoptBy: "email",
		UPNDomain: "a@b", Hooks: Hooks{Create: &Hook{}}}.withDefaults()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"URL", "BindDN", "Password", "Base", "UPNDomain", "AdoptBy", "Attributes.DisabledDate", "Hooks.Create"} {
		if !strings.Contains(err.Error(), "config "+want) {
			t.Errorf("%q not reported in:\n%v", want, err)
		}
	}
	cfg, err := Config{URL: "ldaps://dc", BindDN: "a@b", Password: "x", Base: "OU=a,DC=b", UPNDomain: "b"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintln(cfg.Mark, cfg.MarkPrefix, cfg.Store, cfg.AdoptBy, cfg.PoolSize, cfg.PageSize, cfg.Retries)
	if want := "adminDescription orgsync: extensionName cpr 4 1000 2\n"; got != want {
		t.Errorf("defaults %q, want %q", got, want)
	}
	if d := cmp.Diff(DefaultAttributes, cfg.Attributes); d != "" {
		t.Errorf("default attributes (-want +got):\n%s", d)
	}
}

func TestStored(t *testing.T) {
	c := &Client{cfg: Config{Store: "extensionName"}, attrs: map[diff.Kind]map[string]string{
		diff.User: DefaultAttributes.neutral(diff.User), diff.Group: DefaultAttributes.neutral(diff.Group)}}
	cases := []struct {
		kind        diff.Kind
		name, attr  string
		generic, ok bool
	}{
		{diff.User, "username", "sAMAccountName", false, true},
		{diff.User, "familyName", "sn", false, true},
		{diff.User, "cpr", "", false, false},
		{diff.User, "level", "extensionName", true, true},
		{diff.Group, "catalogueKind", "extensionName", true, true},
		{diff.Group, "disabledDate", "adminDisplayName", false, true},
		{diff.Group, "@home", "", false, false},
		{diff.Group, "a=b", "", false, false},
	}
	for _, tc := range cases {
		attr, generic, ok := c.stored(tc.kind, tc.name)
		if attr != tc.attr || generic != tc.generic || ok != tc.ok {
			t.Errorf("stored(%s, %s) = %q %v %v", tc.kind, tc.name, attr, generic, ok)
		}
	}
	prepared := c.Prepare([]diff.Object{{Kind: diff.User, Key: "user/1", Attrs: diff.AttrsFrom(map[string]string{"cpr": "0101011234", "username": "x"})}})
	if d := cmp.Diff(diff.Attrs{{Name: "username", Value: "x"}}, prepared[0].Attrs); d != "" {
		t.Errorf("Prepare (-want +got):\n%s", d)
	}
}

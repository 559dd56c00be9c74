package ad_test

import (
	"encoding/binary"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"
)

// TestDelegatedAccount runs the delta steps (create, password, update,
// disable, move, members, leave, and the reads) as a service account that
// has only the rights docs/AD-RIGHTS.md lists, delegated on the test's own
// OU with samba-tool dsacl — not as the administrator. The account lives
// in an OU of its own (removed with it). It may not list CN=Deleted
// Objects (that needs a change to the whole domain's tombstone container,
// which tests leave alone), so its delta reads fall back to full reads;
// they must still match.
func TestDelegatedAccount(t *testing.T) {
	s := samba(t)
	if _, err := exec.LookPath("samba-tool"); err != nil {
		t.Skip("samba-tool not installed")
	}
	cfg := s.config(s.testOU(t, "delegated"))
	s.clientAt(t, cfg) // creates the base as the administrator
	cfg.BindDN, cfg.Password = s.delegate(t, cfg.Base)
	deltaSteps(t, s, cfg, false)
}

// delegate creates a service account (in an OU of its own, removed with
// it) and grants it, on dn and inherited below, exactly the rights
// docs/AD-RIGHTS.md lists, with samba-tool dsacl as an administrator
// would. It returns the account's bind name and password.
func (s server) delegate(t *testing.T, dn string) (bind, password string) {
	t.Helper()
	svcOU := s.testOU(t, "svc")
	sam := "svc" + suffix(t)
	const pw = "Svc-Kode-2024!long"
	conn := s.conn(t)
	defer conn.Close()
	add := ldap.NewAddRequest(svcOU, nil)
	add.Attribute("objectClass", []string{"organizationalUnit"})
	if err := conn.Add(add); err != nil {
		t.Fatal(err)
	}
	add = ldap.NewAddRequest("CN="+sam+","+svcOU, nil)
	add.Attribute("objectClass", []string{"user"})
	add.Attribute("sAMAccountName", []string{sam})
	add.Attribute("userPrincipalName", []string{sam + "@skole.test"})
	add.Attribute("unicodePwd", []string{quotedUTF16(pw)})
	add.Attribute("userAccountControl", []string{"512"})
	if err := conn.Add(add); err != nil {
		t.Fatal(err)
	}
	sid := formatSID(s.entry(t, svcOU, "(sAMAccountName="+sam+")", "objectSid").GetRawAttributeValue("objectSid"))
	if sid == "" {
		t.Fatal("no objectSid")
	}
	for _, ace := range []string{
		"(OA;CI;CCDC;bf967aba-0de6-11d0-a285-00aa003049e2;;" + sid + ")", // user
		"(OA;CI;CCDC;bf967a9c-0de6-11d0-a285-00aa003049e2;;" + sid + ")", // group
		"(OA;CI;CCDC;bf967aa5-0de6-11d0-a285-00aa003049e2;;" + sid + ")", // organizationalUnit
		"(A;CI;RPWPLCLORCSD;;;" + sid + ")",
		"(OA;CIIO;CR;00299570-246d-11d0-a768-00aa006e0529;bf967aba-0de6-11d0-a285-00aa003049e2;" + sid + ")", // Reset Password on users
	} {
		host := strings.TrimPrefix(s.url, "ldaps://")
		host, _, _ = strings.Cut(host, ":")
		out, err := exec.Command("samba-tool", "dsacl", "set", "-H", "ldap://"+host, "-U", s.bind, "--password", s.password,
			"--objectdn", dn, "--sddl", ace).CombinedOutput()
		if err != nil {
			t.Fatalf("samba-tool dsacl set %s: %v\n%s", ace, err, out)
		}
	}
	return sam + "@skole.test", pw
}

// quotedUTF16 encodes a password as unicodePwd wants it.
func quotedUTF16(pw string) string {
	u := utf16.Encode([]rune(`"` + pw + `"`))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return string(b)
}

// formatSID renders a binary objectSid as S-1-5-21-…; "" when malformed.
func formatSID(b []byte) string {
	if len(b) < 8 || len(b) != 8+4*int(b[1]) {
		return ""
	}
	var auth uint64
	for _, x := range b[2:8] {
		auth = auth<<8 | uint64(x)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "S-%d-%d", b[0], auth)
	for i := range int(b[1]) {
		sb.WriteString("-" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10))
	}
	return sb.String()
}

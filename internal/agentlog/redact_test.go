package agentlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRedact(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"cpr with dash", "person 010190-1234 left", "person (cpr) left"},
		{"cpr plain", "cpr0101901234x", "cpr(cpr)x"},
		{"cpr with space", "(010190 1234)", "((cpr))"},
		{"two cprs", "311299-0001,0101010001", "(cpr),(cpr)"},
		{"eleven digits", "01019012345", "01019012345"},
		{"day 32", "320190-1234", "320190-1234"},
		{"month 13", "011390-1234", "011390-1234"},
		{"unix time", "t=1765043315", "t=1765043315"},
		{"iso date", "2026-12-06T17:48:35Z", "2026-12-06T17:48:35Z"},
		{"six digits and five", "010190-12345", "010190-12345"},
		{"password pair", "bind password=hunter2 failed", "bind password=(hidden) failed"},
		{"password colon", "Password: hunter2", "Password: (hidden)"},
		{"json secret", `{"initialPassword":"a b\"c","name":"Ann"}`, `{"initialPassword":"(hidden)","name":"Ann"}`},
		{"escaped json secret", `"{\"token\":\"abc\"}"`, `"{\"token\":\"(hidden)\"}"`},
		{"bearer", "Authorization: Bearer abc.def.ghi", "Authorization: (hidden)"},
		{"query string", "url?client_secret=xyz&a=1", "url?client_secret=(hidden)&a=1"},
		{"cpr key", "cpr=0101901234", "cpr=(hidden)"},
		{"harmless", "user anni0042 moved to OU=7A", "user anni0042 moved to OU=7A"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Redact(c.in); got != c.want {
				t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestSecretKey(t *testing.T) {
	for k, want := range map[string]bool{
		"password": true, "initialPassword": true, "pwdLastSet": true, "clientSecret": true,
		"Authorization": true, "token": true, "cpr": true, "CPR": true, "apiKey": true,
		"name": false, "username": false, "dn": false, "key": false,
	} {
		if got := SecretKey(k); got != want {
			t.Errorf("SecretKey(%q) = %v, want %v", k, got, want)
		}
	}
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestHandlerRedacts(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ReplaceAttr}))
	log.Info("disable 010190-1234",
		"cpr", "0101901234",
		"password", "hunter2",
		"empty_password", "",
		"err", errors.New("modify uid=ann: password=hunter3 rejected; cpr 020290-2345"),
		"who", stringer("ann 030390-3456"),
		"obj", map[string]string{"initialPassword": "hunter4", "name": "Ann Hansen"},
		"n", int64(101901234), // 0101901234 without its leading zero
		"usn", int64(1765043315),
		slog.Group("secret", slog.String("a", "hunter5")),
		slog.Group("person", slog.String("name", "Ann Hansen"), slog.String("cprNumber", "040490-4567")),
	)
	out := buf.String()
	for _, leak := range []string{"1234", "hunter", "2345", "3456", "4567"} {
		if strings.Contains(out, leak) {
			t.Errorf("log holds %q: %s", leak, out)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, out)
	}
	if rec["msg"] != "disable (cpr)" || rec["password"] != Hidden || rec["empty_password"] != "" || rec["n"] != CPRHidden {
		t.Errorf("record: %v", rec)
	}
	if rec["usn"] != float64(1765043315) {
		t.Errorf("usn = %v, want the number kept", rec["usn"])
	}
	obj, _ := rec["obj"].(map[string]any)
	if obj["name"] != "Ann Hansen" || obj["initialPassword"] != Hidden {
		t.Errorf("obj = %v, want the name kept and the password hidden", rec["obj"])
	}
	person, _ := rec["person"].(map[string]any)
	if person["name"] != "Ann Hansen" || person["cprNumber"] != Hidden {
		t.Errorf("person = %v", rec["person"])
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"010190-1234", "password=x", `{"token":"a\"b"}`, "Authorization: Basic Zm9v", "0101011234-5678", "010101-0101011234", "pwd='a b' cpr: 311299 9999", `\"secret\":\"x\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1024 {
			return
		}
		out := Redact(s)
		if i, j := nextCPR(out, 0); i >= 0 {
			t.Fatalf("Redact(%q) = %q still holds CPR-like %q", s, out, out[i:j])
		}
		if again := Redact(out); again != out {
			t.Fatalf("not idempotent: Redact(%q) = %q, again %q", s, out, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("Redact(%q) = %q: invalid UTF-8", s, out)
		}
		planted := Redact(s + " password=Zq7xW " + s)
		if strings.Contains(planted, "Zq7xW") && !strings.Contains(s, "Zq7xW") {
			t.Fatalf("planted password survives: %q", planted)
		}
	})
}

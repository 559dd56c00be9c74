package api_test

import (
	"strings"
	"testing"

	"github.com/orgsync/orgsync/broker/api"
)

func TestNormalizeFingerprint(t *testing.T) {
	for in, want := range map[string]string{
		"sha256 Fingerprint=AB:CD:EF:01":   "abcdef01",
		"SHA256 Fingerprint=ab:cd\n":       "abcd",
		"abcdef01":                         "abcdef01",
		" AB:CD ":                          "abcd",
		api.CertFingerprint([]byte("der")): api.CertFingerprint([]byte("der")),
	} {
		if got := api.NormalizeFingerprint(in); got != want {
			t.Errorf("NormalizeFingerprint(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNormalizeFingerprint: the result has no colons or upper-case
// ASCII letters, and normalising it again changes nothing (for inputs without
// a second '=').
func FuzzNormalizeFingerprint(f *testing.F) {
	for _, s := range []string{"sha256 Fingerprint=AB:CD", "ab:cd", "", "=", "x=y=z", " Ä:ß "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return
		}
		got := api.NormalizeFingerprint(s)
		if strings.Contains(got, ":") || strings.ContainsAny(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Fatalf("NormalizeFingerprint(%q) = %q", s, got)
		}
		if !strings.Contains(got, "=") {
			if again := api.NormalizeFingerprint(got); again != got {
				t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
			}
		}
	})
}

package naming_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/orgsync/orgsync/naming"
)

func hasClasses(s string) bool {
	return strings.IndexFunc(s, unicode.IsUpper) >= 0 && strings.IndexFunc(s, unicode.IsLower) >= 0 && strings.IndexFunc(s, unicode.IsDigit) >= 0
}

func TestPassword(t *testing.T) {
	tests := []struct {
		name   string
		policy naming.PasswordPolicy
		length int
		alpha  string
	}{
		{"default", naming.PasswordPolicy{}, 36, naming.DefaultPasswordAlphabet},
		{"short", naming.PasswordPolicy{Length: 3}, 3, naming.DefaultPasswordAlphabet},
		{"own alphabet", naming.PasswordPolicy{Length: 12, Alphabet: "Aa1!"}, 12, "Aa1!"},
		{"no look-alikes", naming.PasswordPolicy{Length: 16, Alphabet: "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"}, 16, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"},
		{"danish letters", naming.PasswordPolicy{Length: 20, Alphabet: "ÆØÅæøå0123456789"}, 20, "ÆØÅæøå0123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := seeded(3)
			for range 200 {
				pw, err := naming.Password(r, tt.policy)
				if err != nil {
					t.Fatal(err)
				}
				if n := len([]rune(pw)); n != tt.length {
					t.Fatalf("password %q has %d characters, want %d", pw, n, tt.length)
				}
				if !hasClasses(pw) {
					t.Fatalf("password %q lacks upper, lower or digit", pw)
				}
				for _, c := range pw {
					if !strings.ContainsRune(tt.alpha, c) {
						t.Fatalf("password %q has %q outside the alphabet", pw, c)
					}
				}
			}
		})
	}
}

func TestPasswordCryptoRand(t *testing.T) {
	a, err1 := naming.Password(nil, naming.PasswordPolicy{})
	b, err2 := naming.Password(nil, naming.PasswordPolicy{})
	if err1 != nil || err2 != nil || a == b || len(a) != 36 {
		t.Errorf("Password(nil) = %q, %q (%v, %v)", a, b, err1, err2)
	}
}

// TestPasswordUniform checks that every character of the default alphabet
// is about equally frequent (fixed seed: the test is deterministic).
func TestPasswordUniform(t *testing.T) {
	r := seeded(9)
	counts := map[rune]int{}
	const n = 3000
	for range n {
		pw, err := naming.Password(r, naming.PasswordPolicy{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range pw {
			counts[c]++
		}
	}
	expect := float64(n*36) / 62
	for _, c := range naming.DefaultPasswordAlphabet {
		if got := float64(counts[c]); got < 0.9*expect || got > 1.1*expect {
			t.Errorf("character %q drawn %v times, expected about %.0f", c, got, expect)
		}
	}
}

func TestPasswordErrors(t *testing.T) {
	tests := []struct {
		name   string
		policy naming.PasswordPolicy
		want   []string
	}{
		{"too short", naming.PasswordPolicy{Length: 2}, []string{"length 2"}},
		{"no digit", naming.PasswordPolicy{Alphabet: "abcABC"}, []string{"at least one upper-case letter, one lower-case letter and one digit"}},
		{"space in alphabet", naming.PasswordPolicy{Alphabet: "aA1 "}, []string{"space character"}},
		{"everything at once", naming.PasswordPolicy{Length: -1, Alphabet: "abc"}, []string{"length -1", "one digit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := naming.Password(seeded(1), tt.policy)
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want it to contain %q", err, w)
				}
			}
		})
	}
	boom := errors.New("boom")
	if _, err := naming.Password(failingReader{boom}, naming.PasswordPolicy{}); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the reader's error", err)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

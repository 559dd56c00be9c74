package naming

import (
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// Password defaults: 36 characters of ASCII letters and digits, as Danish
// municipalities use for initial passwords today.
const (
	DefaultPasswordLength   = 36
	DefaultPasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// PasswordPolicy configures initial passwords. The zero value means the
// defaults.
type PasswordPolicy struct {
	// Length in characters; 0 means DefaultPasswordLength. At least 3.
	Length int
	// Alphabet lists the characters to draw from; "" means
	// DefaultPasswordAlphabet. It must hold at least one upper-case letter,
	// one lower-case letter and one digit; repeated characters count once.
	Alphabet string
}

// maxPasswordTries bounds the redraws until a password holds every required
// character class; with any sane policy one or two draws suffice.
const maxPasswordTries = 10000

// Password returns a random password under policy p, drawn uniformly from
// r (nil means crypto/rand) among the passwords of p.Length characters of
// p.Alphabet that contain at least one upper-case letter, one lower-case
// letter and one digit, so it meets Active Directory's complexity rule.
// Treat the result as a secret: never log it or put it in a plan or audit
// record.
func Password(r io.Reader, p PasswordPolicy) (string, error) {
	r = randomSource(r)
	n := p.Length
	if n == 0 {
		n = DefaultPasswordLength
	}
	alpha := p.Alphabet
	if alpha == "" {
		alpha = DefaultPasswordAlphabet
	}
	set, err := passwordAlphabet(alpha)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if n < 3 || n > 1024 {
		errs = append(errs, fmt.Errorf("generate password: length %d, want 3 to 1024", n))
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	out := make([]rune, n)
	src := byteSource{r: r}
	for range maxPasswordTries {
		for i := range out {
			idx, err := src.uniform(len(set))
			if err != nil {
				return "", fmt.Errorf("generate password: read random source: %w", err)
			}
			out[i] = set[idx]
		}
		if hasClasses(out) {
			return string(out), nil
		}
	}
	return "", errors.New("generate password: no draw met the complexity rule; the alphabet has too few upper, lower or digit characters")
}

// passwordAlphabet dedupes the alphabet and checks its classes.
func passwordAlphabet(a string) ([]rune, error) {
	var errs []error
	if !utf8.ValidString(a) {
		errs = append(errs, errors.New("generate password: alphabet is not valid UTF-8"))
	}
	seen := map[rune]bool{}
	var set []rune
	for _, c := range a {
		if isInvisible(c) || isSpace(c) {
			errs = append(errs, fmt.Errorf("generate password: alphabet holds control or space character %q", c))
			continue
		}
		if !seen[c] {
			seen[c] = true
			set = append(set, c)
		}
	}
	if !hasClasses(set) {
		errs = append(errs, errors.New("generate password: alphabet needs at least one upper-case letter, one lower-case letter and one digit"))
	}
	if len(set) > 1<<16 {
		errs = append(errs, errors.New("generate password: alphabet longer than 65536 characters"))
	}
	return set, errors.Join(errs...)
}

// hasClasses reports whether s has an upper-case letter, a lower-case letter
// and a digit.
func hasClasses(s []rune) bool {
	var up, low, dig bool
	for _, c := range s {
		switch {
		case unicode.IsUpper(c):
			up = true
		case unicode.IsLower(c):
			low = true
		case unicode.IsDigit(c):
			dig = true
		}
	}
	return up && low && dig
}

// byteSource draws unbiased small integers from a byte stream by rejection
// sampling, reading the stream in blocks.
type byteSource struct {
	r   io.Reader
	buf [64]byte
	pos int
	n   int
}

func (b *byteSource) byte() (byte, error) {
	if b.pos == b.n {
		n, err := io.ReadFull(b.r, b.buf[:])
		if err != nil {
			return 0, err
		}
		b.pos, b.n = 0, n
	}
	c := b.buf[b.pos]
	b.pos++
	return c, nil
}

// uniform returns an integer in [0, n) for 1 <= n <= 65536.
func (b *byteSource) uniform(n int) (int, error) {
	if n <= 256 {
		limit := 256 - 256%n
		for {
			c, err := b.byte()
			if err != nil {
				return 0, err
			}
			if int(c) < limit {
				return int(c) % n, nil
			}
		}
	}
	limit := 65536 - 65536%n
	for {
		hi, err := b.byte()
		if err != nil {
			return 0, err
		}
		lo, err := b.byte()
		if err != nil {
			return 0, err
		}
		if v := int(hi)<<8 | int(lo); v < limit {
			return v % n, nil
		}
	}
}

package naming

import (
	"crypto/rand"
	"io"
)

// randomSource returns r, the random source a caller injected, or
// crypto/rand when r is nil. It is the only place in the core that reaches
// for a random source of its own (arch_test.go checks that): every other
// draw goes through a reader the caller can replace, so tests and
// reproducible runs pass a seeded source such as
// math/rand/v2.NewChaCha8(seed).
func randomSource(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

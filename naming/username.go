package naming

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Person is what a Generator needs to know about a person.
type Person struct {
	// ID identifies the person (orgmodel person ID); one person gets one
	// username across all institutions and targets.
	ID string
	// GivenName and FamilyName are the names to build the username from.
	GivenName, FamilyName string
	// Reserved is a username reserved for the person by the source (for
	// example the UNI-Login from STIL); it is used instead of generating one.
	Reserved string
	// Existing is the username already assigned to the person. It never
	// changes: it wins over Reserved and over the standard.
	Existing string
}

// Checker tells whether a username is taken: present in any target or in
// orgsync's own store, or reserved. Implementations do the I/O; Exists must
// be safe for concurrent use if the Generator is used concurrently.
type Checker interface {
	Exists(ctx context.Context, username string) (bool, error)
}

// CheckerFunc adapts a function to the Checker interface.
type CheckerFunc func(ctx context.Context, username string) (bool, error)

// Exists calls f.
func (f CheckerFunc) Exists(ctx context.Context, username string) (bool, error) {
	return f(ctx, username)
}

// AnyChecker reports a username as taken when any of its checkers does: use
// it to check every target and the local store at once. Checkers are asked
// in order and the first that says "taken" ends the check.
type AnyChecker []Checker

// Exists asks each checker in turn.
func (a AnyChecker) Exists(ctx context.Context, username string) (bool, error) {
	for _, c := range a {
		ok, err := c.Exists(ctx, username)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// Reserved is an in-memory set of taken usernames, compared case-insensitively
// (ASCII). It is a Checker for tests, for the embedded default directory and
// for batches. The zero value is an empty set; it is safe for concurrent use.
type Reserved struct {
	mu    sync.RWMutex
	names map[string]struct{}
}

// NewReserved returns a set holding names.
func NewReserved(names ...string) *Reserved {
	r := &Reserved{names: make(map[string]struct{}, len(names))}
	r.Add(names...)
	return r
}

// Add puts names into the set; empty names are ignored.
func (r *Reserved) Add(names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names == nil {
		r.names = make(map[string]struct{}, len(names))
	}
	for _, n := range names {
		if n != "" {
			r.names[strings.ToLower(n)] = struct{}{}
		}
	}
}

// Remove takes names out of the set.
func (r *Reserved) Remove(names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		delete(r.names, strings.ToLower(n))
	}
}

// Contains reports whether name is in the set.
func (r *Reserved) Contains(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.names[strings.ToLower(name)]
	return ok
}

// Len returns the number of names in the set.
func (r *Reserved) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.names)
}

// Exists implements Checker; it never fails.
func (r *Reserved) Exists(_ context.Context, name string) (bool, error) {
	return r.Contains(name), nil
}

// ErrExhausted is the sentinel for a username standard with no free
// candidate left for a person; the error carrying the details is an
// *ExhaustedError.
var ErrExhausted = errors.New("username space exhausted")

// ExhaustedError reports that every candidate of a standard for a person was
// taken, denied or invalid (or that Options.MaxAttempts was reached).
type ExhaustedError struct {
	PersonID string // the person who got no username
	Standard string // the name of the standard used
	Tried    uint64 // candidates examined
	Space    uint64 // candidates the standard has for this name
	// Invalid and Denied count the examined candidates that were not valid
	// usernames (empty, too long, a reserved word) or held a deny-listed
	// word; the others were taken.
	Invalid, Denied uint64
}

// Error names the person, the standard and how much of its space was tried.
// When no candidate was taken it says why none could be used instead.
func (e *ExhaustedError) Error() string {
	if e.Tried > 0 && e.Invalid+e.Denied == e.Tried {
		return fmt.Sprintf("generate username for person %q: standard %q makes no usable username for this name: none of its %d candidates was taken, %d were not valid usernames and %d held a deny-listed word", e.PersonID, e.Standard, e.Tried, e.Invalid, e.Denied)
	}
	return fmt.Sprintf("generate username for person %q: standard %q exhausted after %d of %d candidates", e.PersonID, e.Standard, e.Tried, e.Space)
}

// Unwrap returns ErrExhausted so that errors.Is works.
func (e *ExhaustedError) Unwrap() error { return ErrExhausted }

// ErrConflict is the sentinel for two persons claiming the same username;
// the error carrying the details is a *ConflictError.
var ErrConflict = errors.New("username conflict")

// ConflictError reports that a person's existing or reserved username is
// already held by another person of the same batch. The person keeps no
// username until the conflict is resolved at the source.
type ConflictError struct {
	Username string // the disputed username
	PersonID string // the person who did not get it
	HolderID string // the person who holds it
}

// Error names the username, the person who did not get it and its holder.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("assign username for person %q: %q is already held by person %q", e.PersonID, e.Username, e.HolderID)
}

// Unwrap returns ErrConflict so that errors.Is works.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Options configures a Generator. The zero value is usable.
type Options struct {
	// Fallback is the standard for names without Latin letters; nil means
	// NoLatinFallback().
	Fallback *Standard
	// Deny lists substrings that must never appear in a username, compared
	// after transliteration and in lower case.
	Deny []string
	// Rand, when set, is the source of the walk order's keys: one key is
	// drawn per person generated, so the usernames depend on the order
	// in which persons are generated. Nil (the default) derives each
	// person's key from Salt and the person's ID instead, so that a
	// person's username depends only on the inputs (the person, the
	// names taken): a dry run shows the usernames an apply of the same
	// inputs creates.
	Rand io.Reader
	// Salt is mixed into the per-person keys when Rand is nil, so that a
	// username cannot be predicted from a person's ID and the standard
	// alone. Keep it with the deployment's configuration; changing it
	// changes the usernames of persons who have none yet.
	Salt []byte
	// MaxAttempts caps the candidates examined per person; 0 means the whole
	// number space (the default, and what the standards promise).
	MaxAttempts uint64
}

// Generator assigns usernames by a Standard, checking candidates against a
// Checker. It is safe for concurrent use when its Checker is.
type Generator struct {
	std, fallback *Standard
	checker       Checker
	deny          [][]byte
	maxAttempts   uint64

	mu   sync.Mutex // guards rand
	rand io.Reader  // nil: keys from salt and person ID
	salt []byte
}

// NewGenerator returns a generator for std that asks checker whether a
// candidate is taken. Every configuration problem is reported at once.
func NewGenerator(std *Standard, checker Checker, opt Options) (*Generator, error) {
	var errs []error
	if std == nil {
		errs = append(errs, errors.New("new username generator: no standard"))
	}
	if checker == nil {
		errs = append(errs, errors.New("new username generator: no checker"))
	}
	g := &Generator{std: std, fallback: opt.Fallback, checker: checker, rand: opt.Rand, maxAttempts: opt.MaxAttempts,
		salt: slices.Clone(opt.Salt)}
	if g.fallback == nil {
		g.fallback = NoLatinFallback()
	} else if g.fallback.usesName {
		errs = append(errs, fmt.Errorf("new username generator: fallback standard %q uses the name; it must not", g.fallback.name))
	}
	for i, d := range opt.Deny {
		w := strings.ToLower(Transliterate(d))
		if strings.TrimSpace(w) == "" {
			errs = append(errs, fmt.Errorf("new username generator: deny-list entry %d (%q) is empty after transliteration", i, d))
			continue
		}
		g.deny = append(g.deny, []byte(w))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return g, nil
}

// Standard returns the generator's standard.
func (g *Generator) Standard() *Standard { return g.std }

// Username returns the username for p: p.Existing if set (it never changes),
// else p.Reserved if set (the source's reservation wins; it must be a valid
// username), else the first free candidate of the standard — or of the
// fallback standard when the name has no Latin letters. It returns an
// *ExhaustedError when no candidate is free and wraps the Checker's error
// if a check fails. Username does not remember what it returned: record the
// result where the Checker sees it, or use Assign for many persons.
func (g *Generator) Username(ctx context.Context, p Person) (string, error) {
	if p.Existing != "" {
		return p.Existing, nil
	}
	if p.Reserved != "" {
		if err := ValidUsername(p.Reserved); err != nil {
			return "", fmt.Errorf("assign username for person %q: reserved username: %w", p.ID, err)
		}
		return p.Reserved, nil
	}
	return g.generate(ctx, p, nil, nil)
}

// generate walks the number space of the person's standard. taken, when
// set, holds usernames given out earlier in the same batch (lower case);
// cursors, when set, remembers per sequence stem where the walk can resume.
func (g *Generator) generate(ctx context.Context, p Person, taken map[string]int, cursors map[string]uint64) (string, error) {
	std := g.std
	nm := nameLetters(p.GivenName, p.FamilyName)
	sp := std.resolve(nm)
	if std.usesName && !sp.fromName(nm) {
		// No letters of this name would appear: "{last}{n}" for a family
		// name without Latin letters would give "1", "2", ...
		std = g.fallback
		sp = std.resolve(nm)
	}
	size := std.size
	limit := size
	if g.maxAttempts > 0 && g.maxAttempts < limit {
		limit = g.maxAttempts
	}
	var pm perm
	start := uint64(0)
	key := ""
	if std.ordered {
		if cursors != nil {
			key = sp.key()
			start = cursors[key]
		}
	} else {
		k0, k1, err := g.key(p.ID)
		if err != nil {
			return "", fmt.Errorf("generate username for person %q: read random source: %w", p.ID, err)
		}
		pm = newPerm(size, k0, k1)
	}
	var arr [UsernameMax]byte
	buf := arr[:0]
	var tried, invalid, denied uint64
	for k := start; k < size && tried < limit; k++ {
		if tried&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return "", fmt.Errorf("generate username for person %q: %w", p.ID, err)
			}
		}
		tried++
		idx := k
		if !std.ordered {
			idx = pm.at(k)
		}
		buf = sp.candidate(buf, idx)
		if !plausible(buf) {
			invalid++
			continue
		}
		if g.denied(buf) {
			denied++
			continue
		}
		if taken != nil {
			if _, ok := taken[string(buf)]; ok {
				continue
			}
		}
		cand := string(buf)
		exists, err := g.checker.Exists(ctx, cand)
		if err != nil {
			return "", fmt.Errorf("generate username for person %q: check %q: %w", p.ID, cand, err)
		}
		if exists {
			continue
		}
		if std.ordered && cursors != nil {
			cursors[key] = k + 1
		}
		return cand, nil
	}
	if std.ordered && cursors != nil && tried == size-start {
		cursors[key] = size
	}
	// Candidates before start were examined for earlier persons of the batch
	// with the same letters and are known taken.
	return "", &ExhaustedError{PersonID: p.ID, Standard: std.name, Tried: start + tried, Space: size, Invalid: invalid, Denied: denied}
}

// key draws a 128-bit permutation key from the random source.
func (g *Generator) key(personID string) (uint64, uint64, error) {
	if g.rand == nil {
		h := sha256.New()
		h.Write([]byte("orgsync username key\x00"))
		h.Write(g.salt)
		h.Write([]byte{0})
		h.Write([]byte(personID))
		sum := h.Sum(nil)
		return binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16]), nil
	}
	var b [16]byte
	g.mu.Lock()
	_, err := io.ReadFull(g.rand, b[:])
	g.mu.Unlock()
	if err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:]), nil
}

// denied reports whether the candidate contains a deny-listed substring.
func (g *Generator) denied(c []byte) bool {
	for _, d := range g.deny {
		if bytes.Contains(c, d) {
			return true
		}
	}
	return false
}

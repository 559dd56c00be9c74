package auditlog

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Recorder records look-ups: *Log, or *Memory in tests. Lookup fails when
// the record cannot be written; the caller must then not return the data.
type Recorder interface {
	Lookup(ctx context.Context, r Lookup) error
}

// ErrNoLookup: Returned was called on a context the Middleware did not
// prepare.
var ErrNoLookup = errors.New("auditlog: no look-up context: the handler is not behind auditlog.Middleware")

// Who tells the Middleware the signed-in user and their role (from the
// broker's authentication).
type Who func(r *http.Request) (Actor, string, error)

// PurposeHeader carries the purpose the user chose; the query parameter
// "purpose" is read when the header is absent.
const PurposeHeader = "X-Orgsync-Purpose"

type lookupKey struct{}

type pending struct {
	rec  Recorder
	base Lookup
}

// Middleware prepares a look-up record for every request: actor, role,
// source IP, purpose, client and time. A handler that returns personal
// data calls Returned with the query, criteria and persons before it
// writes the response. A request whose user cannot be told gets 401.
func Middleware(rec Recorder, who Who, client string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, role, err := who(r)
		if err != nil {
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		purpose := r.Header.Get(PurposeHeader)
		if purpose == "" {
			purpose = r.URL.Query().Get("purpose")
		}
		p := &pending{rec: rec, base: Lookup{Actor: a, Role: role, SourceIP: ip, Purpose: purpose, Client: client}}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), lookupKey{}, p)))
	})
}

// Returned records that the request in ctx returns the persons (ids) for
// the query as typed and its criteria. It fails when the record cannot be
// written (no or unknown purpose: ErrRecord); the handler must then answer
// with an error and no data.
func Returned(ctx context.Context, query string, c Criteria, persons []string) error {
	p, ok := ctx.Value(lookupKey{}).(*pending)
	if !ok {
		return ErrNoLookup
	}
	l := p.base
	l.Time = time.Now().UTC()
	l.Query, l.Criteria, l.Persons, l.Count = query, c, persons, len(persons)
	return p.rec.Lookup(ctx, l)
}

// Memory is a Recorder that keeps look-ups in memory, for tests.
type Memory struct {
	mu sync.Mutex
	// Purposes is the purpose list (DefaultPurposes when empty).
	Purposes []string
	lookups  []Lookup
}

// Lookup validates and keeps the record.
func (m *Memory) Lookup(_ context.Context, r Lookup) error {
	ps := m.Purposes
	if len(ps) == 0 {
		ps = DefaultPurposes
	}
	if err := r.validate(ps); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups = append(m.lookups, r)
	return nil
}

// Lookups returns the records kept so far.
func (m *Memory) Lookups() []Lookup {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.lookups)
}

// Reset forgets the records kept.
func (m *Memory) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups = nil
}

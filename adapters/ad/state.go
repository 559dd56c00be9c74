package ad

import (
	"strings"
	"sync"

	"github.com/orgsync/orgsync/diff"
)

// entry is what the Client remembers of one object.
type entry struct {
	kind diff.Kind
	dn   string
	guid string
	uac  int    // userAccountControl of users, 0 when unknown
	home string // users: Key of the container orgsync last put it in
}

// state maps Keys to the objects' current DNs. Read fills it; Apply keeps
// it current, including the DNs below a moved or renamed container.
type state struct {
	mu        sync.RWMutex
	byKey     map[string]*entry
	unmanaged map[string]string // objectGUID → DN of adoption candidates
}

func (s *state) init() {
	s.byKey = map[string]*entry{}
	s.unmanaged = map[string]string{}
}

func (s *state) get(key string) (entry, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.byKey[key]
	if !ok {
		return entry{}, false
	}
	return *e, true
}

func (s *state) put(key string, e entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byKey[key] = &e
}

func (s *state) setUAC(key string, uac int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byKey[key]; ok {
		e.uac = uac
	}
}

func (s *state) remove(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byKey, key)
}

// moved records that key now lives at newDN; for a container, every DN
// below the old one moves with it.
func (s *state) moved(key, newDN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byKey[key]
	if !ok {
		return
	}
	old := e.dn
	e.dn = newDN
	if e.kind != diff.Container {
		return
	}
	suffix := "," + strings.ToLower(old)
	for _, d := range s.byKey {
		if len(d.dn) > len(suffix) && strings.HasSuffix(strings.ToLower(d.dn), suffix) {
			d.dn = d.dn[:len(d.dn)-len(suffix)] + "," + newDN
		}
	}
}

func (s *state) unmanagedDN(guid string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	dn, ok := s.unmanaged[guid]
	return dn, ok
}

// replace swaps in the state built by a Read.
func (s *state) replace(byKey map[string]*entry, unmanaged map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byKey = byKey
	s.unmanaged = unmanaged
}

func (s *state) setHome(key, home string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byKey[key]; ok {
		e.home = home
	}
}

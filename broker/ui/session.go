package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/orgsync/orgsync/broker/api"
)

// session is one signed-in person's state, kept on the server; the
// browser holds only its random id.
type session struct {
	id        string
	principal api.Principal
	csrf      string
	lang      string
	seen      time.Time
}

// sessions keeps the sessions in memory (a restart signs everyone out).
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *sessions) create(p api.Principal, lang string, now time.Time) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*session{}
	}
	ss := &session{id: randomToken(), principal: p, csrf: randomToken(), lang: lang, seen: now}
	s.m[ss.id] = ss
	return ss
}

// get returns the session of id when it has been used within idle;
// an idle session is ended.
func (s *sessions) get(id string, now time.Time, idle time.Duration) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[id]
	if !ok {
		return nil, false
	}
	if now.Sub(ss.seen) > idle {
		delete(s.m, id)
		return nil, false
	}
	ss.seen = now
	c := *ss
	return &c, true
}

func (s *sessions) setLang(id, lang string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.m[id]; ok {
		ss.lang = lang
	}
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// sameToken compares two tokens in constant time; "" never matches.
func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// cookie returns the session cookie: HttpOnly, SameSite=Lax, Secure
// unless the server runs on plain HTTP (the demo on localhost).
func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: s.prefix() + "/", HttpOnly: true, Secure: !s.Insecure,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge}
}

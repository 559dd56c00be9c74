// Package sofdfake is a fake of SOFD Core's (OS2sofd) person API for
// tests: GET /api/v2/persons with size and offset, persons in uuid order,
// "nextOffset" the last uuid of the page, the API key in the header
// "ApiKey" (401 without the right one). Only the read the payroll source
// uses is served.
package sofdfake

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"

	"github.com/orgsync/orgsync/adapters/payroll"
)

// Server is a running fake.
type Server struct {
	*httptest.Server
	key     string
	persons []payroll.SOFDPerson
	mu      sync.Mutex
	pages   int
}

// Pages returns the number of pages served.
func (s *Server) Pages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pages
}

// New starts a fake holding persons, accepting key.
func New(key string, persons []payroll.SOFDPerson) *Server {
	s := &Server{key: key, persons: slices.Clone(persons)}
	slices.SortFunc(s.persons, func(a, b payroll.SOFDPerson) int { return cmp.Compare(a.UUID, b.UUID) })
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v2/persons" || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("ApiKey") != s.key {
		http.Error(w, `{"error":"Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	size := 100
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			http.Error(w, "bad size", http.StatusBadRequest)
			return
		}
		size = n
	}
	offset := r.URL.Query().Get("offset")
	i, _ := slices.BinarySearchFunc(s.persons, offset, func(p payroll.SOFDPerson, o string) int { return cmp.Compare(p.UUID, o) })
	if offset != "" && i < len(s.persons) && s.persons[i].UUID == offset {
		i++
	}
	page := payroll.SOFDPage{Persons: s.persons[i:min(i+size, len(s.persons))]}
	if page.Persons == nil {
		page.Persons = []payroll.SOFDPerson{}
	}
	if n := len(page.Persons); n > 0 {
		page.NextOffset = page.Persons[n-1].UUID
	}
	s.mu.Lock()
	s.pages++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

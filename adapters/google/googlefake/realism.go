package googlefake

// This file holds the switches that make the fake behave as awkwardly as
// the real services: search results that lag writes and drive searches
// that come back incomplete. The package documentation's fidelity table
// names the documentation each rests on.

// indexUser copies what a users.list query looks at, for the search
// index kept under Options.SearchLag.
func indexUser(u *user) *user {
	c := *u
	c.CustomSchemas = make(map[string]map[string]any, len(u.CustomSchemas))
	for k, v := range u.CustomSchemas {
		f := make(map[string]any, len(v))
		for fk, fv := range v {
			f[fk] = fv
		}
		c.CustomSchemas[k] = f
	}
	return &c
}

// catchUp makes the search index reflect every user as it is now.
func (s *store) catchUp() {
	s.index = make(map[string]*user, len(s.users))
	for id, u := range s.users {
		s.index[id] = indexUser(u)
	}
}

// searchable returns the version of u a query sees: u itself, or under
// Options.SearchLag the indexed copy (nil for a user created since the
// index last caught up).
func (s *store) searchable(u *user) *user {
	if !s.opts.SearchLag {
		return u
	}
	return s.index[u.ID]
}

// CatchUpSearch brings the users.list search index up to date, as the
// real index is after its lag (Options.SearchLag).
func (f *Fake) CatchUpSearch() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.catchUp()
}

// SetIncompleteSearch switches incomplete drive searches on or off (see
// Options.IncompleteSearch).
func (f *Fake) SetIncompleteSearch(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.opts.IncompleteSearch = on
}

// searchedDrive reports whether a files.list over all drives searches the
// drive id: under Options.IncompleteSearch every second drive (in id
// order) is left out.
func (s *store) searchedDrive(id string) bool {
	if !s.opts.IncompleteSearch {
		return true
	}
	n := 0
	for other := range s.drives {
		if other < id {
			n++
		}
	}
	return n%2 == 0
}

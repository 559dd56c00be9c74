// Package googlefake is an in-process fake of the parts of Google Workspace
// that orgsync's Google adapter uses: the Admin SDK Directory API (users,
// org units, custom schemas, groups and members), the Enterprise License
// Manager API (licence assignments), the Drive API v3 (shared drives,
// folders, permissions) and a Classroom API v1 subset (courses.get and
// patch, courses.teachers list and create; courses are made with
// AddCourse).
//
// It speaks the real JSON shapes on the real URL paths, so tests drive it
// through the real google.golang.org/api clients with option.WithEndpoint
// and option.WithHTTPClient. It pages with nextPageToken, answers errors in
// Google's error envelope ({"error":{"code":…,"message":…,"errors":[{…,
// "reason":…}]}}) and can inject faults: rate-limit errors (403
// userRateLimitExceeded, 403 quotaExceeded, 429 rateLimitExceeded), 503
// errors before or after a write took effect, slow responses, and a real
// per-minute quota. Fault decisions are a pure function of the seed and the
// request (method, path, query, body and how many times that same request
// was seen before), so a run is deterministic under a seed even with
// concurrent clients.
//
// It is a test double, not an emulator: it implements the subset of each API
// that a directory sync needs, validates what a real server would refuse in
// that subset, and documents where it simplifies.
//
// Simplifications worth knowing:
//   - groups.update behaves like patch; users.update differs from
//     users.patch only in clearing repeated fields (see Fidelity).
//   - drives.create answers 409 duplicate when a requestId is repeated by the
//     same user, whatever the body (the real service documents a 409 for a
//     repeated request id); it never returns the earlier drive.
//   - files.list and permissions.list honour the fields parameter for their
//     items and otherwise return only the default fields (files: kind, id,
//     name, mimeType; permissions: kind, id, type, role), as the real Drive
//     API does; Directory and Licensing responses always carry every field.
//   - Authorization headers are ignored; every Drive call acts as
//     Options.Admin.
//
// # Fidelity
//
// Where the real services behave awkwardly, the fake does too, behind a
// switch; each row names the public documentation it rests on and the
// test in this package that shows the fake doing it.
//
//   - User search lags writes (Options.SearchLag, CatchUpSearch): a
//     users.list query answers from an index that does not follow writes;
//     a list without a query is current. Google: "Search for users"
//     (https://developers.google.com/workspace/admin/directory/v1/guides/search-users)
//     and the Directory API's note that search results may take time to
//     reflect changes; the up-to-36-hours figure for custom-schema
//     searches is from field reports, not a documented bound. That a list
//     without a query does not lag is an assumption: no public source says
//     either way. TestSearchLag.
//
//   - Incomplete drive searches (Options.IncompleteSearch): files.list
//     with corpora=allDrives may leave drives out and answer
//     incompleteSearch=true; corpora=drive searches one drive completely.
//     Drive API files.list reference, field incompleteSearch ("Whether the
//     search process was incomplete … e.g. when searching multiple drives
//     with the 'allDrives' corpora"),
//     https://developers.google.com/workspace/drive/api/reference/rest/v3/files/list.
//     Which drives the real service leaves out cannot be known; the fake
//     leaves out every second one. TestIncompleteSearch.
//
//   - users.patch keeps repeated fields it is asked to clear; users.update
//     clears a field set to null. "Method: users.patch" ("This method is
//     unable to clear fields that contain repeated objects … Use the
//     update method instead"),
//     https://developers.google.com/admin-sdk/directory/reference/rest/v1/users/patch,
//     and "Method: users.update" (fields set to null are cleared).
//     TestPatchKeepsRepeatedFields.
//
//   - Drive sharing has its own rate limit, 403 sharingRateLimitExceeded,
//     among the rate-limit faults of permission writes. Drive API
//     "Resolve errors" (https://developers.google.com/workspace/drive/api/guides/handle-errors).
//     TestSharingRateLimit.
//
//   - Licensing knows the real Education SKUs — Fundamentals
//     (Google-Apps/1010070001 and the legacy Google-Apps-For-Education),
//     Education Standard and Plus (101031/1010310005–1010310010), the
//     Teaching and Learning Upgrade (101037/1010370001) — and refuses any
//     other with 400. "Google Product and SKU IDs",
//     https://developers.google.com/workspace/admin/licensing/v1/how-tos/products;
//     the Teaching and Learning Upgrade row could not be read in full in
//     the copies at hand: its SKU id is Google's published one as far as
//     we know, but check it against that page. TestLicensingKnowsEducationSKUs.
//
//   - drives.create with a repeated requestId answers 409 and never the
//     earlier drive. Drive API drives.create reference (requestId "… If
//     the request ID is repeated, a 409 error is returned"). Tested in
//     fake_test.go.
//
//   - Classroom ownership passes only to a teacher of the course:
//     courses.patch of ownerId to anyone else is 400 FAILED_PRECONDITION
//     IneligibleOwner, and courses.patch needs an updateMask of the
//     documented fields. "Method: courses.patch"
//     (https://developers.google.com/workspace/classroom/reference/rest/v1/courses/patch)
//     and "Common Classroom API errors" (IneligibleOwner,
//     https://developers.google.com/workspace/classroom/troubleshooting/common-errors).
//     That the owner must already be a teacher is how we read
//     IneligibleOwner; the pages do not spell it out. TestClassroomOwnerMustBeTeacher.
//
// Not modelled: per-user and per-project quotas other than
// QuotaPerMinute, propagation delays of group membership and org unit
// moves, and eventual consistency of reads by key (the Directory API does
// not document one).
//
// The package uses only the standard library.
package googlefake

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configures a Fake. The zero value is a fault-free fake for the
// domain "skole.test".
type Options struct {
	// Domain is the primary domain; user and group emails must be in it or
	// in ExtraDomains. Default "skole.test".
	Domain string
	// Scopes, when not nil, are the OAuth scopes the token carries (full
	// URLs): a method none of them allows answers 403 (scopes.go).
	Scopes []string
	// ExtraDomains are further verified domains.
	ExtraDomains []string
	// CustomerID is the customer's id; "my_customer" is accepted as an
	// alias for it. Default "C00fake00".
	CustomerID string
	// Admin is the user every Drive call acts as. Default "admin@<Domain>".
	// The fake creates this user (in "/") when it starts.
	Admin string

	// Seed makes fault injection deterministic.
	Seed int64
	// RateLimitShare is the share (0..1) of calls answered with a rate-limit
	// error before they take effect, rotating between 403
	// userRateLimitExceeded, 429 rateLimitExceeded and 403 quotaExceeded.
	RateLimitShare float64
	// ServerErrorShare is the share of calls answered 503 backendError
	// before they take effect.
	ServerErrorShare float64
	// LostResponseShare is the share of writes that take effect and are
	// then answered 503 backendError, as when a response is lost.
	LostResponseShare float64
	// SlowShare is the share of calls delayed by SlowDelay.
	SlowShare float64
	// SlowDelay is the delay of a slow call.
	SlowDelay time.Duration
	// QuotaPerMinute, when positive, enforces a real quota: more than this
	// many calls per API (directory, licensing, drive) in any 60 s window
	// are answered 403 userRateLimitExceeded.
	QuotaPerMinute int

	// Now is the clock used for timestamps; default time.Now.
	Now func() time.Time

	// SearchLag makes users.list queries (query=…) answer from a search
	// index that does not follow writes until CatchUpSearch is called, as
	// Google's user search may lag writes by hours. A list without a query
	// is not a search and sees every user at once.
	SearchLag bool
	// IncompleteSearch makes files.list with corpora=allDrives leave out
	// every second shared drive and answer incompleteSearch=true, as Drive
	// may when a search spans many drives (SetIncompleteSearch switches it
	// on a running fake).
	IncompleteSearch bool
}

// Fake is a running fake Google Workspace. Its zero value is not usable;
// call New.
type Fake struct {
	opts   Options
	server *httptest.Server
	mux    *http.ServeMux

	mu    sync.Mutex
	st    *store
	stats Stats
	seen  map[uint64]int
	quota map[string][]time.Time
	// usedScopes and deniedScopes: Options.Scopes (scopes.go).
	usedScopes   map[string]bool
	deniedScopes []string
}

// Stats are the fake's request counters.
type Stats struct {
	// Calls counts requests by method id (e.g. "directory.users.insert"),
	// including faulted ones.
	Calls map[string]int
	// Faults counts injected faults by method id.
	Faults map[string]int
	// Applied counts writes that took effect, by method id.
	Applied map[string]int
	// QuotaRejections counts calls refused by the per-minute quota.
	QuotaRejections int
}

// Total returns the number of requests of every method.
func (s Stats) Total() int {
	n := 0
	for _, v := range s.Calls {
		n += v
	}
	return n
}

// TotalFaults returns the number of injected faults of every kind.
func (s Stats) TotalFaults() int {
	n := 0
	for _, v := range s.Faults {
		n += v
	}
	return n
}

// CallsOf returns the number of requests to one API ("directory",
// "licensing", "drive").
func (s Stats) CallsOf(api string) int {
	n := 0
	for k, v := range s.Calls {
		if strings.HasPrefix(k, api+".") {
			n += v
		}
	}
	return n
}

// New starts a fake on a loopback port. Close it when done.
func New(opts Options) *Fake {
	f := NewUnstarted(opts)
	f.server = httptest.NewServer(f)
	return f
}

// NewUnstarted returns a fake that is not listening; use it as an
// http.Handler.
func NewUnstarted(opts Options) *Fake {
	if opts.Domain == "" {
		opts.Domain = "skole.test"
	}
	if opts.CustomerID == "" {
		opts.CustomerID = "C00fake00"
	}
	if opts.Admin == "" {
		opts.Admin = "admin@" + opts.Domain
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Fake{
		opts:  opts,
		mux:   http.NewServeMux(),
		st:    newStore(opts),
		seen:  map[uint64]int{},
		quota: map[string][]time.Time{},
		stats: Stats{Calls: map[string]int{}, Faults: map[string]int{}, Applied: map[string]int{}},
	}
	f.routes()
	return f
}

// URL returns the base URL of the running fake, without a trailing slash.
func (f *Fake) URL() string { return f.server.URL }

// Client returns an HTTP client for the fake with enough idle connections
// for concurrent use.
func (f *Fake) Client() *http.Client {
	c := f.server.Client()
	if t, ok := c.Transport.(*http.Transport); ok {
		t = t.Clone()
		t.MaxIdleConnsPerHost = 64
		c = &http.Client{Transport: t}
	}
	return c
}

// Close stops the server.
func (f *Fake) Close() {
	if f.server != nil {
		f.server.Close()
	}
}

// Options returns the options the fake runs with (defaults filled in).
func (f *Fake) Options() Options { return f.opts }

// Stats returns a copy of the counters.
func (f *Fake) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Stats{Calls: map[string]int{}, Faults: map[string]int{}, Applied: map[string]int{}, QuotaRejections: f.stats.QuotaRejections}
	for k, v := range f.stats.Calls {
		c.Calls[k] = v
	}
	for k, v := range f.stats.Faults {
		c.Faults[k] = v
	}
	for k, v := range f.stats.Applied {
		c.Applied[k] = v
	}
	return c
}

// ResetStats sets every counter to zero.
func (f *Fake) ResetStats() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats = Stats{Calls: map[string]int{}, Faults: map[string]int{}, Applied: map[string]int{}}
}

// SetFaults changes the fault shares of a running fake (e.g. to run a
// second sync without faults).
func (f *Fake) SetFaults(rateLimit, serverError, lostResponse float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts.RateLimitShare, f.opts.ServerErrorShare, f.opts.LostResponseShare = rateLimit, serverError, lostResponse
}

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// handlerFunc handles one API method; it runs with f.mu held and returns
// the status and the JSON body (nil for an empty body), or an *apiError.
type handlerFunc func(r *http.Request, body []byte) (int, any, error)

// method registers one API method under its Go 1.22 mux pattern.
func (f *Fake) method(pattern, id string, write bool, h handlerFunc) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, errf(400, "badRequest", "Cannot read request body"))
			return
		}
		fault, slow := f.decide(id, r, body, write)
		if slow {
			time.Sleep(f.opts.SlowDelay)
		}

		f.mu.Lock()
		f.stats.Calls[id]++
		if e := f.authorizeScope(id, write); e != nil {
			f.mu.Unlock()
			writeError(w, e)
			return
		}
		if e := f.checkQuota(id); e != nil {
			f.stats.QuotaRejections++
			f.mu.Unlock()
			writeError(w, e)
			return
		}
		if fault != nil && !fault.after {
			f.stats.Faults[id]++
			f.mu.Unlock()
			writeError(w, fault.err)
			return
		}
		status, resp, herr := h(r, body)
		if herr == nil && write {
			f.stats.Applied[id]++
		}
		if herr == nil && fault != nil && fault.after {
			f.stats.Faults[id]++
			f.mu.Unlock()
			writeError(w, fault.err)
			return
		}
		f.mu.Unlock()

		if herr != nil {
			writeError(w, herr)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		if resp == nil {
			w.WriteHeader(status)
			return
		}
		b, err := json.Marshal(resp)
		if err != nil {
			writeError(w, errf(500, "backendError", "Internal error encountered."))
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write(b)
	})
}

type fault struct {
	err   *apiError
	after bool
}

// decide makes the deterministic fault decisions for one request.
func (f *Fake) decide(id string, r *http.Request, body []byte, write bool) (*fault, bool) {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%s\x00%s\x00%s\x00", id, r.URL.Path, r.URL.RawQuery)
	_, _ = h.Write(body)
	sig := h.Sum64()

	f.mu.Lock()
	n := f.seen[sig]
	f.seen[sig] = n + 1
	o := f.opts
	f.mu.Unlock()

	u := func(salt uint64) float64 {
		var b [24]byte
		binary.LittleEndian.PutUint64(b[0:], uint64(o.Seed))
		binary.LittleEndian.PutUint64(b[8:], sig^salt)
		binary.LittleEndian.PutUint64(b[16:], uint64(n))
		hh := fnv.New64a()
		_, _ = hh.Write(b[:])
		return float64(hh.Sum64()>>11) / float64(1<<53)
	}
	slow := o.SlowShare > 0 && u(0x51) < o.SlowShare
	x := u(0xfa)
	switch {
	case x < o.RateLimitShare:
		if strings.HasPrefix(id, "drive.permissions.") && write {
			// Drive's own limit on sharing, in rotation with the others
			which := int(u(0x7a) * 4)
			if which == 3 {
				return &fault{err: sharingRateLimitError()}, slow
			}
			return &fault{err: rateLimitError(which)}, slow
		}
		return &fault{err: rateLimitError(int(u(0x7a) * 3))}, slow
	case x < o.RateLimitShare+o.ServerErrorShare:
		return &fault{err: errf(503, "backendError", "The service is currently unavailable.")}, slow
	case write && x < o.RateLimitShare+o.ServerErrorShare+o.LostResponseShare:
		return &fault{err: errf(503, "backendError", "The service is currently unavailable."), after: true}, slow
	}
	return nil, slow
}

func rateLimitError(which int) *apiError {
	switch which {
	case 0:
		e := errf(403, "userRateLimitExceeded", "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com'.")
		e.domain, e.status = "usageLimits", "PERMISSION_DENIED"
		return e
	case 1:
		e := errf(429, "rateLimitExceeded", "Rate Limit Exceeded")
		e.domain, e.status = "usageLimits", "RESOURCE_EXHAUSTED"
		return e
	default:
		e := errf(403, "quotaExceeded", "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'admin.googleapis.com'.")
		e.domain, e.status = "usageLimits", "PERMISSION_DENIED"
		return e
	}
}

// sharingRateLimitError is Drive's 403 for too many sharing requests.
func sharingRateLimitError() *apiError {
	e := errf(403, "sharingRateLimitExceeded", "Rate limit exceeded. User message: \"Sorry, you have exceeded your sharing quota.\"")
	e.domain, e.status = "usageLimits", "PERMISSION_DENIED"
	return e
}

// checkQuota enforces Options.QuotaPerMinute; f.mu is held.
func (f *Fake) checkQuota(id string) *apiError {
	if f.opts.QuotaPerMinute <= 0 {
		return nil
	}
	api, _, _ := strings.Cut(id, ".")
	now := f.opts.Now()
	win := f.quota[api]
	cut := 0
	for cut < len(win) && now.Sub(win[cut]) >= time.Minute {
		cut++
	}
	win = win[cut:]
	if len(win) >= f.opts.QuotaPerMinute {
		f.quota[api] = win
		return rateLimitError(0)
	}
	f.quota[api] = append(win, now)
	return nil
}

// apiError is an error answered in Google's JSON error envelope.
type apiError struct {
	code     int
	reason   string
	message  string
	domain   string
	status   string
	location string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.code, e.reason, e.message) }

func errf(code int, reason, format string, args ...any) *apiError {
	return &apiError{code: code, reason: reason, message: fmt.Sprintf(format, args...), domain: "global"}
}

func notFound(format string, args ...any) *apiError { return errf(404, "notFound", format, args...) }
func invalid(format string, args ...any) *apiError  { return errf(400, "invalid", format, args...) }
func duplicate(format string, args ...any) *apiError {
	e := errf(409, "duplicate", format, args...)
	e.status = "ALREADY_EXISTS"
	return e
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = errf(500, "backendError", "%v", err)
	}
	item := map[string]any{"message": e.message, "domain": e.domain, "reason": e.reason}
	if e.location != "" {
		item["location"], item["locationType"] = e.location, "parameter"
	}
	env := map[string]any{"code": e.code, "message": e.message, "errors": []any{item}}
	if e.status != "" {
		env["status"] = e.status
	}
	b, _ := json.Marshal(map[string]any{"error": env})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if e.code == 429 || e.code == 503 {
		w.Header().Set("Retry-After", "0")
	}
	w.WriteHeader(e.code)
	_, _ = w.Write(b)
}

// decodeObject decodes a JSON object body into raw fields.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, errf(400, "parseError", "Invalid JSON payload received. %v", err)
	}
	return m, nil
}

// str decodes a string field; absent or null gives ok=false.
func str(m map[string]json.RawMessage, k string) (string, bool, error) {
	raw, ok := m[k]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, invalid("Invalid value at '%s': %s", k, raw)
	}
	return s, true, nil
}

// boolean decodes a bool field.
func boolean(m map[string]json.RawMessage, k string) (bool, bool, error) {
	raw, ok := m[k]
	if !ok || string(raw) == "null" {
		return false, false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, false, invalid("Invalid value at '%s': %s", k, raw)
	}
	return b, true, nil
}

// page slices sorted keys after a page token (the last key of the previous
// page) and returns the next token.
func page[T any](items []T, key func(T) string, token string, max int) ([]T, string) {
	start := 0
	if token != "" {
		last := decodeToken(token)
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > last })
	}
	end := start + max
	if end >= len(items) {
		return items[start:], ""
	}
	return items[start:end], encodeToken(key(items[end-1]))
}

func encodeToken(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%02x", c)
	}
	return b.String()
}

func decodeToken(t string) string {
	var b []byte
	for i := 0; i+1 < len(t); i += 2 {
		var c byte
		_, _ = fmt.Sscanf(t[i:i+2], "%02x", &c)
		b = append(b, c)
	}
	return string(b)
}

// maxResults reads a page-size parameter with its default and maximum.
func maxResults(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n < 1 {
		e := invalid("Invalid value '%s'. Values must be within the range: [1, %d]", v, max)
		e.location = name
		return 0, e
	}
	if n > max {
		n = max
	}
	return n, nil
}

package graphfake

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Faults sets the share (0..1) of requests that fail. The shares of one
// group are cumulative: Throttle 0.3 and Unavailable 0.1 fail 40 % of
// requests. Top-level faults apply to every HTTP request, including the
// $batch envelope; item faults apply to each request inside a batch.
type Faults struct {
	// Throttle answers 429 TooManyRequests with Retry-After
	// (Options.RetryAfter, default 0).
	Throttle float64
	// Unavailable answers 503 serviceNotAvailable with Retry-After.
	Unavailable float64
	// Drop closes the connection without an answer, before executing.
	Drop float64
	// LostResponse executes a write, then closes the connection without an
	// answer, as a timeout after the server did the work would.
	LostResponse float64

	// ItemThrottle answers 429 with Retry-After for a batch item,
	// without executing it.
	ItemThrottle float64
	// ItemLostResponse executes a batch item's write, then reports 504
	// GatewayTimeout for it: the client cannot tell that the write took
	// effect.
	ItemLostResponse float64
	// BatchFailedDependency answers a whole $batch envelope 424
	// FailedDependency with Retry-After, executing none of its items, as
	// Graph's throttling guidance describes for a throttled batch.
	BatchFailedDependency float64
	// BatchThrottledItems answers a whole $batch envelope 200 with its
	// first item 429 (with Retry-After) and every other item 424
	// FailedDependency without a Retry-After of its own, running none of
	// them: the shape dev-proxy and older Graph guidance describe for a
	// batch throttled as a whole.
	BatchThrottledItems float64
}

// Options configures a Server. The zero value is a usable fake with no
// faults, no registry checks and Graph's default page sizes.
type Options struct {
	// Seed makes fault decisions and object ids reproducible.
	Seed uint64
	// Permissions, when not nil, are the application permissions the
	// token carries: a request none of them allows answers 403
	// (permissions.go).
	Permissions []string
	// Faults is the initial fault configuration; see SetFaults.
	Faults Faults
	// Domains are the tenant's verified domains; when set, a user's
	// userPrincipalName must end in one of them.
	Domains []string
	// ExtensionProperties, when non-nil, is the registry of directory
	// extension property names (extension_{appId}_{name}); writing an
	// unregistered one answers 400 as Graph does.
	ExtensionProperties []string
	// SchemaExtensions, when non-nil, lists the ids of the registered schema
	// extensions; writing another complex property answers 400.
	SchemaExtensions []string
	// PageSize overrides the default page size of lists and delta rounds
	// (Graph: 100); $top still wins when smaller.
	PageSize int
	// YoungGroupAge: PUT /groups/{id}/team answers 404 while the group is
	// younger than this.
	YoungGroupAge time.Duration
	// YoungGroupAttempts: the first n PUT /groups/{id}/team of each group
	// answer 404, as for a group that is not yet replicated to Teams.
	YoungGroupAttempts int
	// Now is the clock for YoungGroupAge and createdDateTime; default
	// time.Now.
	Now func() time.Time

	// Lag models replication lag: an object created through the API is
	// missed by the first Lag look-ups that would find it — GET, PATCH or
	// DELETE by id or userPrincipalName, a filtered list, and a reference
	// to it (members@odata.bind, POST …/members/$ref), which answers 400
	// "… do not exist". Unfiltered lists and delta rounds see it at once.
	// Uniqueness checks (userPrincipalName) always see it. The count, not a
	// clock, keeps tests free of timing.
	Lag int
	// ReorderBatch answers the items of a $batch in reverse order, as
	// Graph may answer them in any order.
	ReorderBatch bool
	// RetryAfter is the Retry-After, in seconds, of throttled answers
	// (default 0).
	RetryAfter int
	// NoUnitRole: the app holds no Groups Administrator or User
	// Administrator role scoped on the administrative units, so creating
	// a group inside a unit (POST /directory/administrativeUnits/{id}/members)
	// answers 403, as Graph does without the role.
	NoUnitRole bool
}

// Counts are the server's request counters.
type Counts struct {
	// Requests is the number of HTTP requests received, $batch envelopes
	// included, faulted ones included.
	Requests int
	// BatchItems is the number of requests carried inside $batch envelopes.
	BatchItems int
	// ByRoute counts HTTP requests by "METHOD /route", with ids replaced by
	// {id}, e.g. "POST /$batch", "GET /users".
	ByRoute map[string]int
	// ItemsByRoute counts batch items the same way.
	ItemsByRoute map[string]int
	// Writes counts writes that took effect (status < 400), by route,
	// whether they came alone or in a batch.
	Writes map[string]int
	// LagMisses counts look-ups and references that missed an object
	// because of Options.Lag.
	LagMisses int
	// Envelopes counts the well-formed $batch envelopes that reached the
	// batch handler (not throttled as a whole request) by their number of
	// items: how full the client's batches are.
	Envelopes map[int]int
}

// Server is a running fake Graph service. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the service root without version, e.g. http://127.0.0.1:4321;
	// the Graph base URL is URL + "/v1.0".
	URL string

	ts   *httptest.Server
	opts Options

	mu       sync.Mutex
	faults   Faults
	objs     map[string]*object
	order    []string // ids in creation order
	nextID   uint64
	seq      int64
	log      []logEntry
	epoch    int
	seen     map[uint64]int
	counts   Counts
	extReg   map[string]bool
	schemaID map[string]bool
	// syncRefusals are refused writes to synced objects (onprem.go).
	syncRefusals []string
	// pwds are the passwords last set, by user id (password.go).
	pwds map[string]string
	// usedPerms and denied: Options.Permissions (permissions.go).
	usedPerms map[string]bool
	denied    []string
}

// New starts a fake Graph service on a loopback port. Close it when done.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:   opts,
		faults: opts.Faults,
		objs:   map[string]*object{},
		seen:   map[uint64]int{},
		counts: Counts{ByRoute: map[string]int{}, ItemsByRoute: map[string]int{}, Writes: map[string]int{}, Envelopes: map[int]int{}},
	}
	if opts.ExtensionProperties != nil {
		s.extReg = map[string]bool{}
		for _, n := range opts.ExtensionProperties {
			s.extReg[n] = true
		}
	}
	if opts.SchemaExtensions != nil {
		s.schemaID = map[string]bool{}
		for _, n := range opts.SchemaExtensions {
			s.schemaID[n] = true
		}
	}
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	return s
}

// BaseURL returns the Graph v1.0 root of the fake, URL + "/v1.0".
func (s *Server) BaseURL() string { return s.URL + "/v1.0" }

// Client returns an http.Client that talks to the fake.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// SetFaults replaces the fault configuration.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Counts returns a copy of the request counters.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts
	c.ByRoute = maps.Clone(c.ByRoute)
	c.ItemsByRoute = maps.Clone(c.ItemsByRoute)
	c.Writes = maps.Clone(c.Writes)
	c.Envelopes = maps.Clone(c.Envelopes)
	return c
}

// ResetCounts sets every request counter to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = Counts{ByRoute: map[string]int{}, ItemsByRoute: map[string]int{}, Writes: map[string]int{}, Envelopes: map[int]int{}}
}

// ExpireDeltaTokens invalidates every delta and skip token handed out so
// far: using one answers 410 Gone with code syncStateNotFound, as Graph does
// for a delta link older than seven days.
func (s *Server) ExpireDeltaTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch++
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, nil, errBody("BadRequest", "cannot read body: "+err.Error()))
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/v1.0")
	if !ok {
		writeJSON(w, http.StatusNotFound, nil, errBody("BadRequest", "Invalid version: only v1.0 is served"))
		return
	}
	isWrite := r.Method != http.MethodGet
	s.mu.Lock()
	s.counts.Requests++
	s.counts.ByRoute[r.Method+" "+routeOf(path)]++
	f := s.decide(r.Method, r.URL.RequestURI(), body)
	s.mu.Unlock()

	switch {
	case f < 0:
	case f == faultThrottle:
		writeJSON(w, http.StatusTooManyRequests, s.retryAfter(),
			errBody("TooManyRequests", "Too many requests; retry after the interval in Retry-After."))
		return
	case f == faultUnavailable:
		writeJSON(w, http.StatusServiceUnavailable, s.retryAfter(),
			errBody("serviceNotAvailable", "The service is temporarily unavailable."))
		return
	case f == faultDrop || (f == faultLost && !isWrite):
		hangUp(w)
		return
	}

	var status int
	var hdr map[string]string
	var out any
	if path == "/$batch" && r.Method == http.MethodPost {
		status, hdr, out = s.batch(body)
	} else {
		hdrs := map[string]string{}
		for k := range r.Header {
			hdrs[k] = r.Header.Get(k)
		}
		status, hdr, out = s.do(r.Method, path, r.URL.RawQuery, hdrs, body, false)
	}
	if f == faultLost {
		hangUp(w)
		return
	}
	writeJSON(w, status, hdr, out)
}

// retryAfter is the Retry-After header of a throttled answer.
func (s *Server) retryAfter() map[string]string {
	return map[string]string{"Retry-After": fmt.Sprint(s.opts.RetryAfter)}
}

type fault int

const (
	faultThrottle fault = iota
	faultUnavailable
	faultDrop
	faultLost
)

// decide picks the fault for a request from a hash of the seed, the request
// and its occurrence number, so that the same run sees the same faults.
// It returns -1 for no fault. Caller holds s.mu.
func (s *Server) decide(method, uri string, body []byte) fault {
	f := s.faults
	if f.Throttle+f.Unavailable+f.Drop+f.LostResponse == 0 {
		return -1
	}
	x := s.roll("top", method, uri, body)
	switch {
	case x < f.Throttle:
		return faultThrottle
	case x < f.Throttle+f.Unavailable:
		return faultUnavailable
	case x < f.Throttle+f.Unavailable+f.Drop:
		return faultDrop
	case x < f.Throttle+f.Unavailable+f.Drop+f.LostResponse:
		return faultLost
	}
	return -1
}

// roll returns a reproducible number in [0,1) for the n-th occurrence of a
// request. Caller holds s.mu.
func (s *Server) roll(scope, method, uri string, body []byte) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], s.opts.Seed)
	h.Write(b[:])
	io.WriteString(h, scope+"\x00"+method+"\x00"+uri+"\x00")
	h.Write(body)
	sig := h.Sum64()
	n := s.seen[sig]
	s.seen[sig] = n + 1
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
	v := h.Sum64()
	// splitmix64 finaliser for a good spread of the low bits
	v ^= v >> 30
	v *= 0xbf58476d1ce4e5b9
	v ^= v >> 27
	v *= 0x94d049bb133111eb
	v ^= v >> 31
	return float64(v>>11) / float64(1<<53)
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var rd io.Reader = r.Body
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		rd = zr
	}
	return io.ReadAll(rd)
}

func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, hdr map[string]string, body any) {
	for k, v := range hdr {
		w.Header().Set(k, v)
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errBody("InternalServerError", err.Error()))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// errBody builds Graph's error shape.
func errBody(code, msg string) map[string]any {
	return map[string]any{"error": map[string]any{
		"code":    code,
		"message": msg,
		"innerError": map[string]any{
			"date":       "2026-01-01T00:00:00",
			"request-id": "00000000-0000-0000-0000-000000000000",
		},
	}}
}

// routeOf replaces ids in a path by {id} for the counters.
func routeOf(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, sg := range segs {
		if i == 0 {
			continue
		}
		switch sg {
		case "members", "owners", "$ref", "team", "assignLicense", "archive", "unarchive", "delta", "delta()", "administrativeUnits", "microsoft.graph.user", "microsoft.graph.group":
			continue
		}
		if i == 1 && segs[0] == "directory" {
			continue
		}
		segs[i] = "{id}"
	}
	return "/" + strings.Join(segs, "/")
}

// object is one directory object.
type object struct {
	id       string
	typ      string // user, group, administrativeUnit
	props    map[string]any
	created  time.Time
	members  map[string]bool
	owners   map[string]bool
	teamTry  int
	password bool
	lag      int // look-ups still to miss it (Options.Lag)
}

// Object is a read-only view of a stored directory object for tests.
type Object struct {
	// ID is the object id.
	ID string
	// Type is "user", "group" or "administrativeUnit".
	Type string
	// Props are all stored properties, extensions included, as decoded
	// JSON values (string, bool, float64, []any, map[string]any).
	Props map[string]any
	// Members and Owners are member and owner ids, sorted.
	Members, Owners []string
	// PasswordSet reports whether a passwordProfile with a password was
	// given at creation.
	PasswordSet bool
}

// Str returns a string property, or "" when it is absent or not a string.
func (o Object) Str(name string) string {
	s, _ := o.Props[name].(string)
	return s
}

func (o *object) view() Object {
	v := Object{ID: o.id, Type: o.typ, Props: cloneJSON(o.props).(map[string]any), PasswordSet: o.password}
	v.Members = sortedKeys(o.members)
	v.Owners = sortedKeys(o.owners)
	return v
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := slices.Collect(maps.Keys(m))
	sort.Strings(out)
	return out
}

func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = cloneJSON(e)
		}
		return s
	}
	return v
}

// Objects returns every stored object of a type ("user", "group",
// "administrativeUnit"), in creation order.
func (s *Server) Objects(typ string) []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Object
	for _, id := range s.order {
		if o, ok := s.objs[id]; ok && o.typ == typ {
			out = append(out, o.view())
		}
	}
	return out
}

// Get returns the object with an id.
func (s *Server) Get(id string) (Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objs[id]
	if !ok {
		return Object{}, false
	}
	return o.view(), true
}

// Seed stores an object directly, bypassing validation and faults, as if an
// administrator had made it; it returns the new id. typ is "user", "group"
// or "administrativeUnit".
func (s *Server) Seed(typ string, props map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.newObject(typ, cloneJSON(props).(map[string]any))
	s.logChange(o, slices.Collect(maps.Keys(o.props)), false)
	return o.id
}

// Caller holds s.mu.
func (s *Server) newObject(typ string, props map[string]any) *object {
	s.nextID++
	id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(s.opts.Seed), uint16(s.nextID>>48), uint16(s.nextID>>36)&0xfff, uint16(s.nextID>>24)&0xfff, s.nextID&0xffffffffffff)
	o := &object{id: id, typ: typ, props: props, created: s.opts.Now(), members: map[string]bool{}, owners: map[string]bool{}}
	o.props["id"] = id
	if typ == "group" {
		o.props["createdDateTime"] = o.created.UTC().Format(time.RFC3339)
	}
	s.objs[id] = o
	s.order = append(s.order, id)
	return o
}

// logEntry is one change, for delta queries.
type logEntry struct {
	seq     int64
	typ     string
	id      string
	props   []string
	removed bool
	member  string
	memDel  bool
}

// Caller holds s.mu.
func (s *Server) logChange(o *object, props []string, removed bool) {
	s.seq++
	s.log = append(s.log, logEntry{seq: s.seq, typ: o.typ, id: o.id, props: props, removed: removed})
}

// Caller holds s.mu.
func (s *Server) logMember(o *object, member string, removed bool) {
	s.seq++
	s.log = append(s.log, logEntry{seq: s.seq, typ: o.typ, id: o.id, member: member, memDel: removed})
}

// jsonBody decodes a request body into a JSON object.
func jsonBody(b []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// Update changes an object's properties directly, as an administrator
// would in the portal (nil removes a property); it is logged for delta
// queries. It reports whether the object exists.
func (s *Server) Update(id string, props map[string]any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objs[id]
	if !ok {
		return false
	}
	var changed []string
	for k, v := range props {
		if v == nil {
			delete(o.props, k)
		} else {
			o.props[k] = cloneJSON(v)
		}
		changed = append(changed, k)
	}
	s.logChange(o, changed, false)
	return true
}

// Delete removes an object directly, as an administrator would. It
// reports whether the object existed.
func (s *Server) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objs[id]
	if !ok {
		return false
	}
	s.remove(o)
	return true
}

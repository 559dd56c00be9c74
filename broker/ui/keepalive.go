package ui

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/orgmodel"
)

// Change is one change an administrator made through the UI (a
// keep-alive entry added or removed, a primary institution set or
// cleared), as the accountability log keeps it.
type Change struct {
	At    time.Time
	Actor string
	Role  api.Role
	// Action is "keep-alive add", "keep-alive remove", "primary set" or
	// "primary clear".
	Action string
	// Person is the ID of the person changed; Detail what was set (the
	// date kept until and the reason, the institution).
	Person, Detail string
	SourceIP       string
}

// ChangeRecorder records changes. RecordChange is called before the
// change is made; when it fails, nothing is changed.
type ChangeRecorder interface {
	RecordChange(ctx context.Context, c Change) error
}

// ChangeRecord is a Change as a record of the accountability log (type
// "ui-change"); the log's readers pass over types they do not know.
type ChangeRecord struct {
	Time time.Time `json:"time"`
	auditlog.Actor
	Role     string `json:"role"`
	Action   string `json:"action"`
	Person   string `json:"personId"`
	Detail   string `json:"detail,omitempty"`
	SourceIP string `json:"sourceIp,omitempty"`
	Client   string `json:"client"`
}

// TypeChange is the record type of ChangeRecord.
const TypeChange = "ui-change"

// RecordType implements auditlog.Record.
func (ChangeRecord) RecordType() string { return TypeChange }

// AuditChanges writes the UI's changes to the accountability log (an
// *auditlog.Log) at once.
type AuditChanges struct {
	Log interface {
		Append(ctx context.Context, r auditlog.Record) error
	}
	// Client names the UI in the records (default "broker-ui").
	Client string
}

// RecordChange implements ChangeRecorder.
func (a AuditChanges) RecordChange(ctx context.Context, c Change) error {
	client := a.Client
	if client == "" {
		client = "broker-ui"
	}
	return a.Log.Append(ctx, ChangeRecord{Time: c.At.UTC(), Actor: auditlog.Actor{ID: c.Actor}, Role: string(c.Role),
		Action: c.Action, Person: c.Person, Detail: c.Detail, SourceIP: c.SourceIP, Client: client})
}

// Limits of the keep-alive form.
const (
	// MaxKeepAlive is how far ahead a keep-alive entry may run: it bridges
	// a gap in the source, it is not a second source.
	MaxKeepAlive = 366 * 24 * time.Hour
	maxReason    = 200
	minReason    = 5
)

// keepAlivePage shows the keep-alive list (a look-up of its persons) with
// the forms; msg, when set, is an error key shown in the page with code,
// and form the values to show again.
func (s *Server) keepAlivePage(w http.ResponseWriter, r *http.Request, ss *session, code int, msg string, form map[string]string) {
	ks := s.Broker.KeepAlives()
	var ids []string
	for _, k := range ks {
		ids = append(ids, k.PersonID)
	}
	if !s.record(w, r, ss, "keep-alive list", "keepalive", ids) {
		return
	}
	now := s.Clock().In(s.location())
	s.render(w, r, ss, code, "keepalive", map[string]any{"KeepAlives": ks, "Error": msg, "Form": form,
		"CanEdit": ss.principal.Role == api.MunicipalAdmin,
		"Min":     now.AddDate(0, 0, 1).Format(time.DateOnly), "Max": now.Add(MaxKeepAlive).Format(time.DateOnly)})
}

func (s *Server) keepAlive(w http.ResponseWriter, r *http.Request, ss *session) {
	s.keepAlivePage(w, r, ss, http.StatusOK, "", nil)
}

// location is the time zone dates in forms are read in (the clock's).
func (s *Server) location() *time.Location {
	return s.Clock().Location()
}

// findPerson finds a person by ID or, failing that, by username (case
// does not matter).
func findPerson(snap *orgmodel.Snapshot, v string) (orgmodel.Person, bool) {
	if p, ok := snap.Person(v); ok {
		return p, true
	}
	if v == "" {
		return orgmodel.Person{}, false
	}
	for _, p := range snap.Persons {
		if p.Username != "" && strings.EqualFold(p.Username, v) {
			return p, true
		}
	}
	return orgmodel.Person{}, false
}

// addKeepAlive adds (or renews) a keep-alive entry: person (ID or
// username), until (YYYY-MM-DD, tomorrow at the earliest, MaxKeepAlive
// ahead at the latest; the entry holds through that day) and a reason.
func (s *Server) addKeepAlive(w http.ResponseWriter, r *http.Request, ss *session) {
	form := map[string]string{"person": strings.TrimSpace(r.PostFormValue("person")),
		"until": strings.TrimSpace(r.PostFormValue("until")), "reason": strings.TrimSpace(r.PostFormValue("reason"))}
	fail := func(msg string) { s.keepAlivePage(w, r, ss, http.StatusBadRequest, msg, form) }
	snap := s.Broker.Snapshot()
	if snap == nil {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
		return
	}
	per, ok := findPerson(snap, form["person"])
	if !ok {
		fail("err.person")
		return
	}
	loc := s.location()
	day, err := time.ParseInLocation(time.DateOnly, form["until"], loc)
	if err != nil {
		fail("err.until")
		return
	}
	now := s.Clock().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if !day.After(today) {
		fail("err.until.past")
		return
	}
	if day.After(now.Add(MaxKeepAlive)) {
		fail("err.until.far")
		return
	}
	reason := form["reason"]
	if n := len([]rune(reason)); n < minReason || n > maxReason || strings.ContainsFunc(reason, unicode.IsControl) {
		fail("err.reason")
		return
	}
	until := day.AddDate(0, 0, 1) // through the day chosen
	if !s.change(w, r, ss, "keep-alive add", per.ID, "until "+form["until"]+": "+reason) {
		return
	}
	err = s.Broker.AddKeepAlive(r.Context(), per.ID, until.Add(-time.Second), ss.principal.ID, reason)
	s.act(w, r, ss, "keep-alive add", err, "/keepalive")
}

// removeKeepAlive ends a keep-alive entry.
func (s *Server) removeKeepAlive(w http.ResponseWriter, r *http.Request, ss *session) {
	person := strings.TrimSpace(r.PostFormValue("person"))
	if !slices.ContainsFunc(s.Broker.KeepAlives(), func(k broker.KeepAlive) bool { return k.PersonID == person }) {
		s.keepAlivePage(w, r, ss, http.StatusBadRequest, "err.notkept", nil)
		return
	}
	if !s.change(w, r, ss, "keep-alive remove", person, "") {
		return
	}
	s.act(w, r, ss, "keep-alive remove", s.Broker.RemoveKeepAlive(r.Context(), person), "/keepalive")
}

// primaryPage shows the primary-institution overrides (a look-up of their
// persons) with the forms; msg as for keepAlivePage.
func (s *Server) primaryPage(w http.ResponseWriter, r *http.Request, ss *session, code int, msg string, form map[string]string) {
	ps := s.Broker.Primaries()
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.PersonID)
	}
	if !s.record(w, r, ss, "primary institutions", "primary", ids) {
		return
	}
	s.render(w, r, ss, code, "primary", map[string]any{"Primaries": ps, "Error": msg, "Form": form,
		"CanEdit": ss.principal.Role == api.MunicipalAdmin})
}

func (s *Server) primary(w http.ResponseWriter, r *http.Request, ss *session) {
	s.primaryPage(w, r, ss, http.StatusOK, "", nil)
}

// setPrimary overrides a person's primary institution: person (ID or
// username) and an institution where the person has an affiliation.
func (s *Server) setPrimary(w http.ResponseWriter, r *http.Request, ss *session) {
	form := map[string]string{"person": strings.TrimSpace(r.PostFormValue("person")),
		"institution": strings.TrimSpace(r.PostFormValue("institution"))}
	fail := func(msg string) { s.primaryPage(w, r, ss, http.StatusBadRequest, msg, form) }
	snap := s.Broker.Snapshot()
	if snap == nil {
		s.errorPage(w, r, ss, http.StatusServiceUnavailable, "err.nosnapshot")
		return
	}
	per, ok := findPerson(snap, form["person"])
	if !ok {
		fail("err.person")
		return
	}
	inst := form["institution"]
	if _, ok := snap.Institution(inst); !ok {
		fail("err.institution")
		return
	}
	if !slices.ContainsFunc(snap.Affiliations, func(a orgmodel.Affiliation) bool {
		return a.PersonID == per.ID && snap.AffiliationInstitution(a) == inst
	}) {
		fail("err.primary")
		return
	}
	if !s.change(w, r, ss, "primary set", per.ID, "institution "+inst) {
		return
	}
	s.act(w, r, ss, "primary set", s.Broker.SetPrimary(r.Context(), per.ID, inst, ss.principal.ID), "/primary")
}

// clearPrimary removes a person's override.
func (s *Server) clearPrimary(w http.ResponseWriter, r *http.Request, ss *session) {
	person := strings.TrimSpace(r.PostFormValue("person"))
	if !slices.ContainsFunc(s.Broker.Primaries(), func(p broker.Primary) bool { return p.PersonID == person }) {
		s.primaryPage(w, r, ss, http.StatusBadRequest, "err.notprimary", nil)
		return
	}
	if !s.change(w, r, ss, "primary clear", person, "") {
		return
	}
	s.act(w, r, ss, "primary clear", s.Broker.ClearPrimary(r.Context(), person), "/primary")
}

// change records a change before it is made; on failure it answers 500
// and returns false, and nothing is changed.
func (s *Server) change(w http.ResponseWriter, r *http.Request, ss *session, action, person, detail string) bool {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	c := Change{At: s.Clock(), Actor: ss.principal.ID, Role: ss.principal.Role, Action: action, Person: person,
		Detail: detail, SourceIP: ip}
	if s.Changes == nil {
		s.Log.Info("ui: change", "actor", c.Actor, "role", c.Role, "action", c.Action, "person", c.Person,
			"detail", c.Detail, "ip", c.SourceIP)
		return true
	}
	if err := s.Changes.RecordChange(r.Context(), c); err != nil {
		s.Log.Error("ui: change not recorded: not made", "principal", ss.principal.ID, "action", action, "err", err)
		s.errorPage(w, r, ss, http.StatusInternalServerError, "err.change")
		return false
	}
	return true
}

package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/diff"
)

// auditClient names the API in look-up records when Server.AuditClient is
// empty.
const auditClient = "broker-api"

// withAudit puts the route's handler behind auditlog.Middleware when the
// server records look-ups, with the principal already authenticated.
func (s *Server) withAudit(rt Route, p *Principal) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rt.handler(w, r, p) })
	if s.Audit == nil || p == nil {
		return h
	}
	client := s.AuditClient
	if client == "" {
		client = auditClient
	}
	who := func(*http.Request) (auditlog.Actor, string, error) {
		return auditlog.Actor{ID: p.ID}, string(p.Role), nil
	}
	return auditlog.Middleware(s.Audit, who, client, h)
}

// returned records that the request returns the persons; on failure it
// answers (400 without a valid purpose, 500 otherwise) and returns false:
// the handler then writes no data. Without Server.Audit it records nothing.
func (s *Server) returned(w http.ResponseWriter, r *http.Request, query string, c auditlog.Criteria, persons []string) bool {
	if s.Audit == nil {
		return true
	}
	if persons == nil {
		persons = []string{}
	}
	err := auditlog.Returned(r.Context(), query, c, persons)
	switch {
	case err == nil:
		return true
	case errors.Is(err, auditlog.ErrRecord):
		writeError(w, http.StatusBadRequest, "a purpose is required to read personal data (header "+auditlog.PurposeHeader+"): "+err.Error())
	default:
		s.Log.Error("api: look-up not recorded: nothing returned", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "the look-up could not be recorded")
	}
	return false
}

// query is the request as typed: its path and query string.
func query(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.Method + " " + r.URL.Path
	}
	return r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery
}

// changePersons returns the persons a plan's user changes concern: the last
// part of their keys ("user/p17" is p17).
func changePersons(cs []diff.Change) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, c := range cs {
		if c.Kind != diff.User {
			continue
		}
		id := c.Key[strings.LastIndexByte(c.Key, '/')+1:]
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

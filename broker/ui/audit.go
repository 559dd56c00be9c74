package ui

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/anomaly"
)

// PagePurposes are the purposes the pages record on their own (the search
// records the one the user chose). An accountability log the UI writes to
// must have them on its purpose list (auditlog.Options.Purposes).
var PagePurposes = []string{"pending changes", "keep-alive list", "primary institutions", "class list", "own children"}

// AuditRecorder writes the UI's look-ups to the accountability log (an
// *auditlog.Log, or an *auditlog.Memory in tests). A look-up the log
// refuses (a purpose not on its list) is not shown.
type AuditRecorder struct {
	Log auditlog.Recorder
	// Client names the UI in the records (default "broker-ui").
	Client string
}

// Record implements Recorder.
func (a AuditRecorder) Record(ctx context.Context, l Lookup) error {
	client := a.Client
	if client == "" {
		client = "broker-ui"
	}
	persons := l.Persons
	if persons == nil {
		persons = []string{}
	}
	return a.Log.Lookup(ctx, auditlog.Lookup{
		Time:     l.At.UTC(),
		Actor:    auditlog.Actor{ID: l.Actor},
		Role:     string(l.Role),
		SourceIP: l.SourceIP,
		Purpose:  l.Purpose,
		Query:    l.Query,
		Persons:  persons,
		Count:    len(persons),
		Client:   client,
	})
}

// anomalies shows the anomaly report of the accountability log (a month
// with ?period=YYYY-MM; CSV with ?format=csv). The log decides whether the
// user's role may read it and records the attempt.
func (s *Server) anomalies(w http.ResponseWriter, r *http.Request, ss *session) {
	if s.Audit == nil {
		s.errorPage(w, r, ss, http.StatusNotFound, "err.noaudit")
		return
	}
	period := strings.TrimSpace(r.URL.Query().Get("period"))
	data := map[string]any{"Period": period}
	var in func(time.Time) bool
	if period != "" {
		f, err := anomaly.Month(period, s.Audit.Location())
		if err != nil {
			data["Error"] = "err.period"
			s.render(w, r, ss, http.StatusBadRequest, "audit", data)
			return
		}
		in = f
	}
	p := &ss.principal
	rep, err := s.Audit.Anomalies(r.Context(), auditlog.Caller{Actor: auditlog.Actor{ID: p.ID}, Role: string(p.Role)},
		"anomaly report (admin UI) "+r.URL.RequestURI(), in, s.Broker.Snapshot())
	switch {
	case errors.Is(err, auditlog.ErrForbidden):
		s.errorPage(w, r, ss, http.StatusForbidden, "err.forbidden")
		return
	case err != nil:
		s.Log.Error("ui: anomaly report", "principal", p.ID, "err", err)
		s.errorPage(w, r, ss, http.StatusInternalServerError, "err.audit")
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="anomalies.csv"`)
		_ = rep.WriteCSV(w)
		return
	}
	data["Report"] = rep
	s.render(w, r, ss, http.StatusOK, "audit", data)
}

package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/anomaly"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/orgmodel"
)

// AuditAccess is what the audit routes (GET /api/v1/audit/trail and
// /api/v1/audit/anomalies) need: the log, which records every access to
// itself (auditlog.Log.Authorize: only its review roles may read it), and
// a reader of what it has written.
type AuditAccess struct {
	Log *auditlog.Log
	// Open opens the log's records for reading (the file the log
	// appends to).
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Directory tells the anomaly report the persons' and staff's
	// scopes; nil takes the persons (institutions, classes, protection)
	// from the broker's snapshot and knows no staff.
	Directory func(ctx context.Context) (anomaly.Directory, error)
	// Staff, when set, learns every principal's role and scope as it
	// authenticates and gives them to the anomaly report (in place of
	// the staff of Directory). Without it, or without Directory's staff,
	// the report knows no actor's scope.
	Staff *StaffDirectory
	// SpotChecks keeps the spot checks (the broker's store, under
	// "audit/spotcheck/<id>"); nil: the spot check routes answer 404.
	SpotChecks broker.Store
	// Report holds the report's thresholds and working hours.
	Report anomaly.Config
}

// maxTrail is the most records one trail request returns.
const maxTrail = 1000

// authorizeAudit asks the log whether p may read it (recording the
// attempt) and opens it; on failure it answers and returns nil.
func (s *Server) authorizeAudit(w http.ResponseWriter, r *http.Request, p *Principal, what string) io.ReadCloser {
	a := s.AuditAccess
	if a == nil || a.Log == nil || a.Open == nil {
		writeError(w, http.StatusNotFound, ErrNoAuditLog.Error())
		return nil
	}
	err := a.Log.Authorize(r.Context(), auditlog.Caller{Actor: auditlog.Actor{ID: p.ID}, Role: string(p.Role)}, what)
	if errors.Is(err, auditlog.ErrForbidden) {
		writeError(w, http.StatusForbidden, err.Error())
		return nil
	}
	if err == nil {
		err = a.Log.Flush(r.Context())
	}
	if err != nil {
		s.Log.Error("api: audit access not recorded: nothing shown", "principal", p.ID, "err", err)
		writeError(w, http.StatusInternalServerError, "the access could not be recorded")
		return nil
	}
	rc, err := a.Open(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "audit log: "+err.Error())
		return nil
	}
	return rc
}

// auditTrail answers the log's last records (limit, default 100, at most
// 1000), optionally of one actor, oldest first, as they were written.
func (s *Server) auditTrail(w http.ResponseWriter, r *http.Request, p *Principal) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTrail {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: want a number from 1 to %d, got %q", maxTrail, v))
			return
		}
		limit = n
	}
	actor := r.URL.Query().Get("actor")
	rc := s.authorizeAudit(w, r, p, "audit trail "+query(r))
	if rc == nil {
		return
	}
	defer rc.Close()
	out := []json.RawMessage{}
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if actor != "" {
			var a struct {
				Actor string `json:"actor"`
			}
			if json.Unmarshal(line, &a) != nil || a.Actor != actor {
				continue
			}
		}
		out = append(out, json.RawMessage(slices.Clone(line)))
		if len(out) > limit {
			out = out[1:]
		}
	}
	if err := sc.Err(); err != nil {
		writeError(w, http.StatusInternalServerError, "audit log: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// auditAnomalies answers the anomaly report over the log (of one month
// when period=YYYY-MM is given) as JSON, or as CSV with format=csv.
func (s *Server) auditAnomalies(w http.ResponseWriter, r *http.Request, p *Principal) {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("format: want json or csv, got %q", format))
		return
	}
	var in func(time.Time) bool
	if period := q.Get("period"); period != "" {
		loc := s.AuditAccess.Location()
		f, err := anomaly.Month(period, loc)
		if err != nil {
			writeError(w, http.StatusBadRequest, "period: "+err.Error())
			return
		}
		in = f
	}
	rep, err := s.AuditAccess.Anomalies(r.Context(), auditlog.Caller{Actor: auditlog.Actor{ID: p.ID}, Role: string(p.Role)},
		"anomaly report "+query(r), in, s.Broker.Snapshot())
	switch {
	case errors.Is(err, ErrNoAuditLog):
		writeError(w, http.StatusNotFound, err.Error())
		return
	case errors.Is(err, auditlog.ErrForbidden):
		writeError(w, http.StatusForbidden, err.Error())
		return
	case err != nil:
		s.Log.Error("api: anomaly report", "principal", p.ID, "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_ = rep.WriteCSV(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = rep.WriteJSON(w)
}

// ErrNoAuditLog: the server keeps no accountability log to read.
var ErrNoAuditLog = errors.New("no audit log configured")

// Anomalies asks the log whether the caller may read it (recording the
// attempt under what; a refusal matches auditlog.ErrForbidden), reads it
// and builds the anomaly report over the look-ups in the period in (nil:
// all). snap gives the persons' scopes when Directory is nil. The API's
// GET /api/v1/audit/anomalies and the admin UI's report page use it.
func (a *AuditAccess) Anomalies(ctx context.Context, c auditlog.Caller, what string, in func(time.Time) bool, snap *orgmodel.Snapshot) (*anomaly.Report, error) {
	if a == nil || a.Log == nil || a.Open == nil {
		return nil, ErrNoAuditLog
	}
	if err := a.Log.Authorize(ctx, c, what); err != nil {
		return nil, err
	}
	if err := a.Log.Flush(ctx); err != nil {
		return nil, err
	}
	rc, err := a.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rc.Close()
	events, actions, err := anomaly.Read(rc)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if in != nil {
		events = slices.DeleteFunc(events, func(e anomaly.Event) bool { return !in(e.Time) })
	}
	dir := snapshotDirectory(snap)
	if a.Directory != nil {
		if dir, err = a.Directory(ctx); err != nil {
			return nil, err
		}
	}
	if a.Staff != nil {
		if dir.Staff, err = a.Staff.Staff(ctx); err != nil {
			return nil, err
		}
	}
	return anomaly.Analyze(events, actions, dir, a.Report), nil
}

// Location is the report's time zone (Report.Location, default UTC).
func (a *AuditAccess) Location() *time.Location {
	if a == nil || a.Report.Location == nil {
		return time.UTC
	}
	return a.Report.Location
}

// snapshotDirectory is the persons of snap (institutions, classes,
// protection); it knows no staff.
func snapshotDirectory(snap *orgmodel.Snapshot) anomaly.Directory {
	dir := anomaly.Directory{Persons: map[string]anomaly.Person{}, Staff: map[string]anomaly.Staff{}}
	if snap == nil {
		return dir
	}
	for _, per := range snap.Persons {
		dir.Persons[per.ID] = anomaly.Person{ID: per.ID, Protected: per.Protected}
	}
	for _, a := range snap.Affiliations {
		ap, ok := dir.Persons[a.PersonID]
		if !ok {
			continue
		}
		inst := snap.AffiliationInstitution(a)
		if !slices.Contains(ap.Institutions, inst) {
			ap.Institutions = append(ap.Institutions, inst)
		}
		if a.MainGroupID != "" {
			ap.Classes = append(ap.Classes, orgmodel.GroupKey(inst, a.MainGroupID))
		}
		dir.Persons[a.PersonID] = ap
	}
	return dir
}

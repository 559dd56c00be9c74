package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/adapters/auditlog/anomaly"
	"github.com/orgsync/orgsync/broker"
)

// Spot checks (stikprøver): a supervisor draws a reproducible random
// sample of a month's look-ups, reviews it, and records the outcome. The
// routes (POST and GET /api/v1/audit/spotchecks, GET
// /api/v1/audit/spotchecks/{id}, POST /api/v1/audit/spotchecks/{id}/reviews)
// read the log, so each goes through auditlog.Log.Authorize like the
// trail: only the log's review roles get an answer, and every attempt is
// an access record. A review is also a review record in the log. The
// spot checks are kept in AuditAccess.SpotChecks under
// "audit/spotcheck/<id>".

// spotCheckPrefix is the store key prefix of the spot checks.
const spotCheckPrefix = "audit/spotcheck/"

// Spot check limits.
const (
	defaultSpotCheckSize = 25
	maxSpotCheckSize     = 1000
)

// SpotCheckOutcomes are the outcomes a review may record.
var SpotCheckOutcomes = []string{"ok", "justified", "unjustified", "referred"}

// ErrSpotCheck: a spot check request is malformed (the message names the
// field).
var ErrSpotCheck = errors.New("spot check")

// SpotCheckRequest is the body of POST /api/v1/audit/spotchecks.
type SpotCheckRequest struct {
	// Period is the month to sample, "YYYY-MM" in the report's time zone;
	// it must have ended.
	Period string `json:"period"`
	// Size is the number of look-ups to draw (default 25, at most 1000).
	Size int `json:"size,omitempty"`
	// Seed seeds the draw: the same log, period and seed give the same
	// sample (anomaly.SpotCheck). Empty draws a random seed, kept with
	// the spot check so that the draw can be repeated.
	Seed string `json:"seed,omitempty"`
}

// SpotCheck is a drawn sample with its reviews.
type SpotCheck struct {
	ID      string    `json:"id"`
	Period  string    `json:"period"`
	Size    int       `json:"size"`
	Seed    string    `json:"seed"`
	DrawnAt time.Time `json:"drawnAt"`
	DrawnBy string    `json:"drawnBy"`
	// Population is the number of look-ups of the period the sample was
	// drawn from.
	Population int `json:"population"`
	// Sample are the drawn look-up records, in log order (omitted in
	// the list).
	Sample  []anomaly.Event   `json:"sample,omitempty"`
	Reviews []SpotCheckReview `json:"reviews"`
}

// SpotCheckReview is a supervisor's outcome for some or all of a
// sample's records (the body of POST .../reviews and its answer).
type SpotCheckReview struct {
	Reviewer string    `json:"reviewer,omitempty"`
	Time     time.Time `json:"time,omitzero"`
	// Records are the seqs reviewed (default: the whole sample).
	Records []int64 `json:"records,omitempty"`
	// Outcome is one of SpotCheckOutcomes.
	Outcome string `json:"outcome"`
	Note    string `json:"note,omitempty"`
}

// spotCheckMu serialises the read-modify-write of a spot check's reviews
// within one process.
var spotCheckMu sync.Mutex

// spotCheckRoutes are the spot check routes; the log decides who may use
// them (Log.Authorize in the handlers).
func spotCheckRoutes(s *Server) []Route {
	anyone := func(*Principal, *http.Request) bool { return true }
	return []Route{
		{Method: "POST", Path: "/api/v1/audit/spotchecks", Allow: anyone, handler: s.drawSpotCheck},
		{Method: "GET", Path: "/api/v1/audit/spotchecks", Allow: anyone, handler: s.spotChecks},
		{Method: "GET", Path: "/api/v1/audit/spotchecks/{id}", Allow: anyone, handler: s.spotCheck},
		{Method: "POST", Path: "/api/v1/audit/spotchecks/{id}/reviews", Allow: anyone, handler: s.reviewSpotCheck},
	}
}

// authorizeSpotChecks checks that spot checks are configured and that p
// may read the log (recording the attempt as what); on failure it
// answers and returns false.
func (s *Server) authorizeSpotChecks(w http.ResponseWriter, r *http.Request, p *Principal, what string) bool {
	a := s.AuditAccess
	if a == nil || a.Log == nil || a.Open == nil || a.SpotChecks == nil {
		writeError(w, http.StatusNotFound, "no audit log or spot check store configured")
		return false
	}
	err := a.Log.Authorize(r.Context(), auditlog.Caller{Actor: auditlog.Actor{ID: p.ID}, Role: string(p.Role)}, what)
	if errors.Is(err, auditlog.ErrForbidden) {
		writeError(w, http.StatusForbidden, err.Error())
		return false
	}
	if err == nil {
		err = a.Log.Flush(r.Context())
	}
	if err != nil {
		s.Log.Error("api: audit access not recorded: nothing shown", "principal", p.ID, "err", err)
		writeError(w, http.StatusInternalServerError, "the access could not be recorded")
		return false
	}
	return true
}

// validSpotCheckID reports whether id is one this package makes
// ("YYYY-MM-" and 12 hex digits).
func validSpotCheckID(id string) bool {
	period, suffix, ok := strings.Cut(id, "-")
	if !ok || len(period) != 4 {
		return false
	}
	month, hexPart, ok := strings.Cut(suffix, "-")
	if !ok || len(month) != 2 || len(hexPart) != 12 {
		return false
	}
	_, err := hex.DecodeString(hexPart)
	return err == nil
}

// parseSpotCheckRequest checks a draw request at now in loc and fills in
// the defaults.
func parseSpotCheckRequest(req SpotCheckRequest, now time.Time, loc *time.Location) (SpotCheckRequest, func(time.Time) bool, error) {
	in, err := anomaly.Month(req.Period, loc)
	if err != nil {
		return req, nil, fmt.Errorf("%w: period: want YYYY-MM, got %q", ErrSpotCheck, req.Period)
	}
	start, _ := time.ParseInLocation("2006-01", req.Period, loc)
	if now.Before(start.AddDate(0, 1, 0)) {
		return req, nil, fmt.Errorf("%w: period %s has not ended: a sample of it would not be reproducible", ErrSpotCheck, req.Period)
	}
	switch {
	case req.Size == 0:
		req.Size = defaultSpotCheckSize
	case req.Size < 0 || req.Size > maxSpotCheckSize:
		return req, nil, fmt.Errorf("%w: size: want 1 to %d, got %d", ErrSpotCheck, maxSpotCheckSize, req.Size)
	}
	if len(req.Seed) > 200 {
		return req, nil, fmt.Errorf("%w: seed: at most 200 characters", ErrSpotCheck)
	}
	if req.Seed == "" {
		req.Seed = randomHex(16)
	}
	return req, in, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// drawSpotCheck draws and stores a sample: 201 with the spot check.
func (s *Server) drawSpotCheck(w http.ResponseWriter, r *http.Request, p *Principal) {
	// The caller is checked (and recorded) before the request is: a
	// refused role learns nothing, not even what a good request is.
	var req SpotCheckRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	derr := dec.Decode(&req)
	if !s.authorizeSpotChecks(w, r, p, fmt.Sprintf("spot check draw %.7q size %d", req.Period, req.Size)) {
		return
	}
	if derr != nil {
		writeError(w, http.StatusBadRequest, "spot check: "+derr.Error())
		return
	}
	now := s.Clock()
	req, in, err := parseSpotCheckRequest(req, now, s.AuditAccess.Location())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sc, err := s.AuditAccess.draw(r.Context(), req, in, p.ID, now)
	if err != nil {
		s.Log.Error("api: spot check", "principal", p.ID, "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, sc)
}

// draw reads the log, draws the sample and stores it.
func (a *AuditAccess) draw(ctx context.Context, req SpotCheckRequest, in func(time.Time) bool, by string, now time.Time) (*SpotCheck, error) {
	rc, err := a.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	events, _, err := anomaly.Read(rc)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	pop := 0
	for _, e := range events {
		if in(e.Time) {
			pop++
		}
	}
	sc := &SpotCheck{ID: req.Period + "-" + randomHex(6), Period: req.Period, Size: req.Size, Seed: req.Seed, DrawnAt: now.UTC(), DrawnBy: by,
		Population: pop, Sample: anomaly.SpotCheck(events, req.Period, in, req.Size, []byte(req.Seed)), Reviews: []SpotCheckReview{}}
	if err := a.putSpotCheck(ctx, sc); err != nil {
		return nil, err
	}
	return sc, nil
}

func (a *AuditAccess) putSpotCheck(ctx context.Context, sc *SpotCheck) error {
	raw, err := json.Marshal(sc)
	if err != nil {
		return fmt.Errorf("spot check %s: %w", sc.ID, err)
	}
	if err := a.SpotChecks.Put(ctx, spotCheckPrefix+sc.ID, raw); err != nil {
		return fmt.Errorf("spot check %s: %w", sc.ID, err)
	}
	return nil
}

func (a *AuditAccess) getSpotCheck(ctx context.Context, id string) (*SpotCheck, error) {
	if !validSpotCheckID(id) {
		return nil, fmt.Errorf("spot check %q: %w", id, broker.ErrNotFound)
	}
	raw, err := a.SpotChecks.Get(ctx, spotCheckPrefix+id)
	if err != nil {
		return nil, fmt.Errorf("spot check %s: %w", id, err)
	}
	var sc SpotCheck
	if err := json.Unmarshal(raw, &sc); err != nil {
		return nil, fmt.Errorf("spot check %s: %w", id, err)
	}
	return &sc, nil
}

// spotChecks lists the spot checks, oldest period first, without their
// samples.
func (s *Server) spotChecks(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !s.authorizeSpotChecks(w, r, p, "spot check list") {
		return
	}
	ctx := r.Context()
	keys, err := s.AuditAccess.SpotChecks.List(ctx, spotCheckPrefix)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "spot checks: "+err.Error())
		return
	}
	out := []SpotCheck{}
	for _, k := range keys {
		sc, err := s.AuditAccess.getSpotCheck(ctx, strings.TrimPrefix(k, spotCheckPrefix))
		if errors.Is(err, broker.ErrNotFound) {
			continue
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, "spot checks: "+err.Error())
			return
		}
		sc.Sample = nil
		out = append(out, *sc)
	}
	writeJSON(w, http.StatusOK, out)
}

// spotCheck answers one spot check with its sample and reviews.
func (s *Server) spotCheck(w http.ResponseWriter, r *http.Request, p *Principal) {
	id := r.PathValue("id")
	if !s.authorizeSpotChecks(w, r, p, "spot check "+id) {
		return
	}
	sc, err := s.AuditAccess.getSpotCheck(r.Context(), id)
	switch {
	case errors.Is(err, broker.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		writeJSON(w, http.StatusOK, sc)
	}
}

// reviewSpotCheck records a supervisor's outcome: a review record in the
// log, then the review in the stored spot check; 201 with the review.
// Nobody reviews their own look-ups (409).
func (s *Server) reviewSpotCheck(w http.ResponseWriter, r *http.Request, p *Principal) {
	id := r.PathValue("id")
	if !s.authorizeSpotChecks(w, r, p, "spot check review "+id) {
		return
	}
	var rv SpotCheckReview
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rv); err != nil {
		writeError(w, http.StatusBadRequest, "spot check review: "+err.Error())
		return
	}
	if !slices.Contains(SpotCheckOutcomes, rv.Outcome) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("spot check review: outcome: want one of %q, got %q", SpotCheckOutcomes, rv.Outcome))
		return
	}
	if len(rv.Note) > 4000 {
		writeError(w, http.StatusBadRequest, "spot check review: note: at most 4000 characters")
		return
	}
	ctx := r.Context()
	spotCheckMu.Lock()
	defer spotCheckMu.Unlock()
	sc, err := s.AuditAccess.getSpotCheck(ctx, id)
	switch {
	case errors.Is(err, broker.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	actors := map[int64]string{}
	for _, e := range sc.Sample {
		actors[e.Seq] = e.Actor.ID
	}
	if len(rv.Records) == 0 {
		for _, e := range sc.Sample {
			rv.Records = append(rv.Records, e.Seq)
		}
	}
	for _, seq := range rv.Records {
		actor, ok := actors[seq]
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("spot check review: records: %d is not in the sample of %s", seq, id))
			return
		}
		if actor == p.ID {
			writeError(w, http.StatusConflict, fmt.Sprintf("spot check review: record %d is your own look-up: another reviewer must review it", seq))
			return
		}
	}
	rv.Reviewer, rv.Time = p.ID, s.Clock().UTC()
	rec := auditlog.Review{Time: rv.Time, Reviewer: auditlog.Actor{ID: p.ID}, Period: sc.Period, Records: rv.Records, Outcome: rv.Outcome,
		Note: strings.TrimSpace("spot check " + sc.ID + ". " + rv.Note)}
	err = s.AuditAccess.Log.Append(ctx, rec)
	if err == nil {
		err = s.AuditAccess.Log.Flush(ctx)
	}
	if err != nil {
		s.Log.Error("api: spot check review not recorded", "principal", p.ID, "err", err)
		writeError(w, http.StatusInternalServerError, "the review could not be recorded")
		return
	}
	sc.Reviews = append(sc.Reviews, rv)
	if err := s.AuditAccess.putSpotCheck(ctx, sc); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, rv)
}

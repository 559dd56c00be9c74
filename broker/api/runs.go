package api

import (
	"net/http"
	"strconv"
)

// Limits of GET /api/v1/clients/{client}/runs?limit=N.
const (
	defaultRunsLimit = 100
	maxRunsLimit     = 1000
)

// runs answers a client's run history, newest first (broker.Broker.Runs):
// counts and outcomes, no persons.
func (s *Server) runs(w http.ResponseWriter, r *http.Request, _ *Principal) {
	limit := defaultRunsLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxRunsLimit {
			writeError(w, http.StatusBadRequest, "runs: limit "+strconv.Quote(v)+": want a number from 1 to "+strconv.Itoa(maxRunsLimit))
			return
		}
		limit = n
	}
	out, err := s.Broker.Runs(r.Context(), r.PathValue("client"), limit)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// dryRun plans a client now without applying anything (broker.Broker.DryRun)
// and answers the plan as GET …/pending does, scoped and recorded.
func (s *Server) dryRun(w http.ResponseWriter, r *http.Request, p *Principal) {
	pd, err := s.Broker.DryRun(r.Context(), r.PathValue("client"))
	if err != nil {
		fail(w, err)
		return
	}
	s.Log.Info("api: dry run", "principal", p.ID, "client", pd.Client)
	// The plan is the broker's planned one, shared: scope a copy.
	cp := *pd
	s.writePending(w, r, p, &cp)
}

package api

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/orgsync/orgsync/adapters/auditlog"
	"github.com/orgsync/orgsync/broker"
)

// The agent routes: an outbound-only agent (Role Agent, its own client
// only) fetches plans, confirms and reports them, and uploads its log
// bundle; administrators see the agents' statuses and ask for and read
// log bundles.
func (s *Server) agentRoutes() []Route {
	ownAgent := func(p *Principal, r *http.Request) bool {
		return p.Role == Agent && p.Client != "" && p.Client == r.PathValue("client")
	}
	return []Route{
		{Method: "POST", Path: "/api/v1/agent/{client}/plan", Allow: ownAgent, handler: s.agentPlan},
		{Method: "POST", Path: "/api/v1/agent/{client}/start", Allow: ownAgent, handler: s.agentStart},
		{Method: "POST", Path: "/api/v1/agent/{client}/report", Allow: ownAgent, handler: s.agentReport},
		{Method: "PUT", Path: "/api/v1/agent/{client}/logs/{id}", Allow: ownAgent, handler: s.agentPutLogs},
		{Method: "GET", Path: "/api/v1/agents", Allow: roles(MunicipalAdmin, PrivacyOfficer), handler: s.agents},
		{Method: "GET", Path: "/api/v1/agents/{client}", Allow: roles(MunicipalAdmin, PrivacyOfficer), handler: s.agentStatus},
		{Method: "POST", Path: "/api/v1/agents/{client}/logs", Allow: roles(MunicipalAdmin), handler: s.requestLogs},
		{Method: "GET", Path: "/api/v1/agents/{client}/logs/{id}", Allow: roles(MunicipalAdmin, PrivacyOfficer), handler: s.getLogs},
	}
}

// AgentHave is the optional body of the agent's plan request: the digest
// of the snapshot it holds, which the plan then leaves out if unchanged.
type AgentHave struct {
	Have string `json:"have"`
}

// AgentSeq is the body of the agent's start request.
type AgentSeq struct {
	Seq int64 `json:"seq"`
}

// AgentReport is the body of the agent's report.
type AgentReport struct {
	Seq    int64             `json:"seq"`
	Report *broker.RunReport `json:"report"`
}

// AgentView is an agent client in the API.
type AgentView struct {
	Name   string             `json:"name"`
	Status broker.AgentStatus `json:"status"`
}

func (s *Server) noAgents(w http.ResponseWriter) bool {
	if s.Agents == nil {
		writeError(w, http.StatusNotFound, "no agent clients are configured")
		return true
	}
	return false
}

func (s *Server) agentPlan(w http.ResponseWriter, r *http.Request, _ *Principal) {
	if s.noAgents(w) {
		return
	}
	var req AgentHave
	if r.ContentLength != 0 {
		if err := decodeBody(w, r, 1<<10, &req); err != nil {
			writeError(w, http.StatusBadRequest, `plan: want no body or {"have": "<digest of the snapshot held>"}`)
			return
		}
	}
	pl, err := s.Agents.Issue(r.Context(), r.PathValue("client"), req.Have)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, pl)
}

func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func (s *Server) agentStart(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.noAgents(w) {
		return
	}
	var req AgentSeq
	if err := decodeBody(w, r, 1<<10, &req); err != nil || req.Seq <= 0 {
		writeError(w, http.StatusBadRequest, `start: want {"seq": <plan's sequence number>}`)
		return
	}
	s.act(w, r, p, "agent start", s.Agents.Start(r.Context(), r.PathValue("client"), req.Seq))
}

func (s *Server) agentReport(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.noAgents(w) {
		return
	}
	var req AgentReport
	if err := decodeBody(w, r, 1<<20, &req); err != nil || req.Seq <= 0 || req.Report == nil {
		writeError(w, http.StatusBadRequest, `report: want {"seq": <plan's sequence number>, "report": {…}}`)
		return
	}
	s.act(w, r, p, "agent report", s.Agents.Report(r.Context(), r.PathValue("client"), req.Seq, req.Report))
}

func (s *Server) agentPutLogs(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.noAgents(w) {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, broker.MaxLogBundle))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "log bundle: "+err.Error())
		return
	}
	s.act(w, r, p, "agent log bundle", s.Agents.PutLogs(r.Context(), r.PathValue("client"), r.PathValue("id"), data))
}

func (s *Server) agents(w http.ResponseWriter, r *http.Request, _ *Principal) {
	out := []AgentView{}
	if s.Agents != nil {
		for _, n := range s.Agents.Clients() {
			st, err := s.Agents.Status(r.Context(), n)
			if err != nil {
				fail(w, err)
				return
			}
			out = append(out, AgentView{Name: n, Status: st})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) agentStatus(w http.ResponseWriter, r *http.Request, _ *Principal) {
	if s.noAgents(w) {
		return
	}
	n := r.PathValue("client")
	st, err := s.Agents.Status(r.Context(), n)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, AgentView{Name: n, Status: st})
}

func (s *Server) requestLogs(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.noAgents(w) {
		return
	}
	id, err := s.Agents.RequestLogs(r.Context(), r.PathValue("client"), p.ID)
	if err != nil {
		fail(w, err)
		return
	}
	s.Log.Info("api: agent log bundle requested", "principal", p.ID, "client", r.PathValue("client"), "id", id)
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id})
}

// getLogs answers the bundle (application/gzip, a tar.gz) once the agent uploaded
// it, 202 before. The bundle holds person IDs and account names, so the
// read is recorded as a look-up (with its purpose), like every other
// read of personal data.
func (s *Server) getLogs(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.noAgents(w) {
		return
	}
	lb, err := s.Agents.Logs(r.Context(), r.PathValue("client"), r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	if lb.Uploaded.IsZero() {
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "requested; the agent uploads it with its next plan"})
		return
	}
	if !s.returned(w, r, query(r), auditlog.Criteria{}, nil) {
		return
	}
	s.Log.Info("api: agent log bundle read", "principal", p.ID, "client", lb.Client, "id", lb.ID)
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+lb.Client+"-"+lb.ID+`.tar.gz"`)
	_, _ = w.Write(lb.Data)
}

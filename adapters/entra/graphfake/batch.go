package graphfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// MaxBatch is Graph's limit of requests in one $batch.
const MaxBatch = 20

type batchReq struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

type batchResp struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// batch handles POST /$batch. Items run in order; an item whose dependency
// failed answers 424. Item faults (throttling, lost responses) are decided
// per item. The envelope answers 200 whatever the items' status.
func (s *Server) batch(body []byte) (int, map[string]string, any) {
	var req struct {
		Requests []batchReq `json:"requests"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return http.StatusBadRequest, nil, errBody("BadRequest", "Invalid batch payload: "+err.Error())
	}
	if len(req.Requests) == 0 {
		return http.StatusBadRequest, nil, errBody("BadRequest", "Invalid batch payload: no requests.")
	}
	if len(req.Requests) > MaxBatch {
		return http.StatusBadRequest, nil, errBody("BadRequest", "Invalid batch payload format: the number of requests exceeds the limit of 20.")
	}
	seen := map[string]bool{}
	for _, it := range req.Requests {
		if it.ID == "" || it.Method == "" || it.URL == "" {
			return http.StatusBadRequest, nil, errBody("BadRequest", "Invalid batch payload: id, method and url are required.")
		}
		if seen[it.ID] {
			return http.StatusBadRequest, nil, errBody("BadRequest", "Invalid batch payload: duplicate request id '"+it.ID+"'.")
		}
		seen[it.ID] = true
	}
	s.mu.Lock()
	s.counts.Envelopes[len(req.Requests)]++
	failEnvelope := s.faults.BatchFailedDependency > 0 && s.roll("envelope", http.MethodPost, "/$batch", body) < s.faults.BatchFailedDependency
	failItems := s.faults.BatchThrottledItems > 0 && s.roll("envelope-items", http.MethodPost, "/$batch", body) < s.faults.BatchThrottledItems
	s.mu.Unlock()
	if failEnvelope {
		return http.StatusFailedDependency, s.retryAfter(),
			errBody("FailedDependency", "The batch was throttled; none of its requests ran. Retry after the interval in Retry-After.")
	}
	if failItems {
		out := make([]batchResp, len(req.Requests))
		for i, it := range req.Requests {
			if i == 0 {
				out[i] = batchResp{ID: it.ID, Status: http.StatusTooManyRequests, Headers: s.retryAfter(),
					Body: errBody("TooManyRequests", "Too many requests; retry after the interval in Retry-After.")}
				continue
			}
			out[i] = batchResp{ID: it.ID, Status: http.StatusFailedDependency,
				Body: errBody("FailedDependency", "The request was not run: its batch was throttled.")}
		}
		return http.StatusOK, nil, map[string]any{"responses": out}
	}
	status := map[string]int{}
	var out []batchResp
	for _, it := range req.Requests {
		r := s.batchItem(it, status)
		status[it.ID] = r.Status
		out = append(out, r)
	}
	if s.opts.ReorderBatch {
		slices.Reverse(out)
	}
	return http.StatusOK, nil, map[string]any{"responses": out}
}

func (s *Server) batchItem(it batchReq, status map[string]int) batchResp {
	resp := func(st int, hdr map[string]string, body any) batchResp {
		h := map[string]string{}
		for k, v := range hdr {
			h[k] = v
		}
		if body != nil {
			h["Content-Type"] = "application/json"
		}
		return batchResp{ID: it.ID, Status: st, Headers: h, Body: body}
	}
	for _, d := range it.DependsOn {
		st, ok := status[d]
		if !ok || st >= 400 {
			return resp(http.StatusFailedDependency, nil, errBody("FailedDependency", "The request depends on request '"+d+"', which failed or was not found."))
		}
	}
	if strings.HasPrefix(it.URL, "http://") || strings.HasPrefix(it.URL, "https://") {
		return resp(http.StatusBadRequest, nil, errBody("BadRequest", "Batch request URLs must be relative to the version root."))
	}
	u := "/" + strings.TrimPrefix(it.URL, "/")
	path, rawQuery, _ := strings.Cut(u, "?")
	var body []byte
	if len(it.Body) > 0 && string(it.Body) != "null" {
		body = it.Body
	}
	method := strings.ToUpper(it.Method)

	s.mu.Lock()
	s.counts.BatchItems++
	s.counts.ItemsByRoute[method+" "+routeOf(path)]++
	f := s.faults
	var x float64
	if f.ItemThrottle+f.ItemLostResponse > 0 {
		x = s.roll("item", method, u, body)
	} else {
		x = 1
	}
	s.mu.Unlock()

	if x < f.ItemThrottle {
		return resp(http.StatusTooManyRequests, s.retryAfter(),
			errBody("TooManyRequests", "Too many requests; retry after the interval in Retry-After."))
	}
	st, hdr, out := s.do(method, path, rawQuery, it.Headers, body, true)
	if x < f.ItemThrottle+f.ItemLostResponse && method != http.MethodGet {
		return resp(http.StatusGatewayTimeout, nil, errBody("GatewayTimeout", "The request timed out."))
	}
	return resp(st, hdr, out)
}

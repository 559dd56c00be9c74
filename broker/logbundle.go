package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MaxLogBundle is the largest log bundle an agent may upload (bytes).
const MaxLogBundle = 32 << 20

// ErrNoLogRequest: an agent uploaded a log bundle nobody asked for (or
// under another id than the one asked for).
var ErrNoLogRequest = errors.New("no such log bundle was requested")

// LogBundle is an agent's local log bundle, uploaded on request, kept in
// the Store under "agent/<client>/logs/<id>". It holds what the agent's
// local log holds: actions with person IDs and account names, no more
// than the audit log does.
type LogBundle struct {
	ID          string    `json:"id"`
	Client      string    `json:"client"`
	RequestedBy string    `json:"requestedBy"`
	Requested   time.Time `json:"requested"`
	Uploaded    time.Time `json:"uploaded,omitzero"`
	// Data is the bundle as the agent made it (a tar.gz archive, agentlog.Log.Bundle).
	Data []byte `json:"data,omitempty"`
}

func logKey(client, id string) string { return "agent/" + client + "/logs/" + id }

// RequestLogs asks the client's agent for its log bundle: the next plan
// it fetches names the returned id, and the agent uploads the bundle
// under it (PutLogs). A request still open is replaced.
func (a *Agents) RequestLogs(ctx context.Context, client, by string) (string, error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	if _, ok := a.clients[client]; !ok {
		return "", fmt.Errorf("agent client %q: %w", client, ErrUnknown)
	}
	lb := &LogBundle{ID: id, Client: client, RequestedBy: by, Requested: a.b.opt.Clock()}
	if err := a.b.putJSON(ctx, logKey(client, id), lb); err != nil { // a new id: nobody else writes it
		return "", err
	}
	_, err := update(ctx, a.b, agentKey(client), func(st *AgentStatus, _ bool) (op, error) {
		st.LogBundle = id
		return opPut, nil
	})
	if err != nil {
		return "", err
	}
	a.b.opt.Log.Info("agent log bundle requested", "client", client, "id", id, "by", by)
	return id, nil
}

// PutLogs keeps the bundle the client's agent uploads for the open
// request id; an upload nobody asked for is refused (ErrNoLogRequest).
func (a *Agents) PutLogs(ctx context.Context, client, id string, data []byte) error {
	if len(data) > MaxLogBundle {
		return fmt.Errorf("agent %s: log bundle %s: %d bytes, the limit is %d", client, id, len(data), MaxLogBundle)
	}
	st, err := a.loadStatus(ctx, client)
	if err != nil {
		return err
	}
	if id == "" || st.LogBundle != id {
		return fmt.Errorf("agent %s: log bundle %q: %w", client, id, ErrNoLogRequest)
	}
	lb, err := a.loadLogs(ctx, client, id)
	if err != nil {
		return err
	}
	lb.Data, lb.Uploaded = data, a.b.opt.Clock()
	if err := a.b.putJSON(ctx, logKey(client, id), lb); err != nil {
		return err
	}
	a.b.opt.Log.Info("agent log bundle uploaded", "client", client, "id", id, "bytes", len(data))
	_, err = update(ctx, a.b, agentKey(client), func(st *AgentStatus, _ bool) (op, error) {
		if st.LogBundle != id {
			return opKeep, nil // a newer request replaced it meanwhile
		}
		st.LogBundle = ""
		return opPut, nil
	})
	return err
}

// Logs returns a requested log bundle; its Data is empty until the agent
// uploaded it.
func (a *Agents) Logs(ctx context.Context, client, id string) (*LogBundle, error) {
	if _, err := a.loadStatus(ctx, client); err != nil {
		return nil, err
	}
	return a.loadLogs(ctx, client, id)
}

func (a *Agents) loadLogs(ctx context.Context, client, id string) (*LogBundle, error) {
	raw, err := a.b.opt.Store.Get(ctx, logKey(client, id))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("agent %s: log bundle %q: %w", client, id, ErrUnknown)
	}
	if err != nil {
		return nil, fmt.Errorf("broker: agent %s: log bundle: %w", client, err)
	}
	var lb LogBundle
	if err := json.Unmarshal(raw, &lb); err != nil {
		return nil, fmt.Errorf("broker: agent %s: log bundle %s: %w", client, id, err)
	}
	return &lb, nil
}

package broker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/provision"
)

// ErrStale: a plan or a report older than the last plan the broker issued
// to the client's agent. The agent applies nothing (or reports nothing)
// for it: a later plan supersedes it.
var ErrStale = errors.New("stale: the broker has issued a later plan")

// AgentClient is a client whose target the broker cannot reach: an
// outbound-only agent next to it (ad-sync agent, next to Active Directory
// inside the municipality) fetches the client's plan from the broker,
// applies it locally and reports back. The broker runs nothing for it.
type AgentClient struct {
	// Name identifies the client (unique among the broker's clients and
	// agent clients; the agent's principal names it).
	Name string
	// FullSyncHour is the hour of the day (0-23, the broker's clock) from
	// which the next plan asks the agent for a full read of its target
	// (once a day); -1 never asks (the agent's delta reads then renew
	// nothing on their own).
	FullSyncHour int
}

// AgentPlan is what the broker issues to an agent: the client's desired
// state as the broker's runs would use it (the source snapshot with the
// year-roll locks and keep-alive entries applied, and the
// primary-institution overrides), under a sequence number. The agent runs
// the pipeline with it against its target.
type AgentPlan struct {
	Client string `json:"client"`
	// Seq increases with every plan issued to the client, across broker
	// restarts (it is kept in the Store before the plan is handed out).
	Seq    int64     `json:"seq"`
	Issued time.Time `json:"issued"`
	// Full asks for a full read of the target (the nightly full run);
	// otherwise the agent reads only what changed where it can.
	Full bool `json:"full,omitempty"`
	// Snapshot is the desired state, left out (Unchanged) when the agent
	// said it has the one with this Digest (the SHA-256 of its JSON).
	Snapshot  *orgmodel.Snapshot `json:"snapshot,omitempty"`
	Digest    string             `json:"digest"`
	Unchanged bool               `json:"unchanged,omitempty"`
	// Primary is the primary-institution overrides (person ID to
	// institution number); see provision.Job.Primary.
	Primary map[string]string `json:"primary,omitempty"`
	// LogBundle, when set, is the id of a log bundle an administrator
	// asked for: the agent uploads its local log bundle under that id.
	LogBundle string `json:"logBundle,omitempty"`
}

// AgentStatus is what the broker keeps of an agent client, under the
// Store key "agent/<client>/seq".
type AgentStatus struct {
	// Seq is the last plan's sequence number issued; Started the last
	// one the agent began to apply; Reported the last one reported.
	Seq      int64     `json:"seq"`
	Issued   time.Time `json:"issued,omitzero"`
	Started  int64     `json:"started,omitempty"`
	Reported int64     `json:"reported,omitempty"`
	LastFull time.Time `json:"lastFull,omitzero"`
	// Last is the last report the agent sent.
	Last *RunReport `json:"last,omitempty"`
	// LogBundle is a requested log bundle not yet uploaded ("" none).
	LogBundle string `json:"logBundle,omitempty"`
}

// Agents serves the broker's agent clients: Issue hands out plans, Start
// and Report take the agent's word that it applies one and how that went.
// Every plan has a sequence number; a plan, start or report for a number
// below the last issued is refused with ErrStale, so that no agent ever
// applies a plan older than the one the broker last issued. Its methods
// are safe for concurrent use; its state is in the broker's Store, so
// that a restarted broker goes on where it stopped.
type Agents struct {
	b       *Broker
	clients map[string]AgentClient
	names   []string
	mu      sync.Mutex // guards the digest cache (the agent records change by swaps)
	// lastSnap and lastDigest cache the digest of the last snapshot
	// issued (the broker's own while no lock or keep-alive entry alters
	// it).
	lastSnap   *orgmodel.Snapshot
	lastDigest string
}

// NewAgents returns the agent clients of b.
func NewAgents(b *Broker, clients ...AgentClient) (*Agents, error) {
	a := &Agents{b: b, clients: map[string]AgentClient{}}
	for _, c := range clients {
		if c.Name == "" {
			return nil, fmt.Errorf("broker: agent client: %w: a client needs a name", provision.ErrConfig)
		}
		if _, dup := a.clients[c.Name]; dup || b.clients[c.Name] != nil {
			return nil, fmt.Errorf("broker: agent client %q: %w: configured twice", c.Name, provision.ErrConfig)
		}
		a.clients[c.Name] = c
		a.names = append(a.names, c.Name)
	}
	slices.Sort(a.names)
	return a, nil
}

// Clients returns the agent clients' names, sorted.
func (a *Agents) Clients() []string { return slices.Clone(a.names) }

func agentKey(client string) string { return "agent/" + client + "/seq" }

// loadStatus loads a client's status.
func (a *Agents) loadStatus(ctx context.Context, client string) (*AgentStatus, error) {
	if _, ok := a.clients[client]; !ok {
		return nil, fmt.Errorf("agent client %q: %w", client, ErrUnknown)
	}
	st := &AgentStatus{}
	raw, err := a.b.opt.Store.Get(ctx, agentKey(client))
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("broker: agent %s: %w", client, err)
	default:
		if err := json.Unmarshal(raw, st); err != nil {
			return nil, fmt.Errorf("broker: agent %s: %w", client, err)
		}
	}
	return st, nil
}

// Status returns what the broker keeps of an agent client.
func (a *Agents) Status(ctx context.Context, client string) (AgentStatus, error) {
	st, err := a.loadStatus(ctx, client)
	if err != nil {
		return AgentStatus{}, err
	}
	return *st, nil
}

// Issue hands out the client's next plan. Its sequence number is saved
// before the plan is returned: a broker restarted afterwards never issues
// the same number again. have is the digest of the snapshot the agent
// holds ("" none): when the plan's is the same, the snapshot is left out
// (AgentPlan.Unchanged), which spares a large municipality's agent tens of
// megabytes each interval.
func (a *Agents) Issue(ctx context.Context, client, have string) (*AgentPlan, error) {
	if _, ok := a.clients[client]; !ok {
		return nil, fmt.Errorf("agent client %q: %w", client, ErrUnknown)
	}
	now := a.b.opt.Clock()
	snap, err := a.b.effective(ctx, now)
	if err != nil {
		return nil, err
	}
	primary, err := a.b.primaryMap(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	digest, err := a.digestLocked(snap)
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	full := false
	// The number is taken by a swap of the client's record: two broker
	// instances issuing at once never hand out the same number.
	st, err := update(ctx, a.b, agentKey(client), func(st *AgentStatus, _ bool) (op, error) {
		full = false
		if h := a.clients[client].FullSyncHour; h >= 0 && h < 24 {
			y, m, d := now.Date()
			slot := time.Date(y, m, d, h, 0, 0, 0, now.Location())
			full = !now.Before(slot) && st.LastFull.Before(slot)
		}
		st.Seq++
		st.Issued = now
		if full {
			st.LastFull = now
		}
		return opPut, nil
	})
	if err != nil {
		return nil, err
	}
	pl := &AgentPlan{Client: client, Seq: st.Seq, Issued: now, Full: full, Snapshot: snap, Digest: digest, Primary: primary, LogBundle: st.LogBundle}
	if have == digest {
		pl.Snapshot, pl.Unchanged = nil, true
	}
	a.b.opt.Log.Info("agent plan issued", "client", client, "seq", st.Seq, "full", full, "unchanged", pl.Unchanged)
	return pl, nil
}

// digestLocked returns the SHA-256 (hex) of the snapshot's JSON; a.mu is
// held.
func (a *Agents) digestLocked(snap *orgmodel.Snapshot) (string, error) {
	if snap == a.lastSnap && a.lastDigest != "" {
		return a.lastDigest, nil
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		return "", fmt.Errorf("broker: agent plan: %w", err)
	}
	sum := sha256.Sum256(raw)
	a.lastSnap, a.lastDigest = snap, hex.EncodeToString(sum[:])
	return a.lastDigest, nil
}

// Start is the agent's word that it is about to apply plan seq: refused
// with ErrStale when a later plan was issued meanwhile (the agent then
// applies nothing and fetches again).
func (a *Agents) Start(ctx context.Context, client string, seq int64) error {
	if _, ok := a.clients[client]; !ok {
		return fmt.Errorf("agent client %q: %w", client, ErrUnknown)
	}
	_, err := update(ctx, a.b, agentKey(client), func(st *AgentStatus, _ bool) (op, error) {
		if seq != st.Seq {
			return opKeep, fmt.Errorf("agent %s: plan %d: %w (last issued %d)", client, seq, ErrStale, st.Seq)
		}
		if st.Started == seq {
			return opKeep, nil // a retry after a dropped answer
		}
		st.Started = seq
		return opPut, nil
	})
	return err
}

// Report takes the agent's report of plan seq. A report of the last
// issued plan is kept (again, idempotently, when the agent repeats it
// after a dropped answer), told to Options.OnRun and, when it failed, to
// Options.Notify; a report of an older plan is refused with ErrStale.
func (a *Agents) Report(ctx context.Context, client string, seq int64, rep *RunReport) error {
	if rep == nil {
		return fmt.Errorf("agent %s: report %d: %w: no report", client, seq, provision.ErrInput)
	}
	if _, ok := a.clients[client]; !ok {
		return fmt.Errorf("agent client %q: %w", client, ErrUnknown)
	}
	repeat := false
	_, err := update(ctx, a.b, agentKey(client), func(st *AgentStatus, _ bool) (op, error) {
		if seq != st.Seq {
			return opKeep, fmt.Errorf("agent %s: report of plan %d: %w (last issued %d)", client, seq, ErrStale, st.Seq)
		}
		repeat = st.Reported == seq
		st.Reported, st.Last = seq, rep
		return opPut, nil
	})
	if err != nil || repeat {
		return err
	}
	a.b.opt.Log.Info("agent report", "client", client, "seq", seq, "planned", rep.Planned, "applied", rep.Applied, "failed", rep.Failed, "err", rep.Error)
	if rep.Error != "" {
		a.b.mu.Lock()
		a.b.notify(Event{Kind: "failed", Client: client, At: a.b.opt.Clock(), Text: fmt.Sprintf("agent plan %d: %s", seq, rep.Error)})
		a.b.mu.Unlock()
		a.b.flush()
	}
	if a.b.opt.OnRun != nil {
		a.b.opt.OnRun(client, rep)
	}
	return nil
}

package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/provision"
)

// Errors of the broker's operations.
var (
	// ErrUnknown: no client, approval or lock by that name.
	ErrUnknown = errors.New("unknown")
	// ErrNoSnapshot: no source snapshot was given yet.
	ErrNoSnapshot = errors.New("no snapshot yet")
	// ErrNotPending: the approval item was already decided.
	ErrNotPending = errors.New("approval is not pending")
	// ErrPaused: the client is paused.
	ErrPaused = errors.New("client is paused")
	// ErrLeased: another broker instance holds the client's lease.
	ErrLeased = errors.New("client is leased by another instance")
)

// Leaser hands the clients out among several broker instances that share
// one Store (high availability; broker/mariadb.Leases is one): an
// instance runs a client only while it holds the client's lease.
type Leaser interface {
	// Hold takes the lease on client, or renews it when this instance
	// holds it already, and keeps renewing it until done is called. The
	// returned context is done when the lease is lost meanwhile. Another
	// instance's lease gives an error matching ErrLeased.
	Hold(ctx context.Context, client string) (held context.Context, done func(), err error)
}

// ClaimReleaser is a Leaser that can give a client's lease up before it
// expires (broker/mariadb.Leases is one). Loop releases this instance's
// leases when it stops, so that on a clean shutdown another instance
// takes the clients over at its next Tick instead of after the TTL.
type ClaimReleaser interface {
	Leaser
	// ReleaseClaim gives up the lease on client if this instance holds
	// it; it is not an error when it does not.
	ReleaseClaim(ctx context.Context, client string) error
}

// Client is one configured target the broker keeps in step.
type Client struct {
	// Name identifies the client (unique; used in the API and the store).
	Name string
	// Target is the directory. When it implements provision.DeltaReader
	// (ad.Client; provision.Remember wraps any other target), the runs
	// between two nightly full syncs read only what changed.
	Target diff.Target
	// Config is the pipeline's configuration: projection, usernames,
	// thresholds, concurrency (Config.Concurrency), audit log. Its
	// Snapshot and State paths are unused: the broker gives both.
	Config provision.Config
	// Delta is the interval between two runs (default 15 minutes).
	Delta time.Duration
	// FullSyncHour is the hour of the day (0-23, the clock's location)
	// of the nightly full sync, a run that happens even when the delta
	// interval has not passed and reads the whole target; -1 disables it.
	FullSyncHour int
	// Taken, when set, lists usernames taken in the target beyond what
	// Read returns (e.g. ad.Client.Usernames); see provision.Job.Taken.
	Taken func(ctx context.Context) ([]string, error)
}

// Options configure a Broker.
type Options struct {
	// Store keeps the state (default: a MemoryStore).
	Store Store
	// Clock is the time (default time.Now). Tests drive it.
	Clock func() time.Time
	// Log receives structured logs (default slog.Default()).
	Log *slog.Logger
	// Notify, when set, is told of events worth an e-mail or a page: a
	// refused plan, a locked institution, a failed run.
	Notify func(Event)
	// OnRun, when set, is called after each run of a client with its
	// report (metrics).
	OnRun func(client string, rep *RunReport)
	// Leases, when set, hands the clients out among the instances that
	// share the Store: Tick renews this instance's leases and runs only
	// the clients it holds, and Run refuses a client another instance
	// holds (ErrLeased). Unset: this instance runs every client.
	Leases Leaser
	// RunHistory is how much of each client's run history is kept
	// (Broker.Runs; default the last 500 runs, none older than 90 days).
	RunHistory RunHistory
	// PlanAhead plans each client in the background after every snapshot,
	// run, pause, resume, release and approval, so that its pending changes are ready
	// when an administrator looks (Broker.Planned) instead of being
	// planned against the target then. It costs one more planning per
	// run (as long as the run's own planning, read-only, holding the
	// client's run lock meanwhile).
	PlanAhead bool
}

// Event is something the broker tells Options.Notify.
type Event struct {
	// Kind is "refused", "locked", "released", "failed" or "applied".
	Kind string `json:"kind"`
	// Client and Institution name what it is about (either may be "").
	Client      string    `json:"client,omitempty"`
	Institution string    `json:"institution,omitempty"`
	At          time.Time `json:"at"`
	// Text is a one-line human explanation.
	Text string `json:"text"`
}

// Broker keeps several clients in step with one organisation snapshot.
// Its methods are safe for concurrent use, and so are several instances
// sharing one Store (a Swapper): the store is the truth for every record
// (statuses, locks, approvals, keep-alive list, primary overrides), which
// are read where they are used and changed by compare-and-swap; an
// instance keeps only the snapshots in memory, reloaded when another
// instance set a newer one.
type Broker struct {
	opt     Options
	clients map[string]*client
	names   []string

	swapMu  sync.Mutex // Swap for a store that is no Swapper
	srcMu   sync.Mutex // loads and sets the source snapshot one at a time
	mu      sync.Mutex // guards events, snap, snapVer, held
	events  []Event    // told to Notify by flush, after b.mu is released
	snap    *orgmodel.Snapshot
	snapVer sourceVersion                 // the version b.snap is
	held    map[string]*orgmodel.Snapshot // by key: the data locks hold
	applyMu sync.Mutex                    // approvals apply one at a time
	x       extras                        // run history and plans ahead (history.go, planahead.go)
}

type client struct {
	Client
	run sync.Mutex // one run of a client at a time
}

// Status is what the broker knows of a client's runs.
type Status struct {
	// Paused clients are not run: nothing is applied until Resume; the
	// next plan then holds everything that changed meanwhile.
	Paused bool `json:"paused"`
	// LastAttempt and LastSuccess are the start of the last run and of
	// the last run that succeeded (applied everything, or nothing to do).
	LastAttempt time.Time `json:"lastAttempt,omitzero"`
	LastSuccess time.Time `json:"lastSuccess,omitzero"`
	LastFull    time.Time `json:"lastFull,omitzero"`
	// Error is the last run's error ("" after a success).
	Error string `json:"error,omitempty"`
	// Last is the last run's report.
	Last *RunReport `json:"last,omitempty"`
}

// RunReport summarises one run of a client.
type RunReport struct {
	At       time.Time     `json:"at"`
	Duration time.Duration `json:"duration"`
	Full     bool          `json:"full,omitempty"`
	// Planned counts the plan's changes; Applied, Failed and Blocked come
	// from the apply report.
	Planned int          `json:"planned"`
	Summary diff.Summary `json:"summary"`
	Applied int          `json:"applied"`
	Failed  int          `json:"failed"`
	Blocked int          `json:"blocked"`
	// Refused is set when a safety threshold refused the plan; Approval
	// names the approval item it became.
	Refused  bool   `json:"refused,omitempty"`
	Approval string `json:"approval,omitempty"`
	Error    string `json:"error,omitempty"`
}

// New returns a broker for clients and loads its state from opt.Store.
func New(ctx context.Context, opt Options, clients ...Client) (*Broker, error) {
	if opt.Store == nil {
		opt.Store = &MemoryStore{}
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	b := &Broker{opt: opt, clients: map[string]*client{}, held: map[string]*orgmodel.Snapshot{}}
	for _, c := range clients {
		if c.Name == "" || c.Target == nil {
			return nil, fmt.Errorf("broker: client %q: %w: a client needs a name and a target", c.Name, provision.ErrConfig)
		}
		if _, dup := b.clients[c.Name]; dup {
			return nil, fmt.Errorf("broker: client %q: %w: configured twice", c.Name, provision.ErrConfig)
		}
		if c.Delta <= 0 {
			c.Delta = 15 * time.Minute
		}
		b.clients[c.Name] = &client{Client: c}
		b.names = append(b.names, c.Name)
	}
	slices.Sort(b.names)
	if err := b.load(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Broker) load(ctx context.Context) error {
	if err := b.migrate(ctx); err != nil {
		return err
	}
	_, err := b.source(ctx)
	return err
}

// source returns the current source snapshot (nil before the first),
// reloaded when another instance set a newer one.
func (b *Broker) source(ctx context.Context) (*orgmodel.Snapshot, error) {
	b.srcMu.Lock()
	defer b.srcMu.Unlock()
	s, _, _, err := b.sourceLocked(ctx)
	return s, err
}

// sourceLocked is source with the version record as read (raw: nil when
// there is none yet); b.srcMu is held.
func (b *Broker) sourceLocked(ctx context.Context) (*orgmodel.Snapshot, sourceVersion, []byte, error) {
	for range 10 {
		ver, raw, found, err := getJSON[sourceVersion](ctx, b.opt.Store, keySourceVersion)
		if err != nil || !found {
			return nil, ver, nil, err
		}
		b.mu.Lock()
		cached, cur := b.snap, b.snapVer
		b.mu.Unlock()
		if ver == cur && cached != nil {
			return cached, ver, raw, nil
		}
		s, err := b.loadSnapshot(ctx, ver.Key)
		if errors.Is(err, ErrNotFound) {
			continue // replaced (and deleted) since the version was read
		}
		if err != nil {
			return nil, ver, nil, err
		}
		b.mu.Lock()
		b.snap, b.snapVer = s, ver
		b.mu.Unlock()
		return s, ver, raw, nil
	}
	return nil, sourceVersion{}, nil, fmt.Errorf("broker: load the source: %w: it changed 10 times while loading", ErrConflict)
}

func (b *Broker) loadSnapshot(ctx context.Context, key string) (*orgmodel.Snapshot, error) {
	raw, err := b.opt.Store.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("broker: load %s: %w", key, err)
	}
	var s orgmodel.Snapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("broker: load %s: %w", key, err)
	}
	s.Index()
	return &s, nil
}

func (b *Broker) putJSON(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("broker: save %s: %w", key, err)
	}
	if err := b.opt.Store.Put(ctx, key, raw); err != nil {
		return fmt.Errorf("broker: save %s: %w", key, err)
	}
	return nil
}

// Clients returns the clients' names, sorted.
func (b *Broker) Clients() []string { return slices.Clone(b.names) }

// Status returns a client's status as the store holds it.
func (b *Broker) Status(name string) (Status, error) {
	return b.status(context.Background(), name)
}

func (b *Broker) status(ctx context.Context, name string) (Status, error) {
	if b.clients[name] == nil {
		return Status{}, fmt.Errorf("client %q: %w", name, ErrUnknown)
	}
	st, _, _, err := getJSON[Status](ctx, b.opt.Store, keyStatus(name))
	return st, err
}

// Pause stops applying to a client until Resume. A run in flight
// finishes.
func (b *Broker) Pause(ctx context.Context, name string) error {
	defer b.planAhead(name)
	return b.setPaused(ctx, name, true)
}

// Resume lets a paused client run again; its next plan holds everything
// that changed while it was paused.
func (b *Broker) Resume(ctx context.Context, name string) error {
	defer b.planAhead(name)
	return b.setPaused(ctx, name, false)
}

func (b *Broker) setPaused(ctx context.Context, name string, p bool) error {
	if b.clients[name] == nil {
		return fmt.Errorf("client %q: %w", name, ErrUnknown)
	}
	_, err := update(ctx, b, keyStatus(name), func(st *Status, _ bool) (op, error) {
		st.Paused = p
		return opPut, nil
	})
	if err == nil {
		b.opt.Log.Info("client paused", "client", name, "paused", p)
	}
	return err
}

// notify queues an event; b.mu is held. The caller flushes after
// releasing b.mu, so that a slow Notify (e-mail) never blocks the broker.
func (b *Broker) notify(e Event) {
	b.opt.Log.Info("event", "kind", e.Kind, "client", e.Client, "institution", e.Institution, "text", e.Text)
	b.events = append(b.events, e)
}

// flush tells Notify the queued events, in order; b.mu is not held.
func (b *Broker) flush() {
	b.mu.Lock()
	es := b.events
	b.events = nil
	b.mu.Unlock()
	if b.opt.Notify == nil {
		return
	}
	for _, e := range es {
		b.opt.Notify(e)
	}
}

// clientState is a client's provision.StateStore in the broker's Store.
type clientState struct {
	s   Store
	key string
}

func (c clientState) LoadState(ctx context.Context) (*provision.State, error) {
	st := &provision.State{}
	raw, err := c.s.Get(ctx, c.key)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("load state: %w", err)
	default:
		if err := json.Unmarshal(raw, st); err != nil {
			return nil, fmt.Errorf("load state %s: %w: %w", c.key, provision.ErrInput, err)
		}
	}
	if st.Usernames == nil {
		st.Usernames = map[string]string{}
	}
	return st, nil
}

func (c clientState) SaveState(ctx context.Context, st *provision.State) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return c.s.Put(ctx, c.key, raw)
}

func (b *Broker) stateOf(name string) clientState {
	return clientState{s: b.opt.Store, key: keyState(name)}
}

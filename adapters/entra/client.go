package entra

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/authentication"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

var _ diff.Target = (*Client)(nil)

// Client is a diff.Target for one Entra ID tenant. It is safe for
// concurrent use; Apply is meant to be called concurrently for the changes
// of one stage (see the package documentation on batching).
type Client struct {
	cfg     Config
	gs      *msgraphsdk.GraphServiceClient
	ad      abs.RequestAdapter
	log     *slog.Logger
	x       *exec
	bind    binder
	backoff time.Duration // base wait after a 5xx or transport failure
	// sleep waits between attempts (tests record the waits)
	sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	objs map[string]*entry // by Key
	// syncedIDs are the ids of the users read with onPremisesSyncEnabled
	// (onprem.go).
	syncedIDs map[string]bool
	pending   map[string]bool // keys of team groups whose team is not made yet
	delta     *deltaState
	gonly     groupsOnly // Config.GroupsOnly (groupsonly.go)

	sends, resends atomic.Int64
	// noUnitCreate: creating a group inside its administrative unit was
	// refused once (no role scoped on the unit); groups are then created
	// and linked in two requests (apply.go, createGroupInUnit).
	noUnitCreate atomic.Bool
}

// entry is what the client knows about a managed object.
type entry struct {
	kind diff.Kind
	id   string
	// parent is the container Key of the administrative unit the object
	// is in ("" for none).
	parent string
	// ext holds the current extension values (schema mode rewrites the
	// whole extension value on every update).
	ext map[string]string
	// team: the group is a team.
	team bool
	// members are the member keys known to be in a group.
	members map[string]bool
	// synced: a user synchronised from on-premises AD (onprem.go).
	synced bool
}

// New returns a Client that talks to Graph through an existing
// GraphServiceClient (e.g. one made with
// msgraphsdk.NewGraphServiceClientWithCredentials). It validates cfg and
// reports every problem at once. ctx is not kept.
func New(ctx context.Context, client *msgraphsdk.GraphServiceClient, cfg Config) (*Client, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: client is nil", ErrConfig)
	}
	return newClient(ctx, client, cfg)
}

// NewWithHTTP returns a Client for the Graph service at baseURL (e.g.
// "https://graph.microsoft.com/v1.0", or a graphfake server's BaseURL),
// sending through hc (its Transport under the SDK's middleware: retry,
// redirect, compression) without authentication. It is meant for tests
// and for callers that authenticate in their own transport.
func NewWithHTTP(ctx context.Context, baseURL string, hc *http.Client, cfg Config) (*Client, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	opts := msgraphsdk.GetDefaultClientOptions()
	mws := msgraphgocore.GetDefaultMiddlewaresWithOptions(&opts)
	parent := hc.Transport
	if parent == nil {
		parent = http.DefaultTransport
	}
	httpClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(parent, mws...),
		Timeout:   hc.Timeout,
		Jar:       hc.Jar,
	}
	ad, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		&authentication.AnonymousAuthenticationProvider{}, nil, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("entra: new request adapter: %w", err)
	}
	ad.SetBaseUrl(strings.TrimRight(baseURL, "/"))
	c, err := newClient(ctx, msgraphsdk.NewGraphServiceClient(ad), cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func newClient(_ context.Context, gs *msgraphsdk.GraphServiceClient, cfg Config) (*Client, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	c := &Client{
		cfg:     cfg,
		gs:      gs,
		ad:      gs.GetAdapter(),
		log:     cfg.Logger,
		backoff: time.Second,
		sleep:   sleep,
		objs:    map[string]*entry{},
		pending: map[string]bool{},
	}
	c.x = newExec(c)
	return c, nil
}

// Config returns the client's configuration with defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Stats are the client's request counters.
type Stats struct {
	// Sends counts logical requests sent (each batch item or single
	// request once per attempt); Resends counts the attempts after the
	// first.
	Sends, Resends int64
}

// Stats returns the request counters.
func (c *Client) Stats() Stats { return Stats{Sends: c.sends.Load(), Resends: c.resends.Load()} }

func (c *Client) count(attempt int) {
	c.sends.Add(1)
	if attempt > 1 {
		c.resends.Add(1)
	}
}

// setBackoff changes the base wait after 5xx and transport failures
// (tests use a short one).
func (c *Client) setBackoff(d time.Duration) { c.backoff = d }

// ext names: the property for a neutral attribute stored in extensions.
func (c *Client) extProp(name string) string {
	if c.cfg.Extensions == SchemaExtension {
		return c.cfg.SchemaExtensionID + "/" + name
	}
	return directoryExt(c.cfg.AppID, name)
}

// extSelect returns the $select names that bring back the extensions.
func (c *Client) extSelect() []string {
	if c.cfg.Extensions == SchemaExtension {
		return []string{c.cfg.SchemaExtensionID}
	}
	names := []string{c.extProp(keyExt), c.extProp(nameExt)}
	for _, a := range c.cfg.ExtensionAttrs {
		names = append(names, c.extProp(a))
	}
	if c.cfg.WriteCPR {
		names = append(names, c.extProp(attr.CPR))
	}
	return names
}

// extRead takes the extension values out of an object's JSON.
func (c *Client) extRead(props map[string]any) map[string]string {
	out := map[string]string{}
	if c.cfg.Extensions == SchemaExtension {
		m, _ := props[c.cfg.SchemaExtensionID].(map[string]any)
		for k, v := range m {
			if s := asString(v); s != "" {
				out[k] = s
			}
		}
		return out
	}
	prefix := directoryExt(c.cfg.AppID, "")
	for k, v := range props {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			if s := asString(v); s != "" {
				out[name] = s
			}
		}
	}
	return out
}

// extWrite puts extension values into a request body: changes (name ->
// value, "" = clear) on top of the current values cur.
func (c *Client) extWrite(body map[string]any, cur, changes map[string]string) {
	if len(changes) == 0 {
		return
	}
	if c.cfg.Extensions == SchemaExtension {
		m := map[string]any{}
		for k, v := range cur {
			m[k] = v
		}
		for k, v := range changes {
			if v == "" {
				m[k] = nil
			} else {
				m[k] = v
			}
		}
		body[c.cfg.SchemaExtensionID] = m
		return
	}
	for k, v := range changes {
		if v == "" {
			body[directoryExt(c.cfg.AppID, k)] = nil
		} else {
			body[directoryExt(c.cfg.AppID, k)] = v
		}
	}
}

// keyFilter is the $filter that finds an object by its Key.
func (c *Client) keyFilter(key string) string {
	return c.extProp(keyExt) + " eq '" + strings.ReplaceAll(key, "'", "''") + "'"
}

func (c *Client) entry(key string) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.objs[key]
	if !ok {
		return nil, false
	}
	cp := *e
	cp.ext = cloneMap(e.ext)
	if e.members != nil {
		cp.members = make(map[string]bool, len(e.members))
		for k := range e.members {
			cp.members[k] = true
		}
	}
	return &cp, true
}

func (c *Client) setEntry(key string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.objs[key] = e
}

// update changes a known entry under the lock.
func (c *Client) update(key string, f func(e *entry)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.objs[key]; ok {
		f(e)
	}
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ID returns the object id the client knows for a Key.
func (c *Client) ID(key string) (string, bool) {
	e, ok := c.entry(key)
	if !ok {
		return "", false
	}
	return e.id, true
}

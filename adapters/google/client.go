package google

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
	admin "google.golang.org/api/admin/directory/v1"
	drive "google.golang.org/api/drive/v3"
	licensing "google.golang.org/api/licensing/v1"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"
)

// Scopes are the OAuth scopes the adapter needs. Grant them to the service
// account's client id for domain-wide delegation in the Admin console
// (Security → API controls → Domain-wide delegation).
var Scopes = []string{
	admin.AdminDirectoryUserScope,
	admin.AdminDirectoryOrgunitScope,
	admin.AdminDirectoryGroupScope,
	admin.AdminDirectoryGroupMemberScope,
	admin.AdminDirectoryUserschemaScope,
	licensing.AppsLicensingScope,
	drive.DriveScope,
}

// Client is a Google Workspace directory as a diff.Target. It is safe for
// concurrent use. It keeps a map from orgsync keys to Google ids, filled by
// Read and by the changes it applies.
type Client struct {
	cfg   Config
	dir   *admin.Service
	lic   *licensing.Service
	drv   *drive.Service
	trans *politeTransport

	mu   sync.Mutex
	objs map[string]*entry // by orgsync key
	// creating holds the drive keys whose create is under way (folders
	// wait for them).
	creating map[string]bool
	// parentLocks serialise name changes under one container key.
	parentLocks map[string]*sync.Mutex
	ensured     bool // the custom schema is known to exist
	ensure      sync.Mutex
}

var _ diff.Target = (*Client)(nil)

// entry is what the client knows about one managed object.
type entry struct {
	kind   diff.Kind
	id     string // user id, group id, orgUnitId ("id:…"), drive id, folder id
	email  string // users and groups
	name   string // containers (for paths), drives and folders
	parent string // containers: parent key
	marker string // drives: id of the marker file in the drive
	drive  string // folders: id of the drive they live in
	// licence is the user's current "product/sku", "" for none.
	licence string
	// perms maps a lower-case member email to its Drive permission id.
	perms map[string]string
	// role is the Drive role of the members of a drive or folder.
	role string
}

// New connects to Google Workspace. opts carry the credentials (see
// DelegatedCredentials) or, in tests, option.WithHTTPClient for a fake
// together with Config.Endpoint. New makes no request.
func New(ctx context.Context, cfg Config, opts ...option.ClientOption) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	base, _, err := htransport.NewClient(ctx, append([]option.ClientOption{option.WithScopes(Scopes...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("google: new client: %w", err)
	}
	t := newTransport(base.Transport, cfg)
	hc := &http.Client{Transport: t, Jar: base.Jar, Timeout: base.Timeout}
	svc := func(path string) []option.ClientOption {
		o := []option.ClientOption{option.WithHTTPClient(hc)}
		if cfg.Endpoint != "" {
			o = append(o, option.WithEndpoint(strings.TrimRight(cfg.Endpoint, "/")+path))
		}
		return o
	}
	c := &Client{cfg: cfg, trans: t, objs: map[string]*entry{}, creating: map[string]bool{}, parentLocks: map[string]*sync.Mutex{}}
	if c.dir, err = admin.NewService(ctx, svc("/")...); err != nil {
		return nil, fmt.Errorf("google: new directory service: %w", err)
	}
	if c.lic, err = licensing.NewService(ctx, svc("/")...); err != nil {
		return nil, fmt.Errorf("google: new licensing service: %w", err)
	}
	if c.drv, err = drive.NewService(ctx, svc("/drive/v3/")...); err != nil {
		return nil, fmt.Errorf("google: new drive service: %w", err)
	}
	return c, nil
}

// Config returns the configuration in use, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Stats returns the HTTP traffic counters.
func (c *Client) Stats() Stats { return c.trans.stats() }

// get returns a copy of the entry of a key (its perms map is shared: read
// and change it under c.mu).
func (c *Client) get(key string) (*entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.objs[key]
	if !ok {
		return nil, false
	}
	cp := *e
	return &cp, true
}

// put records an entry.
func (c *Client) put(key string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.objs[key] = e
}

// update changes an entry under the lock.
func (c *Client) update(key string, f func(e *entry)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.objs[key]; ok {
		f(e)
	}
}

func (c *Client) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.objs, key)
}

// path returns the org unit path of a container key ("" is Root).
func (c *Client) path(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pathLocked(key)
}

func (c *Client) pathLocked(key string) (string, bool) {
	var names []string
	for k, n := key, 0; k != ""; n++ {
		e, ok := c.objs[k]
		if !ok || e.kind != diff.Container || n > 64 {
			return "", false
		}
		names = append(names, e.name)
		k = e.parent
	}
	p := c.cfg.Root
	for i := len(names) - 1; i >= 0; i-- {
		p = strings.TrimRight(p, "/") + "/" + names[i]
	}
	return p, true
}

// randomPassword returns naming's default initial password: 36 random
// letters and digits from crypto/rand with upper, lower and digit.
func randomPassword() (string, error) { return naming.Password(nil, naming.PasswordPolicy{}) }

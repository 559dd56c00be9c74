package ad

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
)

var _ diff.Target = (*Client)(nil)

// Client is a connection pool to one Active Directory domain, managing the
// objects under Config.Base. It is safe for concurrent use: Apply may be
// called from many goroutines. Close it when done.
type Client struct {
	cfg   Config
	tls   *tls.Config
	attrs map[diff.Kind]map[string]string // neutral → AD, per kind
	rev   map[diff.Kind]map[string]string // lower-case AD → neutral
	base  *ldap.DN

	slots []*slot
	next  atomic.Uint32
	// inflight bounds the requests Apply has on the wire at once
	// (perConn per pooled connection). Callers beyond it wait here, not
	// in the server's queue, so a large diff.ApplyOptions.Concurrency
	// (which lets member changes of one group pile up into one modify)
	// never makes a queued request run into Config.Timeout.
	inflight chan struct{}

	state state
	batch memberBatcher
	delta deltaCache // the last read, for ReadDelta

	limitsMu sync.RWMutex
	limits   Limits // see LoadLimits
}

// slot is one pooled connection, redialled when it drops.
type slot struct {
	mu   sync.Mutex
	conn *ldap.Conn
}

// Dial checks cfg, connects and binds one connection (so that a wrong URL,
// certificate or password fails here) and returns the Client. The other
// pool connections are dialled when first needed.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tc, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	base, _ := ldap.ParseDN(cfg.Base)
	c := &Client{cfg: cfg, tls: tc, base: base}
	c.attrs = map[diff.Kind]map[string]string{}
	c.rev = map[diff.Kind]map[string]string{}
	for _, k := range []diff.Kind{diff.Container, diff.User, diff.Group} {
		m := cfg.Attributes.neutral(k)
		c.attrs[k] = m
		r := map[string]string{}
		for n, a := range m {
			r[strings.ToLower(a)] = n
		}
		c.rev[k] = r
	}
	c.slots = make([]*slot, cfg.PoolSize)
	c.inflight = make(chan struct{}, perConn*cfg.PoolSize)
	for i := range c.slots {
		c.slots[i] = &slot{}
	}
	c.state.init()
	c.batch.c = c
	c.limits = defaultLimits()
	if _, err := c.slots[0].get(ctx, c); err != nil {
		return nil, err
	}
	if _, err := c.LoadLimits(ctx); err != nil {
		cfg.Logger.Warn("ad: schema limits not read; using the shipped defaults", "err", err)
	}
	if sfx, err := c.UPNSuffixes(ctx); err == nil && !slices.ContainsFunc(sfx, func(s string) bool { return strings.EqualFold(s, cfg.UPNDomain) }) {
		cfg.Logger.Warn("ad: upnDomain is not a UPN suffix of the forest; users cannot log on with the userPrincipalName orgsync gives them",
			"upnDomain", cfg.UPNDomain, "forest", strings.Join(sfx, ", "))
	}
	return c, nil
}

// Close closes every connection.
func (c *Client) Close() error {
	for _, s := range c.slots {
		s.mu.Lock()
		if s.conn != nil {
			s.conn.Close()
			s.conn = nil
		}
		s.mu.Unlock()
	}
	return nil
}

func tlsConfig(cfg Config) (*tls.Config, error) {
	u, _ := url.Parse(cfg.URL)
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // opt-in, documented
	tc.ServerName = cfg.ServerName
	if tc.ServerName == "" {
		tc.ServerName = u.Hostname()
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ad: config CAFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ad: config CAFile: no PEM certificates in %s", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// dial opens and binds one connection.
func (c *Client) dial(ctx context.Context) (*ldap.Conn, error) {
	d := &net.Dialer{Timeout: c.cfg.Timeout}
	if dl, ok := ctx.Deadline(); ok {
		d.Deadline = dl
	}
	type result struct {
		conn *ldap.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		conn, err := ldap.DialURL(c.cfg.URL, ldap.DialWithDialer(d), ldap.DialWithTLSConfig(c.tls))
		if err == nil && c.cfg.StartTLS {
			if err = conn.StartTLS(c.tls); err != nil {
				conn.Close()
			}
		}
		if err == nil {
			conn.SetTimeout(c.cfg.Timeout)
			if err = conn.Bind(c.cfg.BindDN, c.cfg.Password); err != nil {
				conn.Close()
			}
		}
		ch <- result{conn, err}
	}()
	select {
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.conn != nil {
				r.conn.Close()
			}
		}()
		return nil, ctx.Err()
	case r := <-ch:
		if r.err != nil {
			return nil, &Error{Op: "dial " + c.cfg.URL + " as " + c.cfg.BindDN, Kind: sentinel(r.err), Err: r.err}
		}
		return r.conn, nil
	}
}

// get returns the slot's live connection, dialling when there is none or
// it dropped.
func (s *slot) get(ctx context.Context, c *Client) (*ldap.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil && !s.conn.IsClosing() {
		return s.conn, nil
	}
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	s.conn = conn
	return conn, nil
}

// drop closes conn if it is still the slot's connection, so that the next
// get dials afresh.
func (s *slot) drop(conn *ldap.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == conn && conn != nil {
		conn.Close()
		s.conn = nil
	}
}

// perConn is how many requests Apply keeps in flight per pooled
// connection: enough to keep a domain controller busy while the client
// prepares the next ones, few enough that none waits long in its queue.
const perConn = 8

// pick returns the next slot round-robin.
func (c *Client) pick() *slot {
	return c.slots[int(c.next.Add(1))%len(c.slots)]
}

// do runs op on a pooled connection, abandoning it when ctx ends (the
// connection is closed so that the blocked go-ldap call returns), and
// retrying temporary failures with backoff: a dropped connection is
// redialled. op must be safe to run again; callers make creates and
// renames idempotent by checking what is there on ErrExists/ErrNotFound.
func (c *Client) do(ctx context.Context, op func(*ldap.Conn) error) error {
	delay := c.cfg.RetryDelay
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, c.pick(), op)
		if err == nil || ctx.Err() != nil || !temporary(err) || attempt >= c.cfg.Retries {
			return err
		}
		if !network(err) || attempt > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
			delay *= 2
		}
	}
}

func (c *Client) once(ctx context.Context, s *slot, op func(*ldap.Conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case c.inflight <- struct{}{}:
		defer func() { <-c.inflight }()
	case <-ctx.Done():
		return ctx.Err()
	}
	conn, err := s.get(ctx, c)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	done := make(chan error, 1)
	go func() { done <- op(conn) }()
	select {
	case <-ctx.Done():
		// The only way to unblock go-ldap's synchronous call.
		s.drop(conn)
		<-done
		return ctx.Err()
	case err := <-done:
		if network(err) {
			s.drop(conn)
		}
		return err
	}
}

// isTLS reports whether conn is encrypted (LDAPS or StartTLS).
func isTLS(conn *ldap.Conn) bool {
	_, ok := conn.TLSConnectionState()
	return ok
}

var errPlain = errors.New("refusing to send a password over an unencrypted connection")

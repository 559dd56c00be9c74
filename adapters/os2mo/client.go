package os2mo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// APIVersion is the OS2mo GraphQL version this package is written for; its
// endpoint is Config.URL + "/graphql/" + APIVersion.
const APIVersion = "v22"

// Errors of the adapter; wrapped, test them with errors.Is.
var (
	// ErrAuth: the token endpoint refused the credentials, or OS2mo kept
	// refusing fresh tokens.
	ErrAuth = errors.New("os2mo: authentication failed")
	// ErrGraphQL: OS2mo answered with GraphQL errors.
	ErrGraphQL = errors.New("os2mo: graphql error")
	// ErrTransport: OS2mo could not be reached or answered HTTP errors
	// after the retries.
	ErrTransport = errors.New("os2mo: transport")
	// ErrConfig: the configuration is incomplete or names an unknown class
	// or IT system.
	ErrConfig = errors.New("os2mo: configuration")
)

// Config says where OS2mo is and how to read it.
type Config struct {
	// URL is OS2mo's base URL, e.g. "https://os2mo.kommune.dk".
	URL string
	// TokenURL is Keycloak's token endpoint, e.g.
	// "https://os2mo.kommune.dk/auth/realms/mo/protocol/openid-connect/token".
	TokenURL     string
	ClientID     string
	ClientSecret string
	// HTTPClient is the transport to use (its Timeout bounds each request);
	// nil means a client with a 60 s timeout.
	HTTPClient *http.Client
	// PageSize is the limit of each paged query; 0 means 500.
	PageSize int
	// Retries is how often a request failing with a transport error or
	// HTTP 5xx/429 is retried (with doubling back-off from 200 ms); 0
	// means 3.
	Retries int
	Logger  *slog.Logger
}

// Client talks to one OS2mo.
type Client struct {
	cfg      Config
	endpoint string
	hc       *http.Client

	mu  sync.Mutex
	src oauth2.TokenSource

	requests atomic.Int64
}

// New returns a client; it does not contact OS2mo.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.TokenURL == "" || cfg.ClientID == "" {
		return nil, fmt.Errorf("%w: URL, TokenURL and ClientID are required", ErrConfig)
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 500
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	c := &Client{cfg: cfg, hc: hc, endpoint: strings.TrimRight(cfg.URL, "/") + "/graphql/" + APIVersion}
	c.resetToken()
	return c, nil
}

// Requests returns the number of GraphQL requests sent (retries included).
func (c *Client) Requests() int { return int(c.requests.Load()) }

func (c *Client) resetToken() { c.refused("") }

// refused drops the cached token when it is still the one OS2mo refused
// (concurrent readers refused the same token fetch one new token).
func (c *Client) refused(access string) {
	cc := &clientcredentials.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, TokenURL: c.cfg.TokenURL}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c.hc)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.src != nil && access != "" {
		if cur, err := c.src.Token(); err == nil && cur.AccessToken != access {
			return
		}
	}
	c.src = cc.TokenSource(ctx)
}

func (c *Client) token() (*oauth2.Token, error) {
	c.mu.Lock()
	src := c.src
	c.mu.Unlock()
	t, err := src.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: token: %v", ErrAuth, err)
	}
	return t, nil
}

// maxRefreshes bounds the fresh tokens one request asks for after 401s.
const maxRefreshes = 3

type gqlError struct {
	Message string `json:"message"`
	Path    []any  `json:"path,omitempty"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do sends one GraphQL operation and decodes its data into out. A 401 gets
// a fresh token (a token may expire mid-read; up to maxRefreshes times); transport errors and
// 5xx/429 are retried with back-off.
func (c *Client) do(ctx context.Context, op, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars, "operationName": op})
	if err != nil {
		return err
	}
	refreshes := 0
	backoff := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		tok, err := c.token()
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%w: %v", ErrTransport, err)
		}
		req.Header.Set("Content-Type", "application/json")
		tok.SetAuthHeader(req)
		c.requests.Add(1)
		resp, err := c.hc.Do(req)
		var status int
		var raw []byte
		if err == nil {
			status = resp.StatusCode
			raw, err = io.ReadAll(io.LimitReader(resp.Body, 256<<20))
			resp.Body.Close()
		}
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("%w: %s: %w", ErrTransport, op, ctx.Err())
		case err == nil && status == http.StatusUnauthorized:
			if refreshes == maxRefreshes {
				return fmt.Errorf("%w: %s: OS2mo refused %d fresh tokens", ErrAuth, op, refreshes)
			}
			c.cfg.Logger.InfoContext(ctx, "os2mo: token refused, fetching a new one", "op", op)
			refreshes++
			c.refused(tok.AccessToken)
			continue
		case err != nil || status >= 500 || status == http.StatusTooManyRequests:
			if attempt >= c.cfg.Retries {
				if err == nil {
					err = fmt.Errorf("HTTP %d", status)
				}
				return fmt.Errorf("%w: %s: %v", ErrTransport, op, err)
			}
			c.cfg.Logger.WarnContext(ctx, "os2mo: retrying", "op", op, "status", status, "err", err)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return fmt.Errorf("%w: %s: %w", ErrTransport, op, ctx.Err())
			}
			backoff *= 2
			continue
		}
		var gr gqlResponse
		if err := json.Unmarshal(raw, &gr); err != nil {
			return fmt.Errorf("%w: %s: HTTP %d, body is not JSON: %v", ErrTransport, op, status, err)
		}
		if len(gr.Errors) > 0 {
			msgs := make([]string, len(gr.Errors))
			for i, e := range gr.Errors {
				msgs[i] = e.Message
			}
			return fmt.Errorf("%w: %s: %s", ErrGraphQL, op, strings.Join(msgs, "; "))
		}
		if status != http.StatusOK {
			return fmt.Errorf("%w: %s: HTTP %d", ErrTransport, op, status)
		}
		if err := json.Unmarshal(gr.Data, out); err != nil {
			return fmt.Errorf("%w: %s: decode data: %v", ErrGraphQL, op, err)
		}
		return nil
	}
}

// validity is OS2mo's Validity: from and the inclusive last day to.
type validity struct {
	From *string `json:"from"`
	To   *string `json:"to"`
}

type paged[T any] struct {
	Objects []struct {
		UUID       string `json:"uuid"`
		Validities []T    `json:"validities"`
	} `json:"objects"`
	PageInfo struct {
		NextCursor *string `json:"next_cursor"`
	} `json:"page_info"`
}

// pageAll reads every page of a collection; q names the collection, the
// filter type and the selected fields of one validity.
func pageAll[T any](ctx context.Context, c *Client, q query, filter map[string]any, fn func(uuid string, vs []T) error) error {
	var cursor any
	for page := 1; ; page++ {
		var data map[string]paged[T]
		vars := map[string]any{"limit": c.cfg.PageSize, "cursor": cursor, "filter": filter}
		if err := c.do(ctx, q.op, q.text(), vars, &data); err != nil {
			return fmt.Errorf("%s page %d: %w", q.collection, page, err)
		}
		p := data[q.collection]
		for _, o := range p.Objects {
			if err := fn(o.UUID, o.Validities); err != nil {
				return err
			}
		}
		if p.PageInfo.NextCursor == nil {
			return nil
		}
		cursor = *p.PageInfo.NextCursor
	}
}

package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
	"github.com/orgsync/orgsync/provision"
)

// fileConfig is the broker's one YAML file (see broker.example.yaml).
type fileConfig struct {
	// Listen is the API's address (default 127.0.0.1:8080).
	Listen string `yaml:"listen"`
	// TLS, when set, serves HTTPS itself (otherwise plain HTTP, for a
	// reverse proxy in front), with client certificates for mutual TLS.
	TLS *tlsConfig `yaml:"tls"`
	// Certs are principals authenticated by their TLS client certificate
	// (mutual TLS; needs tls.clientCAFile), e.g. the agents.
	Certs []certConfig `yaml:"certs"`
	// State is the folder of the broker's state (broker.FileStore) and
	// snapshot history.
	State string `yaml:"state"`
	// Database, when set, keeps the broker's state and snapshot history
	// in MariaDB instead of the State folder, and shares the clients with
	// the other instances on the same database by per-client leases.
	Database *databaseConfig `yaml:"database"`
	// Tick is how often the scheduler looks for due clients (default 30s).
	Tick time.Duration `yaml:"tick"`
	// RunHistory is how much of each client's run history is kept
	// (broker.Options.RunHistory).
	RunHistory runHistoryConfig `yaml:"runHistory"`
	// PlanAhead plans each client in the background after every import
	// and run, so that the UI's pending page is ready (default true).
	PlanAhead *bool `yaml:"planAhead"`
	// Grace is how long a run in flight may go on after SIGTERM (default 30s).
	Grace   time.Duration  `yaml:"grace"`
	Tokens  []tokenConfig  `yaml:"tokens"`
	Sources sourceConfig   `yaml:"sources"`
	Mail    *mailConfig    `yaml:"mail"`
	Clients []clientConfig `yaml:"clients"`
	// Agents are the agent clients: directories the broker cannot reach,
	// applied by an outbound-only agent next to them (ad-sync agent),
	// which authenticates with a token of role "agent" naming the client.
	Agents []agentClientConfig `yaml:"agents"`
	// UI is the admin web UI behind SAML (none when absent).
	UI *uiConfig `yaml:"ui"`
	// Audit is the accountability log (see audit.go; none when absent).
	Audit *auditConfig `yaml:"audit"`
	// Municipalities, when set, makes this one service for several
	// municipalities (municipalities.go): each has its own clients,
	// tokens, sources and part of the state; tokens, sources, clients,
	// mail, ui and audit are then per municipality, not at the top.
	Municipalities []municipalityConfig `yaml:"municipalities"`
}

// runHistoryConfig is broker.RunHistory: max runs per client (default
// 500, -1 keeps none) and their maximum age (default 2160h, 90 days).
type runHistoryConfig struct {
	Max    int           `yaml:"max"`
	MaxAge time.Duration `yaml:"maxAge"`
}

// tokenConfig is a principal authenticated by a bearer token.
type tokenConfig struct {
	// TokenEnv names the environment variable holding the token;
	// TokenFile a file with it.
	TokenEnv     string   `yaml:"tokenEnv"`
	TokenFile    string   `yaml:"tokenFile"`
	ID           string   `yaml:"id"`
	Kind         string   `yaml:"kind"`
	Role         string   `yaml:"role"`
	Institutions []string `yaml:"institutions"`
	Classes      []string `yaml:"classes"`
	Children     []string `yaml:"children"`
	// Client is the agent client an "agent" token serves.
	Client string `yaml:"client"`
}

// tlsConfig is "tls": the broker's own certificate, and the CA that
// issues the client certificates it accepts.
type tlsConfig struct {
	CertFile     string `yaml:"certFile"`
	KeyFile      string `yaml:"keyFile"`
	ClientCAFile string `yaml:"clientCAFile"`
}

// certConfig is one entry of "certs": a client certificate, by its
// SHA-256 fingerprint (openssl x509 -noout -fingerprint -sha256), and the
// principal it maps to.
type certConfig struct {
	Fingerprint string `yaml:"fingerprint"`
	ID          string `yaml:"id"`
	Role        string `yaml:"role"`
	Client      string `yaml:"client"`
}

// agentClientConfig is one entry of "agents".
type agentClientConfig struct {
	Name string `yaml:"name"`
	// FullSyncHour is the hour from which the day's first plan asks the
	// agent for a full read (default 2; -1 never).
	FullSyncHour *int `yaml:"fullSyncHour"`
}

// sourceConfig is "sources".
type sourceConfig struct {
	// Snapshot is an organisation snapshot (JSON, e.g. from
	// examples/stil-import) read at start and whenever the file changes.
	Snapshot string `yaml:"snapshot"`
	// Guard is the head-count guard.
	Guard guardConfig `yaml:"guard"`
	// STIL fetches the WS-17 exports on a schedule.
	STIL *stilConfig `yaml:"stil"`
}

// stilConfig is "sources.stil": the institutions fetched at up to 4 times
// a day, from the WS-17 service (endpoint, certFile, keyFile) or from a
// folder the exports are saved into (folder: <institution>.xml).
type stilConfig struct {
	Institutions     []string `yaml:"institutions"`
	Times            []string `yaml:"times"`
	Folder           string   `yaml:"folder"`
	Endpoint         string   `yaml:"endpoint"`
	CertFile         string   `yaml:"certFile"`
	KeyFile          string   `yaml:"keyFile"`
	SupplierSystemID string   `yaml:"supplierSystemId"`
}

type guardConfig struct {
	MinShare    float64 `yaml:"minShare"`
	MinPrevious int     `yaml:"minPrevious"`
}

// clientConfig is one entry of "clients": the pipeline's settings inline.
type clientConfig struct {
	Name string `yaml:"name"`
	// Type is the target: "memdir", "ad", "google", or "entra" (only in a
	// build with -tags entra, see entra.go).
	Type         string        `yaml:"type"`
	Delta        time.Duration `yaml:"delta"`
	FullSyncHour *int          `yaml:"fullSyncHour"`
	// Path is the memdir file.
	Path string `yaml:"path"`
	// AD is the "ad" section of an AD client.
	AD *adConfig `yaml:"ad"`
	// Google is the "google" section of a Google Workspace client.
	Google *googleConfig `yaml:"google"`
	// Entra is the "entra" section of an Entra ID client (entra.go; in
	// the default build any map, as such a client is an error there).
	Entra *entraConfig `yaml:"entra"`

	provision.Config `yaml:",inline"`
}

// mailConfig is "mail": where alarms and reports go.
type mailConfig struct {
	// Server is host:port of the SMTP server (STARTTLS is required unless
	// insecure is set, for a local relay).
	Server      string   `yaml:"server"`
	Username    string   `yaml:"username"`
	PasswordEnv string   `yaml:"passwordEnv"`
	From        string   `yaml:"from"`
	To          []string `yaml:"to"`
	Insecure    bool     `yaml:"insecure"`
	// StaleAfter alarms when a client has not succeeded for this long
	// (default 24h).
	StaleAfter time.Duration `yaml:"staleAfter"`
	// SummaryHour is the hour of the daily summary (default 7).
	SummaryHour *int `yaml:"summaryHour"`
	// HeadCountShare alarms when an institution's head count moves by
	// more than this share between two snapshots (default 0.1).
	HeadCountShare float64 `yaml:"headCountShare"`
}

// targetTypes are the client types this binary knows (see newTarget).
var targetTypes = map[string]bool{"memdir": true, "ad": true, "google": true}

// parseConfig reads the YAML: an unknown key or a bad value is an error
// naming it.
func parseConfig(b []byte) (*fileConfig, error) {
	fc := &fileConfig{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(fc); err != nil {
		return nil, fmt.Errorf("%w: %w", provision.ErrConfig, err)
	}
	// Once more for the clients, each from the pipeline's defaults (the
	// strict pass above has checked the keys).
	var raw struct {
		Clients        []yaml.Node `yaml:"clients"`
		Municipalities []struct {
			Clients []yaml.Node `yaml:"clients"`
		} `yaml:"municipalities"`
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", provision.ErrConfig, err)
	}
	decodeClients := func(key string, nodes []yaml.Node, into []clientConfig) error {
		for i := range nodes {
			c := clientConfig{Config: provision.Defaults()}
			clientDefaults(nodes[i], &c)
			if err := nodes[i].Decode(&c); err != nil {
				return fmt.Errorf("%w: %s[%d]: %w", provision.ErrConfig, key, i, err)
			}
			into[i] = c
		}
		return nil
	}
	if err := decodeClients("clients", raw.Clients, fc.Clients); err != nil {
		return nil, err
	}
	for i, m := range raw.Municipalities {
		if err := decodeClients(fmt.Sprintf("municipalities[%d].clients", i), m.Clients, fc.Municipalities[i].Clients); err != nil {
			return nil, err
		}
	}
	if fc.Listen == "" {
		fc.Listen = "127.0.0.1:8080"
	}
	if fc.Tick == 0 {
		fc.Tick = 30 * time.Second
	}
	if fc.Grace == 0 {
		fc.Grace = 30 * time.Second
	}
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", provision.ErrConfig, key, fmt.Sprintf(format, args...)))
	}
	if fc.State == "" {
		bad("state", "required: the folder of the broker's state")
	}
	if fc.Tick < 0 {
		bad("tick", "must be positive, not %v", fc.Tick)
	}
	if fc.Grace < 0 {
		bad("grace", "must be positive, not %v", fc.Grace)
	}
	if d := fc.Database; d != nil {
		if d.DSNEnv == "" {
			bad("database.dsnEnv", "required: the environment variable holding the DSN")
		}
		if d.LeaseTTL == 0 {
			d.LeaseTTL = 30 * time.Second
		}
		if d.LeaseTTL <= fc.Tick {
			bad("database.leaseTTL", "must be longer than tick (%v): the scheduler renews the leases every tick", fc.Tick)
		}
	}
	if len(fc.Municipalities) > 0 {
		errs = append(errs, checkMunicipalities(fc, bad)...)
	} else if len(fc.Clients) == 0 && len(fc.Agents) == 0 {
		bad("clients", "at least one client (or agent client) is needed")
	}
	agents := checkAgents(fc.Agents, bad)
	errs = append(errs, checkClients("clients", fc.Clients, agents, bad)...)
	checkTokens("tokens", fc.Tokens, agents, bad)
	if t := fc.TLS; t != nil && (t.CertFile == "" || t.KeyFile == "") {
		bad("tls", "certFile and keyFile are required")
	}
	if len(fc.Certs) > 0 && (fc.TLS == nil || fc.TLS.ClientCAFile == "") {
		bad("certs", "client certificates need tls.clientCAFile (the broker verifies them)")
	}
	for i, c := range fc.Certs {
		key := fmt.Sprintf("certs[%d]", i)
		if len(api.NormalizeFingerprint(c.Fingerprint)) != 64 {
			bad(key+".fingerprint", "want a SHA-256 fingerprint (64 hex digits, colons allowed)")
		}
		if c.ID == "" {
			bad(key+".id", "required")
		}
		switch api.Role(c.Role) {
		case api.Agent:
			if !agents[c.Client] {
				bad(key+".client", "an agent certificate names one of agents, not %q", c.Client)
			}
		case api.Importer:
		default:
			bad(key+".role", "want agent or importer for a machine certificate, not %q", c.Role)
		}
	}
	if m := fc.Mail; m != nil {
		if m.Server == "" {
			bad("mail.server", "required")
		}
		if m.From == "" {
			bad("mail.from", "required")
		}
		if len(m.To) == 0 {
			bad("mail.to", "at least one recipient")
		}
		if h := m.SummaryHour; h != nil && (*h < 0 || *h > 23) {
			bad("mail.summaryHour", "want 0-23, not %d", *h)
		}
		if m.HeadCountShare < 0 || m.HeadCountShare >= 1 {
			bad("mail.headCountShare", "want a share between 0 and 1, not %v", m.HeadCountShare)
		}
	}
	checkSources("sources", &fc.Sources, bad)
	fc.Audit.check(bad)
	return fc, errors.Join(errs...)
}

// checkAgents checks the agent clients and returns their names.
func checkAgents(list []agentClientConfig, bad func(key, format string, args ...any)) map[string]bool {
	agents := map[string]bool{}
	for i, a := range list {
		key := fmt.Sprintf("agents[%d]", i)
		switch {
		case a.Name == "":
			bad(key+".name", "required")
		case agents[a.Name]:
			bad(key+".name", "%q is used twice", a.Name)
		}
		agents[a.Name] = true
		if h := a.FullSyncHour; h != nil && (*h < -1 || *h > 23) {
			bad(key+".fullSyncHour", "want 0-23, or -1 for none, not %d", *h)
		}
	}
	return agents
}

// checkClients checks the clients under prefix (clients, or a
// municipality's); the target types' own checks (checkClient) are
// returned.
func checkClients(prefix string, clients []clientConfig, agents map[string]bool, bad func(key, format string, args ...any)) (more []error) {
	names := map[string]bool{}
	for i, c := range clients {
		key := fmt.Sprintf("%s[%d]", prefix, i)
		switch {
		case c.Name == "":
			bad(key+".name", "required")
		case names[c.Name], agents[c.Name]:
			bad(key+".name", "%q is used twice", c.Name)
		}
		names[c.Name] = true
		if c.Type == "entra" && !targetTypes["entra"] {
			bad(key+".type", "entra needs the broker built with the Microsoft Graph SDK: go build -tags entra ./examples/broker")
		} else if !targetTypes[c.Type] {
			bad(key+".type", "unknown type %q (this build knows %s)", c.Type, strings.Join(sortedTypes(), ", "))
		}
		if c.Type == "memdir" && c.Path == "" {
			bad(key+".path", "required for a memdir client")
		}
		if c.Type == "ad" {
			switch a := c.AD; {
			case a == nil:
				bad(key+".ad", "required for an ad client")
			case a.URL == "" || a.BindDN == "" || a.Base == "" || a.UPNDomain == "":
				bad(key+".ad", "url, bindDN, base and upnDomain are required")
			case !strings.HasPrefix(a.URL, "ldaps://") && !strings.HasPrefix(a.URL, "ldap://"):
				bad(key+".ad.url", "want ldaps://host:636, not %q", a.URL)
			}
		}
		if c.Type != "ad" && c.AD != nil {
			bad(key+".ad", "only for a client of type ad")
		}
		more = append(more, checkClient(key, c)...)
		if c.Snapshot != "" || c.State != "" {
			bad(key, "snapshot and state are not per client in the broker: the broker gives both (see sources and state)")
		}
		if c.Delta < 0 {
			bad(key+".delta", "must be positive, not %v", c.Delta)
		}
		if h := c.FullSyncHour; h != nil && (*h < -1 || *h > 23) {
			bad(key+".fullSyncHour", "want 0-23, or -1 for none, not %d", *h)
		}
		if c.Concurrency < 0 {
			bad(key+".concurrency", "must not be negative")
		}
	}
	return more
}

// checkTokens checks the tokens under prefix.
func checkTokens(prefix string, tokens []tokenConfig, agents map[string]bool, bad func(key, format string, args ...any)) {
	for i, t := range tokens {
		key := fmt.Sprintf("%s[%d]", prefix, i)
		switch api.Role(t.Role) {
		case api.MunicipalAdmin, api.SchoolAdmin, api.Teacher, api.Parent, api.PrivacyOfficer, api.Importer:
			if t.Client != "" {
				bad(key+".client", "only for a token of role agent")
			}
		case api.Agent:
			if !agents[t.Client] {
				bad(key+".client", "an agent token names one of agents, not %q", t.Client)
			}
		default:
			bad(key+".role", "unknown role %q", t.Role)
		}
		if t.ID == "" {
			bad(key+".id", "required")
		}
		if t.TokenEnv == "" && t.TokenFile == "" {
			bad(key, "tokenEnv or tokenFile is required")
		}
		if t.Kind != "" && t.Kind != "client" && t.Kind != "person" {
			bad(key+".kind", "want client or person, not %q", t.Kind)
		}
	}
}

// checkSources checks the sources under prefix.
func checkSources(prefix string, src *sourceConfig, bad func(key, format string, args ...any)) {
	if st := src.STIL; st != nil {
		if len(st.Institutions) == 0 {
			bad(prefix+".stil.institutions", "at least one institution number")
		}
		if len(st.Times) == 0 || len(st.Times) > broker.MaxFetchTimes {
			bad(prefix+".stil.times", "want 1 to %d times a day (STIL allows %d exports per institution per day), not %d", broker.MaxFetchTimes, broker.MaxFetchTimes, len(st.Times))
		}
		for i, t := range st.Times {
			if _, err := time.Parse("15:04", t); err != nil {
				bad(fmt.Sprintf("%s.stil.times[%d]", prefix, i), "%q is not a time of day (HH:MM)", t)
			}
		}
		switch {
		case st.Folder != "" && (st.CertFile != "" || st.KeyFile != ""):
			bad(prefix+".stil", "folder or certFile/keyFile, not both")
		case st.Folder == "" && (st.CertFile == "" || st.KeyFile == ""):
			bad(prefix+".stil", "folder, or certFile and keyFile for the WS-17 service, are required")
		}
	}
	if g := src.Guard; g.MinShare >= 1 {
		bad(prefix+".guard.minShare", "want a share below 1, not %v", g.MinShare)
	}
}

func sortedTypes() []string { return slices.Sorted(maps.Keys(targetTypes)) }

// tokens reads the configured tokens.
func (fc *fileConfig) tokens(getenv func(string) string) (api.Tokens, error) {
	return readTokens("tokens", fc.Tokens, getenv)
}

// readTokens reads the tokens under prefix.
func readTokens(prefix string, tokens []tokenConfig, getenv func(string) string) (api.Tokens, error) {
	out := api.Tokens{}
	for i, t := range tokens {
		var tok string
		if t.TokenFile != "" {
			b, err := os.ReadFile(t.TokenFile)
			if err != nil {
				return nil, fmt.Errorf("%w: %s[%d].tokenFile: %w", provision.ErrConfig, prefix, i, err)
			}
			tok = strings.TrimSpace(string(b))
		} else {
			tok = getenv(t.TokenEnv)
		}
		if len(tok) < 16 {
			return nil, fmt.Errorf("%w: %s[%d]: the token of %s is missing or shorter than 16 characters", provision.ErrConfig, prefix, i, t.ID)
		}
		kind := t.Kind
		if kind == "" {
			kind = "client"
		}
		out[tok] = api.Principal{ID: t.ID, Kind: kind, Role: api.Role(t.Role), Institutions: t.Institutions, Classes: t.Classes, Children: t.Children, Client: t.Client}
	}
	return out, nil
}

// certs returns the client-certificate principals.
func (fc *fileConfig) certs() api.ClientCerts {
	out := api.ClientCerts{}
	for _, c := range fc.Certs {
		out[api.NormalizeFingerprint(c.Fingerprint)] = api.Principal{ID: c.ID, Kind: "client", Role: api.Role(c.Role), Client: c.Client}
	}
	return out
}

// serverTLS returns the TLS configuration of "tls" (nil: plain HTTP).
func (fc *fileConfig) serverTLS() (*tls.Config, error) {
	t := fc.TLS
	if t == nil {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: tls: %w", provision.ErrConfig, err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if t.ClientCAFile != "" {
		pem, err := os.ReadFile(t.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: tls.clientCAFile: %w", provision.ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: tls.clientCAFile %s: no PEM certificate", provision.ErrConfig, t.ClientCAFile)
		}
		// People keep using tokens on the same port: a certificate is
		// verified when given, not required.
		tc.ClientCAs, tc.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return tc, nil
}

// databaseConfig is the production state in MariaDB (broker/mariadb).
type databaseConfig struct {
	// DSNEnv names the environment variable that holds the DSN
	// (go-sql-driver/mysql form, e.g. user:pw@tcp(host:3306)/orgsync).
	DSNEnv string `yaml:"dsnEnv"`
	// Instance names this instance among those sharing the database
	// (default: host name and process id).
	Instance string `yaml:"instance"`
	// LeaseTTL is how long a client's lease holds without renewal: a
	// dead instance's clients move after at most this plus one Tick
	// (default 30s).
	LeaseTTL time.Duration `yaml:"leaseTTL"`
}

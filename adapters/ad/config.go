package ad

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
)

// Config configures a Client. The zero value is not usable: URL, BindDN,
// Password, Base and UPNDomain are required. Everything else has a default
// that is documented on the field and applied by Dial.
type Config struct {
	// URL of the domain controller: "ldaps://dc1.skole.dk:636" (default
	// port 636), or "ldap://dc1.skole.dk:389" together with StartTLS.
	URL string
	// BindDN is the account orgsync binds as: a DN or a UPN such as
	// "svc-orgsync@skole.dk".
	BindDN string
	// Password of BindDN.
	Password string
	// CAFile is a PEM bundle of the certificate authorities that may sign
	// the server certificate. "" uses the system roots. Certificate
	// verification is always on unless InsecureSkipVerify is set.
	CAFile string
	// ServerName overrides the name the server certificate is checked
	// against; default the host of URL.
	ServerName string
	// InsecureSkipVerify turns certificate verification off. Never use it
	// in production; it exists for a first look at a new server.
	InsecureSkipVerify bool
	// StartTLS upgrades an ldap:// connection with the StartTLS extended
	// operation before binding. Passwords are only ever sent over LDAPS or
	// StartTLS.
	StartTLS bool

	// Base is the DN under which orgsync manages objects, e.g.
	// "OU=Skoledata,DC=skole,DC=dk". The root container (Key "") maps to
	// it. Nothing outside it is read or changed. It must exist; see
	// Client.EnsureBase.
	Base string
	// UPNDomain is the suffix of userPrincipalName: username@UPNDomain.
	UPNDomain string
	// Domain is where uniqueness is checked and stray managed objects
	// are looked for: sAMAccountName is unique in the domain, so
	// Usernames reads every one under Domain; a managed object moved out
	// of Base by hand is found by its mark under Domain (see Strays).
	// Default: the DC= components of Base (the domain). Setting it to
	// Base restricts both to Base. Two deployments in one domain must use
	// different MarkPrefix values.
	Domain string
	// Strays says what becomes of a managed object found under Domain but
	// outside Base: "move" (default) reads it where it is, so the plan
	// moves it back; "leave" reads a user at the container orgsync last
	// put it in, so the plan leaves it where it is, and logs a warning.
	// Either way it is never created again.
	Strays string
	// GroupSAM is the template of the sAMAccountName of the groups
	// orgsync creates (AD invents "$38A2A15C-…" otherwise): {name} is the
	// group's name (transliterated; characters AD forbids, and spaces,
	// become "-"), {hash} 6 hex digits of the SHA-256 of its mark,
	// MarkPrefix+Key (unique per group and per deployment). {name} is shortened so that the whole fits in 20
	// characters. Default "{name}-{hash}".
	GroupSAM string

	// Mark is the attribute that carries orgsync's management mark and the
	// object's Key, as MarkPrefix+Key (default "adminDescription", which
	// every AD object class may hold, including Samba's schema; single
	// valued, up to 1024 characters).
	Mark string
	// MarkPrefix starts the mark value (default "orgsync:"). Objects whose
	// Mark attribute does not start with it are not managed by orgsync.
	MarkPrefix string

	// Attributes maps neutral attribute names to AD attributes; see
	// AttributeMap. The zero value takes DefaultAttributes.
	Attributes AttributeMap
	// Store is the multi-valued attribute that keeps the neutral
	// attributes without a mapping in Attributes, one "name=value" per
	// value (for example "classLevel=4" on a class OU or
	// "catalogueKind=class-students" on a group), so that Read returns
	// everything the plan wrote. Default "extensionName", which every AD
	// class may hold and nothing else uses; "-" stores nothing, and
	// Prepare then drops such attributes from the desired state. The CPR
	// number is never kept here: it is stored only through
	// Attributes.CPR.
	Store string

	// AdoptBy is the neutral attribute by which unmanaged users under Base
	// are offered to the plan as adoption candidates: "cpr" (the default;
	// needs Attributes.CPR) or "username" (sAMAccountName). "-" offers no
	// candidates. The plan (diff.Options.AdoptBy) decides what is adopted.
	AdoptBy string

	// PoolSize is the number of LDAP connections Apply spreads its
	// concurrent changes over (default 4). Each connection multiplexes up
	// to 8 requests; further concurrent changes wait in the Client, so
	// diff.ApplyOptions.Concurrency can be far higher (which lets member
	// changes of one group gather into one modify) without requests
	// timing out in the server's queue.
	PoolSize int
	// PageSize is the page size of Read's paged search (default 1000,
	// AD's MaxPageSize). Read decodes that search itself on a connection
	// of its own, outside the pool.
	PageSize int
	// Timeout bounds each LDAP request and the dial (default 60 s).
	Timeout time.Duration
	// Retries is the number of times Apply retries a change that failed
	// with a temporary error (busy, unavailable, dropped connection), with
	// exponential backoff from RetryDelay. Default 2; diff.Apply retries
	// on top of this if it is configured to.
	Retries int
	// RetryDelay is the first backoff delay (default 200 ms).
	RetryDelay time.Duration

	// NewPassword makes the initial password of a new user from its Key.
	// The default is naming.Password with the default policy (36 random
	// letters and digits, meeting AD's complexity rule). The user must
	// change it at first logon.
	NewPassword func(key string) (string, error)
	// SeparatePasswordSet creates a user disabled, then sets the password,
	// then enables it: three requests instead of one. Windows AD refuses
	// an enabled user without a password under some password policies;
	// Samba and most Windows domains accept the single add.
	SeparatePasswordSet bool

	// Hooks are commands run after user changes.
	Hooks Hooks

	// Logger receives progress and hook reports (default slog.Default()).
	Logger *slog.Logger
}

// AttributeMap says which AD attribute holds each neutral attribute of
// diff.Object.Attrs. An empty field means the attribute has no attribute
// of its own: it is kept in Config.Store (CPR excepted). The core name attributes (username → sAMAccountName,
// givenName → givenName, familyName → sn, displayName → displayName,
// email → mail, title → title) are fixed.
type AttributeMap struct {
	// CPR is the attribute that holds the CPR number. Empty by default:
	// CPR is never written to AD unless configured.
	CPR string
	// Institutions holds the institution numbers: one value per
	// institution when the AD attribute is multi-valued (as
	// departmentNumber), else comma-separated.
	Institutions string
	// UNIID holds the UNI-Login id.
	UNIID string
	// Roles holds the STIL roles, like Institutions.
	Roles string
	// GlobalRole holds the global role (student, employee, external).
	GlobalRole string
	// StartYear holds the year the pupil started 0th grade.
	StartYear string
	// Level holds a pupil's class level.
	Level string
	// DisabledDate holds the ISO date an object was disabled or retired.
	// It must be allowed on users, groups and OUs.
	DisabledDate string
	// Extra maps further neutral attribute names to AD attributes.
	Extra map[string]string
	// Omit lists neutral attribute names that are not written to AD at
	// all (not even to Config.Store), e.g. "startYear".
	Omit []string
}

// DefaultAttributes is the attribute map used when Config.Attributes is
// zero. Every attribute exists in the AD schema Windows and Samba ship.
var DefaultAttributes = AttributeMap{
	Institutions: "departmentNumber",
	UNIID:        "employeeNumber",
	Roles:        "businessCategory",
	GlobalRole:   "employeeType",
	DisabledDate: "adminDisplayName",
}

func (m AttributeMap) isZero() bool {
	return m.CPR == "" && m.Institutions == "" && m.UNIID == "" && m.Roles == "" &&
		m.GlobalRole == "" && m.StartYear == "" && m.Level == "" && m.DisabledDate == "" &&
		len(m.Extra) == 0 && len(m.Omit) == 0
}

// fixedUser are the neutral → AD attributes every user has.
var fixedUser = map[string]string{
	attr.Username:    "sAMAccountName",
	attr.GivenName:   "givenName",
	attr.FamilyName:  "sn",
	attr.DisplayName: "displayName",
	attr.Email:       "mail",
	attr.Title:       "title",
}

// neutral returns the complete neutral → AD attribute map for kind.
func (m AttributeMap) neutral(kind diff.Kind) map[string]string {
	out := map[string]string{}
	if kind == diff.User {
		for k, v := range fixedUser {
			out[k] = v
		}
		set := func(n, a string) {
			if a != "" {
				out[n] = a
			}
		}
		set(attr.CPR, m.CPR)
		set(attr.Institutions, m.Institutions)
		set(attr.UNIID, m.UNIID)
		set(attr.Roles, m.Roles)
		set(attr.GlobalRole, m.GlobalRole)
		set(attr.StartYear, m.StartYear)
		set(attr.Level, m.Level)
		for k, v := range m.Extra {
			if v != "" {
				out[k] = v
			}
		}
	}
	if kind == diff.Group {
		out[attr.Email] = "mail"
	}
	if m.DisabledDate != "" {
		out[attr.DisabledDate] = m.DisabledDate
	}
	return out
}

// Hooks are commands run after a user change was applied. A hook that
// fails or times out is logged and reported to OnError; it never fails the
// change or stops the run.
type Hooks struct {
	// Create runs after a user is created or reactivated (enabled).
	Create *Hook
	// Disable runs after a user is disabled.
	Disable *Hook
	// Update runs after a user's attributes, name or place changed.
	Update *Hook
	// OnError, when set, is called (concurrently) for every failed hook.
	OnError func(HookError)
}

// Hook is one command. It is started with Command's arguments followed by
// the user's username, name and global role. With JSON set, the user
// (diff.Object as JSON) is written to its standard input.
type Hook struct {
	// Command is the program and its leading arguments.
	Command []string
	// JSON writes the user as JSON to the command's standard input.
	JSON bool
	// Timeout kills the command after this long (default 30 s).
	Timeout time.Duration
}

// withDefaults returns a copy of cfg with defaults filled in, or every
// problem with it at once.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("ad: config %s: "+format, append([]any{field}, args...)...))
	}
	if cfg.URL == "" {
		bad("URL", "required")
	} else if u, err := url.Parse(cfg.URL); err != nil {
		bad("URL", "%v", err)
	} else {
		switch u.Scheme {
		case "ldaps":
		case "ldap":
			if !cfg.StartTLS {
				bad("URL", "%q is plain LDAP; use ldaps:// or set StartTLS", cfg.URL)
			}
		default:
			bad("URL", "scheme %q is not ldap or ldaps", u.Scheme)
		}
		if cfg.StartTLS && u.Scheme == "ldaps" {
			bad("StartTLS", "set with an ldaps:// URL")
		}
	}
	if cfg.BindDN == "" {
		bad("BindDN", "required")
	}
	if cfg.Password == "" {
		bad("Password", "required")
	}
	if cfg.Base == "" {
		bad("Base", "required")
	} else if _, err := ldap.ParseDN(cfg.Base); err != nil {
		bad("Base", "%v", err)
	}
	if cfg.UPNDomain == "" {
		bad("UPNDomain", "required")
	} else if strings.ContainsAny(cfg.UPNDomain, "@ ") {
		bad("UPNDomain", "%q must be a bare domain such as skole.dk", cfg.UPNDomain)
	}
	if cfg.Mark == "" {
		cfg.Mark = "adminDescription"
	}
	if cfg.Domain == "" && cfg.Base != "" {
		cfg.Domain = domainOf(cfg.Base)
	} else if cfg.Domain != "" && cfg.Base != "" && !under(cfg.Base, cfg.Domain) {
		bad("Domain", "%q does not contain Base %q", cfg.Domain, cfg.Base)
	}
	switch cfg.Strays {
	case "":
		cfg.Strays = "move"
	case "move", "leave":
	default:
		bad("Strays", "%q is not move or leave", cfg.Strays)
	}
	if cfg.GroupSAM == "" {
		cfg.GroupSAM = "{name}-{hash}"
	} else if err := checkGroupSAM(cfg.GroupSAM); err != nil {
		bad("GroupSAM", "%v", err)
	}
	if cfg.MarkPrefix == "" {
		cfg.MarkPrefix = "orgsync:"
	}
	if cfg.Store == "" {
		cfg.Store = "extensionName"
	}
	if cfg.Store == "-" {
		cfg.Store = ""
	}
	if cfg.Attributes.isZero() {
		cfg.Attributes = DefaultAttributes
	}
	if cfg.Attributes.DisabledDate == "" {
		bad("Attributes.DisabledDate", "required: the plan recognises disabled users and retired groups and OUs by it")
	}
	switch cfg.AdoptBy {
	case "":
		cfg.AdoptBy = attr.CPR
	case attr.CPR, attr.Username, "-":
	default:
		bad("AdoptBy", "%q is not cpr, username or -", cfg.AdoptBy)
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 4
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 1000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	} else if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 200 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for _, h := range []struct {
		name string
		hook *Hook
	}{{"Create", cfg.Hooks.Create}, {"Disable", cfg.Hooks.Disable}, {"Update", cfg.Hooks.Update}} {
		if h.hook != nil && len(h.hook.Command) == 0 {
			bad("Hooks."+h.name, "has no command")
		}
	}
	return cfg, errors.Join(errs...)
}

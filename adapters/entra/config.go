package entra

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orgsync/orgsync/diff/attr"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid entra config")

// ExtensionMode says how orgsync's own attributes (the key, global role,
// disabled date and the other neutral attributes without a Graph property)
// are stored.
type ExtensionMode string

// Extension modes.
const (
	// DirectoryExtensions stores each attribute in a directory extension
	// property extension_{appId}_{name}, registered on the application
	// AppID for users and groups (and administrative units). The default.
	DirectoryExtensions ExtensionMode = "directory"
	// SchemaExtension stores them as the properties of one schema
	// extension SchemaExtensionID (an open complex property with string
	// properties of the same names, target types User, Group and
	// AdministrativeUnit).
	SchemaExtension ExtensionMode = "schema"
)

// Config configures a Client. Start from DefaultConfig.
type Config struct {
	// Domain is the verified domain of userPrincipalName: username@Domain.
	Domain string `yaml:"domain" json:"domain"`
	// Mark is the companyName value that marks a user as managed by
	// orgsync (the reference broker's ownership mark). Users with another
	// companyName are never changed, except by an Adopt.
	Mark string `yaml:"mark" json:"mark"`
	// AppID is the application (client) id that owns the directory
	// extension properties, with or without dashes.
	AppID string `yaml:"appId" json:"appId"`
	// Extensions selects directory extensions (default) or a schema
	// extension; SchemaExtensionID names the schema extension.
	Extensions        ExtensionMode `yaml:"extensions" json:"extensions"`
	SchemaExtensionID string        `yaml:"schemaExtensionId,omitempty" json:"schemaExtensionId,omitempty"`
	// ExtensionAttrs are the neutral attributes stored in extensions
	// (besides the key, which always is). Default: globalRole,
	// disabledDate, roles, institutions, level, startYear and, on groups,
	// catalogueKind, institution, classLevel, classLine, schoolYear.
	ExtensionAttrs []string `yaml:"extensionAttrs,omitempty" json:"extensionAttrs,omitempty"`
	// UniIDProperty is the Graph property that receives the neutral
	// attribute UniIDSource: "employeeId" (default) or "department".
	UniIDProperty string `yaml:"uniIdProperty,omitempty" json:"uniIdProperty,omitempty"`
	// UniIDSource is the neutral attribute copied to UniIDProperty;
	// default "uniId".
	UniIDSource string `yaml:"uniIdSource,omitempty" json:"uniIdSource,omitempty"`
	// WriteCPR allows the "cpr" attribute to be written (to the extension
	// "cpr"). Off by default: CPR is never written unless configured.
	WriteCPR bool `yaml:"writeCPR,omitempty" json:"writeCPR,omitempty"`
	// HideStudents writes showInAddressList=false on users whose global
	// role is "student". See the package documentation for what Graph can
	// and cannot do here.
	HideStudents bool `yaml:"hideStudents,omitempty" json:"hideStudents,omitempty"`
	// TeamKinds are the group catalogue kinds (attribute catalogueKind)
	// made into Microsoft Teams: such groups are created as private
	// Microsoft 365 groups with TeamOwners as owners, then a team is made
	// from them. Default: class-all and inst-employees.
	TeamKinds []string `yaml:"teamKinds" json:"teamKinds"`
	// TeamOwners are the object ids of the users who own every Team
	// (usually a service account); required when TeamKinds is non-empty.
	TeamOwners []string `yaml:"teamOwners,omitempty" json:"teamOwners,omitempty"`
	// InstitutionTeamOwners adds owners per institution number: the Teams
	// of an institution (attribute institution) are owned by TeamOwners
	// and these (at most 19 in all). Set by the admin UI per school.
	InstitutionTeamOwners map[string][]string `yaml:"institutionTeamOwners,omitempty" json:"institutionTeamOwners,omitempty"`
	// ArchiveTeams archives the Team of a retired team group (a class
	// the year roll did not match, a closed institution's staff): it
	// becomes read-only (POST /teams/{id}/archive), and is unarchived if
	// the group comes back. The group is deleted after
	// diff.Options.GroupRetention days, or kept when that is 0.
	ArchiveTeams bool `yaml:"archiveTeams,omitempty" json:"archiveTeams,omitempty"`
	// ClassTemplateKinds are the catalogue kinds whose Teams are made from
	// the education class template (educationClass: assignments, class
	// notebook), for tenants that have it (Microsoft 365 Education);
	// e.g. ["class-all"]. Other Teams, and all when empty, use the
	// standard template.
	ClassTemplateKinds []string `yaml:"classTemplateKinds,omitempty" json:"classTemplateKinds,omitempty"`
	// TeamRetries and TeamBackoff bound the retries of a team creation
	// that answers 404 because the group is young (Graph: up to ~15
	// minutes); the wait doubles from TeamBackoff up to one minute.
	// Defaults 12 and 10 s.
	TeamRetries int           `yaml:"teamRetries,omitempty" json:"teamRetries,omitempty"`
	TeamBackoff time.Duration `yaml:"teamBackoff,omitempty" json:"teamBackoff,omitempty"`
	// AdministrativeUnits maps the containers ou/inst/<num> to
	// administrative units and a user's or group's Parent to membership of
	// that unit. When off, containers are not supported and Parent must be
	// "" (Prepare clears it).
	AdministrativeUnits bool `yaml:"administrativeUnits" json:"administrativeUnits"`
	// HiddenMembership creates the administrative units with visibility
	// HiddenMembership: only members of a unit (and holders of
	// Member.Read.Hidden) can list its members. Graph sets it when the
	// unit is created; units made earlier keep their visibility.
	HiddenMembership bool `yaml:"hiddenMembership,omitempty" json:"hiddenMembership,omitempty"`
	// GroupsOnly is for tenants whose users another tool makes (e.g.
	// Entra Connect from on-premises AD): orgsync manages groups, Teams
	// and administrative units for the existing accounts, matched by
	// MatchBy, and creates, changes and disables no users. Read lists
	// every user to match them; call Read before Prepare. Desired users
	// without an account are left out, with their memberships.
	GroupsOnly bool `yaml:"groupsOnly,omitempty" json:"groupsOnly,omitempty"`
	// MatchBy is how groups-only mode finds an account: MatchUPN
	// (default) or MatchUniID.
	MatchBy string `yaml:"matchBy,omitempty" json:"matchBy,omitempty"`
	// Adopt makes Read return unmarked users as adoption candidates
	// (Managed false, Key ""), with their neutral attributes, so that
	// diff.Options.AdoptBy can match them (e.g. by "uniId" or "username").
	Adopt bool `yaml:"adopt,omitempty" json:"adopt,omitempty"`
	// OnPremisesSync says the tenant's users come from an on-premises AD
	// through Entra Connect or Cloud Sync (set-up "AD first", see
	// onprem.go): orgsync never creates a user here (it adopts each one
	// once synced, with Adopt and plan.adoptBy username) and manages only
	// groups, Teams, administrative units and its own extension
	// properties. Synced users are recognised and protected without it;
	// it only stops the creation of cloud users.
	OnPremisesSync bool `yaml:"onPremisesSync,omitempty" json:"onPremisesSync,omitempty"`
	// Delta makes Read incremental after the first read: it follows the
	// stored delta links of /users/delta and /groups/delta and falls back
	// to a full read on syncStateNotFound.
	Delta bool `yaml:"delta,omitempty" json:"delta,omitempty"`
	// BatchSize is the number of requests per $batch (1..20, default 20);
	// 1 sends every request on its own, without $batch.
	BatchSize int `yaml:"batchSize,omitempty" json:"batchSize,omitempty"`
	// BatchWindow is how long a request waits in the queue for others to
	// fill its batch (a full batch of BatchSize leaves at once); default
	// 5 ms.
	BatchWindow time.Duration `yaml:"batchWindow,omitempty" json:"batchWindow,omitempty"`
	// Concurrency bounds the $batch (or single) requests in flight;
	// default 4.
	Concurrency int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	// MaxAttempts bounds the sends of one request that keeps failing
	// temporarily (429, 503, 504, dropped connection); default 10.
	MaxAttempts int `yaml:"maxAttempts,omitempty" json:"maxAttempts,omitempty"`
	// MaxRetryAfter caps a Retry-After wait; default 2 minutes.
	MaxRetryAfter time.Duration `yaml:"maxRetryAfter,omitempty" json:"maxRetryAfter,omitempty"`
	// LagRetries and LagBackoff bound the waits for replication: a request
	// that touches an object created moments ago (a read, PATCH or member
	// add answered 404, or 400 "… do not exist") is re-sent up to
	// LagRetries times, and before a create whose earlier attempt may have
	// taken effect is re-sent, the look-up for it is repeated as often. The
	// wait doubles from LagBackoff up to one minute. Defaults 5 and 1 s
	// (about half a minute in all; Microsoft calls the window "typically
	// brief").
	LagRetries int           `yaml:"lagRetries,omitempty" json:"lagRetries,omitempty"`
	LagBackoff time.Duration `yaml:"lagBackoff,omitempty" json:"lagBackoff,omitempty"`
	// PasswordLength is the length of generated initial passwords
	// (default 36); users must change them at first sign-in.
	PasswordLength int `yaml:"passwordLength,omitempty" json:"passwordLength,omitempty"`
	// PageSize is $top of list reads (1..999, default 999).
	PageSize int `yaml:"pageSize,omitempty" json:"pageSize,omitempty"`
	// UsageLocation, when set, is written on created users (needed before
	// licences can be assigned), e.g. "DK".
	UsageLocation string `yaml:"usageLocation,omitempty" json:"usageLocation,omitempty"`
	// Licences gives Microsoft 365 licences by global role, directly or
	// through licensing groups; removed on disable, given back on enable
	// (see Licences).
	Licences Licences `yaml:"licences,omitempty" json:"licences,omitempty"`
	// Logger receives warnings and debug output; default slog.Default().
	Logger *slog.Logger `yaml:"-" json:"-"`
}

// DefaultConfig returns the defaults; Domain, Mark and AppID must still be
// set.
func DefaultConfig() Config {
	return Config{
		Extensions:          DirectoryExtensions,
		ExtensionAttrs:      slices.Clone(defaultExtAttrs),
		UniIDProperty:       "employeeId",
		UniIDSource:         attr.UNIID,
		TeamKinds:           []string{"class-all", "inst-employees"},
		AdministrativeUnits: true,
	}
}

var (
	guidRe   = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)
	domainRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$`)
	nameRe   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

// userExtAttrs and groupExtAttrs are the default extension attributes.
var defaultExtAttrs = []string{
	attr.GlobalRole, attr.DisabledDate, attr.Roles, attr.Institutions, attr.Level, attr.StartYear,
	attr.CatalogueKind, attr.Institution, attr.ClassLevel, attr.ClassLine, attr.SchoolYear,
}

// check fills defaults and validates; every problem is reported at once.
func (c *Config) check() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	if !domainRe.MatchString(c.Domain) {
		bad("domain %q: want a DNS domain such as skole.example.dk", c.Domain)
	}
	if strings.TrimSpace(c.Mark) == "" {
		bad("mark: the companyName management mark is required")
	}
	if n := utf8.RuneCountInString(c.Mark); n > 64 {
		bad("mark: %d characters; companyName holds at most 64", n)
	}
	if c.Extensions == "" {
		c.Extensions = DirectoryExtensions
	}
	switch c.Extensions {
	case DirectoryExtensions:
		if !guidRe.MatchString(c.AppID) {
			bad("appId %q: want the application (client) id, a GUID", c.AppID)
		}
	case SchemaExtension:
		if !nameRe.MatchString(c.SchemaExtensionID) {
			bad("schemaExtensionId %q: want an identifier such as ext1a2b3c4d_orgsync", c.SchemaExtensionID)
		}
	default:
		bad("extensions %q: want %q or %q", c.Extensions, DirectoryExtensions, SchemaExtension)
	}
	if c.ExtensionAttrs == nil {
		c.ExtensionAttrs = slices.Clone(defaultExtAttrs)
	}
	for _, a := range c.ExtensionAttrs {
		if !nameRe.MatchString(a) {
			bad("extensionAttrs: %q is not a valid extension name", a)
		}
		if a == attr.CPR {
			bad("extensionAttrs: cpr is controlled by writeCPR, not listed here")
		}
	}
	if c.UniIDProperty == "" {
		c.UniIDProperty = "employeeId"
	}
	if c.UniIDProperty != "employeeId" && c.UniIDProperty != "department" {
		bad("uniIdProperty %q: want employeeId or department", c.UniIDProperty)
	}
	if c.UniIDSource == "" {
		c.UniIDSource = attr.UNIID
	}
	c.Licences.check(c.UsageLocation, bad)
	if c.MatchBy == "" {
		c.MatchBy = MatchUPN
	}
	if c.MatchBy != MatchUPN && c.MatchBy != MatchUniID {
		bad("matchBy %q: want %q or %q", c.MatchBy, MatchUPN, MatchUniID)
	}
	if c.GroupsOnly && (c.Adopt || c.Licences != (Licences{})) {
		bad("groupsOnly: changes no users, so adopt and licences cannot be set with it")
	}
	if len(c.TeamKinds) > 0 && len(c.TeamOwners) == 0 {
		bad("teamOwners: Teams (teamKinds %v) need at least one owner object id", c.TeamKinds)
	}
	if len(c.TeamOwners) > 19 {
		bad("teamOwners: at most 19 owners can be bound when a group is created")
	}
	for inst, os := range c.InstitutionTeamOwners {
		if len(c.TeamOwners)+len(os) > 19 {
			bad("institutionTeamOwners[%s]: with teamOwners more than 19 owners", inst)
		}
		for _, o := range os {
			if !guidRe.MatchString(o) {
				bad("institutionTeamOwners[%s]: %q is not an object id", inst, o)
			}
		}
	}
	for _, o := range c.TeamOwners {
		if !guidRe.MatchString(o) {
			bad("teamOwners: %q is not an object id", o)
		}
	}
	if c.TeamRetries <= 0 {
		c.TeamRetries = 12
	}
	if c.TeamBackoff <= 0 {
		c.TeamBackoff = 10 * time.Second
	}
	switch {
	case c.BatchSize == 0:
		c.BatchSize = 20
	case c.BatchSize < 1 || c.BatchSize > 20:
		bad("batchSize %d: want 1..20", c.BatchSize)
	}
	if c.BatchWindow <= 0 {
		c.BatchWindow = 5 * time.Millisecond
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 2 * time.Minute
	}
	if c.LagRetries <= 0 {
		c.LagRetries = 5
	}
	if c.LagBackoff <= 0 {
		c.LagBackoff = time.Second
	}
	switch {
	case c.PasswordLength == 0:
		c.PasswordLength = 36
	case c.PasswordLength < 8 || c.PasswordLength > 256:
		bad("passwordLength %d: want 8..256 (Graph's policy)", c.PasswordLength)
	}
	switch {
	case c.PageSize == 0:
		c.PageSize = 999
	case c.PageSize < 1 || c.PageSize > 999:
		bad("pageSize %d: want 1..999", c.PageSize)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return errors.Join(errs...)
}

// ExtensionProperties returns the names of the directory extension
// properties the configuration uses (to register on the application with
// targetObjects User, Group and AdministrativeUnit), or, in schema mode,
// the properties of the schema extension.
func (c Config) ExtensionProperties() []string {
	cc := c
	_ = cc.check()
	names := []string{keyExt}
	names = append(names, cc.ExtensionAttrs...)
	names = append(names, nameExt)
	if cc.WriteCPR {
		names = append(names, attr.CPR)
	}
	if cc.Extensions == SchemaExtension {
		return names
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = directoryExt(cc.AppID, n)
	}
	return out
}

// Names of orgsync's own extension attributes.
const (
	keyExt  = "orgsyncKey"  // the object's Key
	nameExt = "orgsyncName" // a user's Name (Graph has no separate object name)
)

func directoryExt(appID, name string) string {
	return "extension_" + strings.ToLower(strings.ReplaceAll(appID, "-", "")) + "_" + name
}

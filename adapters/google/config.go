package google

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/orgmodel"
)

// Config configures a Client. Domain is required; every other field has a
// useful zero value.
type Config struct {
	// Domain is the primary domain: users without an email attribute get
	// username@Domain.
	Domain string `yaml:"domain" json:"domain"`
	// GroupDomain is the domain of group emails made by Prepare; default
	// Domain.
	GroupDomain string `yaml:"groupDomain" json:"groupDomain,omitempty"`
	// Customer is the Google customer id; default "my_customer" (the
	// customer of the impersonated administrator).
	Customer string `yaml:"customer" json:"customer,omitempty"`
	// Root is the org unit path that container keys hang under, e.g.
	// "/Skoler"; default "/". It must exist.
	Root string `yaml:"root" json:"root,omitempty"`
	// Mark names orgsync's management mark: the custom schema of users, the
	// customType of their externalId, the namespace of group externalIds,
	// the prefix of org unit descriptions and of Drive properties. Default
	// "orgsync". Letters, digits and underscore only.
	Mark string `yaml:"mark" json:"mark,omitempty"`

	// Licences assigns licences by global role. Empty Product: no licence
	// handling at all.
	Licences Licences `yaml:"licences" json:"licences,omitzero"`
	// ShowStudents puts students in the global address list. The default
	// (false) hides them: includeInGlobalAddressList=false, so staff of
	// the domain cannot search the pupils.
	ShowStudents bool `yaml:"showStudents" json:"showStudents,omitempty"`
	// InstitutionNames maps institution numbers to the names shown on the
	// users' contact cards (organizations) and on per-institution drives.
	// Missing names fall back to the institution's container name.
	InstitutionNames map[string]string `yaml:"institutionNames" json:"institutionNames,omitempty"`
	// Drives configures shared drives.
	Drives DriveConfig `yaml:"drives" json:"drives,omitzero"`
	// ReadUnmanaged makes Read also return unmarked users, groups and org
	// units under Root as adoption candidates (Managed false, Key "").
	ReadUnmanaged bool `yaml:"readUnmanaged" json:"readUnmanaged,omitempty"`

	// QueriesPerMinute bounds the request rate per API (Directory,
	// Licensing, Drive). Default 2000, below the Directory API's 2,400
	// queries per minute per user.
	QueriesPerMinute int `yaml:"queriesPerMinute" json:"queriesPerMinute,omitempty"`
	// Burst is how many requests may go at once after an idle spell;
	// default 20.
	Burst int `yaml:"burst" json:"burst,omitempty"`
	// Concurrency bounds the requests in flight; default 8.
	Concurrency int `yaml:"concurrency" json:"concurrency,omitempty"`
	// MaxAttempts bounds the tries of one request on rate-limit and 5xx
	// answers; default 8.
	MaxAttempts int `yaml:"maxAttempts" json:"maxAttempts,omitempty"`
	// BackoffBase is the first backoff delay (doubled per attempt, full
	// jitter); default 1s.
	BackoffBase time.Duration `yaml:"backoffBase" json:"backoffBase,omitempty"`
	// BackoffMax caps one backoff delay; default 32s.
	BackoffMax time.Duration `yaml:"backoffMax" json:"backoffMax,omitempty"`
	// Endpoint is the base URL of a fake or proxy serving every API (the
	// Drive API under /drive/v3/); "" means Google's own endpoints.
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
	// Seed seeds the backoff jitter; 0 seeds from the clock.
	Seed int64 `yaml:"-" json:"-"`
	// Logger receives retries and warnings; default slog.Default().
	Logger *slog.Logger `yaml:"-" json:"-"`
	// Password makes initial passwords; default 36 random letters and
	// digits from crypto/rand. Passwords are never logged.
	Password func() (string, error) `yaml:"-" json:"-"`
}

// Licences names the product and the SKU per global role. An empty SKU
// means "no licence" for that role.
type Licences struct {
	// Product is the licensing product id, e.g. "101031" (Google Workspace
	// for Education) or "Google-Apps".
	Product string `yaml:"product" json:"product,omitempty"`
	// Student, Employee and External are SKU ids, e.g. "1010310008"
	// (Education Plus) for students and "1010310009" (Plus, staff) for
	// employees.
	Student  string `yaml:"student" json:"student,omitempty"`
	Employee string `yaml:"employee" json:"employee,omitempty"`
	External string `yaml:"external" json:"external,omitempty"`
}

// sku returns "product/sku" for a global role, or "".
func (l Licences) sku(globalRole string) string {
	var s string
	switch globalRole {
	case attr.RoleStudent:
		s = l.Student
	case attr.RoleEmployee:
		s = l.Employee
	case attr.RoleExternal:
		s = l.External
	}
	if l.Product == "" || s == "" {
		return ""
	}
	return l.Product + "/" + s
}

// DriveModel chooses how shared drives are laid out.
type DriveModel string

// Drive models.
const (
	// NoDrives manages no shared drives (and reads none).
	NoDrives DriveModel = ""
	// DrivePerGroup gives each staff group and each class group its own
	// shared drive; a class drive follows its class through school (the
	// year roll renames it).
	DrivePerGroup DriveModel = "per-group"
	// DrivePerInstitution gives each institution one shared drive for its
	// staff, with a folder per class per school year shared with the class.
	// A new school year makes new folders; last year's stay as they were,
	// still shared with their classes, and are never deleted by orgsync
	// (Read leaves out folders of years before the newest).
	DrivePerInstitution DriveModel = "per-institution"
)

// DriveConfig configures shared drives.
type DriveConfig struct {
	// Model is the drive layout; the zero value manages no drives.
	Model DriveModel `yaml:"model" json:"model,omitempty"`
	// ClassKinds are the group catalogueKind values that get a class drive
	// or folder; default {"class-all"} (everyone in a class, see
	// orgmodel.ClassEveryone).
	ClassKinds []string `yaml:"classKinds" json:"classKinds,omitempty"`
	// StaffKinds are the catalogueKind values that get a staff drive;
	// default {"inst-employees"} (orgmodel.InstitutionEmployees).
	StaffKinds []string `yaml:"staffKinds" json:"staffKinds,omitempty"`
	// ClassRole is the Drive role of a class group; default "writer".
	ClassRole string `yaml:"classRole" json:"classRole,omitempty"`
	// StaffRole is the Drive role of a staff group; default "fileOrganizer".
	StaffRole string `yaml:"staffRole" json:"staffRole,omitempty"`
	// DeleteContents lets a planned Delete remove a drive that still holds
	// files. Off by default: such a delete fails with diff.ErrConstraint.
	DeleteContents bool `yaml:"deleteContents" json:"deleteContents,omitempty"`
}

var markRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,40}$`)

var driveRoles = map[string]bool{"organizer": true, "fileOrganizer": true, "writer": true, "commenter": true, "reader": true}

// withDefaults fills defaults and validates, reporting every problem.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("google config: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	c.Domain = strings.ToLower(strings.TrimSpace(c.Domain))
	if c.Domain == "" || strings.ContainsAny(c.Domain, "@ /") {
		bad("domain", "a domain name is required, got %q", c.Domain)
	}
	if c.GroupDomain == "" {
		c.GroupDomain = c.Domain
	}
	if c.Customer == "" {
		c.Customer = "my_customer"
	}
	if c.Root == "" {
		c.Root = "/"
	}
	if !strings.HasPrefix(c.Root, "/") {
		bad("root", "an org unit path must start with /, got %q", c.Root)
	}
	if len(c.Root) > 1 {
		c.Root = strings.TrimRight(c.Root, "/")
	}
	if c.Mark == "" {
		c.Mark = "orgsync"
	}
	if !markRE.MatchString(c.Mark) {
		bad("mark", "letters, digits and underscore, starting with a letter; got %q", c.Mark)
	}
	if l := c.Licences; l.Product == "" && (l.Student != "" || l.Employee != "" || l.External != "") {
		bad("licences.product", "SKUs are set but the product is empty")
	}
	switch c.Drives.Model {
	case NoDrives, DrivePerGroup, DrivePerInstitution:
	default:
		bad("drives.model", "want %q or %q, got %q", DrivePerGroup, DrivePerInstitution, c.Drives.Model)
	}
	if len(c.Drives.ClassKinds) == 0 {
		c.Drives.ClassKinds = []string{string(orgmodel.ClassEveryone)}
	}
	if len(c.Drives.StaffKinds) == 0 {
		c.Drives.StaffKinds = []string{string(orgmodel.InstitutionEmployees)}
	}
	if c.Drives.ClassRole == "" {
		c.Drives.ClassRole = "writer"
	}
	if c.Drives.StaffRole == "" {
		c.Drives.StaffRole = "fileOrganizer"
	}
	for field, r := range map[string]string{"drives.classRole": c.Drives.ClassRole, "drives.staffRole": c.Drives.StaffRole} {
		if !driveRoles[r] {
			bad(field, "not a Drive role: %q", r)
		}
	}
	if c.QueriesPerMinute == 0 {
		c.QueriesPerMinute = 2000
	}
	if c.QueriesPerMinute < 0 {
		bad("queriesPerMinute", "must be positive, got %d", c.QueriesPerMinute)
	}
	if c.Burst <= 0 {
		c.Burst = 20
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 32 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Password == nil {
		c.Password = randomPassword
	}
	return c, errors.Join(errs...)
}

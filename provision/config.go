package provision

import (
	"errors"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
)

// ErrConfig is wrapped by configuration errors.
var ErrConfig = errors.New("invalid configuration")

// Config is what a Job needs besides its target: where the snapshot and
// the state are, the projection, the username standard, the plan policy,
// the safety thresholds, the payroll check and how to apply. Its YAML tags
// are the starter binaries' configuration file, which embeds it inline
// next to the target's own section; a library caller fills it in code,
// starting from Defaults.
type Config struct {
	// Snapshot is the path of the organisation snapshot (orgmodel.Snapshot
	// as JSON, e.g. written by examples/stil-import; see LoadSnapshot).
	// Unused when Job.Snapshot is set.
	Snapshot string `yaml:"snapshot"`
	// State is the path of the deployment state file (usernames, class
	// identities, last snapshot for the year roll). Default: next to the
	// snapshot, "<snapshot>.state.json". Unused when Job.State is set.
	State string `yaml:"state"`
	// Projection is the layout and names (see desired.Config); fields left
	// out keep desired.DefaultConfig's values.
	Projection desired.Config `yaml:"projection"`
	// Usernames configures the username standard.
	Usernames UsernameConfig `yaml:"usernames"`
	// Plan configures disable/delete behaviour.
	Plan PlanConfig `yaml:"plan"`
	// Thresholds are the safety rails (default 10 % / 50 per kind and per
	// institution).
	Thresholds *ThresholdConfig `yaml:"thresholds"`
	// Payroll, when set, runs the payroll check (lønkontrol) and
	// provisions its "active employees" and "inactive employees" groups.
	Payroll *PayrollConfig `yaml:"payroll"`
	// Roles, when set, reads the role catalogue (rolemodel) and provisions
	// its role and right groups; a plan whose effective assignments break
	// a segregation-of-duties rule is refused.
	Roles *RolesConfig `yaml:"roles"`
	// Concurrency is the number of changes applied at once (default 4).
	Concurrency int `yaml:"concurrency"`
	// AuditLog is the path of the hash-chained JSON-lines audit log that
	// every applied change is appended to; "" = no audit file.
	AuditLog string `yaml:"auditLog"`
	// Actor names who runs the job in audit records (default "orgsync").
	Actor string `yaml:"actor"`
}

// RolesConfig names the role catalogue files.
type RolesConfig struct {
	// Catalogue is the path of the YAML role catalogue (see
	// rolemodel/catalog; a ".csv" file is read as CSV).
	Catalogue string `yaml:"catalogue"`
	// Decisions is the path of the attestation decisions (YAML list of
	// rolemodel.Decision); "" = none.
	Decisions string `yaml:"decisions"`
}

// UsernameConfig selects and tunes the username standard.
type UsernameConfig struct {
	// Standard names the standard or is a template; see
	// naming.StandardByName.
	Standard string `yaml:"standard"`
	// Prefix is used by the prefix standard.
	Prefix string `yaml:"prefix"`
	// DenyList lists substrings no username may contain.
	DenyList []string `yaml:"denyList"`
	// Seed, when not 0, draws the walk order of every person generated
	// from one seeded stream (tests, demos). 0 (the default) keys each
	// person's walk by Salt and the person's ID, so a dry run shows the
	// usernames an apply of the same inputs creates.
	Seed int64 `yaml:"seed"`
	// Salt is mixed into the per-person keys (see naming.Options.Salt)
	// so that usernames cannot be predicted from person IDs.
	Salt string `yaml:"salt"`
}

// PlanConfig is the disable/delete policy.
type PlanConfig struct {
	// RetentionDays before a disabled account is deleted, by global role
	// (student, employee, external); default 60 for each. -1 never deletes.
	RetentionDays map[string]int `yaml:"retentionDays"`
	// GroupRetentionDays before a retired group is deleted; 0 never.
	GroupRetentionDays int `yaml:"groupRetentionDays"`
	// KeepAlive lists usernames or keys that are never disabled or deleted.
	KeepAlive []string `yaml:"keepAlive"`
	// AdoptBy lists attributes that adopt existing unmanaged objects, e.g.
	// ["cpr"] or ["username"]. Empty: nothing is adopted.
	AdoptBy []string `yaml:"adoptBy"`
	// DisableInPlace leaves disabled accounts where they are instead of
	// moving them to the quarantine container.
	DisableInPlace bool `yaml:"disableInPlace"`
}

// PayrollConfig points at the payroll system's export of employments.
type PayrollConfig struct {
	// File is the path of the export.
	File string `yaml:"file"`
	// Format is "opus" (OPUS XML, see package payroll), "csv" or
	// "os2sofd" (saved answers of SOFD Core's GET /api/v2/persons, see
	// payroll.ReadSOFD and payroll.SOFDClient).
	Format string `yaml:"format"`
}

// ThresholdConfig is the YAML form of diff.Thresholds, in percent and
// count; the same limit applies to users, groups and containers.
type ThresholdConfig struct {
	// DisablePercent and DisableCount limit disables per kind.
	DisablePercent float64 `yaml:"disablePercent"`
	DisableCount   int     `yaml:"disableCount"`
	// DeletePercent and DeleteCount limit deletes per kind.
	DeletePercent float64 `yaml:"deletePercent"`
	DeleteCount   int     `yaml:"deleteCount"`
	// PerInstitutionPercent and PerInstitutionCount limit disables plus
	// deletes within one institution.
	PerInstitutionPercent float64 `yaml:"perInstitutionPercent"`
	PerInstitutionCount   int     `yaml:"perInstitutionCount"`
}

// Thresholds converts the configuration to diff.Thresholds; nil gives the
// defaults.
func (t *ThresholdConfig) Thresholds() diff.Thresholds {
	if t == nil {
		return diff.DefaultThresholds()
	}
	lim := func(p float64, n int) diff.Limit { return diff.Limit{Percent: p, Count: n} }
	kinds := func(l diff.Limit) map[diff.Kind]diff.Limit {
		return map[diff.Kind]diff.Limit{diff.User: l, diff.Group: l, diff.Container: l}
	}
	return diff.Thresholds{
		Disable:        kinds(lim(t.DisablePercent, t.DisableCount)),
		Delete:         kinds(lim(t.DeletePercent, t.DeleteCount)),
		PerInstitution: lim(t.PerInstitutionPercent, t.PerInstitutionCount),
	}
}

// Defaults returns a Config with the defaults filled in, ready to be
// overlaid by a YAML file.
func Defaults() Config {
	return Config{Projection: desired.DefaultConfig(), Concurrency: 4, Actor: "orgsync"}
}

// StatePath returns the path of the state file: State, or next to the
// snapshot.
func (c *Config) StatePath() string {
	if c.State != "" {
		return c.State
	}
	return c.Snapshot + ".state.json"
}

// DiffOptions returns the planning options for the configuration.
func (c *Config) DiffOptions() diff.Options {
	o := diff.Options{
		Retention:      c.Plan.RetentionDays,
		GroupRetention: c.Plan.GroupRetentionDays,
		Protected:      c.Plan.KeepAlive,
		AdoptBy:        c.Plan.AdoptBy,
	}
	if !c.Plan.DisableInPlace && c.Projection.DisabledOU != "" && c.Projection.Layout != desired.Flat {
		o.Quarantine = desired.KeyDisabled
	}
	if c.Projection.RetiredOU != "" && c.Projection.Layout != desired.Flat {
		o.Retired = desired.KeyRetired
	}
	return o
}

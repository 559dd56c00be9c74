package provision

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/rolemodel"
	"github.com/orgsync/orgsync/rolemodel/catalog"
)

// Roles is the role model input of a Job given in code rather than as
// files (Config.Roles): the catalogue and the attestation decisions so far
// (e.g. rolemodel.CampaignStatus.Removals and the managers' keeps).
type Roles struct {
	Catalogue rolemodel.Catalogue
	Decisions []rolemodel.Decision
}

// roleGroups evaluates the role catalogue, if any, at now: it refuses a
// catalogue that does not validate against the snapshot (ErrInput) and
// effective assignments that break a segregation-of-duties rule
// (rolemodel.ErrSoD, a *rolemodel.SoDError) before anything is planned or
// applied, and returns the role and right groups.
func (r *run) roleGroups(snap *orgmodel.Snapshot) ([]orgmodel.LogicalGroup, error) {
	in := r.Roles
	if in == nil {
		var err error
		if in, err = r.Config.loadRoles(); err != nil || in == nil {
			return nil, err
		}
	}
	m, err := rolemodel.Compile(in.Catalogue)
	if err != nil {
		return nil, fmt.Errorf("roles: %w: %w", ErrInput, err)
	}
	if err := m.Validate(snap); err != nil {
		return nil, fmt.Errorf("roles: %w: %w", ErrInput, err)
	}
	res := m.Evaluate(snap, r.Now, in.Decisions)
	if err := res.CheckSoD(); err != nil {
		fmt.Fprintf(r.out, "Refused: %v\nNothing was applied. Change the assignments or the rule.\n", err)
		return nil, fmt.Errorf("roles: %w", err)
	}
	groups := res.Groups()
	fmt.Fprintf(r.out, "Roles: %d users with %d role grants; %d role groups; %d awaiting attestation, %d removed by attestation.\n",
		len(res.Users()), res.Len(), len(groups), len(res.Pending), len(res.Removed))
	return groups, nil
}

// loadRoles reads Config.Roles; nil when it is not set.
func (c *Config) loadRoles() (*Roles, error) {
	if c.Roles == nil || c.Roles.Catalogue == "" {
		return nil, nil
	}
	data, err := os.ReadFile(c.Roles.Catalogue)
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	var in Roles
	if strings.HasSuffix(strings.ToLower(c.Roles.Catalogue), ".csv") {
		in.Catalogue, err = catalog.ReadCSV(bytes.NewReader(data))
	} else {
		in.Catalogue, err = catalog.Parse(data)
	}
	if err != nil {
		return nil, fmt.Errorf("roles %s: %w: %w", c.Roles.Catalogue, ErrInput, err)
	}
	if c.Roles.Decisions != "" {
		f, err := os.Open(c.Roles.Decisions)
		if err != nil {
			return nil, fmt.Errorf("roles: %w", err)
		}
		defer f.Close()
		d, err := io.ReadAll(f)
		if err != nil {
			return nil, fmt.Errorf("roles: %w", err)
		}
		if in.Decisions, err = catalog.ParseDecisions(d); err != nil {
			return nil, fmt.Errorf("roles %s: %w: %w", c.Roles.Decisions, ErrInput, err)
		}
	}
	return &in, nil
}

package os2mo

import (
	"context"

	"fmt"
	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"sort"
	"time"
)

// Account is what orgsync gave a person in AD: the person's OS2mo employee
// uuid, the account's username and its object id (objectGUID).
type Account struct {
	PersonID string
	Username string
	ObjectID string
}

// WriteBackReport counts what WriteBack did.
type WriteBackReport struct {
	Created, Updated, Unchanged int
	// Skipped lists accounts of persons orgsync does not manage.
	Skipped []string
}

// WriteBack writes each account back to OS2mo as an IT user of the AD
// system (user_key = username, external_id = object id), as OS2mo's AD
// integration does. It is idempotent: it reads the system's current IT
// users first, leaves a binding that already says the same untouched,
// updates one that differs and creates a missing one, valid from the day of
// at. Only accounts whose PersonID managed accepts are written.
func (c *Client) WriteBack(ctx context.Context, adSystem string, accounts []Account, managed func(personID string) bool, at time.Time) (WriteBackReport, error) {
	var rep WriteBackReport
	var sysID string
	if err := pageAll(ctx, c, qSystems, map[string]any{"user_keys": []string{adSystem}, "from_date": nil, "to_date": nil},
		func(id string, _ []vKey) error { sysID = id; return nil }); err != nil {
		return rep, err
	}
	if sysID == "" {
		return rep, fmt.Errorf("%w: IT system %q not found in OS2mo", ErrConfig, adSystem)
	}
	existing := map[string]vITUserID{}
	filter := map[string]any{"itsystem": map[string]any{"uuids": []string{sysID}}, "from_date": dateVar(at), "to_date": nil}
	if err := pageAll(ctx, c, qITUsers, filter, func(id string, vs []vITUser) error {
		pick, _, err := current(vs, func(v vITUser) validity { return v.Validity }, at)
		if err != nil || len(vs) == 0 {
			return err
		}
		v := vs[pick]
		if v.Employee != nil {
			existing[*v.Employee] = vITUserID{id, v}
		}
		return nil
	}); err != nil {
		return rep, err
	}
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	sorted := append([]Account(nil), accounts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].PersonID < sorted[j].PersonID })
	for _, a := range sorted {
		if a.PersonID == "" || a.Username == "" || managed == nil || !managed(a.PersonID) {
			rep.Skipped = append(rep.Skipped, a.PersonID)
			continue
		}
		cur, ok := existing[a.PersonID]
		var out map[string]struct{ UUID string }
		switch {
		case ok && cur.v.UserKey == a.Username && str(cur.v.ExternalID) == a.ObjectID:
			rep.Unchanged++
			continue
		case ok:
			in := map[string]any{"uuid": cur.id, "user_key": a.Username, "external_id": a.ObjectID, "person": a.PersonID,
				"itsystem": sysID, "validity": map[string]any{"from": day}}
			if err := c.do(ctx, "UpdateITUser", mutUpdateITUser, map[string]any{"input": in}, &out); err != nil {
				return rep, fmt.Errorf("write back %s: %w", a.PersonID, err)
			}
			rep.Updated++
		default:
			in := map[string]any{"user_key": a.Username, "external_id": a.ObjectID, "person": a.PersonID,
				"itsystem": sysID, "validity": map[string]any{"from": day}}
			if err := c.do(ctx, "CreateITUser", mutCreateITUser, map[string]any{"input": in}, &out); err != nil {
				return rep, fmt.Errorf("write back %s: %w", a.PersonID, err)
			}
			rep.Created++
		}
		c.cfg.Logger.InfoContext(ctx, "os2mo: IT user written", "person", a.PersonID, "username", a.Username)
	}
	return rep, nil
}

type vITUserID struct {
	id string
	v  vITUser
}

// AccountsOf picks from a target's actual objects (diff.Target.Read) the
// user accounts of the persons in os2moIDs (MergeReport.OS2moIDs: snapshot
// person id -> OS2mo employee uuid), with their username and the target's
// object id, ready for WriteBack.
func AccountsOf(objects []diff.Object, os2moIDs map[string]string) []Account {
	var out []Account
	for _, o := range objects {
		pid := desired.PersonID(o.Key)
		if pid == "" || o.ID == "" {
			continue
		}
		moID, ok := os2moIDs[pid]
		if !ok {
			continue
		}
		out = append(out, Account{PersonID: moID, Username: o.Attrs.Get(diff.AttrUsername), ObjectID: o.ID})
	}
	return out
}

package rolemodel

import (
	"slices"
	"strings"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Manager (leder) is responsible for attesting the assignments of the
// persons in a unit (and, with SubUnits, its descendants) while Valid.
// orgmodel has no managers yet, so the caller supplies them (e.g. from
// OS2mo's manager functions).
type Manager struct {
	PersonID string `json:"personId" yaml:"personId"`
	Unit     string `json:"unit" yaml:"unit"`
	SubUnits bool   `json:"subUnits,omitempty" yaml:"subUnits,omitempty"`
	Valid    Period `json:"valid,omitzero" yaml:"valid,omitempty"`
}

// Campaign is an attestation round (attesteringsrunde): between Start and
// Deadline each manager decides keep or remove for the assignments of the
// persons in their units. Reminders are the instants at which a manager
// with undecided items is reminded (the broker mails them).
type Campaign struct {
	ID        string      `json:"id" yaml:"id"`
	Start     time.Time   `json:"start" yaml:"start"`
	Deadline  time.Time   `json:"deadline" yaml:"deadline"`
	Reminders []time.Time `json:"reminders,omitempty" yaml:"reminders,omitempty"`
}

// Item is one user's role in one assignment, due for attestation.
type Item struct {
	User       string    `json:"user"`
	PersonID   string    `json:"personId"`
	Role       string    `json:"role"`
	Assignment string    `json:"assignment"`
	Derived    bool      `json:"derived,omitempty"`
	Decision   *Decision `json:"decision,omitempty"`
}

// ManagerStatus is one manager's part of a campaign.
type ManagerStatus struct {
	Manager Manager `json:"manager"`
	Items   []Item  `json:"items"`
	// Undecided counts the items without a decision.
	Undecided int `json:"undecided"`
	// RemindNow is true when a reminder instant has passed since the last
	// decision and items are undecided.
	RemindNow bool `json:"remindNow"`
	// Overdue is true when the deadline has passed with items undecided.
	Overdue bool `json:"overdue"`
}

// CampaignStatus is the state of a campaign at now.
type CampaignStatus struct {
	Campaign Campaign        `json:"campaign"`
	Now      time.Time       `json:"now"`
	Managers []ManagerStatus `json:"managers"`
	// Removals are the remove decisions: passed to Evaluate as decisions,
	// they end the grants, so that the next plan removes the memberships.
	Removals []Decision `json:"removals,omitempty"`
	// Overdue is true when some manager is overdue.
	Overdue bool `json:"overdue"`
}

// Status computes the campaign at now: for each manager valid at the
// campaign's start, the effective and pending role grants of the persons
// placed in their units (by an affiliation valid at the start), each with
// its decision (the latest one taken by now); reminders due; overdue
// managers. A role that requires attestation is due as well while pending,
// so that the manager's "keep" makes it take effect.
func (m *Model) Status(s *orgmodel.Snapshot, c Campaign, managers []Manager, decisions []Decision, now time.Time) CampaignStatus {
	st := CampaignStatus{Campaign: c, Now: now, Managers: []ManagerStatus{}}
	res := m.Evaluate(s, c.Start, nil)
	type k struct{ a, u string }
	latest := map[k]*Decision{}
	for i := range decisions {
		d := &decisions[i]
		if d.At.After(now) || d.At.Before(c.Start) {
			continue
		}
		if p := latest[k{d.Assignment, d.User}]; p == nil || !d.At.Before(p.At) {
			latest[k{d.Assignment, d.User}] = d
		}
	}
	children := map[string][]string{}
	for _, u := range s.Units {
		if u.ParentID != "" {
			children[u.ParentID] = append(children[u.ParentID], u.ID)
		}
	}
	byUnit := map[string][]string{}
	for _, a := range s.Affiliations {
		if a.UnitID != "" && a.Valid.Contains(c.Start) {
			byUnit[a.UnitID] = append(byUnit[a.UnitID], a.PersonID)
		}
	}
	usersOf := map[string][]int{}
	for i, p := range res.person {
		if p != "" {
			usersOf[p] = append(usersOf[p], i)
		}
	}
	pendingOf := map[string][]Pending{}
	for _, p := range res.Pending {
		pendingOf[p.User] = append(pendingOf[p.User], p)
	}
	for _, mg := range managers {
		if !mg.Valid.Contains(c.Start) {
			continue
		}
		ms := ManagerStatus{Manager: mg, Items: []Item{}}
		persons := map[string]bool{}
		stack := []string{mg.Unit}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, p := range byUnit[u] {
				persons[p] = true
			}
			if mg.SubUnits {
				stack = append(stack, children[u]...)
			}
		}
		delete(persons, mg.PersonID) // nobody attests their own roles
		var lastMine time.Time
		for p := range persons {
			for _, ui := range usersOf[p] {
				for _, rg := range res.Roles(res.users[ui]) {
					ms.Items = append(ms.Items, Item{User: res.users[ui], PersonID: p, Role: rg.Role, Assignment: rg.Assignment, Derived: rg.Derived})
				}
			}
			for _, pd := range pendingOf[p] {
				ms.Items = append(ms.Items, Item{User: pd.User, PersonID: p, Role: pd.Role, Assignment: pd.Assignment})
			}
		}
		slices.SortFunc(ms.Items, func(a, b Item) int {
			if c := strings.Compare(a.User, b.User); c != 0 {
				return c
			}
			if c := strings.Compare(a.Role, b.Role); c != 0 {
				return c
			}
			return strings.Compare(a.Assignment, b.Assignment)
		})
		ms.Items = slices.CompactFunc(ms.Items, func(a, b Item) bool {
			return a.User == b.User && a.Role == b.Role && a.Assignment == b.Assignment
		})
		for i := range ms.Items {
			it := &ms.Items[i]
			if d := latest[k{it.Assignment, it.User}]; d != nil {
				it.Decision = d
				if d.At.After(lastMine) {
					lastMine = d.At
				}
			} else {
				ms.Undecided++
			}
		}
		if ms.Undecided > 0 {
			ms.Overdue = !now.Before(c.Deadline)
			for _, r := range c.Reminders {
				if !r.After(now) && r.After(lastMine) {
					ms.RemindNow = true
				}
			}
			st.Overdue = st.Overdue || ms.Overdue
		}
		st.Managers = append(st.Managers, ms)
	}
	for _, d := range latest {
		if !d.Keep {
			st.Removals = append(st.Removals, *d)
		}
	}
	slices.SortFunc(st.Removals, func(a, b Decision) int {
		if c := strings.Compare(a.User, b.User); c != 0 {
			return c
		}
		return strings.Compare(a.Assignment, b.Assignment)
	})
	slices.SortFunc(st.Managers, func(a, b ManagerStatus) int {
		if c := strings.Compare(a.Manager.Unit, b.Manager.Unit); c != 0 {
			return c
		}
		return strings.Compare(a.Manager.PersonID, b.Manager.PersonID)
	})
	return st
}

package orgmodel

import (
	"strconv"
	"time"
)

// Manager is a managerial position of a unit held by a person for a period,
// as OS2mo has them: a level (e.g. "Niveau 2") and the responsibilities the
// manager takes care of (e.g. "Personaleansvar"). A manager change is two
// records with adjoining periods. PersonID is empty for a vacant position.
// The role model's attestation asks ManagersOf who attests for a unit.
type Manager struct {
	// ID is the source's id of the managerial position (OS2mo's manager
	// uuid); several records (periods) may share it.
	ID       string `json:"id,omitempty"`
	UnitID   string `json:"unitId"`
	PersonID string `json:"personId,omitempty"`
	// Level is the manager level's name; Type the manager type's name
	// (the title, e.g. "Direktør").
	Level            string   `json:"level,omitempty"`
	Type             string   `json:"type,omitempty"`
	Responsibilities []string `json:"responsibilities,omitempty"`
	Valid            Period   `json:"valid,omitzero"`
}

// ManagersOf returns the filled managerial positions of the unit valid at
// at, in snapshot order. It does not inherit managers from parent units.
func (s *Snapshot) ManagersOf(unitID string, at time.Time) []Manager {
	var out []Manager
	for _, m := range s.Managers {
		if m.UnitID == unitID && m.PersonID != "" && m.Valid.Contains(at) {
			out = append(out, m)
		}
	}
	return out
}

// checkManagers reports managers of unknown units or persons and bad
// periods. It needs the index built.
func (s *Snapshot) checkManagers(ps *problems) {
	for i, m := range s.Managers {
		rec := "manager #" + strconv.Itoa(i)
		if m.ID != "" {
			rec = "manager " + m.ID
		}
		if blank(m.UnitID) {
			ps.add(rec, "unitId", "is empty")
		} else if _, ok := s.idx.units[m.UnitID]; !ok {
			ps.add(rec, "unitId", "unknown unit %q", m.UnitID)
		}
		if m.PersonID != "" {
			if _, ok := s.idx.persons[m.PersonID]; !ok {
				ps.add(rec, "personId", "unknown person %q", m.PersonID)
			}
		}
		checkPeriod(ps, rec, m.Valid)
	}
}

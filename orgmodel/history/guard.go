package history

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

// Guard is the "too few people" safety valve. The zero value holds an
// institution back when its head count drops to 50 % or less of the
// previous snapshot's.
type Guard struct {
	// MinShare is the share of the previous head count at or below which an
	// institution is held back; 0 means 0.5. A negative value turns the
	// guard off.
	MinShare float64
	// MinPrevious is the smallest previous head count the guard looks at, so
	// that a tiny institution losing two of three people is not held back;
	// 0 means 1 (every institution that had anyone).
	MinPrevious int
}

// Proposal is a held-back change of one institution, waiting for an
// administrator. Create and Remove list person IDs (sorted).
type Proposal struct {
	ID            string    `json:"id"`
	Institution   string    `json:"institution"`
	PreviousCount int       `json:"previousCount"`
	NewCount      int       `json:"newCount"`
	Create        []string  `json:"create,omitempty"`
	Remove        []string  `json:"remove,omitempty"`
	Raised        time.Time `json:"raised"`
}

// Approval lets one institution through the guard once: at the next check
// where its head count is at least MinCount (what the administrator saw in
// the proposal), the new data is taken and the approval is used up.
type Approval struct {
	ProposalID  string    `json:"proposalId"`
	Institution string    `json:"institution"`
	MinCount    int       `json:"minCount"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// GuardResult is the outcome of Guard.Check.
type GuardResult struct {
	// Snapshot is next with every held institution replaced by its previous
	// data.
	Snapshot orgmodel.Snapshot
	// Held lists a proposal per held institution, sorted by institution.
	Held []Proposal
	// Used lists the approvals that let an institution through.
	Used []Approval
}

// headCounts returns the number of distinct persons per institution.
func headCounts(s *orgmodel.Snapshot) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	if s == nil {
		return out
	}
	for _, in := range s.Institutions {
		out[in.Number] = map[string]bool{}
	}
	for _, a := range s.Affiliations {
		inst := s.AffiliationInstitution(a)
		if out[inst] == nil {
			out[inst] = map[string]bool{}
		}
		out[inst][a.PersonID] = true
	}
	return out
}

// Check compares next with prev per institution and holds back every
// institution whose head count fell to MinShare or less (an institution
// missing from next counts as zero), unless an approval covers it. now
// stamps the proposals. prev may be nil (nothing is held). next is not
// modified.
func (g Guard) Check(prev, next *orgmodel.Snapshot, approvals []Approval, now time.Time) GuardResult {
	share := g.MinShare
	if share == 0 {
		share = 0.5
	}
	minPrev := g.MinPrevious
	if minPrev == 0 {
		minPrev = 1
	}
	res := GuardResult{Snapshot: clone(next)}
	if prev == nil || share < 0 {
		return res
	}
	prev.Index()
	next.Index()
	before, after := headCounts(prev), headCounts(next)
	var held []string
	for _, in := range prev.Institutions {
		num := in.Number
		pc, nc := len(before[num]), len(after[num])
		if pc < minPrev || float64(nc) > share*float64(pc) {
			continue
		}
		if i := slices.IndexFunc(approvals, func(a Approval) bool { return a.Institution == num && nc >= a.MinCount }); i >= 0 {
			res.Used = append(res.Used, approvals[i])
			continue
		}
		held = append(held, num)
		p := Proposal{Institution: num, PreviousCount: pc, NewCount: nc, Raised: now}
		for id := range after[num] {
			if !before[num][id] {
				p.Create = append(p.Create, id)
			}
		}
		for id := range before[num] {
			if !after[num][id] {
				p.Remove = append(p.Remove, id)
			}
		}
		slices.Sort(p.Create)
		slices.Sort(p.Remove)
		p.ID = proposalID(p)
		res.Held = append(res.Held, p)
	}
	if len(held) > 0 {
		res.Snapshot = holdBack(prev, next, held)
	}
	slices.SortFunc(res.Held, func(a, b Proposal) int { return compareStrings(a.Institution, b.Institution) })
	return res
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// proposalID is a short content hash, so that the same held change raised
// twice has the same ID.
func proposalID(p Proposal) string {
	h := sha256.New()
	h.Write([]byte(p.Institution + "\x00" + strconv.Itoa(p.PreviousCount) + "\x00" + strconv.Itoa(p.NewCount)))
	for _, id := range p.Create {
		h.Write([]byte("\x00+" + id))
	}
	for _, id := range p.Remove {
		h.Write([]byte("\x00-" + id))
	}
	return p.Institution + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// clone copies the slices of a snapshot so the result can be changed
// without touching the input.
func clone(s *orgmodel.Snapshot) orgmodel.Snapshot {
	if s == nil {
		return orgmodel.Snapshot{}
	}
	return orgmodel.Snapshot{
		SchoolYear:   s.SchoolYear,
		Institutions: slices.Clone(s.Institutions),
		Units:        slices.Clone(s.Units),
		Persons:      slices.Clone(s.Persons),
		Affiliations: slices.Clone(s.Affiliations),
		Groups:       slices.Clone(s.Groups),
	}
}

// holdBack builds next with the held institutions' institution record,
// groups, units and affiliations taken from prev. Persons needed by the
// previous affiliations come from next when it still has them, else from
// prev; persons of next known only through a held institution are left out.
func holdBack(prev, next *orgmodel.Snapshot, held []string) orgmodel.Snapshot {
	isHeld := map[string]bool{}
	for _, h := range held {
		isHeld[h] = true
	}
	var out orgmodel.Snapshot
	out.SchoolYear = next.SchoolYear
	for _, in := range next.Institutions {
		if !isHeld[in.Number] {
			out.Institutions = append(out.Institutions, in)
		}
	}
	for _, in := range prev.Institutions {
		if isHeld[in.Number] {
			out.Institutions = append(out.Institutions, in)
		}
	}
	for _, u := range next.Units {
		if !isHeld[u.Institution] || u.Institution == "" {
			out.Units = append(out.Units, u)
		}
	}
	unitSeen := map[string]bool{}
	for _, u := range out.Units {
		unitSeen[u.ID] = true
	}
	for _, u := range prev.Units {
		if isHeld[u.Institution] && !unitSeen[u.ID] {
			out.Units = append(out.Units, u)
		}
	}
	for _, g := range next.Groups {
		if !isHeld[g.Institution] {
			out.Groups = append(out.Groups, g)
		}
	}
	for _, g := range prev.Groups {
		if isHeld[g.Institution] {
			out.Groups = append(out.Groups, g)
		}
	}
	need := map[string]bool{}
	for _, a := range next.Affiliations {
		if !isHeld[next.AffiliationInstitution(a)] {
			out.Affiliations = append(out.Affiliations, a)
			need[a.PersonID] = true
		}
	}
	for _, a := range prev.Affiliations {
		if isHeld[prev.AffiliationInstitution(a)] {
			out.Affiliations = append(out.Affiliations, a)
			need[a.PersonID] = true
		}
	}
	// Persons with no affiliation at all in next stay (another source may
	// have put them there on purpose).
	hasAff := map[string]bool{}
	for _, a := range next.Affiliations {
		hasAff[a.PersonID] = true
	}
	have := map[string]bool{}
	for _, p := range next.Persons {
		if need[p.ID] || !hasAff[p.ID] {
			out.Persons = append(out.Persons, p)
			have[p.ID] = true
		}
	}
	for _, p := range prev.Persons {
		if need[p.ID] && !have[p.ID] {
			out.Persons = append(out.Persons, p)
			have[p.ID] = true
		}
	}
	out.Index()
	return out
}

package broker

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/yearroll"
)

// Lock holds an institution at its previous school year's data for every
// client until an administrator releases it (Broker.Release) after
// reading the year-roll explanation. The rest of the municipality keeps
// syncing.
type Lock struct {
	Institution string    `json:"institution"`
	From        string    `json:"from"` // school year held
	To          string    `json:"to"`   // school year the source moved to
	At          time.Time `json:"at"`
	// Explanation is the year roll of the institution's classes as it
	// would be done on release (yearroll.Result.Explain).
	Explanation string `json:"explanation"`
}

// KeepAlive keeps a person's accounts active until Until even though the
// source dropped them: the broker carries the person and their
// affiliations as they were when the entry was made.
type KeepAlive struct {
	PersonID string    `json:"personId"`
	Until    time.Time `json:"until"`
	By       string    `json:"by"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
	// Person and Affiliations are the data carried.
	Person       orgmodel.Person        `json:"person"`
	Affiliations []orgmodel.Affiliation `json:"affiliations"`
}

// SetSnapshot gives the broker the source's latest snapshot (validated),
// as accepted by the snapshot history's guard. An institution whose
// school year moved forward since the previous snapshot is locked; the
// next runs use the new snapshot with the locked institutions' data as it
// was.
func (b *Broker) SetSnapshot(ctx context.Context, s *orgmodel.Snapshot) error {
	defer b.planAheadAll() // when done, locks released
	if err := s.Validate(); err != nil {
		return fmt.Errorf("broker: snapshot: %w", err)
	}
	defer b.flush()
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.opt.Clock()
	if yc, ok := snapstore.DetectYearChange(b.snap, s); ok {
		for _, inst := range yc.Institutions {
			if _, locked := b.rec.Locks[inst]; locked {
				continue // still held at the data of the first lock
			}
			held := b.snap
			lk := &Lock{Institution: inst, From: yc.From, To: yc.To, At: now, Explanation: explainRoll(held, s, inst, now)}
			if err := b.putJSON(ctx, "held/"+inst, held); err != nil {
				return err
			}
			b.rec.Locks[inst] = lk
			b.held[inst] = held
			b.notify(Event{Kind: "locked", Institution: inst, At: now,
				Text: fmt.Sprintf("institution %s is held at school year %s until an administrator releases it", inst, yc.From)})
		}
	}
	if err := b.putJSON(ctx, "source", s); err != nil {
		return err
	}
	b.snap = s
	return b.saveLocked(ctx)
}

// Snapshot returns the latest source snapshot (nil before the first).
func (b *Broker) Snapshot() *orgmodel.Snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.snap
}

// rollOf rolls one institution's classes from held to cur.
func rollOf(held, cur *orgmodel.Snapshot, inst string, now time.Time) yearroll.Result {
	oldC, newC := yearroll.FromSnapshotsAt(held, now, cur, now)
	keep := func(c yearroll.Class) bool { return c.Institution != inst }
	oldC = slices.DeleteFunc(oldC, keep)
	newC = slices.DeleteFunc(newC, keep)
	return yearroll.Roll(oldC, newC, yearroll.Options{})
}

func explainRoll(held, cur *orgmodel.Snapshot, inst string, now time.Time) string {
	var buf bytes.Buffer
	if err := rollOf(held, cur, inst, now).Explain(&buf); err != nil {
		return err.Error()
	}
	return buf.String()
}

// Locks returns the institutions held at the year roll, sorted.
func (b *Broker) Locks() []Lock {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Lock
	for _, l := range b.rec.Locks {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(x, y Lock) int { return cmpString(x.Institution, y.Institution) })
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Release ends the year-roll lock of an institution: the next runs use its
// new data. The institution's classes are rolled (matched to last year's)
// into every client's class identities, so that their groups are renamed,
// not recreated.
func (b *Broker) Release(ctx context.Context, inst, by string) error {
	defer b.planAheadAll() // when done, locks released
	defer b.flush()
	b.mu.Lock()
	defer b.mu.Unlock()
	lk, ok := b.rec.Locks[inst]
	if !ok {
		return fmt.Errorf("lock %q: %w", inst, ErrUnknown)
	}
	now := b.opt.Clock()
	roll := rollOf(b.held[inst], b.snap, inst, now)
	for _, n := range b.names {
		cs := b.stateOf(n)
		c := b.clients[n]
		c.run.Lock()
		st, err := cs.LoadState(ctx)
		if err == nil {
			st.ClassIDs = desired.CarryClassIDs(st.ClassIDs, roll.Lineage())
			err = cs.SaveState(ctx, st)
		}
		c.run.Unlock()
		if err != nil {
			return fmt.Errorf("release %s: client %s: %w", inst, n, err)
		}
	}
	delete(b.rec.Locks, inst)
	delete(b.held, inst)
	if err := b.saveLocked(ctx); err != nil {
		return err
	}
	if err := b.opt.Store.Delete(ctx, "held/"+inst); err != nil {
		return err
	}
	b.notify(Event{Kind: "released", Institution: inst, At: now,
		Text: fmt.Sprintf("institution %s released by %s: moves from %s to %s", inst, by, lk.From, lk.To)})
	return nil
}

// AddKeepAlive keeps a person of the current snapshot active until until,
// even when the source drops them.
func (b *Broker) AddKeepAlive(ctx context.Context, personID string, until time.Time, by, reason string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.snap == nil {
		return ErrNoSnapshot
	}
	p, ok := b.snap.Person(personID)
	if !ok {
		return fmt.Errorf("keep-alive: person %q: %w", personID, ErrUnknown)
	}
	var affs []orgmodel.Affiliation
	for _, a := range b.snap.Affiliations {
		if a.PersonID == personID {
			affs = append(affs, a)
		}
	}
	b.rec.KeepAlive[personID] = &KeepAlive{PersonID: personID, Until: until, By: by, Reason: reason,
		At: b.opt.Clock(), Person: p, Affiliations: affs}
	return b.saveLocked(ctx)
}

// RemoveKeepAlive ends a keep-alive entry.
func (b *Broker) RemoveKeepAlive(ctx context.Context, personID string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.rec.KeepAlive[personID]; !ok {
		return fmt.Errorf("keep-alive: person %q: %w", personID, ErrUnknown)
	}
	delete(b.rec.KeepAlive, personID)
	return b.saveLocked(ctx)
}

// KeepAlives returns the keep-alive list (expired entries included until
// the next run drops them), sorted by person.
func (b *Broker) KeepAlives() []KeepAlive {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []KeepAlive
	for _, k := range b.rec.KeepAlive {
		out = append(out, *k)
	}
	slices.SortFunc(out, func(x, y KeepAlive) int { return cmpString(x.PersonID, y.PersonID) })
	return out
}

// effective returns the snapshot the clients are synced to now: the
// source's, with each locked institution's data as it was held, and the
// persons on the keep-alive list carried. b.mu is held.
func (b *Broker) effective(now time.Time) (*orgmodel.Snapshot, error) {
	if b.snap == nil {
		return nil, ErrNoSnapshot
	}
	for id, k := range b.rec.KeepAlive {
		if !now.Before(k.Until) {
			delete(b.rec.KeepAlive, id)
		}
	}
	if len(b.rec.Locks) == 0 && len(b.rec.KeepAlive) == 0 {
		return b.snap, nil
	}
	src := b.snap
	out := &orgmodel.Snapshot{SchoolYear: src.SchoolYear}
	locked := func(inst string) bool { _, ok := b.rec.Locks[inst]; return ok }
	persons := map[string]bool{}
	for _, p := range src.Persons {
		persons[p.ID] = true
	}
	out.Persons = slices.Clone(src.Persons)
	for _, in := range src.Institutions {
		if !locked(in.Number) {
			out.Institutions = append(out.Institutions, in)
		}
	}
	for _, u := range src.Units {
		if !locked(u.Institution) {
			out.Units = append(out.Units, u)
		}
	}
	for _, g := range src.Groups {
		if !locked(g.Institution) {
			out.Groups = append(out.Groups, g)
		}
	}
	for _, a := range src.Affiliations {
		if !locked(src.AffiliationInstitution(a)) {
			out.Affiliations = append(out.Affiliations, a)
		}
	}
	for _, c := range src.Contacts {
		if !locked(c.Institution) {
			out.Contacts = append(out.Contacts, c)
		}
	}
	for inst := range b.rec.Locks {
		h := b.held[inst]
		if in, ok := h.Institution(inst); ok {
			out.Institutions = append(out.Institutions, in)
		}
		for _, u := range h.Units {
			if u.Institution == inst {
				out.Units = append(out.Units, u)
			}
		}
		for _, g := range h.Groups {
			if g.Institution == inst {
				out.Groups = append(out.Groups, g)
			}
		}
		for _, a := range h.Affiliations {
			if h.AffiliationInstitution(a) != inst {
				continue
			}
			out.Affiliations = append(out.Affiliations, a)
			if !persons[a.PersonID] {
				if p, ok := h.Person(a.PersonID); ok {
					out.Persons = append(out.Persons, p)
					persons[p.ID] = true
				}
			}
		}
		for _, c := range h.Contacts {
			if c.Institution == inst {
				out.Contacts = append(out.Contacts, c)
			}
		}
	}
	// Keep-alive: a person the source dropped is carried with their
	// affiliations, without references to groups or units that are gone.
	groups := map[string]bool{}
	for _, g := range out.Groups {
		groups[g.Key()] = true
	}
	units := map[string]bool{}
	insts := map[string]bool{}
	for _, u := range out.Units {
		units[u.ID] = true
	}
	for _, in := range out.Institutions {
		insts[in.Number] = true
	}
	for _, id := range sortedKeys(b.rec.KeepAlive) {
		k := b.rec.KeepAlive[id]
		if persons[id] {
			continue
		}
		out.Persons = append(out.Persons, k.Person)
		persons[id] = true
		for _, a := range k.Affiliations {
			if (a.UnitID != "" && !units[a.UnitID]) || (a.Institution != "" && !insts[a.Institution]) {
				continue
			}
			a.GroupIDs = slices.DeleteFunc(slices.Clone(a.GroupIDs), func(g string) bool {
				return !groups[orgmodel.Group{Institution: a.Institution, ID: g}.Key()]
			})
			if a.MainGroupID != "" && !groups[orgmodel.Group{Institution: a.Institution, ID: a.MainGroupID}.Key()] {
				a.MainGroupID = ""
			}
			out.Affiliations = append(out.Affiliations, a)
		}
	}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("broker: the snapshot with held institutions and kept persons: %w", err)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Primary is a manual override of a person's primary institution (where
// the account lives and what its attributes say), for a person with
// affiliations at several institutions. It holds as long as the person
// has an affiliation there; otherwise the usual rule applies.
type Primary struct {
	PersonID    string    `json:"personId"`
	Institution string    `json:"institution"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// SetPrimary overrides a person's primary institution.
func (b *Broker) SetPrimary(ctx context.Context, personID, inst, by string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.snap == nil {
		return ErrNoSnapshot
	}
	if _, ok := b.snap.Person(personID); !ok {
		return fmt.Errorf("primary: person %q: %w", personID, ErrUnknown)
	}
	if !slices.ContainsFunc(b.snap.Affiliations, func(a orgmodel.Affiliation) bool {
		return a.PersonID == personID && b.snap.AffiliationInstitution(a) == inst
	}) {
		return fmt.Errorf("primary: person %s has no affiliation at institution %q: %w", personID, inst, ErrUnknown)
	}
	b.rec.Primary[personID] = &Primary{PersonID: personID, Institution: inst, By: by, At: b.opt.Clock()}
	return b.saveLocked(ctx)
}

// ClearPrimary removes a person's override.
func (b *Broker) ClearPrimary(ctx context.Context, personID string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.rec.Primary[personID]; !ok {
		return fmt.Errorf("primary: person %q: %w", personID, ErrUnknown)
	}
	delete(b.rec.Primary, personID)
	return b.saveLocked(ctx)
}

// Primaries returns the overrides, sorted by person.
func (b *Broker) Primaries() []Primary {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Primary
	for _, k := range sortedKeys(b.rec.Primary) {
		out = append(out, *b.rec.Primary[k])
	}
	return out
}

// primaryMap is the overrides as provision.Job.Primary wants them; b.mu
// is held.
func (b *Broker) primaryMap() map[string]string {
	if len(b.rec.Primary) == 0 {
		return nil
	}
	m := make(map[string]string, len(b.rec.Primary))
	for id, p := range b.rec.Primary {
		m[id] = p.Institution
	}
	return m
}

package broker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	// Held is the store key of the snapshot the institution is held at
	// (empty in locks of earlier versions: "held/<institution>").
	Held string `json:"held,omitempty"`
}

// heldKey is the store key of the data lk holds.
func (lk *Lock) heldKey() string {
	if lk.Held != "" {
		return lk.Held
	}
	return "held/" + lk.Institution
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
//
// The snapshot is written under a key of its own and then made current
// by a swap of the record "source-version"; when another instance set a
// snapshot meanwhile, the year change is judged again against that one.
func (b *Broker) SetSnapshot(ctx context.Context, s *orgmodel.Snapshot) error {
	defer b.planAheadAll() // when done, locks released
	// A copy of its own (the data is shared, not changed): validating
	// rebuilds the index, which the runs read meanwhile, and the caller
	// may validate s again.
	cp := *s
	s = &cp
	if err := s.Validate(); err != nil {
		return fmt.Errorf("broker: snapshot: %w", err)
	}
	defer b.flush()
	b.srcMu.Lock()
	defer b.srcMu.Unlock()
	for range maxSwaps {
		prev, ver, verRaw, err := b.sourceLocked(ctx)
		if err != nil {
			return err
		}
		now := b.opt.Clock()
		if yc, ok := snapstore.DetectYearChange(prev, s); ok {
			for _, inst := range yc.Institutions {
				if err := b.lock(ctx, prev, s, inst, yc.From, yc.To, ver.Seq, now); err != nil {
					return err
				}
			}
		}
		next := sourceVersion{Seq: ver.Seq + 1, Key: fmt.Sprintf("source/%d-%s", ver.Seq+1, uniqueSuffix())}
		if err := b.putJSON(ctx, next.Key, s); err != nil {
			return err
		}
		nextRaw, err := json.Marshal(next)
		if err != nil {
			return fmt.Errorf("broker: save %s: %w", keySourceVersion, err)
		}
		err = b.swap(ctx, keySourceVersion, verRaw, nextRaw)
		if errors.Is(err, ErrConflict) {
			_ = b.opt.Store.Delete(ctx, next.Key)
			continue
		}
		if err != nil {
			_ = b.opt.Store.Delete(ctx, next.Key)
			return fmt.Errorf("broker: save %s: %w", keySourceVersion, err)
		}
		b.dropSources(ctx, ver.Key, next.Seq)
		b.mu.Lock()
		b.snap, b.snapVer = s, next
		b.mu.Unlock()
		return nil
	}
	return fmt.Errorf("broker: set the source: %w %d times in a row", ErrConflict, maxSwaps)
}

// dropSources deletes the previous source snapshot and any left by an
// earlier number (a writer that crashed between writing its snapshot and
// the swap, or lost the swap and could not delete it): a snapshot
// numbered below the current one can never become current, as its
// writer's swap compares with a version record that is gone.
func (b *Broker) dropSources(ctx context.Context, prev string, cur int64) {
	drop := func(k string) {
		if err := b.opt.Store.Delete(ctx, k); err != nil {
			b.opt.Log.Warn("broker: delete an old source", "key", k, "err", err)
		}
	}
	if prev != "" {
		drop(prev)
	}
	keys, err := b.opt.Store.List(ctx, "source/")
	if err != nil {
		b.opt.Log.Warn("broker: list the sources", "err", err)
		return
	}
	for _, k := range keys {
		num, _, _ := strings.Cut(strings.TrimPrefix(k, "source/"), "-")
		if n, err := strconv.ParseInt(num, 10, 64); err == nil && n < cur && k != prev {
			drop(k)
		}
	}
}

// lock holds inst at held's data, unless it is locked already (by this
// instance or another).
func (b *Broker) lock(ctx context.Context, held, cur *orgmodel.Snapshot, inst, from, to string, seq int64, now time.Time) error {
	if _, _, found, err := getJSON[Lock](ctx, b.opt.Store, keyLock(inst)); err != nil || found {
		return err // still held at the data of the first lock
	}
	lk := &Lock{Institution: inst, From: from, To: to, At: now, Explanation: explainRoll(held, cur, inst, now),
		Held: fmt.Sprintf("held/%s/%d-%s", inst, seq, uniqueSuffix())}
	if err := b.putJSON(ctx, lk.Held, held); err != nil {
		return err
	}
	made, err := b.create(ctx, keyLock(inst), lk)
	if err != nil || !made {
		_ = b.opt.Store.Delete(ctx, lk.Held)
		return err
	}
	b.mu.Lock()
	b.held[lk.Held] = held
	b.notify(Event{Kind: "locked", Institution: inst, At: now,
		Text: fmt.Sprintf("institution %s is held at school year %s until an administrator releases it", inst, from)})
	b.mu.Unlock()
	return nil
}

// Snapshot returns the latest source snapshot (nil before the first).
func (b *Broker) Snapshot() *orgmodel.Snapshot {
	s, err := b.source(context.Background())
	if err != nil {
		b.opt.Log.Warn("broker: load the source; using the one in memory", "err", err)
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.snap
	}
	return s
}

// heldSnapshot returns the data lk holds (kept in memory once loaded).
func (b *Broker) heldSnapshot(ctx context.Context, lk *Lock) (*orgmodel.Snapshot, error) {
	key := lk.heldKey()
	b.mu.Lock()
	s := b.held[key]
	b.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := b.loadSnapshot(ctx, key)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.held[key] = s
	b.mu.Unlock()
	return s, nil
}

// locks reads the locks from the store, by institution.
func (b *Broker) locks(ctx context.Context) (map[string]*Lock, error) {
	_, ls, _, err := listJSON[Lock](ctx, b.opt.Store, "lock/")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Lock, len(ls))
	for i := range ls {
		out[ls[i].Institution] = &ls[i]
	}
	return out, nil
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
	_, ls, _, err := listJSON[Lock](context.Background(), b.opt.Store, "lock/")
	if err != nil {
		b.opt.Log.Error("broker: locks", "err", err)
	}
	slices.SortFunc(ls, func(x, y Lock) int { return cmpString(x.Institution, y.Institution) })
	return ls
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
// not recreated. With Options.Leases every client's lease is taken first
// (the class identities are the clients' state): while another instance
// holds one, nothing is released (ErrLeased).
func (b *Broker) Release(ctx context.Context, inst, by string) error {
	defer b.planAheadAll() // when done, locks released
	defer b.flush()
	lk, raw, found, err := getJSON[Lock](ctx, b.opt.Store, keyLock(inst))
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("lock %q: %w", inst, ErrUnknown)
	}
	for _, n := range b.names {
		held, done, err := b.hold(ctx, n)
		if err != nil {
			return fmt.Errorf("release %s: %w", inst, err)
		}
		defer done()
		ctx = joinDone(ctx, held)
	}
	cur, err := b.source(ctx)
	if err != nil {
		return err
	}
	heldSnap, err := b.heldSnapshot(ctx, &lk)
	if err != nil {
		return err
	}
	now := b.opt.Clock()
	// Decided before the class identities are carried: a second Release
	// of the same lock (another instance, a retry) finds it gone.
	if err := b.swap(ctx, keyLock(inst), raw, nil); errors.Is(err, ErrConflict) {
		return fmt.Errorf("lock %q: released or changed meanwhile: %w", inst, ErrUnknown)
	} else if err != nil {
		return fmt.Errorf("release %s: %w", inst, err)
	}
	roll := rollOf(heldSnap, cur, inst, now)
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
	b.mu.Lock()
	delete(b.held, lk.heldKey())
	b.notify(Event{Kind: "released", Institution: inst, At: now,
		Text: fmt.Sprintf("institution %s released by %s: moves from %s to %s", inst, by, lk.From, lk.To)})
	b.mu.Unlock()
	if err := b.opt.Store.Delete(ctx, lk.heldKey()); err != nil {
		return err
	}
	return nil
}

// joinDone returns ctx, cancelled also when held is done (a lease lost).
func joinDone(ctx, held context.Context) context.Context {
	if ctx == held {
		return ctx
	}
	out, cancel := context.WithCancel(ctx)
	context.AfterFunc(held, cancel)
	return out
}

// AddKeepAlive keeps a person of the current snapshot active until until,
// even when the source drops them.
func (b *Broker) AddKeepAlive(ctx context.Context, personID string, until time.Time, by, reason string) error {
	snap, err := b.source(ctx)
	if err != nil {
		return err
	}
	if snap == nil {
		return ErrNoSnapshot
	}
	p, ok := snap.Person(personID)
	if !ok {
		return fmt.Errorf("keep-alive: person %q: %w", personID, ErrUnknown)
	}
	var affs []orgmodel.Affiliation
	for _, a := range snap.Affiliations {
		if a.PersonID == personID {
			affs = append(affs, a)
		}
	}
	return b.putJSON(ctx, keyKeepAlive(personID), &KeepAlive{PersonID: personID, Until: until, By: by, Reason: reason,
		At: b.opt.Clock(), Person: p, Affiliations: affs})
}

// RemoveKeepAlive ends a keep-alive entry.
func (b *Broker) RemoveKeepAlive(ctx context.Context, personID string) error {
	_, err := update(ctx, b, keyKeepAlive(personID), func(_ *KeepAlive, found bool) (op, error) {
		if !found {
			return opKeep, fmt.Errorf("keep-alive: person %q: %w", personID, ErrUnknown)
		}
		return opDelete, nil
	})
	return err
}

// KeepAlives returns the keep-alive list (expired entries included until
// the next run drops them), sorted by person.
func (b *Broker) KeepAlives() []KeepAlive {
	_, ks, _, err := listJSON[KeepAlive](context.Background(), b.opt.Store, "keepalive/")
	if err != nil {
		b.opt.Log.Error("broker: keep-alive list", "err", err)
	}
	slices.SortFunc(ks, func(x, y KeepAlive) int { return cmpString(x.PersonID, y.PersonID) })
	return ks
}

// effective returns the snapshot the clients are synced to now: the
// source's, with each locked institution's data as it was held, and the
// persons on the keep-alive list carried. Expired keep-alive entries are
// deleted.
func (b *Broker) effective(ctx context.Context, now time.Time) (*orgmodel.Snapshot, error) {
	src, err := b.source(ctx)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, ErrNoSnapshot
	}
	locks, err := b.locks(ctx)
	if err != nil {
		return nil, err
	}
	held := make(map[string]*orgmodel.Snapshot, len(locks))
	for inst, lk := range locks {
		if held[inst], err = b.heldSnapshot(ctx, lk); err != nil {
			return nil, err
		}
	}
	keys, ks, raws, err := listJSON[KeepAlive](ctx, b.opt.Store, "keepalive/")
	if err != nil {
		return nil, err
	}
	keep := map[string]*KeepAlive{}
	for i := range ks {
		if now.Before(ks[i].Until) {
			keep[ks[i].PersonID] = &ks[i]
			continue
		}
		// Expired: gone unless it was renewed meanwhile.
		if err := b.swap(ctx, keys[i], raws[i], nil); err != nil && !errors.Is(err, ErrConflict) {
			return nil, fmt.Errorf("broker: drop expired keep-alive %s: %w", ks[i].PersonID, err)
		}
	}
	if len(locks) == 0 && len(keep) == 0 {
		return src, nil
	}
	out := &orgmodel.Snapshot{SchoolYear: src.SchoolYear}
	locked := func(inst string) bool { _, ok := locks[inst]; return ok }
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
	for _, inst := range sortedKeys(locks) {
		h := held[inst]
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
	for _, id := range sortedKeys(keep) {
		k := keep[id]
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
	snap, err := b.source(ctx)
	if err != nil {
		return err
	}
	if snap == nil {
		return ErrNoSnapshot
	}
	if _, ok := snap.Person(personID); !ok {
		return fmt.Errorf("primary: person %q: %w", personID, ErrUnknown)
	}
	if !slices.ContainsFunc(snap.Affiliations, func(a orgmodel.Affiliation) bool {
		return a.PersonID == personID && snap.AffiliationInstitution(a) == inst
	}) {
		return fmt.Errorf("primary: person %s has no affiliation at institution %q: %w", personID, inst, ErrUnknown)
	}
	return b.putJSON(ctx, keyPrimary(personID), &Primary{PersonID: personID, Institution: inst, By: by, At: b.opt.Clock()})
}

// ClearPrimary removes a person's override.
func (b *Broker) ClearPrimary(ctx context.Context, personID string) error {
	_, err := update(ctx, b, keyPrimary(personID), func(_ *Primary, found bool) (op, error) {
		if !found {
			return opKeep, fmt.Errorf("primary: person %q: %w", personID, ErrUnknown)
		}
		return opDelete, nil
	})
	return err
}

// Primaries returns the overrides, sorted by person.
func (b *Broker) Primaries() []Primary {
	_, ps, _, err := listJSON[Primary](context.Background(), b.opt.Store, "primary/")
	if err != nil {
		b.opt.Log.Error("broker: primary overrides", "err", err)
	}
	slices.SortFunc(ps, func(x, y Primary) int { return cmpString(x.PersonID, y.PersonID) })
	return ps
}

// primaryMap is the overrides as provision.Job.Primary wants them.
func (b *Broker) primaryMap(ctx context.Context) (map[string]string, error) {
	_, ps, _, err := listJSON[Primary](ctx, b.opt.Store, "primary/")
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.PersonID] = p.Institution
	}
	return m, nil
}

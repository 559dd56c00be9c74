package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/adapters/auditlog/anomaly"
	"github.com/orgsync/orgsync/broker"
)

// staffPrefix is where a StaffDirectory keeps its entries in the broker's
// store: "audit/staff/<principal id>".
const staffPrefix = "audit/staff/"

// StaffDirectory tells the anomaly report each actor's role and scope, as
// the broker's own authorization model gives them: the institutions,
// classes and children of the principal (Principal.SeesInstitution and
// the UI's scoped search use the same fields). It learns a principal when
// it is configured (a token) or first authenticates (an API request, a UI
// sign-in) and keeps the latest scope in the broker's store under
// "audit/staff/<id>", so that a restart forgets nobody who acted. An
// actor the directory does not know is reported as an account that should
// not be searching (anomaly: "former"). A StaffDirectory is safe for
// concurrent use.
type StaffDirectory struct {
	// Store keeps the entries; nil keeps them in memory only.
	Store broker.Store

	mu     sync.Mutex
	loaded bool
	staff  map[string]StaffEntry
}

// StaffEntry is one principal as the directory knows it.
type StaffEntry struct {
	anomaly.Staff
	// Seen is when the scope was last learnt.
	Seen time.Time `json:"seen"`
}

// staffOf is the anomaly report's view of a principal.
func staffOf(p *Principal) anomaly.Staff {
	return anomaly.Staff{ID: p.ID, Role: string(p.Role), Institutions: slices.Clone(p.Institutions),
		Classes: slices.Clone(p.Classes), Persons: slices.Clone(p.Children), Wide: p.Municipal()}
}

// load reads the stored entries once; d.mu is held.
func (d *StaffDirectory) load(ctx context.Context) error {
	if d.loaded {
		return nil
	}
	d.staff = map[string]StaffEntry{}
	if d.Store != nil {
		keys, err := d.Store.List(ctx, staffPrefix)
		if err != nil {
			return fmt.Errorf("api: staff directory: %w", err)
		}
		for _, k := range keys {
			raw, err := d.Store.Get(ctx, k)
			if errors.Is(err, broker.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("api: staff directory: %w", err)
			}
			var e StaffEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("api: staff directory: %s: %w", k, err)
			}
			d.staff[e.ID] = e
		}
	}
	d.loaded = true
	return nil
}

// Observe learns p's current role and scope at now. It writes to the
// store only when they changed, so it may be called on every request.
func (d *StaffDirectory) Observe(ctx context.Context, p *Principal, now time.Time) error {
	if d == nil || p == nil || p.ID == "" {
		return nil
	}
	st := staffOf(p)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.load(ctx); err != nil {
		return err
	}
	if old, ok := d.staff[p.ID]; ok && sameStaff(old.Staff, st) {
		return nil
	}
	e := StaffEntry{Staff: st, Seen: now.UTC()}
	if d.Store != nil {
		raw, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("api: staff directory: %w", err)
		}
		if err := d.Store.Put(ctx, staffPrefix+p.ID, raw); err != nil {
			return fmt.Errorf("api: staff directory: %s: %w", p.ID, err)
		}
	}
	d.staff[p.ID] = e
	return nil
}

func sameStaff(a, b anomaly.Staff) bool {
	return a.ID == b.ID && a.Role == b.Role && a.Wide == b.Wide && a.Left.Equal(b.Left) &&
		slices.Equal(a.Institutions, b.Institutions) && slices.Equal(a.Classes, b.Classes) && slices.Equal(a.Persons, b.Persons)
}

// Staff returns the known principals by id, for anomaly.Directory.Staff.
func (d *StaffDirectory) Staff(ctx context.Context) (map[string]anomaly.Staff, error) {
	out := map[string]anomaly.Staff{}
	if d == nil {
		return out, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	for id, e := range d.staff {
		out[id] = e.Staff
	}
	return out, nil
}

// Entries returns the known principals with when each was last learnt,
// sorted by id.
func (d *StaffDirectory) Entries(ctx context.Context) ([]StaffEntry, error) {
	if d == nil {
		return nil, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	out := make([]StaffEntry, 0, len(d.staff))
	for _, e := range d.staff {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b StaffEntry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// observe tells a's staff directory about p; a failure is logged by the
// caller and never stops the request.
func (a *AuditAccess) observe(ctx context.Context, p *Principal, now time.Time) error {
	if a == nil || a.Staff == nil {
		return nil
	}
	return a.Staff.Observe(ctx, p, now)
}

// ObserveSignIn tells the staff directory (if any) about a principal who
// signed in to the admin UI.
func (a *AuditAccess) ObserveSignIn(ctx context.Context, p *Principal, now time.Time) error {
	return a.observe(ctx, p, now)
}

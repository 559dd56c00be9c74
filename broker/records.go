package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The broker's keys in its Store (see the package documentation,
// "State"). Every item is a record of its own, changed by a
// compare-and-swap (Swapper), so that instances sharing the store never
// lose each other's changes.
const (
	// keySourceVersion names the current source snapshot: a
	// sourceVersion whose Key holds the snapshot. A new snapshot is
	// written under a new key and then made current by swapping this
	// record, so a reader never sees half of one.
	keySourceVersion = "source-version"
	// keyApprovalNext holds the last approval number given out.
	keyApprovalNext = "approval-next"
	// keyLegacy is the whole record of earlier versions, split once by
	// migrate.
	keyLegacy = "broker"
	// keyLegacySource is where earlier versions kept the source.
	keyLegacySource = "source"
)

func keyStatus(client string) string    { return "client/" + client + "/status" }
func keyState(client string) string     { return "client/" + client + "/state" }
func keyLock(inst string) string        { return "lock/" + inst }
func keyApproval(id string) string      { return "approval/" + id }
func keyApprovalPlan(id string) string  { return "approval-plan/" + id }
func keyKeepAlive(person string) string { return "keepalive/" + person }
func keyPrimary(person string) string   { return "primary/" + person }

// sourceVersion is the record under keySourceVersion.
type sourceVersion struct {
	// Seq grows by one with every snapshot set.
	Seq int64 `json:"seq"`
	// Key holds the snapshot ("source/<seq>-<random>").
	Key string `json:"key"`
}

// uniqueSuffix is a random suffix for keys written before they are made
// current (two instances never pick the same).
func uniqueSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// op is what an update does with the record after f changed it.
type op int

const (
	opPut op = iota
	opDelete
	opKeep // leave the record as it is
)

// maxSwaps bounds the retries of one update: each retry means another
// writer changed the record meanwhile, so many in a row is a fault.
const maxSwaps = 100

// swap is Swapper.Swap on the broker's store; a store that is no Swapper
// gets the same among this instance's goroutines only.
func (b *Broker) swap(ctx context.Context, key string, old, new []byte) error {
	if s, ok := b.opt.Store.(Swapper); ok {
		return s.Swap(ctx, key, old, new)
	}
	b.swapMu.Lock()
	defer b.swapMu.Unlock()
	cur, err := b.opt.Store.Get(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		if old != nil {
			return fmt.Errorf("swap %q: %w", key, ErrConflict)
		}
	case err != nil:
		return err
	case !same(cur, true, old):
		return fmt.Errorf("swap %q: %w", key, ErrConflict)
	}
	if new == nil {
		return b.opt.Store.Delete(ctx, key)
	}
	return b.opt.Store.Put(ctx, key, new)
}

// getJSON reads the record under key into a T; found is false (and the
// T zero) when the key is absent. raw is the value read (nil if absent),
// for a later swap.
func getJSON[T any](ctx context.Context, s Store, key string) (v T, raw []byte, found bool, err error) {
	raw, err = s.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return v, nil, false, nil
	}
	if err != nil {
		return v, nil, false, fmt.Errorf("broker: load %s: %w", key, err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, nil, false, fmt.Errorf("broker: load %s: %w", key, err)
	}
	return v, raw, true, nil
}

// update changes the record under key by a read-modify-swap loop: f gets
// the record as stored (the zero T and found false when absent) and says
// what to do with it; when another writer changed the record meanwhile,
// f runs again on the newer record. It returns the record as written.
func update[T any](ctx context.Context, b *Broker, key string, f func(v *T, found bool) (op, error)) (T, error) {
	for range maxSwaps {
		v, raw, found, err := getJSON[T](ctx, b.opt.Store, key)
		if err != nil {
			return v, err
		}
		what, err := f(&v, found)
		if err != nil || what == opKeep {
			return v, err
		}
		var next []byte
		if what == opPut {
			if next, err = json.Marshal(&v); err != nil {
				return v, fmt.Errorf("broker: save %s: %w", key, err)
			}
		} else if !found {
			return v, nil
		}
		err = b.swap(ctx, key, raw, next)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return v, fmt.Errorf("broker: save %s: %w", key, err)
		}
		return v, nil
	}
	var zero T
	return zero, fmt.Errorf("broker: save %s: %w %d times in a row", key, ErrConflict, maxSwaps)
}

// create writes v under key unless the key exists; it reports whether it
// wrote.
func (b *Broker) create(ctx context.Context, key string, v any) (bool, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return false, fmt.Errorf("broker: save %s: %w", key, err)
	}
	err = b.swap(ctx, key, nil, raw)
	if errors.Is(err, ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("broker: save %s: %w", key, err)
	}
	return true, nil
}

// listJSON reads every record under prefix, in key order; a key deleted
// between the listing and the read is skipped. raws are the values read.
func listJSON[T any](ctx context.Context, s Store, prefix string) (keys []string, vals []T, raws [][]byte, err error) {
	all, err := s.List(ctx, prefix)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("broker: list %s: %w", prefix, err)
	}
	for _, k := range all {
		v, raw, found, err := getJSON[T](ctx, s, k)
		if err != nil {
			return nil, nil, nil, err
		}
		if found {
			keys, vals, raws = append(keys, k), append(vals, v), append(raws, raw)
		}
	}
	return keys, vals, raws, nil
}

// legacyRecord is what earlier versions kept under the one key "broker".
type legacyRecord struct {
	Clients   map[string]*Status    `json:"clients"`
	Locks     map[string]*Lock      `json:"locks"`
	Approvals []*Approval           `json:"approvals"`
	KeepAlive map[string]*KeepAlive `json:"keepAlive"`
	Primary   map[string]*Primary   `json:"primary"`
	NextID    int                   `json:"nextId"`
}

// migrate splits the whole record of earlier versions ("broker") into
// the per-item records, once, and names the legacy source snapshot in
// keySourceVersion. Every record is created only where none exists, and
// the old record is deleted only if it is still the one read, so that
// two instances starting at once (or a migration interrupted and run
// again) give the same result.
func (b *Broker) migrate(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if _, err := b.opt.Store.Get(ctx, keySourceVersion); errors.Is(err, ErrNotFound) {
		if _, err := b.opt.Store.Get(ctx, keyLegacySource); err == nil {
			if _, err := b.create(ctx, keySourceVersion, sourceVersion{Seq: 1, Key: keyLegacySource}); err != nil {
				return fmt.Errorf("broker: migrate: %w", err)
			}
		} else if !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("broker: migrate: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("broker: migrate: %w", err)
	}
	raw, err := b.opt.Store.Get(ctx, keyLegacy)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("broker: migrate: %w", err)
	}
	var rec legacyRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return fmt.Errorf("broker: migrate the record %q: %w", keyLegacy, err)
	}
	type item struct {
		key string
		v   any
	}
	var items []item
	for n, st := range rec.Clients {
		items = append(items, item{keyStatus(n), st})
	}
	for inst, l := range rec.Locks {
		items = append(items, item{keyLock(inst), l})
	}
	for _, a := range rec.Approvals {
		if a.Saved != nil {
			items = append(items, item{keyApprovalPlan(a.ID), a.Saved})
		}
		small := *a
		small.Saved = nil
		items = append(items, item{keyApproval(a.ID), &small})
	}
	for p, k := range rec.KeepAlive {
		items = append(items, item{keyKeepAlive(p), k})
	}
	for p, x := range rec.Primary {
		items = append(items, item{keyPrimary(p), x})
	}
	for _, it := range items {
		if _, err := b.create(ctx, it.key, it.v); err != nil {
			return fmt.Errorf("broker: migrate: %w", err)
		}
	}
	if _, err := update(ctx, b, keyApprovalNext, func(n *int, _ bool) (op, error) {
		if *n >= rec.NextID {
			return opKeep, nil
		}
		*n = rec.NextID
		return opPut, nil
	}); err != nil {
		return fmt.Errorf("broker: migrate: %w", err)
	}
	if err := b.swap(ctx, keyLegacy, raw, nil); err != nil && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("broker: migrate: %w", err)
	}
	b.opt.Log.Info("broker: state split into per-item records", "clients", len(rec.Clients), "locks", len(rec.Locks),
		"approvals", len(rec.Approvals), "keepAlive", len(rec.KeepAlive), "primary", len(rec.Primary))
	return nil
}

// approvalNumber orders approval IDs (numbers; others after them).
func approvalNumber(id string) int {
	n, err := strconv.Atoi(id)
	if err != nil {
		return int(^uint(0) >> 1)
	}
	return n
}

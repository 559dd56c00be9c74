package snapstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/internal/atomicfile"
	"github.com/orgsync/orgsync/orgmodel"
)

// FileStore keeps snapshots as JSON files in one directory, the embedded
// default. Each snapshot is "snapshot-<ID>.json" holding the
// orgmodel.Snapshot as the starter binaries read it; the guard state is
// "guard.json". Every write goes to a temporary file in the same directory,
// is synced and then renamed over the target, so a reader never sees half a
// file. A FileStore is safe for concurrent use in one process.
type FileStore struct {
	dir string
	mu  sync.Mutex
}

var _ Store = (*FileStore)(nil)

// OpenFiles returns a FileStore in dir, creating the directory if needed.
func OpenFiles(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("snapstore: open %s: %w", dir, err)
	}
	return &FileStore{dir: dir}, nil
}

const snapPrefix, snapSuffix = "snapshot-", ".json"

// Save writes s as a new snapshot file. Two saves at the same instant get
// distinct, ordered IDs.
func (f *FileStore) Save(ctx context.Context, s *orgmodel.Snapshot, at time.Time) (Meta, error) {
	if err := ctx.Err(); err != nil {
		return Meta{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := idFor(at)
	ids, err := f.ids()
	if err != nil {
		return Meta{}, fmt.Errorf("snapstore: save: %w", err)
	}
	if n := len(ids); n > 0 && ids[n-1] >= id {
		id = ids[n-1] + "+" // later than the latest, whatever the clock says
	}
	b, err := json.Marshal(s)
	if err != nil {
		return Meta{}, fmt.Errorf("snapstore: save: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(f.dir, snapPrefix+id+snapSuffix), b, 0o640); err != nil {
		return Meta{}, fmt.Errorf("snapstore: save: %w", err)
	}
	return metaOf(s, at, id), nil
}

// ids returns the stored snapshot IDs in ascending order.
func (f *FileStore) ids() ([]string, error) {
	ents, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, snapPrefix) && strings.HasSuffix(n, snapSuffix) {
			ids = append(ids, strings.TrimSuffix(strings.TrimPrefix(n, snapPrefix), snapSuffix))
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// List returns the IDs of the stored snapshots, oldest first.
func (f *FileStore) List(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids, err := f.ids()
	if err != nil {
		return nil, fmt.Errorf("snapstore: list: %w", err)
	}
	return ids, nil
}

// Load reads the snapshot with the given ID.
func (f *FileStore) Load(ctx context.Context, id string) (*orgmodel.Snapshot, error) {
	if strings.ContainsAny(id, `/\`) {
		return nil, fmt.Errorf("snapstore: load %q: %w", id, fs.ErrInvalid)
	}
	s, err := ReadSnapshotFile(filepath.Join(f.dir, snapPrefix+id+snapSuffix))
	if err != nil {
		return nil, fmt.Errorf("snapstore: load %s: %w", id, err)
	}
	return s, nil
}

// Latest returns the newest snapshot, or ErrEmpty.
func (f *FileStore) Latest(ctx context.Context) (*orgmodel.Snapshot, Meta, error) {
	f.mu.Lock()
	ids, err := f.ids()
	f.mu.Unlock()
	if err != nil {
		return nil, Meta{}, fmt.Errorf("snapstore: latest: %w", err)
	}
	if len(ids) == 0 {
		return nil, Meta{}, ErrEmpty
	}
	id := ids[len(ids)-1]
	path := filepath.Join(f.dir, snapPrefix+id+snapSuffix)
	s, err := ReadSnapshotFile(path)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("snapstore: latest: %w", err)
	}
	var at time.Time
	if fi, err := os.Stat(path); err == nil {
		at = fi.ModTime().UTC()
	}
	if t, err := time.Parse("20060102T150405.000000000Z", strings.TrimRight(id, "+")); err == nil {
		at = t
	}
	return s, metaOf(s, at, id), nil
}

// Prune deletes all but the newest keep snapshots.
func (f *FileStore) Prune(ctx context.Context, keep int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids, err := f.ids()
	if err != nil {
		return fmt.Errorf("snapstore: prune: %w", err)
	}
	for len(ids) > keep && len(ids) > 0 {
		if err := os.Remove(filepath.Join(f.dir, snapPrefix+ids[0]+snapSuffix)); err != nil {
			return fmt.Errorf("snapstore: prune: %w", err)
		}
		ids = ids[1:]
	}
	return nil
}

// LoadGuardState reads guard.json; a missing file is an empty state.
func (f *FileStore) LoadGuardState(ctx context.Context) (GuardState, error) {
	var st GuardState
	b, err := os.ReadFile(filepath.Join(f.dir, "guard.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("snapstore: load guard state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("snapstore: load guard state: %w", err)
	}
	return st, nil
}

// SaveGuardState writes guard.json atomically.
func (f *FileStore) SaveGuardState(ctx context.Context, st GuardState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("snapstore: save guard state: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(f.dir, "guard.json"), b, 0o640); err != nil {
		return fmt.Errorf("snapstore: save guard state: %w", err)
	}
	return nil
}

// ReadSnapshotFile reads an orgmodel.Snapshot from a JSON file with
// orgmodel.ReadSnapshotJSON (unknown fields are an error).
func ReadSnapshotFile(path string) (*orgmodel.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := orgmodel.ReadSnapshotJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// WriteFileAtomic writes data to path so that readers see either the old
// or the new content: a temporary file in the same directory is written,
// synced, renamed over path, and the directory is synced. It is
// internal/atomicfile.WriteFile, kept here for callers of this package.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	return atomicfile.WriteFile(path, data, perm)
}

package broker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/adapters/snapstore"
)

// ErrNotFound is returned by Store.Get for a key that was never put (or
// was deleted).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned by Swapper.Swap when the value under the key is
// no longer the one the caller read: another writer changed it first.
var ErrConflict = errors.New("conflict: the value changed meanwhile")

// Store keeps the broker's state as values under keys, one small record
// per item (a client's status, a lock, an approval, a keep-alive entry;
// see the package documentation, "State"), each client's deployment
// state and the snapshots. Values are opaque bytes (JSON); keys are short
// slash-separated text.
//
// The embedded default is FileStore; MemoryStore is for tests. A store
// for production (e.g. MariaDB) passes the shared suite in
// broker/storetest. Implementations are safe for concurrent use; a Put is
// atomic (a reader sees the old value or the new one, never a mix). A
// store shared by several broker instances must also be a Swapper, so
// that two instances changing the same record never lose either change.
type Store interface {
	// Get returns the value under key, or an error matching ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put stores value under key, replacing what was there.
	Put(ctx context.Context, key string, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the keys that start with prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
}

// Swapper is a Store that changes a value only if it is still the value
// the caller read (compare-and-swap): the broker's read-modify-write of a
// record is then safe among several instances sharing the store.
// MemoryStore, FileStore, broker/mariadb.Store and broker/tenant's
// prefixed stores implement it.
type Swapper interface {
	Store
	// Swap stores new under key if the value there is old, byte for
	// byte, and returns an error matching ErrConflict otherwise. A nil old
	// means "the key is absent", a nil new deletes the key. (An empty
	// value is []byte{}, not nil.)
	Swap(ctx context.Context, key string, old, new []byte) error
}

// MemoryStore is a Store in memory. The zero value is ready to use.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, fmt.Errorf("get %q: %w", key, ErrNotFound)
	}
	return slices.Clone(v), nil
}

// Put implements Store.
func (s *MemoryStore) Put(_ context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = slices.Clone(value)
	return nil
}

// Swap implements Swapper.
func (s *MemoryStore) Swap(_ context.Context, key string, old, new []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.m[key]
	if !same(cur, ok, old) {
		return fmt.Errorf("swap %q: %w", key, ErrConflict)
	}
	if new == nil {
		delete(s.m, key)
		return nil
	}
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = slices.Clone(new)
	return nil
}

// same reports whether the current value (cur, present) is old (nil:
// absent).
func same(cur []byte, present bool, old []byte) bool {
	if old == nil {
		return !present
	}
	return present && bytes.Equal(cur, old)
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// List implements Store.
func (s *MemoryStore) List(_ context.Context, prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

// FileStore is the embedded default Store: one file per key in a folder,
// written atomically (a temporary file and a rename), so that a crash
// leaves either the old value or the new one. It needs nothing installed.
// It is for one process: its Swap is atomic among the goroutines of the
// process that opened it, not among processes sharing the folder.
type FileStore struct {
	dir string
	mu  sync.Mutex
}

// OpenFileStore opens (and creates) the folder dir as a FileStore.
func OpenFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open file store: %w", err)
	}
	return &FileStore{dir: dir}, nil
}

func (s *FileStore) path(key string) string {
	return filepath.Join(s.dir, url.PathEscape(key)+".json")
}

// Get implements Store.
func (s *FileStore) Get(_ context.Context, key string) ([]byte, error) {
	b, err := os.ReadFile(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("get %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	return b, nil
}

// Put implements Store.
func (s *FileStore) Put(_ context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := snapstore.WriteFileAtomic(s.path(key), value, 0o600); err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	return nil
}

// Swap implements Swapper.
func (s *FileStore) Swap(_ context.Context, key string, old, new []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := os.ReadFile(s.path(key))
	present := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("swap %q: %w", key, err)
	}
	if !same(cur, present, old) {
		return fmt.Errorf("swap %q: %w", key, ErrConflict)
	}
	if new == nil {
		if err := os.Remove(s.path(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("swap %q: %w", key, err)
		}
		return nil
	}
	if err := snapstore.WriteFileAtomic(s.path(key), new, 0o600); err != nil {
		return fmt.Errorf("swap %q: %w", key, err)
	}
	return nil
}

// Delete implements Store.
func (s *FileStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.path(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete %q: %w", key, err)
	}
	return nil
}

// List implements Store.
func (s *FileStore) List(_ context.Context, prefix string) ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	var out []string
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		k, err := url.PathUnescape(name)
		if err != nil || !strings.HasPrefix(k, prefix) {
			continue
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}

func checkKey(key string) error {
	if key == "" || len(key) > 200 {
		return fmt.Errorf("put: key %q: want 1 to 200 characters", key)
	}
	return nil
}

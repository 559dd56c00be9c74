package tenant

import (
	"context"
	"fmt"
	"strings"

	"github.com/orgsync/orgsync/broker"
)

// Prefixed returns the part of s under prefix as a Store of its own: its
// keys are stored with prefix in front, and List sees only them (without
// the prefix). A municipality's broker gets one, so that no key of
// another municipality can be named through it.
func Prefixed(s broker.Store, prefix string) broker.Store { return prefixed{s, prefix} }

type prefixed struct {
	s      broker.Store
	prefix string
}

func (p prefixed) Get(ctx context.Context, key string) ([]byte, error) {
	return p.s.Get(ctx, p.prefix+key)
}

func (p prefixed) Put(ctx context.Context, key string, value []byte) error {
	if key == "" {
		// Every store refuses the empty key; with the prefix in front
		// the underlying store would not.
		return fmt.Errorf("put: key %q: want 1 to 200 characters", key)
	}
	return p.s.Put(ctx, p.prefix+key, value)
}

func (p prefixed) Delete(ctx context.Context, key string) error {
	return p.s.Delete(ctx, p.prefix+key)
}

func (p prefixed) List(ctx context.Context, prefix string) ([]string, error) {
	keys, err := p.s.List(ctx, p.prefix+prefix)
	for i, k := range keys {
		keys[i] = strings.TrimPrefix(k, p.prefix)
	}
	return keys, err
}

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
// another municipality can be named through it. It is a broker.Swapper
// when s is one.
func Prefixed(s broker.Store, prefix string) broker.Store {
	if sw, ok := s.(broker.Swapper); ok {
		return prefixedSwapper{prefixed{s, prefix}, sw}
	}
	return prefixed{s, prefix}
}

type prefixedSwapper struct {
	prefixed
	sw broker.Swapper
}

func (p prefixedSwapper) Swap(ctx context.Context, key string, old, new []byte) error {
	if key == "" {
		return fmt.Errorf("swap: key %q: want 1 to 200 characters", key)
	}
	return p.sw.Swap(ctx, p.prefix+key, old, new)
}

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

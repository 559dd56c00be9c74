// Package storetest is the suite every broker.Store passes: the embedded
// FileStore and MemoryStore here, and a production store (e.g. MariaDB)
// in its own package's test:
//
//	func TestSuite(t *testing.T) { storetest.Run(t, func(t *testing.T) broker.Store { return open(t) }) }
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/broker"
)

// Run runs the suite; open returns a new, empty store for each subtest.
func Run(t *testing.T, open func(t *testing.T) broker.Store) {
	ctx := context.Background()
	t.Run("missing", func(t *testing.T) {
		s := open(t)
		if _, err := s.Get(ctx, "nope"); !errors.Is(err, broker.ErrNotFound) {
			t.Fatalf("Get missing = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "nope"); err != nil {
			t.Fatalf("Delete missing = %v", err)
		}
	})
	t.Run("put get overwrite delete", func(t *testing.T) {
		s := open(t)
		for _, v := range []string{`{"a":1}`, `{"a":2}`, ``} {
			if err := s.Put(ctx, "client/ad/state", []byte(v)); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, "client/ad/state")
			if err != nil || string(got) != v {
				t.Fatalf("Get = %q, %v; want %q", got, err, v)
			}
		}
		if err := s.Delete(ctx, "client/ad/state"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "client/ad/state"); !errors.Is(err, broker.ErrNotFound) {
			t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
		}
	})
	t.Run("list", func(t *testing.T) {
		s := open(t)
		for _, k := range []string{"held/2", "broker", "held/1", "held", "client/x y/state", "client/æ/state"} {
			if err := s.Put(ctx, k, []byte("{}")); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.List(ctx, "held/")
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"held/1", "held/2"}, got); d != "" {
			t.Errorf("List(held/) (-want +got):\n%s", d)
		}
		got, _ = s.List(ctx, "client/")
		if d := cmp.Diff([]string{"client/x y/state", "client/æ/state"}, got); d != "" {
			t.Errorf("List(client/) (-want +got):\n%s", d)
		}
		got, _ = s.List(ctx, "")
		if len(got) != 6 {
			t.Errorf("List(\"\") = %q, want 6 keys", got)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		s := open(t)
		if err := s.Put(ctx, "", []byte("x")); err == nil {
			t.Error("Put with an empty key: no error")
		}
	})
	t.Run("value not aliased", func(t *testing.T) {
		s := open(t)
		v := []byte("abc")
		if err := s.Put(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
		v[0] = 'x'
		got, _ := s.Get(ctx, "k")
		got[1] = 'y'
		again, _ := s.Get(ctx, "k")
		if string(again) != "abc" {
			t.Errorf("stored value changed through a caller's slice: %q", again)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 10 {
					if err := s.Put(ctx, fmt.Sprintf("k/%d", i), []byte(fmt.Sprint(j))); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		keys, _ := s.List(ctx, "k/")
		if len(keys) != 8 {
			t.Fatalf("keys = %q, want 8", keys)
		}
		for _, k := range keys {
			if v, err := s.Get(ctx, k); err != nil || string(v) != "9" {
				t.Errorf("Get(%s) = %q, %v; want 9", k, v, err)
			}
		}
	})
}

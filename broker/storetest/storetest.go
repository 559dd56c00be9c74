// Package storetest is the suite every broker.Store passes: the embedded
// FileStore and MemoryStore here, and a production store (e.g. MariaDB)
// in its own package's test:
//
//	func TestSuite(t *testing.T) { storetest.Run(t, func(t *testing.T) broker.Store { return open(t) }) }
//
// Run checks the store's operations, its compare-and-swap
// (broker.Swapper) among them. RunShared checks the broker on the store
// as several instances use it: two brokers on one store, each changing
// records at the same time as the other, and nothing either did is lost.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	t.Run("swap", func(t *testing.T) { testSwap(t, open(t)) })
	t.Run("swap concurrent", func(t *testing.T) { testSwapConcurrent(t, open(t)) })
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

func swapper(t *testing.T, s broker.Store) broker.Swapper {
	t.Helper()
	sw, ok := s.(broker.Swapper)
	if !ok {
		t.Fatalf("%T is no broker.Swapper: several broker instances would lose each other's changes", s)
	}
	return sw
}

// testSwap: Swap changes a value only from the value given (nil: absent)
// and deletes with a nil new value.
func testSwap(t *testing.T, st broker.Store) {
	ctx := context.Background()
	s := swapper(t, st)
	get := func(k string) string {
		t.Helper()
		v, err := s.Get(ctx, k)
		if errors.Is(err, broker.ErrNotFound) {
			return "<absent>"
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(v)
	}
	steps := []struct {
		old, new []byte
		ok       bool
		after    string
	}{
		{nil, nil, true, "<absent>"},                   // absent stays absent
		{[]byte("a"), nil, false, "<absent>"},          // delete of a value not there
		{[]byte("a"), []byte("b"), false, "<absent>"},  // update of a value not there
		{nil, []byte("a"), true, "a"},                  // create
		{nil, []byte("b"), false, "a"},                 // create over a value
		{nil, nil, false, "a"},                         // "absent" while present
		{[]byte("x"), []byte("b"), false, "a"},         // wrong old value
		{[]byte("a"), []byte("b"), true, "b"},          // update
		{[]byte("b"), []byte("b"), true, "b"},          // same value
		{[]byte("a"), []byte("a"), false, "b"},         // same value, wrong old
		{[]byte("bb"), nil, false, "b"},                // delete with a wrong old
		{[]byte("b"), nil, true, "<absent>"},           // delete
		{nil, []byte{}, true, ""},                      // an empty value is a value
		{nil, []byte("c"), false, ""},                  // ... so create refuses
		{[]byte{}, []byte(`{"n":1}`), true, `{"n":1}`}, // and update works from it
	}
	for i, st := range steps {
		err := s.Swap(ctx, "rec/1", st.old, st.new)
		switch {
		case st.ok && err != nil:
			t.Fatalf("step %d: Swap(%q → %q) = %v", i, st.old, st.new, err)
		case !st.ok && !errors.Is(err, broker.ErrConflict):
			t.Fatalf("step %d: Swap(%q → %q) = %v, want ErrConflict", i, st.old, st.new, err)
		}
		if got := get("rec/1"); got != st.after {
			t.Fatalf("step %d: value %q, want %q", i, got, st.after)
		}
	}
	if err := s.Swap(ctx, "", nil, []byte("x")); err == nil {
		t.Error("Swap with an empty key: no error")
	}
	// A value swapped in is not the caller's slice.
	v := []byte("abc")
	if err := s.Swap(ctx, "rec/2", nil, v); err != nil {
		t.Fatal(err)
	}
	v[0] = 'x'
	if got := get("rec/2"); got != "abc" {
		t.Errorf("stored value changed through a caller's slice: %q", got)
	}
}

// testSwapConcurrent: goroutines increment one counter by read and swap,
// retrying on conflict; no increment is lost.
func testSwapConcurrent(t *testing.T, st broker.Store) {
	ctx := context.Background()
	s := swapper(t, st)
	const workers, each = 6, 15
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				for {
					cur, err := s.Get(ctx, "counter")
					var n int
					switch {
					case errors.Is(err, broker.ErrNotFound):
						cur = nil
					case err != nil:
						t.Error(err)
						return
					default:
						n, _ = strconv.Atoi(string(cur))
					}
					err = s.Swap(ctx, "counter", cur, []byte(strconv.Itoa(n+1)))
					if err == nil {
						break
					}
					if !errors.Is(err, broker.ErrConflict) {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	v, err := s.Get(ctx, "counter")
	if err != nil || string(v) != strconv.Itoa(workers*each) {
		t.Errorf("counter = %q, %v; want %d", v, err, workers*each)
	}
}

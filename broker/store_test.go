package broker_test

import (
	"testing"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/storetest"
)

func TestMemoryStoreSuite(t *testing.T) {
	storetest.Run(t, func(*testing.T) broker.Store { return &broker.MemoryStore{} })
}

func TestFileStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) broker.Store {
		s, err := broker.OpenFileStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMemoryStoreShared(t *testing.T) {
	storetest.RunShared(t, func(*testing.T) broker.Store { return &broker.MemoryStore{} })
}

func TestFileStoreShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) broker.Store {
		s, err := broker.OpenFileStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

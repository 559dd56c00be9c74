package main

import (
	"context"
	"testing"

	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/broker/api"
)

// TestStaffDirectoryFromTokens: the broker's anomaly report knows every
// configured token's role and scope from the start, kept in the broker's
// store (the file store: keys with "/" and "@").
func TestStaffDirectoryFromTokens(t *testing.T) {
	ctx := context.Background()
	store, err := broker.OpenFileStore(t.TempDir()) // the state folder's store
	if err != nil {
		t.Fatal(err)
	}
	d, err := staffDirectory(ctx, store, api.Tokens{
		"0123456789abcdef": {ID: "leder@skolen.dk", Kind: "person", Role: api.SchoolAdmin, Institutions: []string{"280101"}},
		"fedcba9876543210": {ID: "it-drift@kommune.dk", Kind: "person", Role: api.MunicipalAdmin},
	})
	if err != nil {
		t.Fatal(err)
	}
	staff, err := d.Staff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := staff["leder@skolen.dk"]; s.Role != "school-admin" || len(s.Institutions) != 1 || s.Institutions[0] != "280101" || s.Wide {
		t.Errorf("school administrator: %+v", s)
	}
	if s := staff["it-drift@kommune.dk"]; !s.Wide {
		t.Errorf("municipal administrator: %+v", s)
	}
	if keys, err := store.List(ctx, "audit/staff/"); err != nil || len(keys) != 2 {
		t.Errorf("stored: %v, %v", keys, err)
	}
}

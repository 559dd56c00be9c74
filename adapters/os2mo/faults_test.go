package os2mo_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/os2mo"
	"github.com/orgsync/orgsync/adapters/os2mo/os2mofake"
)

func TestFaults(t *testing.T) {
	t.Run("token expires mid-read", func(t *testing.T) {
		fake, c := newFake(t)
		municipality(fake)
		fake.SetFaults(os2mofake.Faults{ExpireTokensAfter: 10})
		res, err := c.Read(context.Background(), os2mo.Window{From: testNow}, mapping)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Snapshot.Persons) != 5 || len(res.Snapshot.Units) != 4 {
			t.Errorf("got %d persons, %d units after token refreshes", len(res.Snapshot.Persons), len(res.Snapshot.Units))
		}
	})
	t.Run("slow pages hit the deadline", func(t *testing.T) {
		fake, c := newFake(t)
		municipality(fake)
		fake.SetFaults(os2mofake.Faults{PageDelay: 50 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
		defer cancel()
		_, err := c.Read(ctx, os2mo.Window{From: testNow}, mapping)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, os2mo.ErrTransport) {
			t.Errorf("err = %v, want ErrTransport wrapping DeadlineExceeded", err)
		}
	})
	t.Run("graphql error", func(t *testing.T) {
		fake, c := newFake(t)
		municipality(fake)
		fake.SetFaults(os2mofake.Faults{FailRequest: 2})
		_, err := c.Read(context.Background(), os2mo.Window{From: testNow}, mapping)
		if !errors.Is(err, os2mo.ErrGraphQL) || !strings.Contains(err.Error(), "injected fault") || !strings.Contains(err.Error(), " page ") {
			t.Errorf("err = %v, want ErrGraphQL naming the collection and page", err)
		}
	})
	t.Run("bad credentials", func(t *testing.T) {
		fake := os2mofake.New("orgsync", "right")
		srv := httptest.NewServer(fake)
		defer srv.Close()
		c, _ := os2mo.New(os2mo.Config{URL: srv.URL, TokenURL: srv.URL + os2mofake.TokenPath, ClientID: "orgsync", ClientSecret: "wrong"})
		_, err := c.Read(context.Background(), os2mo.Window{From: testNow}, mapping)
		if !errors.Is(err, os2mo.ErrAuth) {
			t.Errorf("err = %v, want ErrAuth", err)
		}
	})
	t.Run("config", func(t *testing.T) {
		if _, err := os2mo.New(os2mo.Config{}); !errors.Is(err, os2mo.ErrConfig) {
			t.Errorf("err = %v, want ErrConfig", err)
		}
	})
}

func TestFakeRejectsInvalidQuery(t *testing.T) {
	fake := os2mofake.New("a", "b")
	srv := httptest.NewServer(fake)
	defer srv.Close()
	// Through the client's own transport: an unknown field is a GraphQL
	// validation error in the spec's error format.
	res, err := srv.Client().Post(srv.URL+os2mofake.GraphQLPath, "application/json", strings.NewReader(`{"query":"{ org_units { nope } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("without a token: HTTP %d, want 401", res.StatusCode)
	}
}

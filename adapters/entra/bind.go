package entra

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// binder coalesces concurrent AddMember calls for one group into a PATCH
// of the group with members@odata.bind (Graph takes up to 20 references
// per request). When that PATCH is refused (a member already in the group,
// say), every member is added on its own with POST members/$ref, which
// treats "already a member" as done.
type binder struct {
	mu     sync.Mutex
	groups map[string]*bindGroup // by group id
}

type bindGroup struct {
	calls []*bindCall
	full  chan struct{}
}

type bindCall struct {
	memberID string
	done     chan error
}

// maxBind is Graph's limit of references added in one request.
const maxBind = 20

// addMember adds a member to a group, coalescing with concurrent calls
// for the same group when batching is on.
func (c *Client) addMember(ctx context.Context, op, groupID, memberID string) error {
	if c.cfg.BatchSize == 1 {
		return c.addRef(ctx, op, groupID, memberID)
	}
	bc := &bindCall{memberID: memberID, done: make(chan error, 1)}
	b := &c.bind
	b.mu.Lock()
	if b.groups == nil {
		b.groups = map[string]*bindGroup{}
	}
	g := b.groups[groupID]
	leader := g == nil
	if leader {
		g = &bindGroup{full: make(chan struct{})}
		b.groups[groupID] = g
	}
	g.calls = append(g.calls, bc)
	if len(g.calls) == maxBind {
		close(g.full)
		delete(b.groups, groupID) // later calls start a new group
	}
	b.mu.Unlock()

	if leader {
		t := time.NewTimer(c.cfg.BatchWindow)
		select {
		case <-t.C:
		case <-g.full:
		case <-ctx.Done():
		}
		t.Stop()
		b.mu.Lock()
		if b.groups[groupID] == g {
			delete(b.groups, groupID)
		}
		calls := g.calls
		b.mu.Unlock()
		c.sendBind(ctx, op, groupID, calls)
	}
	select {
	case err := <-bc.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendBind adds the members of calls to a group and reports to each call.
func (c *Client) sendBind(ctx context.Context, op, groupID string, calls []*bindCall) {
	if len(calls) > 1 {
		refs := make([]string, len(calls))
		for i, bc := range calls {
			refs[i] = c.objectURL(bc.memberID)
		}
		_, err := c.send(ctx, request{op: op + " (with " + strconv.Itoa(len(calls)-1) + " more)", lag: true,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				ri, err := c.gs.Groups().ByGroupId(groupID).ToPatchRequestInformation(ctx, models.NewGroup(), nil)
				return withJSON(ri, err, map[string]any{"members@odata.bind": refs})
			}})
		var ge *GraphError
		if err == nil || !errors.As(err, &ge) || ge.Status != http.StatusBadRequest {
			for _, bc := range calls {
				bc.done <- err
			}
			return
		}
		c.log.Debug("entra: bulk member add refused; adding one by one", "group", groupID, "err", err)
	}
	var wg sync.WaitGroup
	for _, bc := range calls {
		wg.Go(func() { bc.done <- c.addRef(ctx, op, groupID, bc.memberID) })
	}
	wg.Wait()
}

// addRef adds one member with POST /groups/{id}/members/$ref.
func (c *Client) addRef(ctx context.Context, op, groupID, memberID string) error {
	_, err := c.send(ctx, request{op: op, lag: true,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			ri, err := c.gs.Groups().ByGroupId(groupID).Members().Ref().ToPostRequestInformation(ctx, models.NewReferenceCreate(), nil)
			return withJSON(ri, err, map[string]any{"@odata.id": c.objectURL(memberID)})
		},
		accept: func(e *GraphError) bool { return e.exists() }})
	return err
}

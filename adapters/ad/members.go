package ad

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// maxMemberBatch caps the member values sent in one modify. Fewer, larger
// modifies matter on big groups: Samba rewrites the group's whole record,
// member list included, with every modify, so filling a 5,000-member group
// 64 members at a time costs far more than 1,000 at a time. 1,000 DNs are
// about 100 KB, well inside AD's 10 MB request limit.
const maxMemberBatch = 1000

// memberBatcher coalesces concurrent member changes of one group into one
// modify (group commit): the first caller for a group sends its change at
// once; callers arriving while it is in flight queue up and the next one
// sends all of them together. A batch the server refuses as a whole is
// retried member by member, so each caller gets its own answer.
type memberBatcher struct {
	c      *Client
	mu     sync.Mutex
	groups map[string]*memberQueue
}

type memberQueue struct {
	queue []*memberReq
}

type memberReq struct {
	key, dn string
	done    chan struct{}
	lead    chan struct{}
	err     error
}

func (b *memberBatcher) do(ctx context.Context, add bool, groupKey, groupDN, memberKey, memberDN string) error {
	qk := "-" + groupKey
	if add {
		qk = "+" + groupKey
	}
	r := &memberReq{key: memberKey, dn: memberDN, done: make(chan struct{}), lead: make(chan struct{})}
	b.mu.Lock()
	if b.groups == nil {
		b.groups = map[string]*memberQueue{}
	}
	q, busy := b.groups[qk]
	if !busy {
		q = &memberQueue{}
		b.groups[qk] = q
	}
	q.queue = append(q.queue, r)
	b.mu.Unlock()
	if busy {
		select {
		case <-r.done:
			return r.err
		case <-r.lead:
		case <-ctx.Done():
			b.mu.Lock()
			if i := slices.Index(q.queue, r); i >= 0 {
				q.queue = slices.Delete(q.queue, i, i+1)
				select {
				case <-r.lead: // promoted meanwhile: pass it on
					b.promote(qk, q)
				default:
				}
				b.mu.Unlock()
				return ctx.Err()
			}
			b.mu.Unlock()
			<-r.done // already being sent by a leader
			return r.err
		}
	}
	// Leader: r is at the front of the queue.
	b.mu.Lock()
	n := min(len(q.queue), maxMemberBatch)
	batch := slices.Clone(q.queue[:n])
	q.queue = slices.Delete(q.queue, 0, n)
	b.mu.Unlock()

	b.flush(ctx, add, groupKey, groupDN, batch)

	b.mu.Lock()
	b.promote(qk, q)
	b.mu.Unlock()
	return r.err
}

// promote hands leadership to the next queued request, or retires the
// queue. b.mu must be held.
func (b *memberBatcher) promote(qk string, q *memberQueue) {
	if len(q.queue) > 0 {
		close(q.queue[0].lead)
		return
	}
	delete(b.groups, qk)
}

func (b *memberBatcher) flush(ctx context.Context, add bool, groupKey, groupDN string, batch []*memberReq) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	op := "remove-member"
	if add {
		op = "add-member"
	}
	if len(batch) > 1 {
		dns := make([]string, len(batch))
		for i, r := range batch {
			dns[i] = r.dn
		}
		if err := b.send(ctx, add, groupKey, groupDN, dns); err == nil {
			return
		} else if ctx.Err() != nil {
			for _, r := range batch {
				r.err = err
			}
			return
		}
	}
	// one by one, for exact answers (and idempotence)
	for _, r := range batch {
		err := b.send(ctx, add, groupKey, groupDN, []string{r.dn})
		if err != nil {
			code := resultCode(err)
			switch {
			case add && (code == ldap.LDAPResultAttributeOrValueExists || code == ldap.LDAPResultEntryAlreadyExists):
				err = nil // already a member
			case !add && (code == ldap.LDAPResultNoSuchAttribute || code == ldap.LDAPResultUnwillingToPerform):
				err = nil // not a member (AD answers 53 for that)
			}
		}
		r.err = retag(opError(op, groupKey, groupDN, err, "member"), op+" "+r.key+" to", groupKey)
	}
}

func (b *memberBatcher) send(ctx context.Context, add bool, groupKey, groupDN string, dns []string) error {
	mod := ldap.NewModifyRequest(groupDN, nil)
	if add {
		mod.Add("member", dns)
	} else {
		mod.Delete("member", dns)
	}
	err := b.c.do(ctx, func(conn *ldap.Conn) error { return conn.Modify(mod) })
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if err != nil && stale(err) {
		// the group moved under us: find it again
		if ge, lerr := b.c.locate(ctx, groupKey); lerr == nil && ge.dn != groupDN {
			mod.DN = ge.dn
			err = b.c.do(ctx, func(conn *ldap.Conn) error { return conn.Modify(mod) })
		}
	}
	return err
}

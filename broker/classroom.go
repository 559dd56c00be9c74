package broker

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/diff"
)

// ClassroomExecutor carries out one Google Classroom request and records
// it in the audit log; *google.Classroom is one.
type ClassroomExecutor interface {
	Do(ctx context.Context, req google.ClassroomRequest, aud diff.Auditor) error
}

// States of a queued Classroom request.
const (
	ClassroomPending = "pending"
	ClassroomDone    = "done"
	ClassroomFailed  = "failed"
)

// ClassroomItem is a queued Classroom request and what became of it.
type ClassroomItem struct {
	google.ClassroomRequest
	// State is ClassroomPending, ClassroomDone or ClassroomFailed.
	State string `json:"state"`
	// Err is the error of a failed request.
	Err string `json:"err,omitempty"`
	// Queued and Finished are when the request was made and carried out.
	Queued   time.Time `json:"queued"`
	Finished time.Time `json:"finished,omitzero"`
}

// ClassroomQueue holds the Classroom requests administrators make
// (transfer a classroom to another teacher, archive it, through POST
// /api/v1/classroom/requests) until the Google target carries them out
// with Run. The broker does not run the queue by itself: the binary that
// builds it calls Run on its own schedule, e.g. from Options.OnRun after
// each run of the Google client, or from a ticker. The queue is kept in
// memory: a request not yet run when the process stops is lost and must
// be made again (it is not in the audit log either, as nothing was done).
// It is safe for concurrent use.
type ClassroomQueue struct {
	exec  ClassroomExecutor
	aud   diff.Auditor
	clock func() time.Time

	mu    sync.Mutex
	seq   int
	items []*ClassroomItem
	run   sync.Mutex // one Run at a time
}

// NewClassroomQueue returns an empty queue whose requests exec carries
// out, recording them in aud (nil: no audit log). clock nil is time.Now.
func NewClassroomQueue(exec ClassroomExecutor, aud diff.Auditor, clock func() time.Time) *ClassroomQueue {
	if clock == nil {
		clock = time.Now
	}
	return &ClassroomQueue{exec: exec, aud: aud, clock: clock}
}

// Submit validates a request, gives it the next id and queues it.
func (q *ClassroomQueue) Submit(req google.ClassroomRequest) (ClassroomItem, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	req.ID = strconv.Itoa(q.seq + 1)
	if err := req.Validate(); err != nil {
		return ClassroomItem{}, fmt.Errorf("broker: classroom request: %w", err)
	}
	q.seq++
	it := &ClassroomItem{ClassroomRequest: req, State: ClassroomPending, Queued: q.clock()}
	q.items = append(q.items, it)
	return *it, nil
}

// List returns every request, oldest first.
func (q *ClassroomQueue) List() []ClassroomItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]ClassroomItem, 0, len(q.items))
	for _, it := range q.items {
		out = append(out, *it)
	}
	return out
}

// Run carries out the pending requests in the order they were made and
// returns how many succeeded and failed. A failed request is not retried:
// the administrator sees its error and makes it again.
func (q *ClassroomQueue) Run(ctx context.Context) (done, failed int) {
	q.run.Lock()
	defer q.run.Unlock()
	q.mu.Lock()
	var todo []*ClassroomItem
	for _, it := range q.items {
		if it.State == ClassroomPending {
			todo = append(todo, it)
		}
	}
	q.mu.Unlock()
	for _, it := range todo {
		if ctx.Err() != nil {
			break
		}
		err := q.exec.Do(ctx, it.ClassroomRequest, q.aud)
		q.mu.Lock()
		it.Finished = q.clock()
		if err != nil {
			it.State, it.Err = ClassroomFailed, err.Error()
			failed++
		} else {
			it.State = ClassroomDone
			done++
		}
		q.mu.Unlock()
	}
	return done, failed
}

// Pending returns the number of requests not yet carried out.
func (q *ClassroomQueue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(slices.DeleteFunc(slices.Clone(q.items), func(it *ClassroomItem) bool { return it.State != ClassroomPending }))
}

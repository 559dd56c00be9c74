package google

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/orgsync/orgsync/diff"
	classroom "google.golang.org/api/classroom/v1"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"
)

// ClassroomScopes are the OAuth scopes of Classroom requests: grant them
// to the service account's client id (domain-wide delegation) besides
// Scopes when administrators are to transfer or archive classrooms. They
// are kept apart from Scopes so that a domain that grants only those keeps
// working.
var ClassroomScopes = []string{classroom.ClassroomCoursesScope, classroom.ClassroomRostersScope}

// ErrClassroomRequest is wrapped by a Classroom request that is malformed
// (no course id, an unknown action, a transfer without a new owner).
var ErrClassroomRequest = errors.New("invalid classroom request")

// ClassroomAction is what a Classroom request asks for.
type ClassroomAction string

// Classroom actions.
const (
	// ClassroomTransfer makes NewOwner the owner of the course: the new
	// owner is added as a teacher (Classroom only lets a teacher own a
	// course), then the course's ownerId is changed. The old owner stays
	// a teacher.
	ClassroomTransfer ClassroomAction = "transfer"
	// ClassroomArchive sets the course's state to ARCHIVED: it stays
	// readable for its members but can no longer be changed.
	ClassroomArchive ClassroomAction = "archive"
)

// ClassroomRequest is one request an administrator makes about a Google
// Classroom course.
type ClassroomRequest struct {
	// ID identifies the request (it becomes the audit records' Op,
	// "classroom/<ID>").
	ID string `json:"id"`
	// Action is ClassroomTransfer or ClassroomArchive.
	Action ClassroomAction `json:"action"`
	// CourseID is the Classroom course id (or an alias such as
	// "d:<alias>").
	CourseID string `json:"courseId"`
	// NewOwner is the new owner's primary email (transfers only).
	NewOwner string `json:"newOwner,omitempty"`
	// RequestedBy is the administrator who made the request; it becomes
	// the audit records' Actor.
	RequestedBy string `json:"requestedBy"`
}

// Validate checks the request without a call to Google.
func (r ClassroomRequest) Validate() error {
	switch {
	case strings.TrimSpace(r.CourseID) == "":
		return fmt.Errorf("google: classroom request %q: courseId: %w: empty", r.ID, ErrClassroomRequest)
	case r.Action == ClassroomTransfer && !strings.Contains(r.NewOwner, "@"):
		return fmt.Errorf("google: classroom request %q: newOwner %q: %w: not an email address", r.ID, r.NewOwner, ErrClassroomRequest)
	case r.Action != ClassroomTransfer && r.Action != ClassroomArchive:
		return fmt.Errorf("google: classroom request %q: action %q: %w: want %q or %q", r.ID, r.Action, ErrClassroomRequest, ClassroomTransfer, ClassroomArchive)
	case strings.TrimSpace(r.RequestedBy) == "":
		return fmt.Errorf("google: classroom request %q: requestedBy: %w: empty", r.ID, ErrClassroomRequest)
	}
	return nil
}

// Classroom carries out Classroom requests through the Classroom API v1,
// with the same polite transport (throttling, retries) as Client. It is
// safe for concurrent use.
type Classroom struct {
	svc   *classroom.Service
	clock func() time.Time
}

// NewClassroom connects to the Classroom API. cfg is the Client's
// configuration (Endpoint, retries, quotas); opts carry credentials with
// ClassroomScopes, or option.WithHTTPClient for a fake.
func NewClassroom(ctx context.Context, cfg Config, opts ...option.ClientOption) (*Classroom, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	base, _, err := htransport.NewClient(ctx, append([]option.ClientOption{option.WithScopes(ClassroomScopes...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("google: new classroom client: %w", err)
	}
	hc := &http.Client{Transport: newTransport(base.Transport, cfg), Jar: base.Jar, Timeout: base.Timeout}
	o := []option.ClientOption{option.WithHTTPClient(hc)}
	if cfg.Endpoint != "" {
		o = append(o, option.WithEndpoint(strings.TrimRight(cfg.Endpoint, "/")+"/"))
	}
	svc, err := classroom.NewService(ctx, o...)
	if err != nil {
		return nil, fmt.Errorf("google: new classroom service: %w", err)
	}
	return &Classroom{svc: svc, clock: time.Now}, nil
}

// SetClock replaces the clock that stamps audit records (tests).
func (c *Classroom) SetClock(now func() time.Time) { c.clock = now }

// Do carries out one request, recording it in aud (when not nil) as a
// write-ahead pair: an intent before the first write and an outcome after,
// with Op "classroom/<ID>", Kind "course", Key "classroom/<CourseID>",
// the course name, and the changed field (ownerId as emails, courseState)
// with its before and after value. A course already in the asked state
// (owned by NewOwner, or archived) is done without a write or a record.
func (c *Classroom) Do(ctx context.Context, req ClassroomRequest, aud diff.Auditor) error {
	if err := req.Validate(); err != nil {
		return err
	}
	key := "classroom/" + req.CourseID
	course, err := c.svc.Courses.Get(req.CourseID).Context(ctx).Do()
	if err != nil {
		return wrap("get course", key, err)
	}
	rec := diff.AuditRecord{Op: "classroom/" + req.ID, Actor: req.RequestedBy, Action: diff.Update,
		Kind: diff.Kind("course"), Key: key, Name: course.Name}
	var write func() error
	switch req.Action {
	case ClassroomArchive:
		if course.CourseState == "ARCHIVED" {
			return nil
		}
		rec.Attrs = []diff.AttrChange{{Name: "courseState", Before: course.CourseState, After: "ARCHIVED"}}
		write = func() error {
			_, err := c.svc.Courses.Patch(req.CourseID, &classroom.Course{CourseState: "ARCHIVED"}).UpdateMask("courseState").Context(ctx).Do()
			return wrap("archive course", key, err)
		}
	case ClassroomTransfer:
		before, err := c.teacherEmail(ctx, req.CourseID, course.OwnerId)
		if err != nil {
			return wrap("read course owner", key, err)
		}
		if strings.EqualFold(before, req.NewOwner) {
			return nil
		}
		rec.Attrs = []diff.AttrChange{{Name: "ownerId", Before: before, After: req.NewOwner}}
		write = func() error {
			_, err := c.svc.Courses.Teachers.Create(req.CourseID, &classroom.Teacher{UserId: req.NewOwner}).Context(ctx).Do()
			if err = wrap("add teacher", key, err); err != nil && !errors.Is(err, diff.ErrExists) {
				return err
			}
			_, err = c.svc.Courses.Patch(req.CourseID, &classroom.Course{OwnerId: req.NewOwner}).UpdateMask("ownerId").Context(ctx).Do()
			return wrap("transfer course", key, err)
		}
	}
	if err := c.record(ctx, aud, rec, diff.PhaseIntent, nil); err != nil {
		return err
	}
	werr := write()
	if err := c.record(ctx, aud, rec, diff.PhaseOutcome, werr); err != nil && werr == nil {
		return err
	}
	return werr
}

// record writes one audit record of a request; outcome records carry only
// the identity and the error, as diff.Apply's do.
func (c *Classroom) record(ctx context.Context, aud diff.Auditor, rec diff.AuditRecord, phase string, werr error) error {
	if aud == nil {
		return nil
	}
	rec.Time, rec.Phase = c.clock(), phase
	if phase == diff.PhaseOutcome {
		rec.Name, rec.Attrs, rec.Attempts = "", nil, 1
		if werr != nil {
			rec.Err = werr.Error()
		}
	}
	if err := aud.Record(ctx, rec); err != nil {
		return fmt.Errorf("google: classroom request %s: audit: %w", rec.Op, err)
	}
	return nil
}

// teacherEmail returns the email of a course teacher by user id.
func (c *Classroom) teacherEmail(ctx context.Context, courseID, userID string) (string, error) {
	var email string
	err := c.svc.Courses.Teachers.List(courseID).Context(ctx).Pages(ctx, func(p *classroom.ListTeachersResponse) error {
		for _, t := range p.Teachers {
			if t.UserId == userID && t.Profile != nil {
				email = t.Profile.EmailAddress
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if email == "" {
		email = userID // an owner who is no longer a teacher: keep the id
	}
	return email, nil
}

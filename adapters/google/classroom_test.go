package google_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/diff"
	"google.golang.org/api/option"
)

func newClassroom(t *testing.T, f *googlefake.Fake) *google.Classroom {
	t.Helper()
	c, err := google.NewClassroom(context.Background(), fastConfig(f, google.Config{}), option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatal(err)
	}
	c.SetClock(func() time.Time { return time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC) })
	return c
}

// TestClassroomRequests: a transfer changes the owner in the fake and
// writes an intent and an outcome naming the administrator and both
// owners; an archive archives; a repeated request writes nothing.
func TestClassroomRequests(t *testing.T) {
	f := newFake(t, googlefake.Options{})
	f.AddUser("old@skole.test", "Old", "Owner", "/")
	f.AddUser("new@skole.test", "New", "Owner", "/")
	id, err := f.AddCourse("7A matematik", "old@skole.test")
	if err != nil {
		t.Fatal(err)
	}
	c := newClassroom(t, f)
	var buf bytes.Buffer
	aud := diff.NewJSONLAuditor(&buf)
	ctx := context.Background()

	tr := google.ClassroomRequest{ID: "r1", Action: google.ClassroomTransfer, CourseID: id, NewOwner: "new@skole.test", RequestedBy: "admin@kommune.dk"}
	if err := c.Do(ctx, tr, aud); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Course(id); got.Owner != "new@skole.test" || got.State != "ACTIVE" {
		t.Fatalf("after transfer: %+v", got)
	}
	log := buf.String()
	for _, want := range []string{`"phase":"intent"`, `"phase":"outcome"`, `"op":"classroom/r1"`, `"actor":"admin@kommune.dk"`,
		`"before":"old@skole.test"`, `"after":"new@skole.test"`, `"key":"classroom/` + id + `"`} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
	n := buf.Len()
	if err := c.Do(ctx, tr, aud); err != nil || buf.Len() != n {
		t.Errorf("repeated transfer: err %v, wrote %d more bytes", err, buf.Len()-n)
	}

	ar := google.ClassroomRequest{ID: "r2", Action: google.ClassroomArchive, CourseID: id, RequestedBy: "admin@kommune.dk"}
	if err := c.Do(ctx, ar, aud); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Course(id); got.State != "ARCHIVED" {
		t.Fatalf("after archive: %+v", got)
	}
	if !strings.Contains(buf.String(), `"after":"ARCHIVED"`) {
		t.Errorf("audit log lacks the archive:\n%s", buf.String())
	}
	if err := diff.VerifyAuditLog(strings.NewReader(buf.String())); err != nil {
		t.Errorf("audit log: %v", err)
	}
}

func TestClassroomRequestErrors(t *testing.T) {
	f := newFake(t, googlefake.Options{})
	c := newClassroom(t, f)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  google.ClassroomRequest
		want error
	}{
		{"no course", google.ClassroomRequest{ID: "a", Action: google.ClassroomArchive, RequestedBy: "x"}, google.ErrClassroomRequest},
		{"bad action", google.ClassroomRequest{ID: "b", Action: "delete", CourseID: "1", RequestedBy: "x"}, google.ErrClassroomRequest},
		{"no owner", google.ClassroomRequest{ID: "c", Action: google.ClassroomTransfer, CourseID: "1", RequestedBy: "x"}, google.ErrClassroomRequest},
		{"no requester", google.ClassroomRequest{ID: "d", Action: google.ClassroomArchive, CourseID: "1"}, google.ErrClassroomRequest},
		{"unknown course", google.ClassroomRequest{ID: "e", Action: google.ClassroomArchive, CourseID: "404", RequestedBy: "x"}, diff.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.Do(ctx, tc.req, nil); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

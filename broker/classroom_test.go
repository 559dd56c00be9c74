package broker_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/adapters/google"
	"github.com/orgsync/orgsync/adapters/google/googlefake"
	"github.com/orgsync/orgsync/broker"
	"github.com/orgsync/orgsync/diff"
	"google.golang.org/api/option"
)

// TestClassroomQueue: requests an administrator queues are carried out by
// the Google target in order, a failed one keeps its error, and the
// audit log holds the transfer and the archive.
func TestClassroomQueue(t *testing.T) {
	f := googlefake.New(googlefake.Options{})
	defer f.Close()
	f.AddUser("old@skole.test", "Old", "Owner", "/")
	f.AddUser("new@skole.test", "New", "Owner", "/")
	id, err := f.AddCourse("8B dansk", "old@skole.test")
	if err != nil {
		t.Fatal(err)
	}
	cls, err := google.NewClassroom(context.Background(), google.Config{Domain: "skole.test", Endpoint: f.URL(), Seed: 1},
		option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	now := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	q := broker.NewClassroomQueue(cls, diff.NewJSONLAuditor(&buf), func() time.Time { return now })

	if _, err := q.Submit(google.ClassroomRequest{Action: "delete", CourseID: id, RequestedBy: "a"}); !errors.Is(err, google.ErrClassroomRequest) {
		t.Fatalf("bad action: %v", err)
	}
	for _, r := range []google.ClassroomRequest{
		{Action: google.ClassroomTransfer, CourseID: id, NewOwner: "new@skole.test", RequestedBy: "admin@kommune.dk"},
		{Action: google.ClassroomArchive, CourseID: "404", RequestedBy: "admin@kommune.dk"},
		{Action: google.ClassroomArchive, CourseID: id, RequestedBy: "admin@kommune.dk"},
	} {
		if _, err := q.Submit(r); err != nil {
			t.Fatal(err)
		}
	}
	if q.Pending() != 3 {
		t.Fatalf("pending %d, want 3", q.Pending())
	}
	if done, failed := q.Run(context.Background()); done != 2 || failed != 1 {
		t.Fatalf("run: %d done, %d failed; want 2 and 1", done, failed)
	}
	if c, _ := f.Course(id); c.Owner != "new@skole.test" || c.State != "ARCHIVED" {
		t.Errorf("course: %+v", c)
	}
	items := q.List()
	if items[0].State != broker.ClassroomDone || items[1].State != broker.ClassroomFailed || items[1].Err == "" || items[2].ID != "3" {
		t.Errorf("items: %+v", items)
	}
	if got := strings.Count(buf.String(), `"phase":"intent"`); got != 2 {
		t.Errorf("%d intents in the audit log, want 2:\n%s", got, buf.String())
	}
	if err := diff.VerifyAuditLog(&buf); err != nil {
		t.Error(err)
	}
}

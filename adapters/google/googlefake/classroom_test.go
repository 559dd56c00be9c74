package googlefake_test

import (
	"context"
	"errors"
	"testing"

	"github.com/orgsync/orgsync/adapters/google/googlefake"
	classroom "google.golang.org/api/classroom/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// TestClassroomOwnerMustBeTeacher shows the Classroom subset: ownership
// passes only to a teacher of the course (400 FAILED_PRECONDITION
// IneligibleOwner otherwise), a teacher added twice is 409, a patch needs
// an updateMask, and courseState ARCHIVED archives.
func TestClassroomOwnerMustBeTeacher(t *testing.T) {
	f := googlefake.New(googlefake.Options{})
	defer f.Close()
	f.AddUser("old@skole.test", "Old", "Owner", "/")
	f.AddUser("new@skole.test", "New", "Owner", "/")
	id, err := f.AddCourse("7A matematik", "old@skole.test")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc, err := classroom.NewService(ctx, option.WithEndpoint(f.URL()+"/"), option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatal(err)
	}
	code := func(err error) int {
		var ge *googleapi.Error
		if errors.As(err, &ge) {
			return ge.Code
		}
		return 0
	}

	_, err = svc.Courses.Patch(id, &classroom.Course{OwnerId: "new@skole.test"}).UpdateMask("ownerId").Do()
	if code(err) != 400 {
		t.Fatalf("owner patch to a non-teacher: got %v, want 400 IneligibleOwner", err)
	}
	if _, err := svc.Courses.Patch(id, &classroom.Course{Name: "x"}).Do(); code(err) != 400 {
		t.Fatalf("patch without updateMask: got %v, want 400", err)
	}
	if _, err := svc.Courses.Teachers.Create(id, &classroom.Teacher{UserId: "new@skole.test"}).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Courses.Teachers.Create(id, &classroom.Teacher{UserId: "new@skole.test"}).Do(); code(err) != 409 {
		t.Fatalf("teacher added twice: got %v, want 409", err)
	}
	c, err := svc.Courses.Patch(id, &classroom.Course{OwnerId: "new@skole.test"}).UpdateMask("ownerId").Do()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Courses.Patch(id, &classroom.Course{CourseState: "ARCHIVED"}).UpdateMask("courseState").Do(); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Course(id)
	if got.Owner != "new@skole.test" || got.State != "ARCHIVED" || len(got.Teachers) != 2 || c.OwnerId == "" {
		t.Errorf("course after transfer and archive: %+v (ownerId %q)", got, c.OwnerId)
	}
}

package googlefake

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// The Classroom API v1 subset (https://classroom.googleapis.com/v1/…) that
// orgsync's Classroom requests use: courses.get and courses.patch
// (courseState, ownerId, name, section), courses.teachers.list and
// courses.teachers.create. Courses are made by AddCourse, not by
// courses.create: orgsync never creates classrooms, teachers do.
//
// What the fake enforces, as the real service documents it:
//   - courses.patch without an updateMask, or with a field outside
//     courseState, description, descriptionHeading, name, ownerId, room,
//     section, subject, is 400 INVALID_ARGUMENT ("Method: courses.patch").
//   - A new ownerId that is not a teacher of the course is 400
//     FAILED_PRECONDITION IneligibleOwner: ownership passes only to a
//     teacher, so a transfer adds the teacher first (courses.patch and
//     "Common Classroom API errors", IneligibleOwner).
//   - courses.teachers.create of a teacher already in the course is 409
//     ALREADY_EXISTS (courses.teachers.create).
//   - The course owner cannot be removed as a teacher (not routed: orgsync
//     removes no teachers).

// course is one classroom.
type course struct {
	ID       string
	Name     string
	Section  string
	OwnerID  string
	State    string
	Teachers []string // user ids, in the order they were added
	Updated  time.Time
}

// patchable are the fields courses.patch accepts in its updateMask.
var patchable = map[string]bool{"courseState": true, "description": true, "descriptionHeading": true,
	"name": true, "ownerId": true, "room": true, "section": true, "subject": true}

// courseStates are the values of Course.courseState.
var courseStates = map[string]bool{"ACTIVE": true, "ARCHIVED": true, "PROVISIONED": true, "DECLINED": true, "SUSPENDED": true}

func (f *Fake) classroomRoutes() {
	s := f.st
	f.method("GET /v1/courses/{id}", "classroom.courses.get", false, s.getCourse)
	f.method("PATCH /v1/courses/{id}", "classroom.courses.patch", true, s.patchCourse)
	f.method("GET /v1/courses/{courseId}/teachers", "classroom.courses.teachers.list", false, s.listTeachers)
	f.method("POST /v1/courses/{courseId}/teachers", "classroom.courses.teachers.create", true, s.createTeacher)
}

// failedPrecondition is Classroom's 400 FAILED_PRECONDITION with the
// request error's name in the message, as "@Name".
func failedPrecondition(name, format string, args ...any) *apiError {
	e := errf(400, "failedPrecondition", "@%s %s", name, fmt.Sprintf(format, args...))
	e.status = "FAILED_PRECONDITION"
	return e
}

func (s *store) courseByID(id string) (*course, error) {
	if c, ok := s.courses[id]; ok {
		return c, nil
	}
	e := notFound("Requested entity was not found.")
	e.status = "NOT_FOUND"
	return nil, e
}

// classroomUser resolves a user id or email to a user id.
func (s *store) classroomUser(k string) (string, error) {
	if u := s.userByKey(k); u != nil {
		return u.ID, nil
	}
	e := notFound("Requested entity was not found.")
	e.status = "NOT_FOUND"
	return "", e
}

func (s *store) courseJSON(c *course) map[string]any {
	return map[string]any{
		"id":            c.ID,
		"name":          c.Name,
		"section":       c.Section,
		"ownerId":       c.OwnerID,
		"courseState":   c.State,
		"updateTime":    c.Updated.UTC().Format(time.RFC3339Nano),
		"alternateLink": "https://classroom.google.com/c/" + c.ID,
	}
}

func (s *store) teacherJSON(courseID, userID string) map[string]any {
	u := s.users[userID]
	return map[string]any{
		"courseId": courseID,
		"userId":   userID,
		"profile": map[string]any{
			"id":           userID,
			"emailAddress": u.PrimaryEmail,
			"name":         map[string]any{"fullName": strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)},
		},
	}
}

func (s *store) getCourse(r *http.Request, _ []byte) (int, any, error) {
	c, err := s.courseByID(r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return 200, s.courseJSON(c), nil
}

func (s *store) patchCourse(r *http.Request, body []byte) (int, any, error) {
	c, err := s.courseByID(r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	mask := r.URL.Query().Get("updateMask")
	if mask == "" {
		e := invalid("Invalid argument: updateMask is required.")
		e.status = "INVALID_ARGUMENT"
		return 0, nil, e
	}
	fields := strings.Split(mask, ",")
	for _, fld := range fields {
		if !patchable[strings.TrimSpace(fld)] {
			e := invalid("Invalid field in updateMask: %s", fld)
			e.status = "INVALID_ARGUMENT"
			return 0, nil, e
		}
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	next := *c
	for _, fld := range fields {
		v, _, err := str(m, strings.TrimSpace(fld))
		if err != nil {
			return 0, nil, err
		}
		switch strings.TrimSpace(fld) {
		case "courseState":
			if !courseStates[v] {
				e := invalid("Invalid value at 'course.course_state': %q", v)
				e.status = "INVALID_ARGUMENT"
				return 0, nil, e
			}
			next.State = v
		case "ownerId":
			id, err := s.classroomUser(v)
			if err != nil {
				return 0, nil, err
			}
			if !slices.Contains(c.Teachers, id) {
				return 0, nil, failedPrecondition("IneligibleOwner", "The new owner must be a teacher of the course.")
			}
			next.OwnerID = id
		case "name":
			next.Name = v
		case "section":
			next.Section = v
		}
	}
	next.Updated = s.opts.Now()
	*c = next
	return 200, s.courseJSON(c), nil
}

func (s *store) listTeachers(r *http.Request, _ []byte) (int, any, error) {
	c, err := s.courseByID(r.PathValue("courseId"))
	if err != nil {
		return 0, nil, err
	}
	var out []any
	for _, id := range c.Teachers {
		out = append(out, s.teacherJSON(c.ID, id))
	}
	return 200, map[string]any{"teachers": out}, nil
}

func (s *store) createTeacher(r *http.Request, body []byte) (int, any, error) {
	c, err := s.courseByID(r.PathValue("courseId"))
	if err != nil {
		return 0, nil, err
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	k, ok, err := str(m, "userId")
	if err != nil {
		return 0, nil, err
	}
	if !ok || k == "" {
		e := invalid("Invalid argument: userId is required.")
		e.status = "INVALID_ARGUMENT"
		return 0, nil, e
	}
	id, err := s.classroomUser(k)
	if err != nil {
		return 0, nil, err
	}
	if slices.Contains(c.Teachers, id) {
		return 0, nil, duplicate("Requested entity already exists")
	}
	c.Teachers = append(c.Teachers, id)
	return 200, s.teacherJSON(c.ID, id), nil
}

// Course is a classroom as the fake holds it, for tests.
type Course struct {
	ID    string
	Name  string
	Owner string // primary email of the owner
	State string // courseState, e.g. "ACTIVE" or "ARCHIVED"
	// Teachers are the teachers' primary emails, sorted; the owner is one.
	Teachers []string
}

// AddCourse makes an ACTIVE classroom owned by the user owner (an email
// or id of an existing user), who is its first teacher, and returns its
// id.
func (f *Fake) AddCourse(name, owner string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.st
	id, err := s.classroomUser(owner)
	if err != nil {
		return "", fmt.Errorf("googlefake: add course %q: owner %q: %w", name, owner, err)
	}
	if s.courses == nil {
		s.courses = map[string]*course{}
	}
	s.seq++
	cid := fmt.Sprintf("%d", 600000000000+s.seq)
	s.courses[cid] = &course{ID: cid, Name: name, OwnerID: id, State: "ACTIVE", Teachers: []string{id}, Updated: s.opts.Now()}
	return cid, nil
}

// Course returns the classroom with the given id.
func (f *Fake) Course(id string) (Course, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.st.courses[id]
	if !ok {
		return Course{}, false
	}
	out := Course{ID: c.ID, Name: c.Name, Owner: f.st.emailOf(c.OwnerID), State: c.State}
	for _, t := range c.Teachers {
		out.Teachers = append(out.Teachers, f.st.emailOf(t))
	}
	sort.Strings(out.Teachers)
	return out, true
}

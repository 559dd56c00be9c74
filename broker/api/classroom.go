package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/orgsync/orgsync/adapters/google"
)

// ClassroomRequestBody is the body of POST /api/v1/classroom/requests.
type ClassroomRequestBody struct {
	// Action is "transfer" or "archive".
	Action google.ClassroomAction `json:"action"`
	// CourseID is the Classroom course id.
	CourseID string `json:"courseId"`
	// NewOwner is the new owner's email (transfers only).
	NewOwner string `json:"newOwner,omitempty"`
}

func (s *Server) classroomRequests(w http.ResponseWriter, _ *http.Request, _ *Principal) {
	if s.Classroom == nil {
		writeError(w, http.StatusNotFound, "no Google Classroom queue configured")
		return
	}
	writeJSON(w, http.StatusOK, s.Classroom.List())
}

// addClassroomRequest queues a request made by the principal; the Google
// target carries it out on the queue's next Run.
func (s *Server) addClassroomRequest(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.Classroom == nil {
		writeError(w, http.StatusNotFound, "no Google Classroom queue configured")
		return
	}
	var body ClassroomRequestBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "classroom request: "+err.Error())
		return
	}
	it, err := s.Classroom.Submit(google.ClassroomRequest{Action: body.Action, CourseID: body.CourseID, NewOwner: body.NewOwner, RequestedBy: p.ID})
	if errors.Is(err, google.ErrClassroomRequest) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		fail(w, err)
		return
	}
	s.Log.Info("api: classroom request", "principal", p.ID, "id", it.ID, "action", it.Action, "course", it.CourseID)
	writeJSON(w, http.StatusAccepted, it)
}

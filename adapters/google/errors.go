package google

import (
	"context"
	"errors"
	"fmt"

	"github.com/orgsync/orgsync/diff"
	"google.golang.org/api/googleapi"
)

// Error is a failed Google API operation. It unwraps to one of the diff
// sentinels (diff.ErrNotFound, diff.ErrExists, diff.ErrConstraint,
// diff.ErrTemporary) when the answer maps to one, and to the underlying
// *googleapi.Error.
type Error struct {
	// Op is the operation, e.g. "create user".
	Op string
	// Key is the orgsync key of the object.
	Key string
	// Code is the HTTP status (0 when the request never got an answer).
	Code int
	// Reason is Google's error reason, e.g. "duplicate".
	Reason string
	// Err is the underlying error.
	Err error

	sentinel error
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("google: %s %s: %v", e.Op, e.Key, e.Err)
}

// Unwrap returns the sentinel (if any) and the underlying error.
func (e *Error) Unwrap() []error {
	if e.sentinel == nil {
		return []error{e.Err}
	}
	return []error{e.sentinel, e.Err}
}

// wrap turns a client error into an *Error with its sentinel.
func wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var mine *Error
	if errors.As(err, &mine) {
		return err
	}
	e := &Error{Op: op, Key: key, Err: err}
	var ge *googleapi.Error
	switch {
	case errors.As(err, &ge):
		e.Code = ge.Code
		if len(ge.Errors) > 0 {
			e.Reason = ge.Errors[0].Reason
		}
		e.sentinel = sentinelFor(ge.Code, e.Reason)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	default:
		// A network error: the request may be tried again.
		e.sentinel = diff.ErrTemporary
	}
	return e
}

// fail makes an *Error with a given sentinel for a problem found before or
// without a request.
func fail(op, key string, sentinel error, format string, args ...any) error {
	return &Error{Op: op, Key: key, Err: fmt.Errorf(format, args...), sentinel: sentinel}
}

func sentinelFor(code int, reason string) error {
	switch {
	case code == 404:
		return diff.ErrNotFound
	case code == 409:
		return diff.ErrExists
	case code == 429 || code >= 500:
		return diff.ErrTemporary
	case code == 403 && isRateReason(reason):
		return diff.ErrTemporary
	case code == 400 || code == 412:
		return diff.ErrConstraint
	case code == 403 && (reason == "cannotDeleteNonemptyDrive" || reason == "teamDrivesParentLimit"):
		return diff.ErrConstraint
	}
	return nil
}

func isRateReason(r string) bool {
	for _, x := range rateReasons {
		if r == x {
			return true
		}
	}
	return false
}

// code returns the HTTP status of a client error, or 0.
func code(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}

// uncertain reports whether a write may have taken effect although it
// failed: a 5xx answer or no answer at all.
func uncertain(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	c := code(err)
	return c == 0 || c >= 500
}

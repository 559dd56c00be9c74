package diff

import "errors"

// Sentinel errors. Adapters translate their protocol errors into these
// (wrapped with %w) so that the core and callers can branch with errors.Is.
var (
	// ErrNotFound: the object does not exist in the target.
	ErrNotFound = errors.New("object not found")
	// ErrExists: an object with that identity or name already exists.
	ErrExists = errors.New("object already exists")
	// ErrConstraint: the target refused a value (length, syntax, policy).
	ErrConstraint = errors.New("constraint violation")
	// ErrTemporary: busy, unavailable, throttled; retrying may succeed.
	ErrTemporary = errors.New("temporary failure")
	// ErrUnmanaged: the change would touch an object without orgsync's mark.
	ErrUnmanaged = errors.New("object is not managed by orgsync")
	// ErrThreshold: a plan disables or deletes more than a safety threshold.
	ErrThreshold = errors.New("safety threshold exceeded")
	// ErrInvalidPlan: a plan is inconsistent (e.g. a change on an unknown key).
	ErrInvalidPlan = errors.New("invalid plan")
)

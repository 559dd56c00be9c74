package auditlog

import (
	"context"
	"fmt"
	"slices"
)

// Caller is who asks to read the log, and in which role.
type Caller struct {
	Actor Actor
	Role  string
}

// Authorize decides whether the caller may read the log (what names the
// part, e.g. "verify", "anomaly report", "spot check 2026-11"): only the
// review roles (Options.ReviewRoles: privacy and security by default) may.
// Every attempt is itself recorded, refused ones too; a refusal returns
// ErrForbidden. Call it before opening the log for a reader.
func (l *Log) Authorize(ctx context.Context, c Caller, what string) error {
	ok := c.Actor.ID != "" && slices.Contains(l.opt.ReviewRoles, c.Role)
	rec := Access{Time: l.opt.Clock().UTC(), Actor: c.Actor, Role: c.Role, What: what, Denied: !ok}
	if err := l.Append(ctx, rec); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s in role %q may not read the audit log (%s)", ErrForbidden, c.Actor.ID, c.Role, what)
	}
	return nil
}
